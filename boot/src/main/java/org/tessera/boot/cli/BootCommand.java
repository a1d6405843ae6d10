package org.tessera.boot.cli;

import java.nio.file.Path;
import java.util.concurrent.Callable;

import org.tessera.kernel.runtime.machine.SimulationOptions;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code tessera boot}: boot the default machine and run the self-check workload. */
@Command(name = "boot", description = "Boot a machine. With IMAGE: run the image's programs from init on, print " +
    "their console output and exit with init's status. Without: start every CPU's loop and actors, run the " +
    "self-check workload (every CPU exchanges requests with every CPU), print a per-CPU summary and the digest.")
final class BootCommand implements Callable<Integer>
{
    @Spec
    CommandSpec spec;

    @Mixin
    MachineOptions machine = new MachineOptions();

    @Option(names = "--mode", description = "host (one pinned thread per CPU) or sim (one thread, virtual time) " +
        "(default: ${DEFAULT-VALUE}).", defaultValue = "host")
    String mode;

    @Option(names = "--seed", description = "Seed of the run (default: from the clock in host mode, 1 in sim mode).")
    Long seed;

    @Option(names = "--record", description = "Record every handled message to this trace file.")
    Path record;

    @Parameters(index = "0", arity = "0..1", paramLabel = "IMAGE",
        description = "A boot image (tessera image build); without one, the self-check machine boots.")
    Path image;

    @Option(names = "--timeout", description = "Seconds before a host-mode run is declared hung (default: ${DEFAULT-VALUE}).",
        defaultValue = "60")
    long timeout;

    public Integer call()
    {
        final boolean simulate;
        switch (mode)
        {
            case "host" -> simulate = false;
            case "sim" -> simulate = true;
            default ->
            {
                spec.commandLine().getErr().println("tessera: unknown mode '" + mode + "' (use host or sim)");
                return 2;
            }
        }
        if (image != null)
        {
            final Integer cpus = spec.commandLine().getParseResult().hasMatchedOption("--cpus") ? machine.cpus : null;
            return ProcessRun.boot(image, cpus, simulate, seed, record, timeout, spec.commandLine().getOut(),
                spec.commandLine().getErr());
        }
        final long s = seed != null ? seed : simulate ? 1 : System.nanoTime();
        return MachineRun.run(machine.describe(), simulate, s, record, timeout, SimulationOptions.DEFAULT,
            spec.commandLine().getErr());
    }
}
