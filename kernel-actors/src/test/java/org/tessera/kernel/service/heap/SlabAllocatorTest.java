package org.tessera.kernel.service.heap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.LongStream;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.tessera.arch.spi.PhysicalMemory;
import org.tessera.kernel.service.frame.FrameAllocatorCore;
import org.tessera.kernel.service.frame.MemoryDescription;
import org.tessera.kernel.service.frame.PhysicalLayout;

class SlabAllocatorTest
{
    private static final long MIB = 1L << 20;
    private static final int HEAP_OWNER = 42;
    private static final int CPUS = 4;

    private final PhysicalMemory memory = new PhysicalMemory(32 * MIB);
    private final FrameAllocatorCore core = new FrameAllocatorCore(
        new PhysicalLayout(MemoryDescription.singleNode(32 * MIB, new long[]{0}, new long[]{MIB}, 0)), 0);
    private final long initialFree = core.freeFrames();

    @AfterEach
    void tearDown()
    {
        assertEquals(0, core.checkAccounting(), "frame accounting invariant violated");
        memory.close();
    }

    private SlabAllocator heap(final boolean debug)
    {
        return new SlabAllocator(memory, new CoreFrameSource(core, PhysicalLayout.ZONE_NORMAL, HEAP_OWNER), CPUS, 1024, debug);
    }

    @Test
    void shouldMapEverySizeToTheSmallestClassThatFits()
    {
        for (int size = 1; size <= SlabAllocator.MAX_SLAB_OBJECT; size++)
        {
            final int c = SlabAllocator.classOf(size);
            assertTrue(SlabAllocator.classSize(c) >= size);
            assertTrue(c == 0 || SlabAllocator.classSize(c - 1) < size, "size " + size);
        }
        assertEquals(16, SlabAllocator.classSize(SlabAllocator.classOf(1)));
        assertEquals(48, SlabAllocator.classSize(SlabAllocator.classOf(33)));
        assertEquals(2048, SlabAllocator.classSize(SlabAllocator.classOf(1537)));
    }

    @Test
    void shouldReuseAnObjectFreedOnTheSameCpuFirst()
    {
        final SlabAllocator heap = heap(false);
        final int c = SlabAllocator.classOf(64);

        final long a = heap.allocate(64, 0);
        assertEquals(SlabAllocator.MAGAZINE_BATCH - 1, heap.magazineCount(0, c), "refilled in a batch");
        assertEquals(HeapStatus.OK, heap.free(a, 0));

        assertEquals(a, heap.allocate(64, 0));
        final long other = heap.allocate(64, 1);
        assertNotEquals(a, other, "another CPU has its own magazine");
        assertEquals(SlabAllocator.MAGAZINE_BATCH - 1, heap.magazineCount(1, c));
        assertEquals(2, heap.refills());
        heap.free(a, 0);
        heap.free(other, 1);
    }

    @Test
    void shouldDrainFullMagazinesToTheDepotInBatches()
    {
        final SlabAllocator heap = heap(false);
        final long[] objects = new long[40];
        for (int i = 0; i < objects.length; i++)
        {
            objects[i] = heap.allocate(100, 0);
        }
        for (final long object : objects)
        {
            assertEquals(HeapStatus.OK, heap.free(object, 2));
        }

        assertEquals(SlabAllocator.MAGAZINE_CAPACITY, heap.magazineCount(2, SlabAllocator.classOf(100)));
        assertEquals(3, heap.drains());
        assertEquals(0, heap.liveObjects(SlabAllocator.classOf(100)));
    }

    @Test
    void shouldColourSuccessiveSlabsDifferently()
    {
        final SlabAllocator heap = heap(false);
        final int c = SlabAllocator.classOf(384);
        assertEquals(1, heap.slabFrames(c));
        assertEquals(5, heap.colours(c), "256 bytes of slack: colours 0, 64, 128, 192, 256");

        final TreeMap<Long, Integer> colourBySlab = new TreeMap<>();
        final List<Long> objects = new ArrayList<>();
        for (int i = 0; i < 3 * heap.objectsPerSlab(c); i++)
        {
            final long pa = heap.allocate(384, 0);
            objects.add(pa);
            final long slab = pa & ~4095L;
            final int colour = heap.colourOf(pa);
            assertEquals(colour, (pa - slab) % 384, "first object starts at the colour offset");
            colourBySlab.put(slab, colour);
        }

        // Magazine refills may have opened a fourth slab; there are five colours, so all differ.
        assertTrue(colourBySlab.size() >= 3);
        assertEquals(colourBySlab.size(), new HashSet<>(colourBySlab.values()).size(), "colours differ across slabs");
        for (final long pa : objects)
        {
            heap.free(pa, 0);
        }
    }

