package org.tessera.kernel.service.frame;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.tessera.kernel.service.frame.PhysicalLayout.ZONE_DMA;
import static org.tessera.kernel.service.frame.PhysicalLayout.ZONE_NORMAL;
import static org.tessera.kernel.service.frame.TestLayouts.MIB;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class FrameAllocatorsTest
{
    private static final int OWNER = 3;

    private PhysicalLayout layout;
    private FrameAllocators allocators;

    @BeforeEach
    void setUp()
    {
        final MemoryDescription description = TestLayouts.threeNodes();
        layout = new PhysicalLayout(description);
        final FrameAllocatorCore[] cores = new FrameAllocatorCore[3];
        for (int node = 0; node < 3; node++)
        {
            cores[node] = new FrameAllocatorCore(layout, node);
        }
        allocators = new FrameAllocators(layout, cores, new NumaPolicy(description));
    }

    @AfterEach
    void checkAccountingInvariant()
    {
        assertEquals(0, allocators.checkAccounting());
    }

    @Test
    void shouldFallBackAcrossNodesByDistance()
    {
        final List<String> visits = new ArrayList<>();
        long pa;
        while ((pa = allocators.allocate(0, 8, ZONE_NORMAL, OWNER)) >= 0)
        {
            final int node = layout.nodeOf(pa);
            final String visit = pa < 16 * MIB ? "DMA" : Integer.toString(node);
            if (visits.isEmpty() || !visits.get(visits.size() - 1).equals(visit))
            {
                visits.add(visit);
            }
        }

        // Balanced pass: each node down to its low watermark, nearest first (0, then 2 at
        // distance 20, then 1 at 30); then each node drained in the same order; DMA last.
        assertEquals(List.of("0", "2", "1", "0", "2", "1", "DMA"), visits);
        assertEquals(FrameStatus.NO_MEMORY, pa);
        assertEquals(1, allocators.failures());
        assertTrue(allocators.remoteAllocations() > 0);
    }

    @Test
    void shouldPreferTheLocalNode()
    {
        final long pa = allocators.allocate(1, 1, ZONE_NORMAL, OWNER);

        assertEquals(1, layout.nodeOf(pa));
        assertEquals(1, allocators.localAllocations());
        assertEquals(OWNER, allocators.ownerOf(pa));
        assertEquals(FrameStatus.OK, allocators.free(pa, 1, OWNER));
    }

    @Test
    void shouldServeDmaRequestsFromTheNodeThatHasDma()
    {
        final long pa = allocators.allocate(2, 4, ZONE_DMA, OWNER);

        assertTrue(pa >= 0 && pa < 16 * MIB);
        assertEquals(1, allocators.remoteAllocations());
        assertEquals(FrameStatus.NOT_MANAGED, allocators.core(2).free(pa, 4, OWNER), "another node's frames");
        assertEquals(FrameStatus.OK, allocators.free(pa, 4, OWNER));
        assertEquals(FrameStatus.DOUBLE_FREE, allocators.free(pa, 4, OWNER));
    }
}
