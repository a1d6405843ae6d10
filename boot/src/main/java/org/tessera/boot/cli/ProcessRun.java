package org.tessera.boot.cli;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.tessera.boot.image.BootImage;
import org.tessera.boot.image.ImageFormatException;
import org.tessera.boot.image.ImageReader;
import org.tessera.boot.image.MachineSpec;
import org.tessera.kernel.runtime.trace.TraceRecorder;
import org.tessera.kernel.userland.ProcessMachine;
import org.tessera.kernel.userland.StreamConsole;
import org.tessera.messages.trace.RunMode;

/**
 * Boots a machine with user processes, shared by {@code tessera run} and {@code tessera boot
 * IMAGE}: guests' descriptor 1 goes to the command's standard output byte for byte (each byte
 * as the char of the same value, so a writer with an ISO-8859-1 encoder reproduces it
 * exactly), their descriptor 2 and the kernel's messages, statistics and digest to standard
 * error. The exit status is init's, as a shell shows it (128 + signal for a signal death);
 * 70 when the run itself failed (timeout, kernel panic); 1 for an unusable image.
 */
public final class ProcessRun
{
    /** Status when the machine failed rather than init. */
    public static final int EX_SOFTWARE = 70;

    private ProcessRun()
    {
    }

    /**
     * {@code tessera boot IMAGE}: the entry point BootCommand calls when given an image.
     *
     * @param imageFile the image.
     * @param cpus      CPUs instead of the image's, or null.
     * @param simulate  simulation mode.
     * @param seed      the seed, or null (clock in host mode, 1 in simulation).
     * @param record    trace file, or null.
     * @param timeoutSeconds host-mode limit.
     * @param out       standard output (guests' descriptor 1 only).
     * @param err       standard error.
     * @return the exit status.
     */
    public static int boot(final Path imageFile, final Integer cpus, final boolean simulate, final Long seed,
        final Path record, final long timeoutSeconds, final PrintWriter out, final PrintWriter err)
    {
        final BootImage image;
        try
        {
            image = ImageReader.read(imageFile);
        }
        catch (final ImageFormatException e)
        {
            err.println("tessera: " + imageFile + ": " + e.getMessage());
            return 1;
        }
        catch (final IOException e)
        {
            err.println("tessera: cannot read " + imageFile + ": " + e.getMessage());
            return 1;
        }
        final MachineSpec spec = cpus == null ? image.machine() : image.machine().withCpus(cpus);
        final List<byte[]> argv = new ArrayList<>();
        for (final String a : image.initArgv())
        {
            argv.add(a.getBytes(StandardCharsets.UTF_8));
        }
        // an image's init starts with an empty environment: a booted machine takes nothing from the host
        return run(image, spec, simulate, seed, record, timeoutSeconds, argv, List.of(), false, out, err);
    }

