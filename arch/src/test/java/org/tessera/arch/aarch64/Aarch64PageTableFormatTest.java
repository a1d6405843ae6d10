package org.tessera.arch.aarch64;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;
import org.tessera.arch.spi.AccessKind;
import org.tessera.arch.spi.PageFlags;
import org.tessera.arch.spi.PageTableFormat;
import org.tessera.arch.spi.PageTableFormatContractTest;
import org.tessera.arch.spi.PageTableStatus;
import org.tessera.arch.spi.PhysicalMemory;

/**
 * AArch64 stage 1, 4 KiB granule: the shared contract plus the exact descriptor bits (Arm
 * ARM D8, VMSAv8-64 descriptor formats).
 */
class Aarch64PageTableFormatTest extends PageTableFormatContractTest
{
    /** L0 index 1, L1 index 1, L2 index 1, L3 index 3. */
    private static final long VA = 0x80_4020_3000L;
    private static final long PA = 0xAB_CDEF_1000L;
    private static final long ADDRESS = 0x0000_FFFF_FFFF_F000L;

    @Override
    protected PageTableFormat create(final PhysicalMemory memory)
    {
        return new Aarch64PageTableFormat(memory);
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
        return false;
    }

    @Override
    protected long[] nonCanonicalAddresses()
    {
        return new long[] {1L << 48, 0xFFFF_8000_0000_0000L, -4096L};
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
        final long l0 = entry(root, 1);
        assertEquals(0b11L, l0 & ~ADDRESS, "table descriptor, no APTable/XNTable restrictions");
        final long l1 = entry(l0 & ADDRESS, 1);
        assertEquals(0b11L, l1 & ~ADDRESS);
        final long l2 = entry(l1 & ADDRESS, 1);
        assertEquals(0b11L, l2 & ~ADDRESS);
        final long l3 = l2 & ADDRESS;
        // UXN | PXN | DBM | OA | nG | SH=11 | AP=11 (EL0 RW, writable-clean) | AttrIndx 0 | page
        assertEquals(0x0068_00AB_CDEF_1BC3L, entry(l3, 3));

        assertEquals(PA + 0x10, format.translate(root, VA + 0x10, AccessKind.READ, true));
        assertEquals(0x0068_00AB_CDEF_1FC3L, entry(l3, 3), "AF set by the access");
        assertEquals(PA + 0x20, format.translate(root, VA + 0x20, AccessKind.WRITE, true));
        assertEquals(0x0068_00AB_CDEF_1F43L, entry(l3, 3), "AP[2] cleared by the first write: dirty");
    }

    @Test
    void shouldEncodeBlocksWithAttributesAndExecuteNever()
    {
        final long twoMegVa = 0x4000_0000L + 2 * PageTableFormat.SIZE_2M;
        assertEquals(PageTableStatus.OK, format.map(root, twoMegVa, 0x8060_0000L, PageTableFormat.SIZE_2M,
            PageFlags.READ | PageFlags.EXECUTE | PageFlags.GLOBAL | PageFlags.ACCESSED, frames));
        final long l1 = entry(root, 0) & ADDRESS;
        final long l2 = entry(l1, 1) & ADDRESS;
        // UXN (kernel page) | OA | AF | SH=11 | AP=10 (EL1 RO) | AttrIndx 0 | block
        assertEquals(0x0040_0000_8060_0781L, entry(l2, 2));

        assertEquals(PageTableStatus.OK, format.map(root, 3 * PageTableFormat.SIZE_1G, 7 * PageTableFormat.SIZE_1G,
            PageTableFormat.SIZE_1G, PageFlags.READ | PageFlags.USER | PageFlags.DEVICE, frames));
        // UXN | PXN | OA | nG | SH=00 | AP=11 (EL0 RO) | AttrIndx 1 | block
        assertEquals(0x0060_0001_C000_08C5L, entry(l1, 3));
    }

