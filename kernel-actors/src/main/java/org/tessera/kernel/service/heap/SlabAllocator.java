package org.tessera.kernel.service.heap;

import org.tessera.arch.spi.PhysicalMemory;
import org.tessera.subset.HostOnly;

/**
 * The kernel heap's slab allocator: objects of 16 to 2048 bytes in size classes, carved from
 * slabs of 1 to 8 frames taken from a {@link FrameSource}; larger requests go straight to the
 * frame source. Objects are physical addresses.
 *
 * <p><b>Layers</b> (Bonwick's magazines over a slab depot):
 * <pre>
 *   allocate(size, cpu) -> per-CPU magazine of the class (a stack of up to 16 free objects)
 *        empty? refill 8 from the depot            full on free? drain 8 to the depot
 *   depot: per class, a list of partial slabs and a list of empty slabs (at most one empty slab
 *          per class is kept; the next one goes back to the frame source)
 *   slab:  [colour][obj 0][obj 1]...[obj n-1][slack - colour]
 *          in-slab free list: a free object's first 8 bytes hold the address of the next one
 * </pre>
 * A slab's first object starts at a <em>colour</em> offset, a multiple of 64 bytes (a cache
 * line) within the slab's slack, rotating per class, so that objects at the same index in
 * different slabs fall on different cache lines.
 *
 * <p><b>Debug mode</b> surrounds each object with 16-byte red zones (0xBB), checked on free;
 * fills freed objects with the poison 0x6B (except the first 8 bytes, which hold the free
 * link), checked when the object is handed out again; corrupted objects are quarantined.
 * Double frees are detected in both modes by a per-object allocated bit.
 *
 * <p>Single-threaded: the heap service that owns it serialises requests; the magazines model
 * per-CPU caching (an object freed on a CPU is reused first on that CPU).
 */
public final class SlabAllocator
{
    /** Object sizes of the size classes, in bytes. */
    private static final int[] CLASS_SIZES = {16, 32, 48, 64, 96, 128, 192, 256, 384, 512, 768, 1024, 1536, 2048};
    /** Number of size classes. */
    public static final int CLASS_COUNT = CLASS_SIZES.length;
    /** Largest size served by a slab; larger requests take whole frames. */
    public static final int MAX_SLAB_OBJECT = 2048;
    /** Objects per magazine. */
    public static final int MAGAZINE_CAPACITY = 16;
    /** Objects moved between a magazine and the depot at once. */
    public static final int MAGAZINE_BATCH = 8;
    /** Bytes of each red zone (debug mode). */
    public static final int REDZONE = 16;
    /** Red-zone fill byte. */
    public static final byte REDZONE_BYTE = (byte)0xBB;
    /** Poison fill byte of freed objects. */
    public static final byte POISON_BYTE = (byte)0x6B;
    /** Colour granularity: one cache line. */
    public static final int COLOUR_STEP = 64;
    /** Bytes at the start of a free object used for the in-slab free link (not poisoned). */
    public static final int LINK_BYTES = 8;

    private static final int FRAME_SHIFT = 12;
    private static final int FRAME_SIZE = 1 << FRAME_SHIFT;
    private static final int MIN_OBJECTS = 8;
    private static final int MAX_SLAB_FRAMES = 8;
    private static final int EMPTY_SLABS_KEPT = 1;
    private static final int NONE = -1;
    private static final byte LIST_NONE = 0;
    private static final byte LIST_PARTIAL = 1;
    private static final byte LIST_EMPTY = 2;
    private static final byte LIST_FULL = 3;
    private static final int TAG_LARGE_TAIL = -1;
    private static final byte[] CLASS_OF_SIXTEENTHS = new byte[MAX_SLAB_OBJECT / 16 + 1];

    static
    {
        int c = 0;
        for (int i = 1; i < CLASS_OF_SIXTEENTHS.length; i++)
        {
            while (CLASS_SIZES[c] < i * 16)
            {
                c++;
            }
            CLASS_OF_SIXTEENTHS[i] = (byte)c;
        }
    }

    private final PhysicalMemory memory;
    private final FrameSource frames;
    private final int cpus;
    private final boolean debug;
    private final int maxSlabs;

    private final int[] stride;
    private final int[] objectOffset;
    private final int[] objectsPerSlab;
    private final int[] slabFrames;
    private final int[] colours;
    private final int[] nextColour;
    private final int[] partialHead;
    private final int[] emptyHead;
    private final int[] emptyCount;
    private final int[] slabCount;
    private final long[] live;
    private final long[] quarantined;

