package org.tessera.arch.spi;

import java.util.ServiceLoader;

/**
 * One architecture Tessera can model: what the machine description's {@code architecture}
 * names, and the per-architecture pieces generic kernel code reaches only through this SPI.
 * Implementations live in their architecture's package and are found with
 * {@link ServiceLoader} (host side, at boot), so generic code never imports them.
 */
public interface Architecture
{
    /** @return the architecture's name: {@code x86_64}, {@code aarch64} or {@code riscv64}. */
    String name();

    /** @return the user page-table format of this architecture over the given physical memory. */
    PageTableFormat pageTableFormat(PhysicalMemory memory);

    /**
     * Build one CPU's user-mode engine (boot time).
     *
     * @param memory     physical memory the engine's MMU walks.
     * @param contexts   thread contexts it holds.
     * @param tlbEntries entries of its TLB.
     * @throws IllegalArgumentException when this architecture has no user-mode engine (only riscv64 has one).
     */
    UserEngine userEngine(PhysicalMemory memory, int contexts, int tlbEntries);

    /**
     * Find an architecture by name (boot time).
     *
     * @throws IllegalArgumentException when no architecture has that name.
     */
    @org.tessera.subset.HostOnly
    static Architecture named(final String name)
    {
        final StringBuilder known = new StringBuilder();
        for (final Architecture a : ServiceLoader.load(Architecture.class, Architecture.class.getClassLoader()))
        {
            if (a.name().equals(name))
            {
                return a;
            }
            known.append(known.isEmpty() ? "" : ", ").append(a.name());
        }
        throw new IllegalArgumentException("unknown architecture '" + name + "' (known: " + known + ")");
    }
}
