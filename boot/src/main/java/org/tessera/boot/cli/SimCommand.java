package org.tessera.boot.cli;

import java.nio.file.Path;
import java.util.concurrent.Callable;

import org.tessera.kernel.runtime.machine.SimulationOptions;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code tessera sim}: the boot workload in deterministic simulation. */
@Command(name = "sim", description = "Boot a machine in simulation mode: one thread steps every CPU under a " +
    "seeded scheduler in virtual time, with seeded message flight times and CPU stalls. The same seed gives the " +
    "same run and the same digest.")
final class SimCommand implements Callable<Integer>
{
    @Spec
    CommandSpec spec;

    @Mixin
    MachineOptions machine = new MachineOptions();

    @Option(names = "--seed", description = "Seed everything random derives from (default: ${DEFAULT-VALUE}).",
        defaultValue = "1")
    long seed;

    @Option(names = "--record", description = "Record every handled message to this trace file.")
    Path record;

    @Option(names = "--min-flight", description = "Shortest cross-CPU flight, ns (default: ${DEFAULT-VALUE}).",
        defaultValue = "100")
    long minFlight;

    @Option(names = "--max-flight", description = "Longest cross-CPU flight, ns (default: ${DEFAULT-VALUE}).",
        defaultValue = "5000")
    long maxFlight;

    @Option(names = "--stall-percent", description = "Chance a stepped CPU stalls instead (default: ${DEFAULT-VALUE}).",
        defaultValue = "2")
    int stallPercent;

    public Integer call()
    {
        final SimulationOptions d = SimulationOptions.DEFAULT;
        final SimulationOptions options = new SimulationOptions(minFlight, maxFlight, d.maxStepMessages(), stallPercent,
            d.maxStallNanos(), d.maxVirtualNanos());
        return MachineRun.run(machine.describe(), true, seed, record, 0, options, spec.commandLine().getErr());
    }
}