    private final long[] slabBase;
    private final int[] slabClass;
    private final int[] slabInUse;
    private final long[] slabFreeHead;
    private final int[] slabColour;
    private final int[] slabNext;
    private final int[] slabPrev;
    private final byte[] slabList;
    private final long[] allocatedBits;
    private final int bitWords;
    private final int[] freeSlabIds;
    private int freeSlabIdCount;

    private final int[] frameTag;
    private final long[] magazines;
    private final int[] magazineCount;

    private long allocations;
    private long frees;
    private long largeLive;
    private long largeFrames;
    private long slabFramesHeld;
    private long refills;
    private long drains;
    private long doubleFrees;
    private long invalidFrees;
    private long redzoneViolations;
    private long poisonViolations;

    /**
     * @param memory   physical memory holding the objects.
     * @param frames   where slabs and large allocations come from.
     * @param cpus     number of CPUs (one magazine per CPU per class).
     * @param maxSlabs capacity of the slab table (bounds the heap's size in slabs).
     * @param debug    red zones, poisoning and their checks.
     */
    public SlabAllocator(final PhysicalMemory memory, final FrameSource frames, final int cpus, final int maxSlabs, final boolean debug)
    {
        if (cpus <= 0 || maxSlabs <= 0)
        {
            throw new IllegalArgumentException("cpus and maxSlabs must be positive");
        }
        this.memory = memory;
        this.frames = frames;
        this.cpus = cpus;
        this.debug = debug;
        this.maxSlabs = maxSlabs;
        this.stride = new int[CLASS_COUNT];
        this.objectOffset = new int[CLASS_COUNT];
        this.objectsPerSlab = new int[CLASS_COUNT];
        this.slabFrames = new int[CLASS_COUNT];
        this.colours = new int[CLASS_COUNT];
        this.nextColour = new int[CLASS_COUNT];
        this.partialHead = new int[CLASS_COUNT];
        this.emptyHead = new int[CLASS_COUNT];
        this.emptyCount = new int[CLASS_COUNT];
        this.slabCount = new int[CLASS_COUNT];
        this.live = new long[CLASS_COUNT];
        this.quarantined = new long[CLASS_COUNT];
        int maxObjects = 0;
        for (int c = 0; c < CLASS_COUNT; c++)
        {
            stride[c] = CLASS_SIZES[c] + (debug ? 2 * REDZONE : 0);
            objectOffset[c] = debug ? REDZONE : 0;
            int f = 1;
            while (f < MAX_SLAB_FRAMES && f * FRAME_SIZE / stride[c] < MIN_OBJECTS)
            {
                f <<= 1;
            }
            slabFrames[c] = f;
            objectsPerSlab[c] = f * FRAME_SIZE / stride[c];
            final int slack = f * FRAME_SIZE - objectsPerSlab[c] * stride[c];
            colours[c] = slack / COLOUR_STEP + 1;
            partialHead[c] = NONE;
            emptyHead[c] = NONE;
            maxObjects = Math.max(maxObjects, objectsPerSlab[c]);
        }
        this.bitWords = (maxObjects + 63) >>> 6;
        this.slabBase = new long[maxSlabs];
        this.slabClass = new int[maxSlabs];
        this.slabInUse = new int[maxSlabs];
        this.slabFreeHead = new long[maxSlabs];
        this.slabColour = new int[maxSlabs];
        this.slabNext = new int[maxSlabs];
        this.slabPrev = new int[maxSlabs];
        this.slabList = new byte[maxSlabs];
        this.allocatedBits = new long[maxSlabs * bitWords];
        this.freeSlabIds = new int[maxSlabs];
        for (int i = 0; i < maxSlabs; i++)
        {
            slabClass[i] = NONE;
            freeSlabIds[i] = maxSlabs - 1 - i;
        }
        this.freeSlabIdCount = maxSlabs;
        this.frameTag = new int[(int)(memory.size() >>> FRAME_SHIFT)];
        this.magazines = new long[cpus * CLASS_COUNT * MAGAZINE_CAPACITY];
        this.magazineCount = new int[cpus * CLASS_COUNT];
    }

    /**
     * @param size a request size, 1 to {@link #MAX_SLAB_OBJECT}.
     * @return the size class serving it.
     */
    public static int classOf(final int size)
    {
        return CLASS_OF_SIXTEENTHS[(size + 15) >>> 4];
    }

    /**
     * @param sizeClass a size class.
     * @return its object size in bytes.
     */
    public static int classSize(final int sizeClass)
    {
        return CLASS_SIZES[sizeClass];
    }

