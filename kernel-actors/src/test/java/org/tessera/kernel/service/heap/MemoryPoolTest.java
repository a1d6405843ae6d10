package org.tessera.kernel.service.heap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashSet;
import java.util.Set;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.tessera.kernel.service.frame.FrameAllocatorCore;
import org.tessera.kernel.service.frame.MemoryDescription;
import org.tessera.kernel.service.frame.PhysicalLayout;

class MemoryPoolTest
{
    private static final long MIB = 1L << 20;
    private static final int OWNER = 9;

    private final FrameAllocatorCore core = new FrameAllocatorCore(
        new PhysicalLayout(MemoryDescription.singleNode(32 * MIB, new long[0], new long[0], 0)), 0);
    private final CoreFrameSource source = new CoreFrameSource(core, PhysicalLayout.ZONE_NORMAL, OWNER);
    private final long initialFree = core.freeFrames();

    @AfterEach
    void checkAccountingInvariant()
    {
        assertEquals(0, core.checkAccounting());
    }

    @Test
    void shouldReserveItsFramesUpFrontAndNeverGrow()
    {
        final MemoryPool pool = new MemoryPool(source, 100, 80);
        assertEquals(HeapStatus.OK, pool.reserveStatus());
        assertEquals(112, pool.objectSize());
        assertEquals(3, pool.frames());
        assertEquals(initialFree - 3, core.freeFrames());

        final Set<Long> objects = new HashSet<>();
        for (int i = 0; i < 80; i++)
        {
            final long pa = pool.allocate();
            assertTrue(pa >= 0);
            objects.add(pa);
        }

        assertEquals(80, objects.size());
        assertEquals(HeapStatus.NO_MEMORY, pool.allocate());
        assertEquals(initialFree - 3, core.freeFrames(), "no frames taken after construction");
        for (final long pa : objects)
        {
            assertEquals(HeapStatus.OK, pool.free(pa));
        }
        assertEquals(HeapStatus.OK, pool.release());
        assertEquals(initialFree, core.freeFrames());
    }

    @Test
    void shouldRefuseBadFrees()
    {
        final MemoryPool pool = new MemoryPool(source, 64, 4);
        final long a = pool.allocate();

        assertEquals(HeapStatus.INVALID, pool.free(a + 1));
        assertEquals(HeapStatus.NOT_HEAP, pool.free(a + 4 * 64));
        assertEquals(HeapStatus.BUSY, pool.release());
        assertEquals(HeapStatus.OK, pool.free(a));
        assertEquals(HeapStatus.DOUBLE_FREE, pool.free(a));
        assertEquals(HeapStatus.OK, pool.release());
    }

    @Test
    void shouldBeEmptyWhenItsFramesCannotBeReserved()
    {
        final MemoryPool pool = new MemoryPool(source, 4096, 300_000);

        assertEquals(HeapStatus.INVALID, pool.reserveStatus(), "more frames than the largest buddy order");
        assertEquals(0, pool.capacity());
        assertEquals(HeapStatus.NO_MEMORY, pool.allocate());
        assertEquals(initialFree, core.freeFrames());
        final MemoryPool tooBig = new MemoryPool(source, 4096, 20_000);
        assertEquals(HeapStatus.NO_MEMORY, tooBig.reserveStatus());
    }
}
