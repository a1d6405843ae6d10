package org.tessera.kernel.service.frame;

/**
 * A binary buddy allocator for naturally aligned blocks of {@code 2^order} frames, orders
 * {@link #MIN_ORDER} (512 frames, 2 MiB) to a configurable maximum.
 *
 * <p>Its unit is the 2 MiB <em>chunk</em>; a block of order {@code k} is {@code 2^(k-9)}
 * chunks whose first chunk number is a multiple of that count in <em>absolute</em> physical
 * terms, so that a block can be mapped by a large page. Free lists per order are doubly linked
 * lists of chunk indices in int arrays; {@code freeOrder[c]} is the order of the free block
 * headed by chunk {@code c} or -1, which makes the buddy test on coalescing O(1).
 *
 * <pre>
 *   order 10 block (4 MiB) at chunk 6:    [ 6 | 7 ]        buddy of chunk c at order k
 *   split -> order 9 blocks 6 and 7                        is c XOR 2^(k-9)
 *   free 6 while 7 free -> merge to 6 @ order 10
 * </pre>
 *
 * <p>The allocator starts empty: its owner seeds it by freeing every chunk it may hand out.
 * It never validates frees (the {@link FrameAllocatorCore} owns that check through its
 * ownership record); freeing something twice corrupts it.
 */
public final class BuddyAllocator
{
    /** The smallest order: 512 frames, one 2 MiB chunk. */
    public static final int MIN_ORDER = 9;
    /** Frames per chunk. */
    public static final int CHUNK_FRAMES = 1 << MIN_ORDER;
    private static final int NONE = -1;

    private final int maxOrder;
    private final int maxChunkOrder;
    private final long baseChunk;
    private final int chunkCount;
    private final byte[] freeOrder;
    private final int[] next;
    private final int[] prev;
    private final int[] head;
    private final int[] blocks;
    private long freeChunks;

    /**
     * @param startFrame first frame this allocator may ever hold.
     * @param endFrame   frame just past the last one it may hold.
     * @param maxOrder   the largest order, at least {@link #MIN_ORDER} and at most 30.
     */
    public BuddyAllocator(final long startFrame, final long endFrame, final int maxOrder)
    {
        if (maxOrder < MIN_ORDER || maxOrder > 30)
        {
            throw new IllegalArgumentException("max order must be in [9, 30]");
        }
        this.maxOrder = maxOrder;
        this.maxChunkOrder = maxOrder - MIN_ORDER;
        final long firstChunk = startFrame >>> MIN_ORDER;
        final long endChunk = (endFrame + CHUNK_FRAMES - 1) >>> MIN_ORDER;
        // Align the index base down to the largest block so that XOR on relative indices
        // finds the same buddy as XOR on absolute chunk numbers.
        this.baseChunk = (firstChunk >>> maxChunkOrder) << maxChunkOrder;
        final long count = Math.max(0, endChunk - baseChunk);
        if (count > Integer.MAX_VALUE / 2)
        {
            throw new IllegalArgumentException("zone too large for one buddy allocator");
        }
        this.chunkCount = (int)count;
        this.freeOrder = new byte[chunkCount];
        this.next = new int[chunkCount];
        this.prev = new int[chunkCount];
        this.head = new int[maxChunkOrder + 1];
        this.blocks = new int[maxChunkOrder + 1];
        for (int i = 0; i < chunkCount; i++)
        {
            freeOrder[i] = NONE;
        }
        for (int i = 0; i <= maxChunkOrder; i++)
        {
            head[i] = NONE;
        }
    }

    /** @return the largest order served. */
    public int maxOrder()
    {
        return maxOrder;
    }

    /**
     * Take a free block, splitting a larger one when needed.
     *
     * @param order order in frames, {@link #MIN_ORDER} to {@link #maxOrder()}.
     * @return the first frame number of the block, or -1 when no block that large is free.
     */
    public long allocate(final int order)
    {
        final int want = order - MIN_ORDER;
        int k = want;
        while (k <= maxChunkOrder && head[k] == NONE)
        {
            k++;
        }
        if (k > maxChunkOrder)
        {
            return -1;
        }
        final int block = head[k];
        remove(block, k);
        while (k > want)
        {
            k--;
            push(block + (1 << k), k);
        }
        freeChunks -= 1L << want;
        return (baseChunk + block) << MIN_ORDER;
    }

    /**
     * Return a block and merge it with its free buddies as far as possible.
     *
     * @param frame first frame of the block (aligned to its order).
     * @param order order of the block.
     */
    public void free(final long frame, final int order)
    {
        int block = (int)((frame >>> MIN_ORDER) - baseChunk);
        int k = order - MIN_ORDER;
        freeChunks += 1L << k;
        while (k < maxChunkOrder)
        {
            final int buddy = block ^ (1 << k);
            if (buddy >= chunkCount || freeOrder[buddy] != k)
            {
                break;
            }
            remove(buddy, k);
            block = Math.min(block, buddy);
            k++;
        }
        push(block, k);
    }

    /**
     * @param frame a frame number.
     * @return true when the frame lies in a free block.
     */
    public boolean isFree(final long frame)
    {
        final long chunk = (frame >>> MIN_ORDER) - baseChunk;
        if (chunk < 0 || chunk >= chunkCount)
        {
            return false;
        }
        final int c = (int)chunk;
        for (int k = 0; k <= maxChunkOrder; k++)
        {
            final int blockHead = c & ~((1 << k) - 1);
            if (freeOrder[blockHead] == k)
            {
                return true;
            }
        }
        return false;
    }

    /**
     * @param order an order in frames.
     * @return number of free blocks of exactly that order (0 outside the served orders).
     */
    public int freeBlocks(final int order)
    {
        final int k = order - MIN_ORDER;
        return k < 0 || k > maxChunkOrder ? 0 : blocks[k];
    }

    /** @return free frames held in blocks. */
    public long freeFrames()
    {
        return freeChunks << MIN_ORDER;
    }

    /**
     * @param order an order in frames.
     * @return first frame of the first block on that order's free list, or -1.
     */
    public long firstFreeBlock(final int order)
    {
        final int k = order - MIN_ORDER;
        return k < 0 || k > maxChunkOrder || head[k] == NONE ? -1 : (baseChunk + head[k]) << MIN_ORDER;
    }

    /**
     * @param frame first frame of a free block.
     * @return first frame of the next block on the same free list, or -1.
     */
    public long nextFreeBlock(final long frame)
    {
        final int n = next[(int)((frame >>> MIN_ORDER) - baseChunk)];
        return n == NONE ? -1 : (baseChunk + n) << MIN_ORDER;
    }

    private void push(final int block, final int k)
    {
        freeOrder[block] = (byte)k;
        prev[block] = NONE;
        final int first = head[k];
        next[block] = first;
        if (first != NONE)
        {
            prev[first] = block;
        }
        head[k] = block;
        blocks[k]++;
    }

    private void remove(final int block, final int k)
    {
        final int p = prev[block];
        final int n = next[block];
        if (p == NONE)
        {
            head[k] = n;
        }
        else
        {
            next[p] = n;
        }
        if (n != NONE)
        {
            prev[n] = p;
        }
        freeOrder[block] = NONE;
        blocks[k]--;
    }
}