    /**
     * Allocate an object.
     *
     * @param size bytes, at least 1; above {@link #MAX_SLAB_OBJECT} whole frames are taken.
     * @param cpu  the calling CPU (selects the magazine).
     * @return the object's physical address, or {@link HeapStatus#NO_MEMORY},
     *         {@link HeapStatus#INVALID}, {@link HeapStatus#POISON_CORRUPTED}.
     */
    public long allocate(final int size, final int cpu)
    {
        if (size <= 0 || cpu < 0 || cpu >= cpus)
        {
            return HeapStatus.INVALID;
        }
        if (size > MAX_SLAB_OBJECT)
        {
            return allocateLarge(size);
        }
        final int c = classOf(size);
        final int m = cpu * CLASS_COUNT + c;
        if (magazineCount[m] == 0 && refill(m, c) == 0)
        {
            return HeapStatus.NO_MEMORY;
        }
        final long pa = magazines[m * MAGAZINE_CAPACITY + --magazineCount[m]];
        if (debug && !isPoisoned(pa + LINK_BYTES, CLASS_SIZES[c] - LINK_BYTES))
        {
            // Written after free: never hand it out again. It stays counted in its slab, so
            // the slab (and the evidence) is kept.
            poisonViolations++;
            quarantined[c]++;
            return HeapStatus.POISON_CORRUPTED;
        }
        final int s = frameTag[(int)(pa >>> FRAME_SHIFT)] - 1;
        setAllocated(s, objectIndex(s, pa), true);
        live[c]++;
        allocations++;
        return pa;
    }

    private long allocateLarge(final int size)
    {
        final int count = (size + FRAME_SIZE - 1) >>> FRAME_SHIFT;
        final long pa = frames.allocateFrames(count);
        if (pa < 0)
        {
            return pa == HeapStatus.INVALID ? HeapStatus.INVALID : HeapStatus.NO_MEMORY;
        }
        final int frame = (int)(pa >>> FRAME_SHIFT);
        frameTag[frame] = -(count + 1);
        for (int i = 1; i < count; i++)
        {
            frameTag[frame + i] = TAG_LARGE_TAIL;
        }
        largeLive++;
        largeFrames += count;
        allocations++;
        return pa;
    }

    /**
     * Free an object.
     *
     * @param pa  the address returned by {@link #allocate(int, int)}.
     * @param cpu the calling CPU.
     * @return {@link HeapStatus#OK}, or {@link HeapStatus#REDZONE_CORRUPTED} (freed all the same),
     *         or, with nothing changed, {@link HeapStatus#DOUBLE_FREE}, {@link HeapStatus#NOT_HEAP},
     *         {@link HeapStatus#INVALID}.
     */
    public int free(final long pa, final int cpu)
    {
        if (cpu < 0 || cpu >= cpus)
        {
            return HeapStatus.INVALID;
        }
        final long frame = pa >>> FRAME_SHIFT;
        if (pa < 0 || frame >= frameTag.length || frameTag[(int)frame] == 0 || frameTag[(int)frame] == TAG_LARGE_TAIL)
        {
            invalidFrees++;
            return HeapStatus.NOT_HEAP;
        }
        final int tag = frameTag[(int)frame];
        if (tag < 0)
        {
            return freeLarge(pa, (int)frame, -tag - 1);
        }
        final int s = tag - 1;
        final int c = slabClass[s];
        final int index = objectIndex(s, pa);
        if (index < 0)
        {
            invalidFrees++;
            return HeapStatus.INVALID;
        }
        if (!isAllocated(s, index))
        {
            doubleFrees++;
            return HeapStatus.DOUBLE_FREE;
        }
        int status = HeapStatus.OK;
        final int size = CLASS_SIZES[c];
        if (debug)
        {
            if (!redZonesIntact(pa, size))
            {
                redzoneViolations++;
                status = HeapStatus.REDZONE_CORRUPTED;
                writeRedZones(pa, size);
            }
            memory.fill(pa, size, POISON_BYTE);
        }
        setAllocated(s, index, false);
        live[c]--;
        frees++;
        final int m = cpu * CLASS_COUNT + c;
        if (magazineCount[m] == MAGAZINE_CAPACITY)
        {
            drain(m, MAGAZINE_BATCH);
        }
        magazines[m * MAGAZINE_CAPACITY + magazineCount[m]++] = pa;
        return status;
    }

