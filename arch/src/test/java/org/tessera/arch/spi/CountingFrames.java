package org.tessera.arch.spi;

import java.util.ArrayDeque;
import java.util.BitSet;
import java.util.Deque;

/**
 * Test {@link FrameSource}: a bump allocator over {@code [base, limit)} of a physical memory
 * with a free list for returned frames. It zeroes every frame it hands out, counts frames
 * outstanding, and fails the test on a double free or a free of a frame it never gave.
 */
public final class CountingFrames implements FrameSource
{
    private final PhysicalMemory memory;
    private final long base;
    private final long limit;
    private final Deque<Long> free = new ArrayDeque<>();
    private final BitSet outstanding = new BitSet();
    private long next;
    private int allocations;
    private int frees;
    private int budget = Integer.MAX_VALUE;

    /**
     * @param memory physical memory frames are zeroed in.
     * @param base   first frame address.
     * @param limit  end of the range.
     */
    public CountingFrames(final PhysicalMemory memory, final long base, final long limit)
    {
        this.memory = memory;
        this.base = base;
        this.limit = limit;
        this.next = base;
    }

    /** Allow only {@code frames} more allocations, then answer {@link #NO_FRAME}. */
    public CountingFrames budget(final int frames)
    {
        this.budget = frames;
        return this;
    }

    @Override
    public long allocateZeroedFrame()
    {
        if (budget == 0)
        {
            return NO_FRAME;
        }
        final long frame;
        if (!free.isEmpty())
        {
            frame = free.pop();
        }
        else if (next + 4096 <= limit)
        {
            frame = next;
            next += 4096;
        }
        else
        {
            return NO_FRAME;
        }
        if (budget != Integer.MAX_VALUE)
        {
            budget--;
        }
        // Dirty frames coming back from the free list must not leak old entries into a table.
        memory.fill(frame, 4096, (byte)0);
        outstanding.set(index(frame));
        allocations++;
        return frame;
    }

    @Override
    public void freeFrame(final long physicalAddress)
    {
        if ((physicalAddress & 4095) != 0 || physicalAddress < base || physicalAddress >= next)
        {
            throw new AssertionError("free of a frame never allocated: 0x" + Long.toHexString(physicalAddress));
        }
        final int index = index(physicalAddress);
        if (!outstanding.get(index))
        {
            throw new AssertionError("double free of frame 0x" + Long.toHexString(physicalAddress));
        }
        outstanding.clear(index);
        // Scribble over the freed frame so a use after free shows up as garbage entries.
        memory.fill(physicalAddress, 4096, (byte)0x5A);
        free.push(physicalAddress);
        frees++;
    }

    /** @return frames allocated and not yet freed. */
    public int outstanding()
    {
        return outstanding.cardinality();
    }

    /** @return allocations so far. */
    public int allocations()
    {
        return allocations;
    }

    /** @return frees so far. */
    public int frees()
    {
        return frees;
    }

    private int index(final long frame)
    {
        return (int)((frame - base) >>> 12);
    }
}
