package org.tessera.boot.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

import org.tessera.boot.elf.ElfFile;
import org.tessera.boot.elf.ElfFormatException;
import org.tessera.boot.image.BootImage;
import org.tessera.boot.image.MachineSpec;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code tessera run PROGRAM.elf [ARGS...]}: boot a default machine (2 CPUs, 512 MiB) with the
 * program as init, {@code argv[0]} exactly as typed and the launcher's environment exactly as
 * it got it, like {@code qemu-riscv64}. Options come before the program; everything after it
 * is the guest's (the command line must stop at the first positional parameter: see
 * {@link #execute}).
 */
@Command(name = "run", description = "Run a RISC-V ELF program as init on a default machine; standard output " +
    "carries only the guest's descriptor 1, the exit status is the program's.")
public final class RunCommand implements Callable<Integer>
{
    @Spec
    CommandSpec spec;

    @Option(names = "--cpus", description = "Virtual CPUs (default: ${DEFAULT-VALUE}).", defaultValue = "2")
    int cpus;

    @Option(names = "--memory", description = "Physical memory, e.g. 512M (default: ${DEFAULT-VALUE}).",
        defaultValue = "512M", converter = SizeConverter.class)
    long memory;

    @Option(names = "--tick", description = "User instructions per scheduler tick (default: ${DEFAULT-VALUE}).",
        defaultValue = "100000")
    long tick;

    @Option(names = "--mode", description = "host (one thread per CPU) or sim (one thread, virtual time) " +
        "(default: ${DEFAULT-VALUE}).", defaultValue = "host")
    String mode;

    @Option(names = "--seed", description = "Seed of the run (default: from the clock in host mode, 1 in sim mode).")
    Long seed;

    @Option(names = "--record", description = "Record every handled message to this trace file.")
    Path record;

    @Option(names = "--timeout", description = "Seconds before a host-mode run is declared hung (default: ${DEFAULT-VALUE}).",
        defaultValue = "600")
    long timeout;

    @Option(names = {"-E", "--env"}, paramLabel = "NAME=VALUE",
        description = "Set an environment variable of the guest (as qemu-riscv64 -E); repeatable.")
    List<String> env = new ArrayList<>();

    @Option(names = {"-U", "--unset"}, paramLabel = "NAME", description = "Remove a variable from the guest's " +
        "environment (as qemu-riscv64 -U, applied after every -E); repeatable.")
    List<String> unset = new ArrayList<>();

    @Option(names = {"-0", "--argv0"}, paramLabel = "ARGV0", description = "Give the guest this argv[0] instead " +
        "of the program path as typed (as qemu-riscv64 -0).")
    String argv0;

    @Option(names = "--verbose", description = "Log every process's end on standard error.")
    boolean verbose;

    @Parameters(index = "0", paramLabel = "PROGRAM.elf", description = "The program (argv[0] exactly as typed).")
    String program;

    @Parameters(index = "1..*", paramLabel = "ARGS", description = "The program's arguments.")
    List<String> args = new ArrayList<>();

    /**
     * Run {@code tessera run ARGS...} with the given writers (the in-process entry point).
     *
     * @return the exit status.
     */
    public static int execute(final PrintWriter out, final PrintWriter err, final String... args)
    {
        return configure(new CommandLine(new RunCommand())).setOut(out).setErr(err).execute(args);
    }

    /** @return the command line set up so that options after the program belong to the guest. */
    public static CommandLine configure(final CommandLine commandLine)
    {
        return commandLine.setStopAtPositional(true);
    }

    public Integer call() throws IOException
    {
        final PrintWriter err = spec.commandLine().getErr();
        final boolean simulate;
        switch (mode)
        {
            case "host" -> simulate = false;
            case "sim" -> simulate = true;
            default ->
            {
                err.println("tessera: unknown mode '" + mode + "' (use host or sim)");
                return 2;
            }
        }
        final Path file = Path.of(program);
        final byte[] elf;
        try
        {
            elf = Files.readAllBytes(file);
            ElfFile.parse(elf);
        }
        catch (final IOException e)
        {
            err.println("tessera: cannot read " + program + ": " + e.getMessage());
            return 1;
        }
        catch (final ElfFormatException e)
        {
            err.println("tessera: " + program + ": " + e.getMessage());
            return 1;
        }
        String name = file.getFileName().toString();
        if (name.endsWith(".elf"))
        {
            name = name.substring(0, name.length() - 4);
        }
        final MachineSpec machine;
        final BootImage image;
        try
        {
            machine = MachineSpec.DEFAULT.withCpus(cpus).withMemory(memory).withTick(tick);
            image = new BootImage(machine, Map.of(name, elf), name, List.of(name));
        }
        catch (final IllegalArgumentException e)
        {
            err.println("tessera: " + e.getMessage());
            return 2;
        }
        final List<byte[]> argv = new ArrayList<>();
        argv.add((argv0 != null ? argv0 : program).getBytes(StandardCharsets.UTF_8));
        for (final String a : args)
        {
            argv.add(a.getBytes(StandardCharsets.UTF_8));
        }
        final List<byte[]> environment = ProcessRun.hostEnvironment();
        for (final String assignment : env)
        {
            final int eq = assignment.indexOf('=');
            if (eq <= 0)
            {
                err.println("tessera: --env wants NAME=VALUE, got '" + assignment + "'");
                return 2;
            }
            final String variable = assignment.substring(0, eq);
            final byte[] bytes = assignment.getBytes(StandardCharsets.UTF_8);
            boolean replaced = false;
            for (int i = 0; i < environment.size(); i++)
            {
                if (startsWithName(environment.get(i), variable))
                {
                    environment.set(i, bytes);
                    replaced = true;
                }
            }
            if (!replaced)
            {
                environment.add(bytes);
            }
        }
        // removals apply after the settings, whatever their order on the command line
        for (final String name0 : unset)
        {
            environment.removeIf(e -> startsWithName(e, name0));
        }
        return ProcessRun.run(image, machine, simulate, seed, record, timeout, argv, environment, verbose,
            spec.commandLine().getOut(), err);
    }

    private static boolean startsWithName(final byte[] entry, final String variable)
    {
        final byte[] n = variable.getBytes(StandardCharsets.UTF_8);
        if (entry.length <= n.length || entry[n.length] != '=')
        {
            return false;
        }
        for (int i = 0; i < n.length; i++)
        {
            if (entry[i] != n[i])
            {
                return false;
            }
        }
        return true;
    }
}
