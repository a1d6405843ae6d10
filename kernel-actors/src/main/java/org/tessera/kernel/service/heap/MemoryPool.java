package org.tessera.kernel.service.heap;

/**
 * A fixed pool of equal objects whose frames are reserved up front, for paths that must not
 * fail for lack of memory (like Linux's mempool): allocation never touches the frame
 * allocator, and the pool never grows.
 *
 * <pre>
 *   frames: [obj 0][obj 1]...[obj capacity-1][unused]
 *   next[i] = index of the next free object, or -1; allocated bit per object
 * </pre>
 *
 * <p>If the frames cannot be reserved the pool is built empty: {@link #reserveStatus()} holds
 * the frame source's error and every allocation returns {@link HeapStatus#NO_MEMORY}.
 */
public final class MemoryPool
{
    private static final int NONE = -1;
    private static final int FRAME_SIZE = 4096;

    private final FrameSource frames;
    private final int objectSize;
    private final int capacity;
    private final int frameCount;
    private final int[] next;
    private final long[] allocated;
    private final int reserveStatus;
    private final long base;
    private int freeHead;
    private int inUse;
    private boolean released;

    /**
     * @param frames     where the pool's frames come from.
     * @param objectSize bytes per object (rounded up to 16).
     * @param capacity   number of objects.
     */
    public MemoryPool(final FrameSource frames, final int objectSize, final int capacity)
    {
        if (objectSize <= 0 || capacity <= 0)
        {
            throw new IllegalArgumentException("object size and capacity must be positive");
        }
        this.frames = frames;
        this.objectSize = (objectSize + 15) & ~15;
        this.frameCount = (int)(((long)this.objectSize * capacity + FRAME_SIZE - 1) / FRAME_SIZE);
        this.next = new int[capacity];
        this.allocated = new long[(capacity + 63) >>> 6];
        final long pa = frames.allocateFrames(frameCount);
        if (pa < 0)
        {
            this.reserveStatus = (int)pa;
            this.capacity = 0;
            this.base = NONE;
            this.freeHead = NONE;
            return;
        }
        this.reserveStatus = HeapStatus.OK;
        this.capacity = capacity;
        this.base = pa;
        for (int i = 0; i < capacity; i++)
        {
            next[i] = i + 1 < capacity ? i + 1 : NONE;
        }
        this.freeHead = 0;
    }

    /** @return {@link HeapStatus#OK}, or the frame source's error when the reservation failed. */
    public int reserveStatus()
    {
        return reserveStatus;
    }

    /**
     * @return an object's physical address, or {@link HeapStatus#NO_MEMORY} when every object is in use.
     */
    public long allocate()
    {
        if (freeHead == NONE)
        {
            return HeapStatus.NO_MEMORY;
        }
        final int i = freeHead;
        freeHead = next[i];
        allocated[i >>> 6] |= 1L << i;
        inUse++;
        return base + (long)i * objectSize;
    }

    /**
     * @param pa an address returned by {@link #allocate()}.
     * @return {@link HeapStatus#OK}, {@link HeapStatus#NOT_HEAP} (not in this pool),
     *         {@link HeapStatus#INVALID} (inside an object), {@link HeapStatus#DOUBLE_FREE}.
     */
    public int free(final long pa)
    {
        if (capacity == 0 || released || pa < base || pa >= base + (long)capacity * objectSize)
        {
            return HeapStatus.NOT_HEAP;
        }
        final long offset = pa - base;
        if (offset % objectSize != 0)
        {
            return HeapStatus.INVALID;
        }
        final int i = (int)(offset / objectSize);
        if ((allocated[i >>> 6] & (1L << i)) == 0)
        {
            return HeapStatus.DOUBLE_FREE;
        }
        allocated[i >>> 6] &= ~(1L << i);
        next[i] = freeHead;
        freeHead = i;
        inUse--;
        return HeapStatus.OK;
    }

    /**
     * Give the pool's frames back. Refused while objects are in use.
     *
     * @return {@link HeapStatus#OK} or {@link HeapStatus#BUSY}.
     */
    public int release()
    {
        if (inUse != 0)
        {
            return HeapStatus.BUSY;
        }
        if (capacity != 0 && !released)
        {
            if (frames.freeFrames(base, frameCount) != HeapStatus.OK)
            {
                throw new IllegalStateException("frame source refused the pool's frames");
            }
            released = true;
            freeHead = NONE;
        }
        return HeapStatus.OK;
    }

    /** @return objects the pool holds. */
    public int capacity()
    {
        return capacity;
    }

    /** @return objects currently allocated. */
    public int inUse()
    {
        return inUse;
    }

    /** @return bytes per object. */
    public int objectSize()
    {
        return objectSize;
    }

    /** @return frames reserved. */
    public int frames()
    {
        return capacity == 0 ? 0 : frameCount;
    }
}
