package org.tessera.boot.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;

import org.tessera.kernel.runtime.machine.Replayer;
import org.tessera.kernel.runtime.trace.Trace;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code tessera replay TRACE}: replay a recorded run and stop where it diverges. */
@Command(name = "replay", description = "Replay a recorded trace: rebuild the machine, feed every CPU exactly the " +
    "messages it handled, check everything the actors send, every state change and every digest against the " +
    "recording, and stop at the first difference (exit status 1).")
final class ReplayCommand implements Callable<Integer>
{
    @Spec
    CommandSpec spec;

    @Parameters(paramLabel = "TRACE", description = "A trace written by --record.")
    Path file;

    public Integer call() throws IOException
    {
        final PrintWriter err = spec.commandLine().getErr();
        final Trace trace = TraceCommand.load(file, err);
        if (trace == null)
        {
            return 1;
        }
        err.println("tessera: replaying " + trace.description());
        final Replayer.Result r = Replayer.replay(trace);
        if (!r.exact())
        {
            err.println("replay: diverged after " + r.messages() + " messages: " + r.divergence());
            err.printf("digest %016x%n", r.digest());
            return 1;
        }
        err.println("replay: " + r.messages() + " messages on " + trace.cpuCount() + " cpus reproduced exactly");
        err.printf("digest %016x%n", r.digest());
        return 0;
    }
}
