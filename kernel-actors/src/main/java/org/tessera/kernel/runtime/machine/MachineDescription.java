package org.tessera.kernel.runtime.machine;

/**
 * What a machine is made of.
 *
 * @param cpus            virtual CPUs.
 * @param memoryBytes     physical memory, a multiple of 4096.
 * @param numaNodes       NUMA nodes (CPUs and memory are split evenly between them).
 * @param inboxBytes      capacity of each CPU's inbox (a power of two).
 * @param localQueueBytes capacity of each CPU's local queue (a power of two).
 * @param selfCheckRounds pings each CPU sends to every CPU in the self-check workload.
 * @param selfCheckWindow pings a CPU keeps outstanding at once.
 * @param architecture    {@code riscv64}, {@code x86_64} or {@code aarch64}: page-table format (and CPU engine).
 */
public record MachineDescription(
    int cpus, long memoryBytes, int numaNodes, int inboxBytes, int localQueueBytes, int selfCheckRounds,
    int selfCheckWindow, String architecture)
{
    /** The bundled default machine: 2 RISC-V CPUs, 512 MiB, one NUMA node. */
    public static final MachineDescription DEFAULT =
        new MachineDescription(2, 512L << 20, 1, 64 * 1024, 64 * 1024, 1000, 16, "riscv64");

    /** The description without an architecture named: riscv64. */
    public MachineDescription(
        final int cpus, final long memoryBytes, final int numaNodes, final int inboxBytes, final int localQueueBytes,
        final int selfCheckRounds, final int selfCheckWindow)
    {
        this(cpus, memoryBytes, numaNodes, inboxBytes, localQueueBytes, selfCheckRounds, selfCheckWindow, "riscv64");
    }

    public MachineDescription
    {
        if (cpus < 1 || cpus > 256)
        {
            throw new IllegalArgumentException("cpus must be 1..256, was " + cpus);
        }
        if (memoryBytes < (1L << 20) || (memoryBytes & 4095) != 0)
        {
            throw new IllegalArgumentException("memory must be at least 1 MiB and a multiple of 4 KiB");
        }
        if (numaNodes < 1 || numaNodes > cpus)
        {
            throw new IllegalArgumentException("numa nodes must be 1..cpus, was " + numaNodes);
        }
        if (Integer.bitCount(inboxBytes) != 1 || Integer.bitCount(localQueueBytes) != 1)
        {
            throw new IllegalArgumentException("queue capacities must be powers of two");
        }
        if (architecture == null || architecture.isEmpty())
        {
            throw new IllegalArgumentException("architecture must be named");
        }
        if (selfCheckRounds < 0 || selfCheckWindow < 1)
        {
            throw new IllegalArgumentException("self-check rounds must be >= 0 and window >= 1");
        }
    }

    public MachineDescription withCpus(final int n)
    {
        return new MachineDescription(n, memoryBytes, Math.min(numaNodes, n), inboxBytes, localQueueBytes,
            selfCheckRounds, selfCheckWindow, architecture);
    }

    public MachineDescription withMemory(final long bytes)
    {
        return new MachineDescription(cpus, bytes, numaNodes, inboxBytes, localQueueBytes, selfCheckRounds,
            selfCheckWindow, architecture);
    }

    public MachineDescription withNumaNodes(final int nodes)
    {
        return new MachineDescription(cpus, memoryBytes, nodes, inboxBytes, localQueueBytes, selfCheckRounds,
            selfCheckWindow, architecture);
    }

    public MachineDescription withSelfCheck(final int rounds, final int window)
    {
        return new MachineDescription(cpus, memoryBytes, numaNodes, inboxBytes, localQueueBytes, rounds, window, architecture);
    }

    public MachineDescription withInbox(final int bytes)
    {
        return new MachineDescription(cpus, memoryBytes, numaNodes, bytes, localQueueBytes, selfCheckRounds,
            selfCheckWindow, architecture);
    }

    public MachineDescription withArchitecture(final String name)
    {
        return new MachineDescription(cpus, memoryBytes, numaNodes, inboxBytes, localQueueBytes, selfCheckRounds,
            selfCheckWindow, name);
    }

    /** @return NUMA node of a CPU (CPUs are split into contiguous equal groups). */
    public int nodeOf(final int cpu)
    {
        return (int)((long)cpu * numaNodes / cpus);
    }

    /** @return a one-line description. */
    public String describe()
    {
        return cpus + " " + architecture + " cpus, " + (memoryBytes >> 20) + " MiB, " + numaNodes + " numa node" +
            (numaNodes == 1 ? "" : "s");
    }
}
