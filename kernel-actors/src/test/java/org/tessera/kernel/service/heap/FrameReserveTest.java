package org.tessera.kernel.service.heap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class FrameReserveTest
{
    @Test
    void shouldWantRefillsBelowTheLowMarkUpToTheTarget()
    {
        final FrameReserve reserve = new FrameReserve(4, 2, 3);
        assertEquals(3, reserve.wanted(0));
        reserve.requested(0);
        reserve.requested(0);
        assertEquals(0, reserve.wanted(0), "two in flight reach the low mark");
        reserve.refilled(0, 0x10000);
        reserve.refilled(0, 0x20000);
        assertEquals(2, reserve.stock(0));
        assertEquals(2, reserve.framesHeld());
        assertEquals(0x20000, reserve.allocateFrames(1));
        assertEquals(2, reserve.wanted(0), "one left: refill to the target of three");
    }

    @Test
    void shouldMissWhenEmptyAndStarveAfterARefusedRefill()
    {
        final FrameReserve reserve = new FrameReserve(4, 1, 2);
        assertEquals(HeapStatus.NO_MEMORY, reserve.allocateFrames(4));
        assertEquals(1, reserve.totalMisses());
        assertEquals(2, reserve.lastMissOrder());
        reserve.requested(2);
        reserve.refillFailed(2);
        assertTrue(reserve.starved(2));
        assertEquals(0, reserve.wanted(2), "a starved order is not asked for again by itself");
        assertEquals(0, reserve.needed(2));
        reserve.demand(2);
        assertFalse(reserve.starved(2));
        assertEquals(2, reserve.wanted(2));
        assertEquals(HeapStatus.INVALID, reserve.allocateFrames(3), "no runs of 3 frames are kept");
    }

    @Test
    void shouldQueueRunsItCannotKeepForReturn()
    {
        final FrameReserve reserve = new FrameReserve(1, 0, 1);
        assertEquals(HeapStatus.OK, reserve.freeFrames(0x8000, 8));
        assertEquals(HeapStatus.OK, reserve.freeFrames(0x10000, 8));
        assertTrue(reserve.hasReturn());
        assertEquals(0x10000, reserve.nextReturnAddress());
        assertEquals(8, reserve.nextReturnCount());
        assertEquals(16, reserve.framesHeld(), "frames waiting to go back are still held");
        reserve.popReturn();
        assertFalse(reserve.hasReturn());
        assertEquals(8, reserve.framesHeld());
        assertEquals(HeapStatus.INVALID, reserve.freeFrames(0x8001, 1));
    }
}
