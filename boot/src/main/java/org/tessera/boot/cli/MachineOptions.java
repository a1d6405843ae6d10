package org.tessera.boot.cli;

import org.tessera.kernel.runtime.machine.MachineDescription;
import picocli.CommandLine.Option;

/** Options that describe the machine, shared by {@code boot} and {@code sim}. */
public final class MachineOptions
{
    @Option(names = "--cpus", description = "Virtual CPUs (default: ${DEFAULT-VALUE}).", defaultValue = "2")
    int cpus;

    @Option(names = "--memory", description = "Physical memory, e.g. 512M (default: ${DEFAULT-VALUE}).",
        defaultValue = "512M", converter = SizeConverter.class)
    long memory;

    @Option(names = "--numa-nodes", description = "NUMA nodes (default: ${DEFAULT-VALUE}).", defaultValue = "1")
    int numaNodes;

    @Option(names = "--arch", description = "riscv64, x86_64 or aarch64: page-table format (default: ${DEFAULT-VALUE}).",
        defaultValue = "riscv64")
    String arch;

    @Option(names = "--rounds", description = "Self-check pings each CPU sends to every CPU (default: ${DEFAULT-VALUE}).",
        defaultValue = "1000")
    int rounds;

    @Option(names = "--window", description = "Self-check pings outstanding per CPU (default: ${DEFAULT-VALUE}).",
        defaultValue = "16")
    int window;

    @Option(names = "--inbox", description = "Bytes of each CPU's inbox, a power of two (default: ${DEFAULT-VALUE}).",
        defaultValue = "65536", converter = SizeConverter.class)
    long inbox;

    /** @return the machine these options describe. */
    public MachineDescription describe()
    {
        if (inbox > (1 << 30))
        {
            throw new IllegalArgumentException("inbox too large");
        }
        return MachineDescription.DEFAULT.withCpus(cpus).withMemory(memory).withNumaNodes(numaNodes)
            .withSelfCheck(rounds, window).withInbox((int)inbox).withArchitecture(arch);
    }
}
