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
}
