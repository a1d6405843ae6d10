package org.tessera.arch.riscv64.paging;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;
import org.tessera.arch.spi.AccessKind;
import org.tessera.arch.spi.PageFlags;
import org.tessera.arch.spi.PageTableFormat;
import org.tessera.arch.spi.PageTableFormatContractTest;
import org.tessera.arch.spi.PageTableStatus;
import org.tessera.arch.spi.PhysicalMemory;

/**
 * RISC-V Sv48: the shared contract plus the exact PTE bits (privileged spec, Sv48).
 */
class Sv48PageTableFormatTest extends PageTableFormatContractTest
{
    /** VPN[3] 1, VPN[2] 1, VPN[1] 1, VPN[0] 3. */
    private static final long VA = 0x80_4020_3000L;
    private static final long PA = 0xAB_CDEF_1000L;

    @Override
    protected PageTableFormat create(final PhysicalMemory memory)
    {
        return new Sv48PageTableFormat(memory);
    }

    @Override
    protected boolean alwaysReadable()
    {
        return false;
    }

    @Override
    protected boolean encodesDevice()
    {
        return false;
    }

    @Override
    protected boolean upperHalf()
    {
        return true;
    }

    @Override
    protected long[] nonCanonicalAddresses()
    {
        return new long[] {0x0000_8000_0000_0000L, 0x8000_0000_0000_0000L, 0x0001_0000_0000_0000L, 0xFFFF_7FFF_FFFF_F000L};
    }

    @Override
    protected long largestPageSize()
    {
        return PageTableFormat.SIZE_512G;
    }

    private long entry(final long table, final int index)
    {
        return memory.getLong(table + index * 8L);
    }

    private static long next(final long pte)
    {
        return ((pte >>> 10) & ((1L << 44) - 1)) << 12;
    }

    @Test
    void shouldEncodeA4KUserPageBitExactly()
    {
        assertEquals(PageTableStatus.OK, format.map(root, VA, PA, 4096, PageFlags.READ | PageFlags.WRITE | PageFlags.USER, frames));
        long table = root;
        for (int level = 3; level > 0; level--)
        {
            final long pte = entry(table, 1);
            assertEquals(1L, pte & 0x3FF, "non-leaf: V only, A/D/U clear");
            assertEquals(0L, pte >>> 54);
            table = next(pte);
        }
        assertEquals(0x2A_F37B_C417L, entry(table, 3), "PPN | U | W | R | V");
        assertEquals(PA + 0x40, format.translate(root, VA + 0x40, AccessKind.WRITE, true));
        assertEquals(0x2A_F37B_C4D7L, entry(table, 3), "A and D set by the write");
        assertEquals(1L, entry(root, 1) & 0x3FF, "no A in non-leaf entries");
    }

    @Test
    void shouldMapATeraPageInTheRoot()
    {
        final long va = 0xFFFF_8000_0000_0000L;
        assertEquals(PageTableStatus.OK, format.map(root, va, 1L << 39, PageTableFormat.SIZE_512G,
            PageFlags.READ | PageFlags.EXECUTE | PageFlags.ACCESSED, frames));
        assertEquals(0x20_0000_004BL, entry(root, 256), "PPN[3]=1 | A | X | R | V");
        assertEquals((1L << 39) + 0x12_3456_7890L, format.translate(root, va + 0x12_3456_7890L, AccessKind.EXECUTE, false));
        assertEquals(1, format.tableCount(root));
    }

    @Test
    void shouldFaultOnReservedAndMisalignedEntries()
    {
        assertEquals(PageTableStatus.OK, format.map(root, VA, PA, 4096, PageFlags.READ, frames));
        final long l3 = entry(root, 1);
        final long l2table = next(l3);
        final long l2 = entry(l2table, 1);
        // A giga page whose PPN[0] is not zero: misaligned superpage.
        memory.putLong(l2table + 2 * 8, (0x4000_1000L >>> 12) << 10 | 0x3);
        assertEquals(PageTableStatus.NOT_MAPPED, format.translate(root, 0x80_0000_0000L + 2 * PageTableFormat.SIZE_1G, AccessKind.READ, false));
        memory.putLong(l2table + 2 * 8, (0x4000_0000L >>> 12) << 10 | 0x3);
        assertEquals(0x4000_0010L, format.translate(root, 0x80_0000_0000L + 2 * PageTableFormat.SIZE_1G + 0x10, AccessKind.READ, false));
        // W without R is reserved; bits 63:54 are reserved.
        final long pt = next(entry(next(l2), 1));
        final long leaf = entry(pt, 3);
        memory.putLong(pt + 24, (leaf & ~Sv48PageTableFormat.R) | Sv48PageTableFormat.W);
        assertEquals(PageTableStatus.NOT_MAPPED, format.translate(root, VA, AccessKind.READ, false));
        memory.putLong(pt + 24, leaf | 1L << 63);
        assertEquals(PageTableStatus.NOT_MAPPED, format.translate(root, VA, AccessKind.READ, false));
        // A pointer entry at level 0 is a page fault.
        memory.putLong(pt + 24, leaf & ~(Sv48PageTableFormat.R | Sv48PageTableFormat.W | Sv48PageTableFormat.X));
        assertEquals(PageTableStatus.NOT_MAPPED, format.translate(root, VA, AccessKind.READ, false));
        memory.putLong(pt + 24, leaf);
        assertEquals(PA, format.translate(root, VA, AccessKind.READ, false));
    }

    @Test
    void shouldNotLetSupervisorReadExecuteOnlyPages()
    {
        assertEquals(PageTableStatus.OK, format.map(root, VA, PA, 4096, PageFlags.EXECUTE, frames));
        assertEquals(PageTableStatus.PERMISSION, format.translate(root, VA, AccessKind.READ, false), "MXR=0");
        assertEquals(PA, format.translate(root, VA, AccessKind.EXECUTE, false));
    }
}
