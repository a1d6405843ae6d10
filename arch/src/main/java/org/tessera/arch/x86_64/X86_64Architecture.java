package org.tessera.arch.x86_64;

import org.tessera.arch.spi.Architecture;
import org.tessera.arch.spi.PageTableFormat;
import org.tessera.arch.spi.PhysicalMemory;

/** The x86_64 architecture behind the SPI (registered for {@link java.util.ServiceLoader}). */
public final class X86_64Architecture implements Architecture
{
    public String name()
    {
        return "x86_64";
    }

    @org.tessera.subset.Boot
    public PageTableFormat pageTableFormat(final PhysicalMemory memory)
    {
        return new X86_64PageTableFormat(memory);
    }

    public org.tessera.arch.spi.UserEngine userEngine(final PhysicalMemory memory, final int contexts, final int tlbEntries)
    {
        throw new IllegalArgumentException("x86_64 machines have page tables but no user-mode engine: guest programs " +
            "run on riscv64 machines");
    }
}
