package org.tessera.kernel.service.frame;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.LongStream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class BuddyAllocatorTest
{
    private static final int MAX_ORDER = 12;
    /** 16 chunks from 32 MiB: two order-12 blocks. */
    private static final long START = 8192;
    private static final long END = START + 16 * 512;

    private static BuddyAllocator seeded()
    {
        final BuddyAllocator buddy = new BuddyAllocator(START, END, MAX_ORDER);
        for (long f = START; f < END; f += 512)
        {
            buddy.free(f, 9);
        }
        return buddy;
    }

    @Test
    void shouldCoalesceSeedChunksIntoMaxOrderBlocks()
    {
        final BuddyAllocator buddy = seeded();

        assertEquals(2, buddy.freeBlocks(12));
        assertEquals(0, buddy.freeBlocks(9));
        assertEquals(16 * 512, buddy.freeFrames());
    }

    @Test
    void shouldSplitDownToTheRequestedOrder()
    {
        final BuddyAllocator buddy = seeded();

        final long frame = buddy.allocate(9);

        assertEquals(0, frame % 512);
        assertEquals(1, buddy.freeBlocks(9));
        assertEquals(1, buddy.freeBlocks(10));
        assertEquals(1, buddy.freeBlocks(11));
        assertEquals(1, buddy.freeBlocks(12));
        assertFalse(buddy.isFree(frame));
        assertTrue(buddy.isFree(frame + 512));
    }

    @Test
    void shouldAlignBlocksNaturally()
    {
        final BuddyAllocator buddy = seeded();

        buddy.allocate(9);
        final long block = buddy.allocate(11);

        assertEquals(0, block % 2048);
    }

    @Test
    void shouldFailWhenNoBlockIsLargeEnough()
    {
        final BuddyAllocator buddy = seeded();
        buddy.allocate(12);
        buddy.allocate(9);

        assertEquals(-1, buddy.allocate(12));
        assertEquals(7 * 512, buddy.freeFrames());
    }

    static LongStream seeds()
    {
        return LongStream.rangeClosed(1, 10);
    }

    @ParameterizedTest(name = "seed {0}")
    @MethodSource("seeds")
    void shouldCoalesceBackToMaxOrderAfterRandomCycles(final long seed)
    {
        final Random random = new Random(seed);
        final BuddyAllocator buddy = seeded();
        final List<long[]> live = new ArrayList<>();
        for (int op = 0; op < 500; op++)
        {
            if (live.isEmpty() || random.nextInt(3) != 0)
            {
                final int order = 9 + random.nextInt(4);
                final long frame = buddy.allocate(order);
                if (frame >= 0)
                {
                    assertEquals(0, frame & ((1L << order) - 1), "block not naturally aligned");
                    for (final long[] other : live)
                    {
                        assertTrue(frame + (1L << order) <= other[0] || other[0] + (1L << other[1]) <= frame, "overlap");
                    }
                    live.add(new long[]{frame, order});
                }
            }
            else
            {
                final long[] block = live.remove(random.nextInt(live.size()));
                buddy.free(block[0], (int)block[1]);
            }
        }
        for (final long[] block : live)
        {
            buddy.free(block[0], (int)block[1]);
        }
        assertEquals(2, buddy.freeBlocks(12));
        assertEquals(0, buddy.freeBlocks(9) + buddy.freeBlocks(10) + buddy.freeBlocks(11));
    }
}