    @Test
    void shouldFaultOnInvalidDescriptorTypes()
    {
        assertEquals(PageTableStatus.OK, format.map(root, VA, PA, 4096, PageFlags.READ, frames));
        final long l0 = entry(root, 1);
        memory.putLong(root + 8, (l0 & ADDRESS) | 0b01);
        assertEquals(PageTableStatus.NOT_MAPPED, format.translate(root, VA, AccessKind.READ, false), "no L0 block with 4 KiB granule");
        memory.putLong(root + 8, l0);
        final long l3 = entry(entry(l0 & ADDRESS, 1) & ADDRESS, 1) & ADDRESS;
        final long page = entry(l3, 3);
        memory.putLong(l3 + 24, (page & ~0b11L) | 0b01);
        assertEquals(PageTableStatus.NOT_MAPPED, format.translate(root, VA, AccessKind.READ, false), "01 at L3 is reserved");
        memory.putLong(l3 + 24, page);
        assertEquals(PA, format.translate(root, VA, AccessKind.READ, false));
    }

    @Test
    void shouldHonourTableRestrictionsAndImplicitPxn()
    {
        final int all = PageFlags.READ | PageFlags.WRITE | PageFlags.EXECUTE | PageFlags.USER;
        assertEquals(PageTableStatus.OK, format.map(root, VA, PA, 4096, all, frames));
        final long l0 = entry(root, 1);
        memory.putLong(root + 8, l0 | Aarch64PageTableFormat.AP_TABLE_NO_EL0);
        assertEquals(PageTableStatus.PERMISSION, format.translate(root, VA, AccessKind.READ, true));
        memory.putLong(root + 8, l0 | Aarch64PageTableFormat.AP_TABLE_READ_ONLY);
        assertEquals(PageTableStatus.PERMISSION, format.translate(root, VA, AccessKind.WRITE, true));
        memory.putLong(root + 8, l0 | Aarch64PageTableFormat.UXN_TABLE);
        assertEquals(PageTableStatus.PERMISSION, format.translate(root, VA, AccessKind.EXECUTE, true));
        memory.putLong(root + 8, l0);
        assertEquals(PA, format.translate(root, VA, AccessKind.EXECUTE, true));

        // A page writable at EL0 is never executable at EL1, even with PXN clear.
        final long l3 = entry(entry(l0 & ADDRESS, 1) & ADDRESS, 1) & ADDRESS;
        memory.putLong(l3 + 24, entry(l3, 3) & ~Aarch64PageTableFormat.PXN);
        assertEquals(PageTableStatus.PERMISSION, format.translate(root, VA, AccessKind.EXECUTE, false));
        memory.putLong(l3 + 24, entry(l3, 3) & ~Aarch64PageTableFormat.DBM | Aarch64PageTableFormat.AP_READ_ONLY);
        assertEquals(PA, format.translate(root, VA, AccessKind.EXECUTE, false), "EL0 read-only, PXN clear");
    }

    @Test
    void shouldKeepDirtyInTheSoftwareBitWhenWriteIsTakenAway()
    {
        assertEquals(PageTableStatus.OK, format.map(root, VA, PA, 4096, PageFlags.READ | PageFlags.WRITE, frames));
        format.translate(root, VA, AccessKind.WRITE, false);
        assertEquals(PageTableStatus.OK, format.protect(root, VA, PageFlags.READ));
        final long l3 = entry(entry(entry(root, 1) & ADDRESS, 1) & ADDRESS, 1) & ADDRESS;
        final long page = entry(l3, 3);
        assertEquals(Aarch64PageTableFormat.SW_DIRTY, page & Aarch64PageTableFormat.SW_DIRTY);
        assertEquals(0, page & Aarch64PageTableFormat.DBM);
        assertEquals(Aarch64PageTableFormat.AP_READ_ONLY, page & Aarch64PageTableFormat.AP_READ_ONLY);
    }
}
