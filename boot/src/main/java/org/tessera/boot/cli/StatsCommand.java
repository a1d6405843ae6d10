package org.tessera.boot.cli;

import java.io.PrintWriter;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;

import org.tessera.kernel.runtime.CpuAgent;
import org.tessera.kernel.runtime.ServiceIds;
import org.tessera.kernel.runtime.machine.HostRunner;
import org.tessera.kernel.runtime.machine.Machine;
import org.tessera.kernel.runtime.machine.RunResult;
import org.tessera.kernel.runtime.machine.SimulationOptions;
import org.tessera.kernel.runtime.machine.Simulator;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code tessera stats}: boot a machine, run its workload, then ask every memory service for
 * its statistics by message and print them.
 */
@Command(name = "stats", description = "Boot a machine, run the boot workload, then ask every frame allocator " +
    "(per NUMA node) and heap (per CPU) service for its statistics by message and print them: allocations, frees, " +
    "failures, free frames per zone and per order, fragmentation index, live heap objects.")
final class StatsCommand implements Callable<Integer>
{
    @Spec
    CommandSpec spec;

    @Mixin
    MachineOptions machine = new MachineOptions();

    @Option(names = "--mode", description = "host or sim (default: ${DEFAULT-VALUE}).", defaultValue = "sim")
    String mode;

    @Option(names = "--seed", description = "Seed (default: ${DEFAULT-VALUE}).", defaultValue = "1")
    long seed;

    public Integer call()
    {
        final PrintWriter err = spec.commandLine().getErr();
        final PrintWriter out = spec.commandLine().getOut();
        final boolean simulate = "sim".equals(mode);
        if (!simulate && !"host".equals(mode))
        {
            err.println("tessera: unknown mode '" + mode + "' (use host or sim)");
            return 2;
        }
        final Simulator sim = simulate ? new Simulator(machine.describe(), seed, SimulationOptions.DEFAULT, null) : null;
        try (Machine m = simulate ? sim.machine() : HostRunner.build(machine.describe(), seed, null))
        {
            final StatsProbe probe = new StatsProbe(m.memoryServices());
            final long probeAddress = m.cpus()[0].register(ServiceIds.FIRST_USER_SERVICE, 0, probe);
            final RunResult run = simulate ? sim.run() : HostRunner.run(m, TimeUnit.SECONDS.toNanos(60), err);
            if (!run.completed())
            {
                err.println("tessera: run failed: " + run.failure());
                return 1;
            }
            // every loop has stopped: ask the services by message, stepping the loops from here
            m.cpus()[0].injectStart(probeAddress, 0);
            if (simulate)
            {
                sim.runWhile(() -> !probe.done(), 1_000_000);
            }
            else
            {
                for (int round = 0; round < 1_000_000 && !probe.done(); round++)
                {
                    for (final CpuAgent cpu : m.cpus())
                    {
                        cpu.doWork();
                    }
                }
            }
            if (!probe.done())
            {
                err.println("tessera: the memory services did not all answer");
                return 1;
            }
            out.printf("tessera stats: %s after the boot workload (%s mode)%n", m.description().describe(), mode);
            probe.lines().forEach(out::println);
            final int violations = m.memoryServices().checkAccounting();
            out.println("accounting: " + (violations == 0 ? "ok" : violations + " violations"));
            err.printf("digest %016x%n", m.digest());
            return violations == 0 ? 0 : 1;
        }
    }
}
