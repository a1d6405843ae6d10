package org.tessera.arch.spi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.LongStream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class TlbTest
{
    private static final long K4 = PageTableFormat.SIZE_4K;
    private static final long M2 = PageTableFormat.SIZE_2M;
    private static final long G1 = PageTableFormat.SIZE_1G;
    private static final int RW = PageFlags.READ | PageFlags.WRITE;

    private final Tlb tlb = new Tlb(16, 4);

    @Test
    void shouldHitAfterInsertAndTranslateTheOffset()
    {
        tlb.insert(1, 0x40_0123, 0x9000, K4, RW);
        final int entry = tlb.lookup(1, 0x40_0FF8);
        assertNotEquals(Tlb.MISS, entry);
        assertEquals(0x9FF8, tlb.physicalAddress(entry, 0x40_0FF8));
        assertEquals(RW, tlb.flags(entry));
        assertEquals(K4, tlb.pageSize(entry));
        assertEquals(Tlb.MISS, tlb.lookup(1, 0x40_1000));
        assertEquals(1, tlb.hits());
        assertEquals(1, tlb.misses());
    }

    @Test
    void shouldCacheEveryPageSize()
    {
        tlb.insert(3, 0x20_0000, 0x80_0000, M2, RW);
        tlb.insert(3, 0x8000_0000L, 0x4000_0000L, G1, RW);
        tlb.insert(3, 0xFFFF_8000_0000_0000L, 1L << 39, PageTableFormat.SIZE_512G, RW);
        assertEquals(0x80_0000 + 0x1_2345, tlb.physicalAddress(tlb.lookup(3, 0x21_2345), 0x21_2345));
        assertEquals(0x4000_0000L + 0x3FFF_FFFFL, tlb.physicalAddress(tlb.lookup(3, 0xBFFF_FFFFL), 0xBFFF_FFFFL));
        final long va = 0xFFFF_8012_3456_7890L;
        assertEquals((1L << 39) + 0x12_3456_7890L, tlb.physicalAddress(tlb.lookup(3, va), va));
    }

    @Test
    void shouldIsolateAddressSpaces()
    {
        tlb.insert(1, 0x1000, 0xA000, K4, RW);
        tlb.insert(2, 0x1000, 0xB000, K4, PageFlags.READ);
        assertEquals(0xA000, tlb.physicalAddress(tlb.lookup(1, 0x1000), 0x1000));
        assertEquals(0xB000, tlb.physicalAddress(tlb.lookup(2, 0x1000), 0x1000));
        assertEquals(Tlb.MISS, tlb.lookup(3, 0x1000));
        tlb.invalidateAsid(1);
        assertEquals(Tlb.MISS, tlb.lookup(1, 0x1000));
        assertEquals(0xB000, tlb.physicalAddress(tlb.lookup(2, 0x1000), 0x1000));
        tlb.invalidatePage(2, 0x1800);
        assertEquals(Tlb.MISS, tlb.lookup(2, 0x1000));
    }

    @Test
    void shouldMatchGlobalEntriesInEveryAsidAndKeepThemOnAsidFlush()
    {
        tlb.insert(1, 0xFFFF_FFFF_8000_0000L, 0x20_0000, M2, PageFlags.READ | PageFlags.GLOBAL);
        assertNotEquals(Tlb.MISS, tlb.lookup(7, 0xFFFF_FFFF_8000_1000L));
        tlb.invalidateAsid(1);
        tlb.invalidateAsid(7);
        assertNotEquals(Tlb.MISS, tlb.lookup(9, 0xFFFF_FFFF_8000_1000L));
        tlb.invalidatePage(5, 0xFFFF_FFFF_801F_F000L);
        assertEquals(Tlb.MISS, tlb.lookup(9, 0xFFFF_FFFF_8000_1000L), "page invalidation drops global entries too");
        tlb.insert(1, 0xFFFF_FFFF_8000_0000L, 0x20_0000, M2, PageFlags.READ | PageFlags.GLOBAL);
        tlb.invalidateAll();
        assertEquals(Tlb.MISS, tlb.lookup(1, 0xFFFF_FFFF_8000_0000L));
        assertEquals(0, tlb.size());
    }

    @Test
    void shouldInvalidateALargePageFromAnyAddressInside()
    {
        tlb.insert(4, G1, 0, G1, RW);
        tlb.invalidatePage(4, G1 + 0x2345_6000L);
        assertEquals(Tlb.MISS, tlb.lookup(4, G1));
    }

    @Test
    void shouldInvalidateExactlyTheOverlappingRange()
    {
        for (int i = 0; i < 8; i++)
        {
            tlb.insert(1, 0x10_0000 + i * K4, 0x1000 * i, K4, RW);
        }
        tlb.insert(1, 0x40_0000, 0, M2, RW);
        tlb.invalidateRange(1, 0x10_2000, 3 * K4);
        for (int i = 0; i < 8; i++)
        {
            final boolean dropped = i >= 2 && i < 5;
            assertEquals(dropped, tlb.lookup(1, 0x10_0000 + i * K4) == Tlb.MISS, "page " + i);
        }
        tlb.invalidateRange(1, 0x5F_F000, K4);
        assertEquals(Tlb.MISS, tlb.lookup(1, 0x40_0000), "range touching the last page of a 2 MiB entry");
        tlb.insert(1, -K4, 0x7000, K4, RW);
        tlb.invalidateRange(1, -2 * K4, Long.MAX_VALUE);
        assertEquals(Tlb.MISS, tlb.lookup(1, -K4), "range clipped at the top of the address space");
        assertEquals(3, tlb.flushes());
    }

    @Test
    void shouldReplaceTheSamePageInsteadOfDuplicatingIt()
    {
        tlb.insert(1, 0x5000, 0xA000, K4, PageFlags.READ);
        tlb.insert(1, 0x5000, 0xC000, K4, RW);
        assertEquals(1, tlb.size());
        assertEquals(0xC000, tlb.physicalAddress(tlb.lookup(1, 0x5000), 0x5000));
    }

    @Test
    void shouldEvictWhenASetIsFull()
    {
        final Tlb small = new Tlb(1, 2);
        small.insert(1, 0x1000, 0x1000, K4, RW);
        small.insert(1, 0x2000, 0x2000, K4, RW);
        small.insert(1, 0x3000, 0x3000, K4, RW);
        assertEquals(2, small.size());
        assertEquals(1, small.evictions());
        assertEquals(Tlb.MISS, small.lookup(1, 0x1000), "round robin evicts the oldest first");
        assertEquals(0x3000, small.physicalAddress(small.lookup(1, 0x3000), 0x3000));
    }

    @Test
    void shouldRefuseBadGeometry()
    {
        assertThrows(IllegalArgumentException.class, () -> new Tlb(3, 2));
        assertThrows(IllegalArgumentException.class, () -> new Tlb(4, 0));
        assertThrows(IllegalArgumentException.class, () -> tlb.insert(1, 0, 0, 8192, RW));
    }

    static LongStream seeds()
    {
        return LongStream.of(1, 2, 3, 99, 2026);
    }

    private record Live(int asid, long base, long size, long frame, int flags)
    {
        boolean global()
        {
            return (flags & PageFlags.GLOBAL) != 0;
        }

        boolean matches(final int asid)
        {
            return this.asid == asid || global();
        }

        boolean overlaps(final long va, final long length)
        {
            return Long.compareUnsigned(base, va + length - 1) <= 0 && Long.compareUnsigned(va, base + size - 1) <= 0;
        }
    }

    /**
     * Random inserts, lookups and invalidations against a model of what may still be cached:
     * every hit must be a translation inserted and not invalidated since.
     */
    @ParameterizedTest
    @MethodSource("seeds")
    void shouldNeverReturnAnInvalidatedEntry(final long seed)
    {
        final SplittableRandom random = new SplittableRandom(seed);
        final Tlb small = new Tlb(8, 2);
        final List<Live> live = new ArrayList<>();
        final long[] sizes = {K4, K4, K4, M2, G1};
        int hits = 0;
        for (int step = 0; step < 6_000; step++)
        {
            final int asid = random.nextInt(4);
            final long va = (random.nextBoolean() ? 0 : 0xFFFF_FFFF_C000_0000L) + random.nextLong(4) * G1 / 2 +
                random.nextLong(64) * K4;
            final int op = random.nextInt(100);
            if (op < 40)
            {
                final long size = sizes[random.nextInt(sizes.length)];
                final int flags = RW | (random.nextInt(8) == 0 ? PageFlags.GLOBAL : 0);
                final long frame = random.nextLong(1L << 30) * K4 & -size;
                small.insert(asid, va, frame, size, flags);
                live.add(new Live(asid, va & -size, size, frame, flags));
            }
            else if (op < 85)
            {
                final int entry = small.lookup(asid, va);
                if (entry != Tlb.MISS)
                {
                    hits++;
                    final long pa = small.physicalAddress(entry, va);
                    final long size = small.pageSize(entry);
                    final int flags = small.flags(entry);
                    assertTrue(live.stream().anyMatch(l -> l.matches(asid) && l.base() == (va & -size) &&
                        l.size() == size && l.frame() + (va & (size - 1)) == pa && l.flags() == flags),
                        "step " + step + ": stale or wrong hit for asid " + asid + " va " + Long.toHexString(va));
                }
            }
            else if (op < 93)
            {
                small.invalidatePage(asid, va);
                live.removeIf(l -> l.matches(asid) && l.overlaps(va, 1));
            }
            else if (op < 97)
            {
                final long length = (1 + random.nextLong(1024)) * K4;
                small.invalidateRange(asid, va, length);
                live.removeIf(l -> l.matches(asid) && l.overlaps(va, length));
            }
            else if (op < 99)
            {
                small.invalidateAsid(asid);
                live.removeIf(l -> l.asid() == asid && !l.global());
            }
            else
            {
                small.invalidateAll();
                live.clear();
            }
        }
        assertTrue(hits > 300, "the run exercised hits: " + hits);
        assertEquals(hits, small.hits());
    }
}