    private int freeLarge(final long pa, final int frame, final int count)
    {
        if ((pa & (FRAME_SIZE - 1)) != 0)
        {
            invalidFrees++;
            return HeapStatus.INVALID;
        }
        final int status = frames.freeFrames(pa, count);
        if (status != HeapStatus.OK)
        {
            throw new IllegalStateException("frame source refused a run the heap holds");
        }
        for (int i = 0; i < count; i++)
        {
            frameTag[frame + i] = 0;
        }
        largeLive--;
        largeFrames -= count;
        frees++;
        return HeapStatus.OK;
    }

    /**
     * Empty every magazine into the depot and give every empty slab back to the frame source
     * (memory pressure, or before checking that the heap holds nothing).
     *
     * @return frames given back.
     */
    public long shrink()
    {
        for (int m = 0; m < magazineCount.length; m++)
        {
            drain(m, magazineCount[m]);
        }
        final long before = slabFramesHeld;
        for (int c = 0; c < CLASS_COUNT; c++)
        {
            while (emptyHead[c] != NONE)
            {
                releaseSlab(emptyHead[c]);
            }
        }
        return before - slabFramesHeld;
    }

    private int refill(final int m, final int c)
    {
        int got = 0;
        while (got < MAGAZINE_BATCH)
        {
            final long pa = takeFromDepot(c);
            if (pa < 0)
            {
                break;
            }
            magazines[m * MAGAZINE_CAPACITY + magazineCount[m]++] = pa;
            got++;
        }
        refills++;
        return got;
    }

    private void drain(final int m, final int count)
    {
        for (int i = 0; i < count; i++)
        {
            returnToDepot(magazines[m * MAGAZINE_CAPACITY + --magazineCount[m]]);
        }
        if (count > 0)
        {
            drains++;
        }
    }

    private long takeFromDepot(final int c)
    {
        int s = partialHead[c];
        if (s == NONE)
        {
            s = emptyHead[c];
            if (s != NONE)
            {
                unlink(s);
                emptyCount[c]--;
                link(s, LIST_PARTIAL);
            }
            else
            {
                s = newSlab(c);
                if (s == NONE)
                {
                    return -1;
                }
            }
        }
        final long pa = slabFreeHead[s];
        slabFreeHead[s] = memory.getLong(pa);
        if (debug)
        {
            memory.putLong(pa, poisonLong());
        }
        slabInUse[s]++;
        if (slabFreeHead[s] == NONE)
        {
            unlink(s);
            slabList[s] = LIST_FULL;
        }
        return pa;
    }

    private void returnToDepot(final long pa)
    {
        final int s = frameTag[(int)(pa >>> FRAME_SHIFT)] - 1;
        final int c = slabClass[s];
        memory.putLong(pa, slabFreeHead[s]);
        slabFreeHead[s] = pa;
        slabInUse[s]--;
        if (slabList[s] == LIST_FULL)
        {
            slabList[s] = LIST_NONE;
            link(s, LIST_PARTIAL);
        }
        if (slabInUse[s] == 0)
        {
            unlink(s);
            link(s, LIST_EMPTY);
            emptyCount[c]++;
            if (emptyCount[c] > EMPTY_SLABS_KEPT)
            {
                releaseSlab(s);
            }
        }
    }

    private int newSlab(final int c)
    {
        if (freeSlabIdCount == 0)
        {
            return NONE;
        }
        final int count = slabFrames[c];
        final long base = frames.allocateFrames(count);
        if (base < 0)
        {
            return NONE;
        }
        final int s = freeSlabIds[--freeSlabIdCount];
        final int colour = nextColour[c] * COLOUR_STEP;
        nextColour[c] = nextColour[c] + 1 == colours[c] ? 0 : nextColour[c] + 1;
        slabBase[s] = base;
        slabClass[s] = c;
        slabColour[s] = colour;
        slabInUse[s] = 0;
        for (int w = 0; w < bitWords; w++)
        {
            allocatedBits[s * bitWords + w] = 0;
        }
        final int first = (int)(base >>> FRAME_SHIFT);
        for (int i = 0; i < count; i++)
        {
            frameTag[first + i] = s + 1;
        }
        final int n = objectsPerSlab[c];
        final long firstObject = base + colour + objectOffset[c];
        for (int i = 0; i < n; i++)
        {
            final long pa = firstObject + (long)i * stride[c];
            if (debug)
            {
                memory.fill(pa, CLASS_SIZES[c], POISON_BYTE);
                writeRedZones(pa, CLASS_SIZES[c]);
            }
            memory.putLong(pa, i + 1 < n ? pa + stride[c] : NONE);
        }
        slabFreeHead[s] = firstObject;
        slabList[s] = LIST_NONE;
        link(s, LIST_PARTIAL);
        slabCount[c]++;
        slabFramesHeld += count;
        return s;
    }