    @Test
    void shouldDetectARedZoneOverwrite()
    {
        final SlabAllocator heap = heap(true);
        final long a = heap.allocate(64, 0);
        final long b = heap.allocate(64, 0);
        memory.putByte(a + 64, (byte)1);
        memory.putByte(b - 1, (byte)1);

        assertEquals(HeapStatus.REDZONE_CORRUPTED, heap.free(a, 0));
        assertEquals(HeapStatus.REDZONE_CORRUPTED, heap.free(b, 0));
        assertEquals(2, heap.redzoneViolations());
        assertEquals(0, heap.leakCount(), "freed all the same");
        final long c = heap.allocate(64, 0);
        memory.fill(c, 64, (byte)0x55);
        assertEquals(HeapStatus.OK, heap.free(c, 0), "writes inside the object are fine; zones were repaired");
    }

    @Test
    void shouldDetectUseAfterFreeThroughThePoison()
    {
        final SlabAllocator heap = heap(true);
        final int c = SlabAllocator.classOf(64);
        final long a = heap.allocate(64, 0);
        assertEquals(HeapStatus.OK, heap.free(a, 0));
        memory.putInt(a + 20, 0xDEAD);

        assertEquals(HeapStatus.POISON_CORRUPTED, heap.allocate(64, 0));
        assertEquals(1, heap.poisonViolations());
        assertEquals(1, heap.quarantined(c));
        final long next = heap.allocate(64, 0);
        assertTrue(next >= 0);
        assertNotEquals(a, next, "the corrupted object is never handed out again");
        assertEquals(HeapStatus.DOUBLE_FREE, heap.free(a, 0), "a quarantined object is not live");
        heap.free(next, 0);
    }

    @Test
    void shouldDetectDoubleAndForeignFrees()
    {
        final SlabAllocator heap = heap(false);
        final long a = heap.allocate(200, 1);
        final long large = heap.allocate(5000, 1);

        assertEquals(HeapStatus.INVALID, heap.free(a + 8, 1), "inside an object");
        assertEquals(HeapStatus.NOT_HEAP, heap.free(30 * MIB, 1), "never a heap address");
        assertEquals(HeapStatus.NOT_HEAP, heap.free(large + 4096, 1), "tail of a large allocation");
        assertEquals(HeapStatus.OK, heap.free(a, 1));
        assertEquals(HeapStatus.DOUBLE_FREE, heap.free(a, 2));
        assertEquals(HeapStatus.OK, heap.free(large, 1));
        assertEquals(HeapStatus.NOT_HEAP, heap.free(large, 1), "large double free: its frames are no longer heap frames");
        assertEquals(1, heap.doubleFrees());
    }

    @Test
    void shouldReportLeaksBySizeClass()
    {
        final SlabAllocator heap = heap(true);
        final long[] small = {heap.allocate(64, 0), heap.allocate(64, 1), heap.allocate(64, 2)};
        final long mid1 = heap.allocate(1000, 0);
        final long mid2 = heap.allocate(1000, 0);
        final long large = heap.allocate(10_000, 3);
        heap.free(small[1], 0);

        assertEquals(2, heap.liveObjects(SlabAllocator.classOf(64)));
        assertEquals(2, heap.liveObjects(SlabAllocator.classOf(1000)));
        assertEquals(1, heap.liveLargeAllocations());
        assertEquals(5, heap.leakCount());
        final long[] out = new long[8];
        assertEquals(2, heap.liveObjects(SlabAllocator.classOf(64), out));
        assertEquals(Set.of(small[0], small[2]), Set.of(out[0], out[1]));
        final String report = heap.leakReport();
        assertTrue(report.contains("size 64: 2 live"), report);
        assertTrue(report.contains("size 1024: 2 live"), report);
        assertTrue(report.contains("large: 1 live, 3 frames"), report);

        heap.free(small[0], 0);
        heap.free(small[2], 0);
        heap.free(mid1, 0);
        heap.free(mid2, 0);
        heap.free(large, 0);
        assertEquals(0, heap.leakCount());
        assertEquals("", heap.leakReport());
    }

