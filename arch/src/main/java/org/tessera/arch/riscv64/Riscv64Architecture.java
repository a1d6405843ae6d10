package org.tessera.arch.riscv64;

import org.tessera.arch.spi.Architecture;
import org.tessera.arch.spi.PageTableFormat;
import org.tessera.arch.spi.PhysicalMemory;
import org.tessera.arch.riscv64.paging.Sv48PageTableFormat;

/** The riscv64 architecture behind the SPI (registered for {@link java.util.ServiceLoader}). */
public final class Riscv64Architecture implements Architecture
{
    public String name()
    {
        return "riscv64";
    }

    @org.tessera.subset.Boot
    public PageTableFormat pageTableFormat(final PhysicalMemory memory)
    {
        return new Sv48PageTableFormat(memory);
    }

    @org.tessera.subset.Boot
    public org.tessera.arch.spi.UserEngine userEngine(final PhysicalMemory memory, final int contexts, final int tlbEntries)
    {
        return new org.tessera.arch.riscv64.engine.Riscv64UserEngine(memory, contexts, tlbEntries);
    }
}
