package org.tessera.arch.x86_64;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;
import org.tessera.arch.spi.AccessKind;
import org.tessera.arch.spi.PageFlags;
import org.tessera.arch.spi.PageTableFormat;
import org.tessera.arch.spi.PageTableFormatContractTest;
import org.tessera.arch.spi.PageTableStatus;
import org.tessera.arch.spi.PhysicalMemory;

/**
 * x86_64 4-level paging: the shared contract plus the exact entry bits (Intel SDM vol. 3A,
 * tables 4-14 to 4-20).
 */
class X86_64PageTableFormatTest extends PageTableFormatContractTest
{
    /** PML4 index 1, PDPT index 1, PD index 1, PT index 3. */
    private static final long VA = 0x80_4020_3000L;
    private static final long PA = 0xAB_CDEF_1000L;

    @Override
    protected PageTableFormat create(final PhysicalMemory memory)
    {
        return new X86_64PageTableFormat(memory);
    }

    @Override
    protected boolean alwaysReadable()
    {
        return true;
    }

    @Override
    protected boolean encodesDevice()
    {
        return true;
    }

    @Override
    protected boolean upperHalf()
    {
        return true;
    }

    @Override
    protected long[] nonCanonicalAddresses()
    {
        return new long[] {0x0000_8000_0000_0000L, 0x7FFF_FFFF_FFFF_F000L, 0xFFFF_7FFF_FFFF_F000L, 0x8000_0000_0000_0000L};
    }

    @Override
    protected long largestPageSize()
    {
        return PageTableFormat.SIZE_1G;
    }

    private long entry(final long table, final int index)
    {
        return memory.getLong(table + index * 8L);
    }

    @Test
    void shouldEncodeA4KUserPageBitExactly()
    {
        assertEquals(PageTableStatus.OK, format.map(root, VA, PA, 4096, PageFlags.READ | PageFlags.WRITE | PageFlags.USER, frames));
        final long pml4e = entry(root, 1);
        assertEquals(0x007L, pml4e & 0x8000_0000_0000_0FFFL, "P|R/W|U/S, no XD");
        final long pdpte = entry(pml4e & 0x000F_FFFF_FFFF_F000L, 1);
        assertEquals(0x007L, pdpte & 0x8000_0000_0000_0FFFL);
        final long pde = entry(pdpte & 0x000F_FFFF_FFFF_F000L, 1);
        assertEquals(0x007L, pde & 0x8000_0000_0000_0FFFL);
        final long pt = pde & 0x000F_FFFF_FFFF_F000L;
        assertEquals(0x8000_00AB_CDEF_1007L, entry(pt, 3), "XD | address | U/S | R/W | P");

        assertEquals(PA + 0x123, format.translate(root, VA + 0x123, AccessKind.WRITE, true));
        assertEquals(0x8000_00AB_CDEF_1067L, entry(pt, 3), "A and D set by the write");
        assertEquals(0x027L, entry(root, 1) & 0xFFF, "A set in the PML4E used");
    }

    @Test
    void shouldEncodeLargePagesWithPsGlobalAndCacheBits()
    {
        final long twoMegVa = 0x4000_0000L + 2 * PageTableFormat.SIZE_2M;
        assertEquals(PageTableStatus.OK, format.map(
            root, twoMegVa, 0x8060_0000L, PageTableFormat.SIZE_2M, PageFlags.READ | PageFlags.EXECUTE | PageFlags.GLOBAL, frames));
        final long pdpt = entry(root, 0) & 0x000F_FFFF_FFFF_F000L;
        final long pd = entry(pdpt, 1) & 0x000F_FFFF_FFFF_F000L;
        assertEquals(0x0000_0000_8060_0181L, entry(pd, 2), "G | PS | P, executable, read-only");
        assertEquals(0x003L, entry(pdpt, 1) & 0xFFF, "kernel-only table entry: P|R/W");

        assertEquals(PageTableStatus.OK, format.map(
            root, 3 * PageTableFormat.SIZE_1G, 7 * PageTableFormat.SIZE_1G, PageTableFormat.SIZE_1G,
            PageFlags.READ | PageFlags.WRITE | PageFlags.DEVICE, frames));
        assertEquals(0x8000_0001_C000_009BL, entry(pdpt, 3), "XD | address | PS | PCD | PWT | R/W | P");
    }

    @Test
    void shouldFaultOnReservedEncodings()
    {
        assertEquals(PageTableStatus.OK, format.map(root, VA, PA, 4096, PageFlags.READ, frames));
        final long pml4e = entry(root, 1);
        memory.putLong(root + 8, pml4e | X86_64PageTableFormat.PS);
        assertEquals(PageTableStatus.NOT_MAPPED, format.translate(root, VA, AccessKind.READ, false), "PS in a PML4E");
        memory.putLong(root + 8, pml4e);
        final long pdpt = pml4e & X86_64PageTableFormat.ADDRESS_MASK;
        memory.putLong(pdpt + 2 * 8, 0x4000_2000L | 0x83); // 1 GiB page with bit 13 set: reserved
        assertEquals(PageTableStatus.NOT_MAPPED, format.translate(root, 0x80_8000_0000L, AccessKind.READ, false));
        memory.putLong(pdpt + 2 * 8, 0x4000_1000L | 0x83); // bit 12 is PAT: allowed
        assertEquals(0x4000_0010L, format.translate(root, 0x80_8000_0010L, AccessKind.READ, false));
    }

    @Test
    void shouldHonourRestrictionsInUpperLevels()
    {
        final int all = PageFlags.READ | PageFlags.WRITE | PageFlags.EXECUTE | PageFlags.USER;
        assertEquals(PageTableStatus.OK, format.map(root, VA, PA, 4096, all, frames));
        assertEquals(PA, format.translate(root, VA, AccessKind.EXECUTE, true));
        final long pml4e = entry(root, 1);
        memory.putLong(root + 8, pml4e & ~X86_64PageTableFormat.US);
        assertEquals(PageTableStatus.PERMISSION, format.translate(root, VA, AccessKind.READ, true));
        assertEquals(PA, format.translate(root, VA, AccessKind.READ, false), "now a supervisor page");
        memory.putLong(root + 8, pml4e & ~X86_64PageTableFormat.RW);
        assertEquals(PageTableStatus.PERMISSION, format.translate(root, VA, AccessKind.WRITE, false));
        memory.putLong(root + 8, pml4e | X86_64PageTableFormat.XD);
        assertEquals(PageTableStatus.PERMISSION, format.translate(root, VA, AccessKind.EXECUTE, true));
        memory.putLong(root + 8, pml4e);
        assertEquals(PA, format.translate(root, VA, AccessKind.WRITE, true));
    }
}
