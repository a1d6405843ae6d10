package org.tessera.arch.aarch64;

import org.tessera.arch.spi.Architecture;
import org.tessera.arch.spi.PageTableFormat;
import org.tessera.arch.spi.PhysicalMemory;

/** The aarch64 architecture behind the SPI (registered for {@link java.util.ServiceLoader}). */
public final class Aarch64Architecture implements Architecture
{
    public String name()
    {
        return "aarch64";
    }

    @org.tessera.subset.Boot
    public PageTableFormat pageTableFormat(final PhysicalMemory memory)
    {
        return new Aarch64PageTableFormat(memory);
    }

    public org.tessera.arch.spi.UserEngine userEngine(final PhysicalMemory memory, final int contexts, final int tlbEntries)
    {
        throw new IllegalArgumentException("aarch64 machines have page tables but no user-mode engine: guest programs " +
            "run on riscv64 machines");
    }
}