    /**
     * Boot {@code image} on {@code spec} and run it to the end.
     *
     * @return the exit status.
     */
    public static int run(final BootImage image, final MachineSpec spec, final boolean simulate, final Long seed,
        final Path record, final long timeoutSeconds, final List<byte[]> argv, final List<byte[]> env,
        final boolean verbose, final PrintWriter out, final PrintWriter err)
    {
        final long s = seed != null ? seed : simulate ? 1 : System.nanoTime();
        final String what = spec.describe() + (simulate ? ", simulation mode" : ", host mode") + ", seed " + s;
        err.println("tessera: booting " + image.initName() + " on " + what);
        err.flush();
        final TraceRecorder recorder = record == null ? null : new TraceRecorder(spec.cpus());
        final OutputStream stdout = new CharBytes(out);
        final OutputStream stderr = new CharBytes(err);
        final StreamConsole console = new StreamConsole(stdout, stderr, err, verbose);
        final List<String> names = image.programNames();
        final List<byte[]> elfs = new ArrayList<>();
        for (final String name : names)
        {
            elfs.add(image.program(name));
        }
        try (ProcessMachine machine = new ProcessMachine(machineOf(spec), names, elfs, image.initName(), simulate, s,
            recorder, console, argv, env))
        {
            final ProcessMachine.Result r = machine.run(TimeUnit.SECONDS.toNanos(timeoutSeconds));
            console.flush();
            out.flush();
            if (!r.completed())
            {
                err.println("tessera: run failed: " + r.failure());
            }
            else
            {
                final int signal = r.initStatus() & 0x7F;
                err.println("tessera: init " + (signal == 0 ? "exited with status " + ((r.initStatus() >> 8) & 0xFF) :
                    "killed by " + StreamConsole.signalName(signal)));
            }
            err.printf("tessera: %d user instructions in %.3f ms %s (%.1f MIPS), %d frames not returned%n",
                r.instructions(), r.elapsedNanos() / 1e6, simulate ? "virtual" : "host",
                r.elapsedNanos() == 0 ? 0.0 : r.instructions() * 1e3 / r.elapsedNanos(), r.framesLeft());
            if (r.framesLeft() != 0 || r.accountingViolations() != 0)
            {
                err.println("tessera: frame accounting FAILED: " + r.framesLeft() + " frames leaked, " +
                    r.accountingViolations() + " violations");
            }
            if (r.capabilitySpacesLeft() != 0)
            {
                err.println("tessera: capability accounting FAILED: " + r.capabilitySpacesLeft() +
                    " process capability spaces still open");
            }
            if (recorder != null)
            {
                try
                {
                    recorder.write(record, simulate ? RunMode.SIMULATION : RunMode.HOST, s, r.digest(),
                        machine.machine().description(), "tessera " + what, machine.machine().cpus());
                    err.println("trace: written to " + record);
                }
                catch (final IOException e)
                {
                    err.println("tessera: could not write the trace: " + e.getMessage());
                }
            }
            err.println("digest " + r.digestHex());
            err.flush();
            return r.framesLeft() != 0 || r.accountingViolations() != 0 || r.capabilitySpacesLeft() != 0 ?
                EX_SOFTWARE : r.exitStatus();
        }
    }

    /** @return the loader's view of an image's machine. */
    public static ProcessMachine.Spec machineOf(final MachineSpec spec)
    {
        return new ProcessMachine.Spec(spec.cpus(), spec.memoryBytes(), spec.numaNodes(), spec.tickInstructions());
    }

    /** @return the launcher's environment exactly: /proc/self/environ's bytes in order, else System.getenv(). */
    public static List<byte[]> hostEnvironment()
    {
        final List<byte[]> env = new ArrayList<>();
        final Path environ = Path.of("/proc/self/environ");
        try
        {
            final byte[] all = Files.readAllBytes(environ);
            int start = 0;
            for (int i = 0; i < all.length; i++)
            {
                if (all[i] == 0)
                {
                    if (i > start)
                    {
                        env.add(java.util.Arrays.copyOfRange(all, start, i));
                    }
                    start = i + 1;
                }
            }
            if (start < all.length)
            {
                env.add(java.util.Arrays.copyOfRange(all, start, all.length));
            }
            return env;
        }
        catch (final IOException | UnsupportedOperationException e)
        {
            for (final Map.Entry<String, String> v : System.getenv().entrySet())
            {
                env.add((v.getKey() + "=" + v.getValue()).getBytes(StandardCharsets.UTF_8));
            }
            return env;
        }
    }

    /** Bytes to a writer, each byte as the char of the same value (ISO-8859-1), so no byte is altered. */
    static final class CharBytes extends OutputStream
    {
        private final Writer writer;

        CharBytes(final Writer writer)
        {
            this.writer = writer;
        }

        @Override
        public void write(final int b) throws IOException
        {
            writer.write(b & 0xFF);
        }

        @Override
        public void write(final byte[] b, final int off, final int len) throws IOException
        {
            final char[] chars = new char[len];
            for (int i = 0; i < len; i++)
            {
                chars[i] = (char)(b[off + i] & 0xFF);
            }
            writer.write(chars, 0, len);
        }

        @Override
        public void flush() throws IOException
        {
            writer.flush();
        }
    }
}
