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

class BitmapAllocatorTest
{
    private static final long BASE = 4096;

    @Test
    void shouldFindRunsAcrossWordBoundaries()
    {
        final BitmapAllocator bitmap = new BitmapAllocator(BASE, 512);
        bitmap.release(BASE + 60, 10);

        assertEquals(BASE + 60, bitmap.allocate(10));
        assertEquals(0, bitmap.freeFrames());
        assertEquals(-1, bitmap.allocate(1));
    }

    @Test
    void shouldSkipRunsThatAreTooShort()
    {
        final BitmapAllocator bitmap = new BitmapAllocator(BASE, 512);
        bitmap.release(BASE + 3, 4);
        bitmap.release(BASE + 100, 5);
        bitmap.release(BASE + 400, 5);

        assertEquals(BASE + 100, bitmap.allocate(5));
        assertEquals(BASE + 400, bitmap.allocate(5));
        assertEquals(BASE + 3, bitmap.allocate(4));
    }

    @Test
    void shouldRotateTheHintAndWrapAround()
    {
        final BitmapAllocator bitmap = new BitmapAllocator(BASE, 256);
        bitmap.release(BASE, 256);

        assertEquals(BASE, bitmap.allocate(8));
        bitmap.release(BASE, 8);
        // Next-fit: the freed run at the start is reused only after the search wraps.
        assertEquals(BASE + 8, bitmap.allocate(8));
        assertEquals(BASE + 16, bitmap.allocate(240));
        assertEquals(BASE, bitmap.allocate(8));
    }

    @Test
    void shouldMeasureFreeRuns()
    {
        final BitmapAllocator bitmap = new BitmapAllocator(BASE, 1024);
        bitmap.release(BASE, 3);
        bitmap.release(BASE + 64, 128);
        bitmap.release(BASE + 1000, 24);

        assertEquals(3, bitmap.freeRuns());
        assertEquals(128 + 24, bitmap.framesInRunsOfAtLeast(16));
        assertEquals(155, bitmap.framesInRunsOfAtLeast(1));
        assertEquals(155, bitmap.countFree(BASE, 1024));
    }

    static LongStream seeds()
    {
        return LongStream.rangeClosed(1, 12);
    }

    @ParameterizedTest(name = "seed {0}")
    @MethodSource("seeds")
    void shouldAgreeWithASimpleModel(final long seed)
    {
        final Random random = new Random(seed);
        final int frames = 64 * (1 + random.nextInt(20));
        final BitmapAllocator bitmap = new BitmapAllocator(BASE, frames);
        final boolean[] free = new boolean[frames];
        for (int i = 0; i < frames; i++)
        {
            if (random.nextInt(4) != 0)
            {
                bitmap.release(BASE + i, 1);
                free[i] = true;
            }
        }
        final List<long[]> live = new ArrayList<>();
        for (int op = 0; op < 2000; op++)
        {
            if (live.isEmpty() || random.nextBoolean())
            {
                final int n = 1 + random.nextInt(random.nextBoolean() ? 8 : 130);
                final long frame = bitmap.allocate(n);
                if (frame < 0)
                {
                    assertFalse(hasRun(free, n), "a run of " + n + " exists but was not found");
                }
                else
                {
                    for (int i = 0; i < n; i++)
                    {
                        assertTrue(free[(int)(frame - BASE) + i], "handed out a frame that was not free");
                        free[(int)(frame - BASE) + i] = false;
                    }
                    live.add(new long[]{frame, n});
                }
            }
            else
            {
                final long[] run = live.remove(random.nextInt(live.size()));
                bitmap.release(run[0], (int)run[1]);
                for (int i = 0; i < run[1]; i++)
                {
                    free[(int)(run[0] - BASE) + i] = true;
                }
            }
            int count = 0;
            for (final boolean f : free)
            {
                count += f ? 1 : 0;
            }
            assertEquals(count, bitmap.freeFrames());
        }
        assertEquals(bitmap.freeFrames(), bitmap.countFree(BASE, frames));
    }

    private static boolean hasRun(final boolean[] free, final int n)
    {
        int run = 0;
        for (final boolean f : free)
        {
            run = f ? run + 1 : 0;
            if (run >= n)
            {
                return true;
            }
        }
        return false;
    }
}
