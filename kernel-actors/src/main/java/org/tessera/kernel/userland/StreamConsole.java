package org.tessera.kernel.userland;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.io.UncheckedIOException;

import org.agrona.DirectBuffer;
import org.tessera.kernel.service.console.ConsoleSink;
import org.tessera.messages.proc.ProcessEventKind;

/**
 * The host end of the console: guests' descriptor 1 goes byte for byte to one stream,
 * descriptor 2 to another, and the kernel's process log (signal deaths, init's end) to a
 * writer (standard error). Writes from different CPU threads are serialised.
 */
public final class StreamConsole implements ConsoleSink
{
    private static final String[] SIGNALS = {"", "SIGHUP", "SIGINT", "SIGQUIT", "SIGILL", "SIGTRAP", "SIGABRT",
        "SIGBUS", "SIGFPE", "SIGKILL", "SIGUSR1", "SIGSEGV", "SIGUSR2", "SIGPIPE", "SIGALRM", "SIGTERM"};

    private final OutputStream out;
    private final OutputStream err;
    private final PrintWriter log;
    private final boolean verbose;
    private byte[] chunk = new byte[4096];

    /**
     * @param out     guests' standard output.
     * @param err     guests' standard error.
     * @param log     the kernel's messages.
     * @param verbose log every process's end, not only signal deaths and init's end.
     */
    public StreamConsole(final OutputStream out, final OutputStream err, final PrintWriter log, final boolean verbose)
    {
        this.out = out;
        this.err = err;
        this.log = log;
        this.verbose = verbose;
    }

    /** @return a signal's name, e.g. SIGSEGV. */
    public static String signalName(final int signal)
    {
        return signal > 0 && signal < SIGNALS.length ? SIGNALS[signal] : "signal " + signal;
    }

    public synchronized void write(final int cpu, final int pid, final int fd, final DirectBuffer buffer,
        final int offset, final int length)
    {
        if (chunk.length < length)
        {
            chunk = new byte[length];
        }
        buffer.getBytes(offset, chunk, 0, length);
        try
        {
            (fd == 1 ? out : err).write(chunk, 0, length);
        }
        catch (final IOException e)
        {
            throw new UncheckedIOException(e);
        }
    }

    public synchronized void event(final int cpu, final int pid, final int kind, final int status, final int cause,
        final long tval, final long pc)
    {
        if (kind == ProcessEventKind.FAULTED.value())
        {
            log.printf("tessera: pid %d killed by %s (cause %d at pc 0x%x, address 0x%x) on cpu %d%n", pid,
                signalName(status & 0x7F), cause, pc, tval, cpu);
        }
        else if (kind == ProcessEventKind.CREATE_FAILED.value())
        {
            log.printf("tessera: pid %d could not be created: error %d%n", pid, -status);
        }
        else if (kind == ProcessEventKind.EXITED.value() && verbose)
        {
            final int signal = status & 0x7F;
            log.printf("tessera: pid %d %s on cpu %d%n", pid, signal == 0 ? "exited with status " +
                ((status >> 8) & 0xFF) : "killed by " + signalName(signal), cpu);
        }
        log.flush();
    }

    /** Flush both streams. */
    public synchronized void flush()
    {
        try
        {
            out.flush();
            err.flush();
        }
        catch (final IOException e)
        {
            throw new UncheckedIOException(e);
        }
        log.flush();
    }
}