    private void releaseSlab(final int s)
    {
        final int c = slabClass[s];
        if (slabList[s] == LIST_EMPTY)
        {
            emptyCount[c]--;
        }
        unlink(s);
        final int count = slabFrames[c];
        final int first = (int)(slabBase[s] >>> FRAME_SHIFT);
        for (int i = 0; i < count; i++)
        {
            frameTag[first + i] = 0;
        }
        if (frames.freeFrames(slabBase[s], count) != HeapStatus.OK)
        {
            throw new IllegalStateException("frame source refused a slab the heap holds");
        }
        slabClass[s] = NONE;
        slabCount[c]--;
        slabFramesHeld -= count;
        freeSlabIds[freeSlabIdCount++] = s;
    }

    private void link(final int s, final byte list)
    {
        final int c = slabClass[s];
        final int head = list == LIST_PARTIAL ? partialHead[c] : emptyHead[c];
        slabPrev[s] = NONE;
        slabNext[s] = head;
        if (head != NONE)
        {
            slabPrev[head] = s;
        }
        if (list == LIST_PARTIAL)
        {
            partialHead[c] = s;
        }
        else
        {
            emptyHead[c] = s;
        }
        slabList[s] = list;
    }

    private void unlink(final int s)
    {
        final byte list = slabList[s];
        if (list != LIST_PARTIAL && list != LIST_EMPTY)
        {
            slabList[s] = LIST_NONE;
            return;
        }
        final int c = slabClass[s];
        final int p = slabPrev[s];
        final int n = slabNext[s];
        if (p != NONE)
        {
            slabNext[p] = n;
        }
        else if (list == LIST_PARTIAL)
        {
            partialHead[c] = n;
        }
        else
        {
            emptyHead[c] = n;
        }
        if (n != NONE)
        {
            slabPrev[n] = p;
        }
        slabList[s] = LIST_NONE;
    }

    private int objectIndex(final int s, final long pa)
    {
        final int c = slabClass[s];
        final long offset = pa - slabBase[s] - slabColour[s] - objectOffset[c];
        if (offset < 0 || offset % stride[c] != 0 || offset / stride[c] >= objectsPerSlab[c])
        {
            return -1;
        }
        return (int)(offset / stride[c]);
    }

    private boolean isAllocated(final int s, final int index)
    {
        return (allocatedBits[s * bitWords + (index >>> 6)] & (1L << index)) != 0;
    }

    private void setAllocated(final int s, final int index, final boolean allocated)
    {
        final int w = s * bitWords + (index >>> 6);
        if (allocated)
        {
            allocatedBits[w] |= 1L << index;
        }
        else
        {
            allocatedBits[w] &= ~(1L << index);
        }
    }

    private void writeRedZones(final long pa, final int size)
    {
        memory.fill(pa - REDZONE, REDZONE, REDZONE_BYTE);
        memory.fill(pa + size, REDZONE, REDZONE_BYTE);
    }

    private boolean redZonesIntact(final long pa, final int size)
    {
        return isFilled(pa - REDZONE, REDZONE, REDZONE_BYTE) && isFilled(pa + size, REDZONE, REDZONE_BYTE);
    }

    private boolean isPoisoned(final long pa, final int length)
    {
        return isFilled(pa, length, POISON_BYTE);
    }

    private boolean isFilled(final long pa, final int length, final byte value)
    {
        final long pattern = (value & 0xFFL) * 0x0101010101010101L;
        int i = 0;
        for (; i + 8 <= length; i += 8)
        {
            if (memory.getLong(pa + i) != pattern)
            {
                return false;
            }
        }
        for (; i < length; i++)
        {
            if (memory.getByte(pa + i) != value)
            {
                return false;
            }
        }
        return true;
    }

    private static long poisonLong()
    {
        return (POISON_BYTE & 0xFFL) * 0x0101010101010101L;
    }

    /**
     * @param pa an object address.
     * @return the colour offset (bytes) of the slab holding it, or -1 when it is not a slab object.
     */
    public int colourOf(final long pa)
    {
        final long frame = pa >>> FRAME_SHIFT;
        if (pa < 0 || frame >= frameTag.length || frameTag[(int)frame] <= 0)
        {
            return -1;
        }
        return slabColour[frameTag[(int)frame] - 1];
    }

