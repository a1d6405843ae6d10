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
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class FrameAllocatorCoreTest
{
    private static final int MAX_ORDER = 12;
    private static final int OWNER = 7;

    private FrameAllocatorCore core;

    @AfterEach
    void checkAccountingInvariant()
    {
        if (core != null)
        {
            assertEquals(0, core.checkAccounting(), "accounting invariant violated");
        }
    }

    private FrameAllocatorCore pc96()
    {
        core = new FrameAllocatorCore(new PhysicalLayout(TestLayouts.pc96()), 0, MAX_ORDER, 1);
        return core;
    }

    private FrameAllocatorCore normalOnly()
    {
        core = new FrameAllocatorCore(new PhysicalLayout(TestLayouts.normalOnly64()), 0, MAX_ORDER, 1);
        return core;
    }

    @Test
    void shouldNeverHandOutReservedFrames()
    {
        final FrameAllocatorCore core = pc96();
        // Firmware 256 frames, kernel image 0x1A3 frames, boot data 3 frames.
        assertEquals(96 * MIB / 4096 - 256 - 0x1A3 - 3, core.managedFrames());
        assertEquals(core.managedFrames(), core.freeFrames());
        assertEquals(FrameAllocatorCore.OWNER_NONE, core.ownerOf(0x1000));
        assertEquals(FrameAllocatorCore.OWNER_NONE, core.ownerOf(2 * MIB + 0x1000));

        long pa;
        while ((pa = core.allocate(1, ZONE_NORMAL, OWNER)) >= 0)
        {
            assertTrue(pa >= MIB && (pa < 2 * MIB || pa >= 2 * MIB + 0x1A3000), "reserved DMA frame handed out");
            assertTrue(pa < 80 * MIB || pa >= 80 * MIB + 0x3000, "boot data handed out");
        }
    }

    @Test
    void shouldReportStatistics()
    {
        final FrameAllocatorCore core = normalOnly();
        assertEquals(4, core.freeBlocks(12));
        assertEquals(0, core.fragmentationIndex());

        final long pa = core.allocate(1, ZONE_NORMAL, OWNER);

        assertEquals(0, pa % (16 * MIB), "the first chunk of a split max-order block");
        assertEquals(1, core.allocations());
        assertEquals(16383, core.freeFrames());
        assertEquals(16383, core.freeFrames(ZONE_NORMAL));
        assertEquals(1, core.freeBlocks(9));
        assertEquals(1, core.freeBlocks(10));
        assertEquals(1, core.freeBlocks(11));
        assertEquals(3, core.freeBlocks(12));
        // 511 free frames sit in the borrowed chunk and cannot serve a 2 MiB request.
        assertEquals(511L * 1000 / 16383, core.fragmentationIndex());
        assertEquals(0, core.unusableFreeIndex(0));

        assertEquals(FrameStatus.NO_MEMORY, core.allocate(1, ZONE_DMA, OWNER));
        assertEquals(FrameStatus.INVALID, core.allocate(0, ZONE_NORMAL, OWNER));
        assertEquals(FrameStatus.OK, core.free(pa, 1, OWNER));

        assertEquals(1, core.failures());
        assertEquals(1, core.invalidRequests());
        assertEquals(1, core.frees());
        assertEquals(16384, core.freeFrames());
        assertEquals(1, core.zone(ZONE_NORMAL).spareChunks());
        assertEquals(1, core.trim());
        assertEquals(4, core.freeBlocks(12));
    }

    @Test
    void shouldAlignLargeRunsAndReturnTheUnusedTail()
    {
        final FrameAllocatorCore core = normalOnly();

        final long pa = core.allocate(600, ZONE_NORMAL, OWNER);

        assertEquals(0, pa % (1024 * 4096), "a 600-frame run is aligned to its 1024-frame block");
        assertEquals(16384 - 600, core.freeFrames());
        assertEquals(OWNER, core.ownerOf(pa + 599 * 4096));
        assertEquals(FrameAllocatorCore.OWNER_FREE, core.ownerOf(pa + 600 * 4096));
        // The tail of the second chunk serves small requests.
        assertEquals(pa + 600 * 4096, core.allocate(424, ZONE_NORMAL, OWNER));
    }

    @Test
    void shouldDetectDoubleFreeAndChangeNothing()
    {
        final FrameAllocatorCore core = pc96();
        final long pa = core.allocate(4, ZONE_NORMAL, OWNER);
        assertEquals(FrameStatus.OK, core.free(pa, 4, OWNER));
        final long free = core.freeFrames();

        assertEquals(FrameStatus.DOUBLE_FREE, core.free(pa, 4, OWNER));
        assertEquals(free, core.freeFrames());
        assertEquals(1, core.frees());
        assertEquals(1, core.rejectedFrees());
    }

    @Test
    void shouldDetectFreesOfFramesNotOwned()
    {
        final FrameAllocatorCore core = pc96();
        final long a = core.allocate(8, ZONE_NORMAL, OWNER);
        final long b = core.allocate(8, ZONE_NORMAL, OWNER + 1);
        final long free = core.freeFrames();

        assertEquals(FrameStatus.NOT_MANAGED, core.free(2 * MIB, 1, OWNER), "kernel image");
        assertEquals(FrameStatus.NOT_MANAGED, core.free(96 * MIB, 1, OWNER), "beyond memory");
        assertEquals(FrameStatus.WRONG_OWNER, core.free(b, 8, OWNER));
        assertEquals(FrameStatus.RUN_MISMATCH, core.free(a, 4, OWNER), "part of a run");
        assertEquals(FrameStatus.RUN_MISMATCH, core.free(a + 4096, 7, OWNER), "not the run head");
        assertEquals(FrameStatus.INVALID, core.free(a + 12, 8, OWNER));
        assertEquals(FrameStatus.DOUBLE_FREE, core.free(b + 8 * 4096, 1, OWNER), "never allocated");

        assertEquals(free, core.freeFrames());
        assertEquals(OWNER, core.ownerOf(a));
        assertEquals(OWNER + 1, core.ownerOf(b));
        assertEquals(0, core.frees());
        assertEquals(FrameStatus.OK, core.free(a, 8, OWNER));
        assertEquals(FrameStatus.OK, core.free(b, 8, OWNER + 1));
    }

    @Test
    void shouldServeDmaRequestsOnlyFromDmaUntilExhausted()
    {
        final FrameAllocatorCore core = pc96();
        final long dmaFrames = core.freeFrames(ZONE_DMA);
        long served = 0;
        long pa;
        while ((pa = core.allocate(1, ZONE_DMA, OWNER)) >= 0)
        {
            assertTrue(pa < 16 * MIB, "DMA request served above 16 MiB");
            served++;
        }

        assertEquals(FrameStatus.NO_MEMORY, pa);
        assertEquals(dmaFrames, served);
        assertEquals(0, core.freeFrames(ZONE_DMA));
        assertEquals(1, core.failures());
        final long normal = core.allocate(1, ZONE_NORMAL, OWNER);
        assertTrue(normal >= 16 * MIB, "Normal still serves");
    }

    @Test
    void shouldUseDmaForNormalRequestsOnlyAsLastResortAndKeepItsReserve()
    {
        final FrameAllocatorCore core = pc96();
        final long normalFrames = core.freeFrames(ZONE_NORMAL);
        final long dmaFrames = core.freeFrames(ZONE_DMA);
        long fromNormal = 0;
        long fromDma = 0;
        long pa;
        while ((pa = core.allocate(1, ZONE_NORMAL, OWNER)) >= 0)
        {
            if (pa < 16 * MIB)
            {
                assertEquals(normalFrames, fromNormal, "DMA used while Normal had free frames");
                fromDma++;
            }
            else
            {
                fromNormal++;
            }
        }
        final ZoneAllocator dma = core.zone(ZONE_DMA);
        final long kept = dma.minWatermark() + core.lowmemReserve(ZONE_DMA, ZONE_NORMAL);

        assertEquals(normalFrames, fromNormal);
        assertEquals(dmaFrames - kept, fromDma);
        assertEquals(fromDma, core.fallbackAllocations());
        assertTrue(core.underPressure(ZONE_NORMAL));
        assertEquals(1, core.pressureEvents(ZONE_NORMAL));
        // DMA requests still get the reserve.
        assertTrue(core.allocate(1, ZONE_DMA, OWNER) >= 0);
    }

    @Test
    void shouldServeHighRequestsFromHighFirstAndNeverGiveHighToNormalRequests()
    {
        // 32-bit layout: DMA 0-16 MiB, Normal 16-32 MiB (direct mapped), High 32-64 MiB.
        core = new FrameAllocatorCore(
            new PhysicalLayout(MemoryDescription.singleNode(64 * MIB, new long[0], new long[0], 32 * MIB)), 0, MAX_ORDER, 1);
        final long normalFrames = core.freeFrames(ZONE_NORMAL);
        final long reserve = core.lowmemReserve(ZONE_NORMAL, PhysicalLayout.ZONE_HIGH);
        assertEquals(8192 / 32, reserve, "Normal keeps managed(High) / 32 from High requests");

        final long first = core.allocate(1, ZONE_NORMAL, OWNER);
        assertTrue(first >= 16 * MIB && first < 32 * MIB);
        final List<String> visits = new ArrayList<>();
        long pa;
        while ((pa = core.allocate(64, PhysicalLayout.ZONE_HIGH, OWNER)) >= 0)
        {
            final String zone = pa >= 32 * MIB ? "High" : pa >= 16 * MIB ? "Normal" : "DMA";
            if (visits.isEmpty() || !visits.get(visits.size() - 1).equals(zone))
            {
                visits.add(zone);
            }
        }

        // Balanced pass keeps High, then Normal (plus its reserve), above the low watermark;
        // the drain pass empties High and takes Normal down to its reserve; DMA comes last.
        assertEquals(List.of("High", "Normal", "High", "Normal", "DMA"), visits);
        assertEquals(0, core.freeFrames(PhysicalLayout.ZONE_HIGH));
        assertTrue(core.freeFrames(ZONE_NORMAL) >= reserve, "the reserve stays for Normal requests");
        final long normal = core.allocate(64, ZONE_NORMAL, OWNER);
        assertTrue(normal >= 16 * MIB && normal < 32 * MIB, "Normal requests still served from Normal");
        assertTrue(normalFrames - core.freeFrames(ZONE_NORMAL) > 64);
    }

    @Test
    void shouldFailOutOfMemoryWithoutChangingState()
    {
        final FrameAllocatorCore core = normalOnly();
        final List<Long> held = new ArrayList<>();
        for (int i = 0; i < 3; i++)
        {
            held.add(core.allocate(4096, ZONE_NORMAL, OWNER));
        }
        core.allocate(1, ZONE_NORMAL, OWNER);
        final long free = core.freeFrames();
        final int[] blocks = blockCounts(core);
        final long allocations = core.allocations();

        assertEquals(FrameStatus.NO_MEMORY, core.allocate(4096, ZONE_NORMAL, OWNER));
        assertEquals(FrameStatus.NO_MEMORY, core.allocate(free + 1 > 4096 ? 4096 : (int)free + 1, ZONE_NORMAL, OWNER));

        assertEquals(free, core.freeFrames());
        assertEquals(allocations, core.allocations());
        assertEquals(2, core.failures());
        assertEquals(java.util.Arrays.toString(blocks), java.util.Arrays.toString(blockCounts(core)));
        assertTrue(core.allocate(2048, ZONE_NORMAL, OWNER) >= 0, "smaller request still served");
    }

    @Test
    void shouldServeALargeRunAfterFragmentationOnceFreesCoalesce()
    {
        final FrameAllocatorCore core = normalOnly();
        final long[] frames = new long[16384];
        for (int i = 0; i < frames.length; i++)
        {
            frames[i] = core.allocate(1, ZONE_NORMAL, OWNER);
            assertTrue(frames[i] >= 0);
        }
        for (int i = 0; i < frames.length; i += 2)
        {
            assertEquals(FrameStatus.OK, core.free(frames[i], 1, OWNER));
        }
        assertEquals(1000, core.fragmentationIndex());
        assertTrue(core.externalFragmentationIndex(9) > 900, "lack of contiguity, not of memory");
        assertEquals(FrameStatus.NO_MEMORY, core.allocate(512, ZONE_NORMAL, OWNER));

        // Free the other half of the first 2048 frames (by address): four chunks become whole.
        for (int i = 1; i < frames.length; i += 2)
        {
            if (frames[i] < 16 * MIB + 2048 * 4096L)
            {
                assertEquals(FrameStatus.OK, core.free(frames[i], 1, OWNER));
                frames[i] = -1;
            }
        }
        final long large = core.allocate(1024, ZONE_NORMAL, OWNER);

        assertTrue(large >= 0, "large run after coalescing");
        assertEquals(0, large % (1024 * 4096));
        assertEquals(FrameStatus.OK, core.free(large, 1024, OWNER));
        for (int i = 1; i < frames.length; i += 2)
        {
            if (frames[i] >= 0)
            {
                assertEquals(FrameStatus.OK, core.free(frames[i], 1, OWNER));
            }
        }
        core.trim();
        assertEquals(4, core.freeBlocks(MAX_ORDER));
        assertEquals(0, core.fragmentationIndex());
    }

    @Test
    void shouldCountAccountingViolationsWhenStructuresAreCorruptedBehindTheCore()
    {
        final FrameAllocatorCore corrupted = new FrameAllocatorCore(new PhysicalLayout(TestLayouts.normalOnly64()), 0, MAX_ORDER, 1);
        final long large = corrupted.allocate(512, ZONE_NORMAL, OWNER);
        final long small = corrupted.allocate(1, ZONE_NORMAL, OWNER);
        assertEquals(0, corrupted.checkAccounting());

        // Hand frames back to the structures without going through the ownership record.
        corrupted.zone(ZONE_NORMAL).buddy().free(large >>> 12, 9);
        corrupted.zone(ZONE_NORMAL).bitmap().release(small >>> 12, 1);

        assertTrue(corrupted.checkAccounting() >= 512 + 1, "every owned-but-free frame is a violation");
    }

    static LongStream seeds()
    {
        return LongStream.rangeClosed(1, 8);
    }

    @ParameterizedTest(name = "seed {0}")
    @MethodSource("seeds")
    void shouldKeepAccountingThroughRandomCyclesAndCoalesceToMaxOrder(final long seed)
    {
        final Random random = new Random(seed);
        final FrameAllocatorCore core = pc96();
        final int[] initialBlocks = blockCounts(core);
        final long initialFree = core.freeFrames();
        final List<long[]> live = new ArrayList<>();
        long allocations = 0;
        for (int op = 0; op < 1500; op++)
        {
            if (live.isEmpty() || random.nextInt(5) < 3)
            {
                final int count = random.nextInt(10) == 0 ? 512 + random.nextInt(1600) : 1 + random.nextInt(40);
                final int zone = random.nextInt(6) == 0 ? ZONE_DMA : ZONE_NORMAL;
                final int owner = 1 + random.nextInt(4);
                final long pa = core.allocate(count, zone, owner);
                if (pa >= 0)
                {
                    allocations++;
                    if (zone == ZONE_DMA)
                    {
                        assertTrue(pa + count * 4096L <= 16 * MIB);
                    }
                    for (final long[] other : live)
                    {
                        assertTrue(pa + count * 4096L <= other[0] || other[0] + other[1] * 4096 <= pa, "runs overlap");
                    }
                    assertEquals(owner, core.ownerOf(pa));
                    assertEquals(owner, core.ownerOf(pa + (count - 1) * 4096L));
                    live.add(new long[]{pa, count, owner});
                }
                else
                {
                    assertEquals(FrameStatus.NO_MEMORY, pa);
                }
            }
            else
            {
                final long[] run = live.remove(random.nextInt(live.size()));
                assertEquals(FrameStatus.OK, core.free(run[0], (int)run[1], (int)run[2]));
                assertEquals(FrameAllocatorCore.OWNER_FREE, core.ownerOf(run[0]));
            }
            if (op % 100 == 0)
            {
                assertEquals(0, core.checkAccounting(), "after op " + op);
            }
        }
        assertEquals(allocations, core.allocations());
        for (final long[] run : live)
        {
            assertEquals(FrameStatus.OK, core.free(run[0], (int)run[1], (int)run[2]));
        }
        core.trim();

        assertEquals(initialFree, core.freeFrames());
        assertEquals(java.util.Arrays.toString(initialBlocks), java.util.Arrays.toString(blockCounts(core)));
        assertEquals(4, core.freeBlocks(MAX_ORDER), "Normal coalesced back to its four max-order blocks");
    }

    private static int[] blockCounts(final FrameAllocatorCore core)
    {
        final int[] counts = new int[MAX_ORDER + 1];
        for (int order = 9; order <= MAX_ORDER; order++)
        {
            counts[order] = core.freeBlocks(order);
        }
        return counts;
    }
}
