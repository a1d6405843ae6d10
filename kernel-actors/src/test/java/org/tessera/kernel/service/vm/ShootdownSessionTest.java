package org.tessera.kernel.service.vm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The batch a session builds before its invalidations go out. */
class ShootdownSessionTest
{
    static final long PAGE = 4096;

    @Test
    void shouldMergeTouchingRangesAndKeepSeparateOnesApart()
    {
        final ShootdownSession s = new ShootdownSession(3);
        s.reset();
        assertFalse(s.hasInvalidation());
        s.addRange(0x1000, PAGE, 32);
        s.addRange(0x2000, 2 * PAGE, 32);
        s.addRange(0x8000, PAGE, 32);
        assertEquals(2, s.rangeCount);
        assertEquals(0x1000, s.rangeStart[0]);
        assertEquals(3 * PAGE, s.rangeLength[0]);
        assertEquals(0x8000, s.rangeStart[1]);
        assertEquals(4, s.rangePages);
        assertFalse(s.wholeSpace);
        assertTrue(s.hasInvalidation());
    }

    @Test
    void shouldBecomeAWholeSpaceFlushAboveThePageThreshold()
    {
        final ShootdownSession s = new ShootdownSession(0);
        s.reset();
        s.addRange(0, 32 * PAGE, 32);
        assertFalse(s.wholeSpace, "exactly the threshold is still a range");
        s.addRange(64 * PAGE, PAGE, 32);
        assertTrue(s.wholeSpace);
    }

    @Test
    void shouldBecomeAWholeSpaceFlushWhenTheRangesDoNotFitOneMessage()
    {
        final ShootdownSession s = new ShootdownSession(0);
        s.reset();
        for (int i = 0; i < ShootdownSession.MAX_RANGES; i++)
        {
            s.addRange(i * 2 * PAGE, PAGE, 1_000);
        }
        assertFalse(s.wholeSpace);
        s.addRange(100 * PAGE, PAGE, 1_000);
        assertTrue(s.wholeSpace);
    }

    @Test
    void shouldNameEachUseOfASessionWithADifferentBatchId()
    {
        final ShootdownSession s = new ShootdownSession(5);
        s.generation = 1;
        final int first = s.batchId();
        s.generation++;
        assertNotEquals(first, s.batchId());
        assertEquals(5, s.batchId() & 0xFFFF);
        s.generation = 0x1_0000 + 2;
        assertEquals(2, s.batchId() >>> 16, "the generation wraps within 16 bits");
    }
}
