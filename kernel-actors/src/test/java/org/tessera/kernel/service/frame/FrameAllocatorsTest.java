package org.tessera.kernel.service.frame;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.tessera.kernel.service.frame.PhysicalLayout.ZONE_DMA;
import static org.tessera.kernel.service.frame.PhysicalLayout.ZONE_NORMAL;
import static org.tessera.kernel.service.frame.TestLayouts.MIB;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.LongStream;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

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

    static LongStream seeds()
    {
        return LongStream.rangeClosed(1, 6);
    }

    @ParameterizedTest(name = "seed {0}")
    @MethodSource("seeds")
    void shouldKeepEveryNodeConsistentUnderRandomRequestsFromAllNodes(final long seed)
    {
        final Random random = new Random(seed);
        final List<long[]> live = new ArrayList<>();
        for (int op = 0; op < 1500; op++)
        {
            if (live.isEmpty() || random.nextInt(5) < 3)
            {
                final int local = random.nextInt(3);
                final int count = random.nextInt(12) == 0 ? 512 * (1 + random.nextInt(4)) : 1 + random.nextInt(64);
                final int zone = random.nextInt(8) == 0 ? ZONE_DMA : ZONE_NORMAL;
                final int owner = 1 + random.nextInt(3);
                final long pa = allocators.allocate(local, count, zone, owner);
                if (pa >= 0)
                {
                    final int node = layout.nodeOf(pa);
                    assertEquals(node, layout.nodeOf(pa + (count - 1) * 4096L), "a run never spans nodes");
                    if (zone == ZONE_DMA)
                    {
                        assertTrue(pa + count * 4096L <= 16 * MIB);
                    }
                    live.add(new long[]{pa, count, owner});
                }
            }
            else
            {
                final long[] run = live.remove(random.nextInt(live.size()));
                assertEquals(FrameStatus.OK, allocators.free(run[0], (int)run[1], (int)run[2]));
            }
        }
        assertEquals(0, allocators.checkAccounting());
        for (final long[] run : live)
        {
            assertEquals(FrameStatus.OK, allocators.free(run[0], (int)run[1], (int)run[2]));
        }
        for (int node = 0; node < 3; node++)
        {
            assertEquals(allocators.core(node).managedFrames(), allocators.core(node).freeFrames());
        }
    }
}
