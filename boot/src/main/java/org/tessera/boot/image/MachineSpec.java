package org.tessera.boot.image;

/**
 * The machine an image asks for.
 *
 * @param architecture     {@link #ARCH_RISCV64} (the only engine so far).
 * @param cpus             virtual CPUs, 1..256.
 * @param memoryBytes      physical memory, a multiple of 4 KiB, at least 16 MiB.
 * @param numaNodes        NUMA nodes, 1..cpus.
 * @param tickInstructions user instructions per scheduler tick (the preemption budget).
 * @param schedulerPolicy  {@link #POLICY_ROUND_ROBIN}.
 */
public record MachineSpec(
    int architecture, int cpus, long memoryBytes, int numaNodes, long tickInstructions, int schedulerPolicy)
{
    /** Architecture code of RISC-V RV64GC. */
    public static final int ARCH_RISCV64 = 1;
    /** Scheduler policy: a round-robin run queue per CPU with a fixed tick. */
    public static final int POLICY_ROUND_ROBIN = 1;
    /** Default tick: 100 000 user instructions. */
    public static final long DEFAULT_TICK = 100_000;

    /** The default machine of {@code tessera run}: RV64, 2 CPUs, 512 MiB, 1 node. */
    public static final MachineSpec DEFAULT =
        new MachineSpec(ARCH_RISCV64, 2, 512L << 20, 1, DEFAULT_TICK, POLICY_ROUND_ROBIN);

    public MachineSpec
    {
        if (architecture != ARCH_RISCV64)
        {
            throw new IllegalArgumentException("unknown architecture code " + architecture + " (1 = riscv64)");
        }
        if (cpus < 1 || cpus > 256)
        {
            throw new IllegalArgumentException("cpus must be 1..256, was " + cpus);
        }
        if (memoryBytes < (16L << 20) || (memoryBytes & 4095) != 0)
        {
            throw new IllegalArgumentException("memory must be at least 16 MiB and a multiple of 4 KiB, was " +
                memoryBytes);
        }
        if (numaNodes < 1 || numaNodes > cpus)
        {
            throw new IllegalArgumentException("numa nodes must be 1..cpus, was " + numaNodes);
        }
        if (tickInstructions < 1000 || tickInstructions > 1_000_000_000L)
        {
            throw new IllegalArgumentException("tick must be 1000..1e9 instructions, was " + tickInstructions);
        }
        if (schedulerPolicy != POLICY_ROUND_ROBIN)
        {
            throw new IllegalArgumentException("unknown scheduler policy " + schedulerPolicy + " (1 = round-robin)");
        }
    }

    /** @return the same machine with {@code n} CPUs (NUMA nodes capped at n). */
    public MachineSpec withCpus(final int n)
    {
        return new MachineSpec(architecture, n, memoryBytes, Math.min(numaNodes, n), tickInstructions, schedulerPolicy);
    }

    /** @return the same machine with {@code bytes} of memory. */
    public MachineSpec withMemory(final long bytes)
    {
        return new MachineSpec(architecture, cpus, bytes, numaNodes, tickInstructions, schedulerPolicy);
    }

    /** @return the same machine with another tick. */
    public MachineSpec withTick(final long instructions)
    {
        return new MachineSpec(architecture, cpus, memoryBytes, numaNodes, instructions, schedulerPolicy);
    }

    /** @return the same machine with {@code nodes} NUMA nodes. */
    public MachineSpec withNumaNodes(final int nodes)
    {
        return new MachineSpec(architecture, cpus, memoryBytes, nodes, tickInstructions, schedulerPolicy);
    }

    /** @return a one-line description. */
    public String describe()
    {
        return "riscv64, " + cpus + " cpus, " + (memoryBytes >> 20) + " MiB, " + numaNodes + " numa node" +
            (numaNodes == 1 ? "" : "s") + ", tick " + tickInstructions + " instructions, round-robin";
    }
}
