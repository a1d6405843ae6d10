package org.tessera.kernel.service.cap;

import org.agrona.concurrent.UnsafeBuffer;

/**
 * A fixed set of 4 KiB pages, carved from a buffer given at construction, that capability spaces
 * take their L2 pages from. The free pages are a stack of ints, so allocate and free are O(1) and
 * allocate nothing. The buffer may wrap a region of physical memory (the memory services hand the
 * authority its frames) or any off-heap buffer.
 *
 * <p>Not thread safe: a pool belongs to one authority shard, which runs on one CPU loop.
 */
public final class CapabilityPagePool
{
    /** Size of one L2 page in bytes. */
    public static final int PAGE_SIZE = 4096;
    /** Returned by {@link #allocate()} when no page is free. */
    public static final int NONE = -1;

    private final UnsafeBuffer buffer;
    private final int pageCount;
    private final int[] freeStack;
    private final boolean[] allocated;
    private int freeCount;

    /**
     * Carve {@code buffer.capacity() / 4096} pages out of {@code buffer}.
     *
     * @param buffer off-heap buffer whose capacity is a positive multiple of 4096.
     */
    public CapabilityPagePool(final UnsafeBuffer buffer)
    {
        if (buffer.capacity() < PAGE_SIZE || (buffer.capacity() & (PAGE_SIZE - 1)) != 0)
        {
            throw new IllegalArgumentException("capability page pool needs a positive multiple of 4096 bytes");
        }
        this.buffer = buffer;
        this.pageCount = buffer.capacity() / PAGE_SIZE;
        this.freeStack = new int[pageCount];
        this.allocated = new boolean[pageCount];
        // Low pages on top of the stack, so a fresh pool hands out pages in address order.
        for (int i = 0; i < pageCount; i++)
        {
            freeStack[i] = pageCount - 1 - i;
        }
        this.freeCount = pageCount;
    }

    /** @return a free page index, or {@link #NONE} when the pool is exhausted. */
    public int allocate()
    {
        if (freeCount == 0)
        {
            return NONE;
        }
        final int page = freeStack[--freeCount];
        allocated[page] = true;
        return page;
    }

    /**
     * Return a page to the pool.
     *
     * @param page a page index from {@link #allocate()}.
     * @throws IllegalStateException on a double free or a foreign index (a kernel bug).
     */
    public void free(final int page)
    {
        if (page < 0 || page >= pageCount || !allocated[page])
        {
            throw new IllegalStateException("capability page freed twice or never allocated");
        }
        allocated[page] = false;
        freeStack[freeCount++] = page;
    }

    /** @return byte offset of {@code page} in {@link #buffer()}. */
    public int pageOffset(final int page)
    {
        return page * PAGE_SIZE;
    }

    /** @return the buffer the pages live in. */
    public UnsafeBuffer buffer()
    {
        return buffer;
    }

    /** @return total number of pages. */
    public int pageCount()
    {
        return pageCount;
    }

    /** @return number of free pages. */
    public int freeCount()
    {
        return freeCount;
    }
}
