package org.tessera.boot.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.concurrent.Callable;

import org.tessera.kernel.runtime.ActorAddress;
import org.tessera.kernel.runtime.trace.Trace;
import org.tessera.kernel.runtime.trace.TraceFormatException;
import org.tessera.kernel.runtime.trace.TraceReader;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code tessera trace}: check and show recorded traces. */
@Command(name = "trace", description = "Check and show a recorded trace.",
    subcommands = {TraceCommand.Inspect.class, TraceCommand.Verify.class})
final class TraceCommand
{
    private static String address(final long a)
    {
        return a == ActorAddress.NONE ? "boot" :
            ActorAddress.cpu(a) + "/" + ActorAddress.service(a) + "/" + ActorAddress.instance(a);
    }

    static Trace load(final Path file, final PrintWriter err) throws IOException
    {
        try
        {
            return TraceReader.read(file);
        }
        catch (final TraceFormatException e)
        {
            err.println("tessera: " + file + ": " + e.getMessage());
            return null;
        }
    }

    /** {@code tessera trace verify FILE}. */
    @Command(name = "verify", description = "Check a trace file's header, lengths and checksums.")
    static final class Verify implements Callable<Integer>
    {
        @Spec
        CommandSpec spec;

        @Parameters(paramLabel = "FILE", description = "The trace file.")
        Path file;

        public Integer call() throws IOException
        {
            final Trace trace = load(file, spec.commandLine().getErr());
            if (trace == null)
            {
                return 1;
            }
            long records = 0;
            for (final Trace.Cpu cpu : trace.cpus())
            {
                records += cpu.records().size();
            }
            spec.commandLine().getOut().printf("%s: ok, %s mode, %d cpus, %d records, digest %016x%n", file,
                trace.mode().name().toLowerCase(), trace.cpuCount(), records, trace.runDigest());
            return 0;
        }
    }

    /** {@code tessera trace inspect FILE}. */
    @Command(name = "inspect", description = "Show a trace: header, per-CPU counts and digests, and records.")
    static final class Inspect implements Callable<Integer>
    {
        @Spec
        CommandSpec spec;

        @Parameters(paramLabel = "FILE", description = "The trace file.")
        Path file;

        @Option(names = "--records", description = "Records to show per CPU (default: ${DEFAULT-VALUE}).",
            defaultValue = "10")
        int records;

        public Integer call() throws IOException
        {
            final Trace trace = load(file, spec.commandLine().getErr());
            if (trace == null)
            {
                return 1;
            }
            final PrintWriter out = spec.commandLine().getOut();
            out.printf("trace %s%n  %s%n  mode %s, %d cpus, seed %d, digest %016x%n", file, trace.description(),
                trace.mode().name().toLowerCase(), trace.cpuCount(), trace.seed(), trace.runDigest());
            final HexFormat hex = HexFormat.of();
            for (final Trace.Cpu cpu : trace.cpus())
            {
                out.printf("cpu %d: %d records, digest %016x%n", cpu.cpu(), cpu.records().size(), cpu.cpuDigest());
                for (final Trace.ActorDigest a : cpu.actors())
                {
                    out.printf("  actor %s: %d handled, digest %016x%n", address(a.address()), a.handled(), a.digest());
                }
                int shown = 0;
                for (final Trace.Entry e : cpu.records())
                {
                    if (shown++ >= records)
                    {
                        out.printf("  ... %d more%n", cpu.records().size() - records);
                        break;
                    }
                    if (e instanceof Trace.Handled h)
                    {
                        out.printf("  #%d t=%d %s -> %s type %d/%d %s%n", h.sequence(), h.time(), address(h.source()),
                            address(h.destination()), h.msgTypeId() >>> 16, h.msgTypeId() & 0xFFFF,
                            hex.formatHex(h.message()));
                    }
                    else if (e instanceof Trace.State s)
                    {
                        out.printf("  #%d t=%d state %s -> %d (reason %d)%n", s.sequence(), s.time(), address(s.actor()),
                            s.state(), s.reason());
                    }
                }
            }
            return 0;
        }
    }
}
