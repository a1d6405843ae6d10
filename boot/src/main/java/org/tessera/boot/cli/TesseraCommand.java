package org.tessera.boot.cli;

import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code tessera} command line. */
@Command(name = "tessera", mixinStandardHelpOptions = true, version = "tessera 0.1.0",
    description = "Tessera: an actor-structured microkernel in Java.",
    subcommands = {BootCommand.class, RunCommand.class, ImageCommand.class, SimCommand.class, ReplayCommand.class,
        TraceCommand.class, BenchCommand.class, StatsCommand.class, DebugCommand.class, CommandLine.HelpCommand.class})
public final class TesseraCommand
{
    /** Run the command line; exits with the command's status. */
    public static void main(final String[] args)
    {
        // guest console output is bytes: ISO-8859-1 maps each byte to one char and back unchanged
        final PrintWriter out = new PrintWriter(new OutputStreamWriter(new FileOutputStream(FileDescriptor.out),
            StandardCharsets.ISO_8859_1), true);
        final int status = commandLine().setOut(out).execute(args);
        out.flush();
        System.exit(status);
    }

    /** @return the exit status of the command. */
    public static int execute(final String... args)
    {
        return commandLine().execute(args);
    }

    /** @return the exit status of the command, its output and errors written to the given writers. */
    public static int execute(final PrintWriter out, final PrintWriter err, final String... args)
    {
        return commandLine().setOut(out).setErr(err).execute(args);
    }

    private static CommandLine commandLine()
    {
        final CommandLine commandLine = new CommandLine(new TesseraCommand());
        // everything after the program of `tessera run` belongs to the guest
        RunCommand.configure(commandLine.getSubcommands().get("run"));
        return commandLine.setCaseInsensitiveEnumValuesAllowed(true)
            .setExecutionExceptionHandler((e, cmd, parsed) ->
            {
                if (e instanceof IllegalArgumentException)
                {
                    // a bad option value found while building the machine: say so, no stack trace
                    cmd.getErr().println("tessera: " + e.getMessage());
                    return 2;
                }
                throw e;
            });
    }
}