    /**
     * @param sizeClass a size class.
     * @return how many colours its slabs rotate through.
     */
    public int colours(final int sizeClass)
    {
        return colours[sizeClass];
    }

    /**
     * @param sizeClass a size class.
     * @return frames per slab of that class.
     */
    public int slabFrames(final int sizeClass)
    {
        return slabFrames[sizeClass];
    }

    /**
     * @param sizeClass a size class.
     * @return objects per slab of that class.
     */
    public int objectsPerSlab(final int sizeClass)
    {
        return objectsPerSlab[sizeClass];
    }

    /**
     * @param cpu       a CPU.
     * @param sizeClass a size class.
     * @return free objects in that CPU's magazine for the class.
     */
    public int magazineCount(final int cpu, final int sizeClass)
    {
        return magazineCount[cpu * CLASS_COUNT + sizeClass];
    }

    /**
     * @param sizeClass a size class.
     * @return objects of the class allocated and not yet freed (the leak count at shutdown).
     */
    public long liveObjects(final int sizeClass)
    {
        return live[sizeClass];
    }

    /**
     * Fill {@code out} with the addresses of the live objects of a class (leak report).
     *
     * @param sizeClass a size class.
     * @param out       receives up to {@code out.length} addresses.
     * @return the number of addresses written.
     */
    public int liveObjects(final int sizeClass, final long[] out)
    {
        int written = 0;
        for (int s = 0; s < maxSlabs && written < out.length; s++)
        {
            if (slabClass[s] != sizeClass)
            {
                continue;
            }
            final long first = slabBase[s] + slabColour[s] + objectOffset[sizeClass];
            for (int i = 0; i < objectsPerSlab[sizeClass] && written < out.length; i++)
            {
                if (isAllocated(s, i))
                {
                    out[written++] = first + (long)i * stride[sizeClass];
                }
            }
        }
        return written;
    }

    /** @return live small objects plus live large allocations. */
    public long leakCount()
    {
        long total = largeLive;
        for (int c = 0; c < CLASS_COUNT; c++)
        {
            total += live[c];
        }
        return total;
    }

    /** @return live large (frame) allocations. */
    public long liveLargeAllocations()
    {
        return largeLive;
    }

    /** @return frames currently taken from the frame source (slabs and large allocations). */
    public long framesHeld()
    {
        return slabFramesHeld + largeFrames;
    }

    /**
     * @param sizeClass a size class.
     * @return slabs of that class currently held.
     */
    public int slabs(final int sizeClass)
    {
        return slabCount[sizeClass];
    }

    /**
     * @param sizeClass a size class.
     * @return objects of the class quarantined after a poison check failed.
     */
    public long quarantined(final int sizeClass)
    {
        return quarantined[sizeClass];
    }

    /** @return successful allocations (small and large). */
    public long allocations()
    {
        return allocations;
    }

    /** @return successful frees (small and large). */
    public long frees()
    {
        return frees;
    }

    /** @return magazine refills from the depot. */
    public long refills()
    {
        return refills;
    }

    /** @return magazine drains to the depot. */
    public long drains()
    {
        return drains;
    }

    /** @return double frees refused. */
    public long doubleFrees()
    {
        return doubleFrees;
    }

    /** @return frees of addresses that are not heap objects. */
    public long invalidFrees()
    {
        return invalidFrees;
    }

    /** @return red-zone overwrites found on free. */
    public long redzoneViolations()
    {
        return redzoneViolations;
    }

    /** @return poison mismatches (writes after free) found on allocation. */
    public long poisonViolations()
    {
        return poisonViolations;
    }

    /** @return true when debug checks are on. */
    public boolean debug()
    {
        return debug;
    }

    /** @return a readable leak report: live objects by size class and live large allocations. */
    @HostOnly
    public String leakReport()
    {
        final StringBuilder report = new StringBuilder();
        for (int c = 0; c < CLASS_COUNT; c++)
        {
            if (live[c] != 0 || quarantined[c] != 0)
            {
                report.append("size ").append(CLASS_SIZES[c]).append(": ").append(live[c]).append(" live");
                if (quarantined[c] != 0)
                {
                    report.append(", ").append(quarantined[c]).append(" quarantined");
                }
                report.append('\n');
            }
        }
        if (largeLive != 0)
        {
            report.append("large: ").append(largeLive).append(" live, ").append(largeFrames).append(" frames\n");
        }
        return report.toString();
    }
}