    @Test
    void shouldTakeLargeAllocationsStraightFromTheFrameAllocator()
    {
        final SlabAllocator heap = heap(false);

        final long pa = heap.allocate(3 * 4096 + 1, 0);

        assertEquals(0, pa & 4095);
        assertEquals(4, heap.framesHeld());
        assertEquals(HEAP_OWNER, core.ownerOf(pa));
        assertEquals(HEAP_OWNER, core.ownerOf(pa + 3 * 4096));
        assertEquals(initialFree - 4, core.freeFrames());
        assertEquals(HeapStatus.OK, heap.free(pa, 0));
        assertEquals(initialFree, core.freeFrames());
        assertEquals(FrameAllocatorCore.OWNER_FREE, core.ownerOf(pa));
    }

    @Test
    void shouldFailWithNoMemoryWhenTheSlabTableIsFull()
    {
        final SlabAllocator heap = new SlabAllocator(memory, new CoreFrameSource(core, PhysicalLayout.ZONE_NORMAL, HEAP_OWNER), 1, 2, false);
        final List<Long> objects = new ArrayList<>();
        long pa;
        while ((pa = heap.allocate(2048, 0)) >= 0)
        {
            objects.add(pa);
        }

        assertEquals(HeapStatus.NO_MEMORY, pa);
        assertEquals(2 * heap.objectsPerSlab(SlabAllocator.classOf(2048)), objects.size());
        assertEquals(HeapStatus.INVALID, heap.allocate(0, 0));
        assertEquals(HeapStatus.INVALID, heap.allocate(16, 1), "no such CPU");
        for (final long object : objects)
        {
            assertEquals(HeapStatus.OK, heap.free(object, 0));
        }
        heap.shrink();
        assertEquals(initialFree, core.freeFrames());
    }

    static LongStream seeds()
    {
        return LongStream.rangeClosed(1, 8);
    }

    @ParameterizedTest(name = "seed {0} (odd seeds in debug mode)")
    @MethodSource("seeds")
    void shouldReturnEveryFrameAfterRandomAllocFreeCycles(final long seed)
    {
        final Random random = new Random(seed);
        final SlabAllocator heap = heap(seed % 2 == 1);
        final List<long[]> live = new ArrayList<>();
        for (int op = 0; op < 3000; op++)
        {
            if (live.isEmpty() || random.nextInt(5) < 3)
            {
                final int size = random.nextInt(20) == 0 ? 2049 + random.nextInt(20_000) : 1 + random.nextInt(2048);
                final int cpu = random.nextInt(CPUS);
                final long pa = heap.allocate(size, cpu);
                assertTrue(pa >= 0, "allocation failed");
                final int span = size > SlabAllocator.MAX_SLAB_OBJECT ? size : SlabAllocator.classSize(SlabAllocator.classOf(size));
                for (final long[] other : live)
                {
                    assertTrue(pa + span <= other[0] || other[0] + other[1] <= pa, "objects overlap");
                }
                // Use the whole object: in debug mode its red zones must survive this.
                memory.fill(pa, span, (byte)seed);
                live.add(new long[]{pa, span});
            }
            else
            {
                final long[] object = live.remove(random.nextInt(live.size()));
                assertEquals(HeapStatus.OK, heap.free(object[0], random.nextInt(CPUS)));
            }
        }
        assertEquals(live.size(), heap.leakCount());
        for (final long[] object : live)
        {
            assertEquals(HeapStatus.OK, heap.free(object[0], random.nextInt(CPUS)));
        }
        assertEquals(0, heap.leakCount());
        heap.shrink();

        assertEquals(0, heap.framesHeld());
        assertEquals(initialFree, core.freeFrames(), "every frame back in the frame allocator");
        assertEquals(0, heap.redzoneViolations() + heap.poisonViolations());
    }
}
