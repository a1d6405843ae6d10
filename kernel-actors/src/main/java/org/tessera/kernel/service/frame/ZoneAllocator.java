package org.tessera.kernel.service.frame;

/**
 * The frames of one zone on one node, shared by a {@link BuddyAllocator} and a
 * {@link BitmapAllocator} without double-handing.
 *
 * <p><b>Layering.</b> The buddy owns the zone in 2 MiB chunks. Each chunk is in exactly one
 * state:
 * <pre>
 *   BUDDY   the buddy's: inside a free buddy block, or part of a large (>= 512) allocation
 *   BITMAP  borrowed by the bitmap allocator from the buddy (an order-9 block); returned to the
 *           buddy once all its 512 frames are free again (keeping at most {@code spareChunks}
 *           such fully free chunks to avoid churn)
 *   PINNED  only partly usable (zone or node edge, reserved frames): the bitmap owns its usable
 *           frames for ever; the buddy never sees it
 * </pre>
 * A frame is therefore free in at most one structure: in the buddy when its chunk is BUDDY,
 * in the bitmap when its chunk is BITMAP or PINNED. A large request of {@code n} frames takes a
 * block of order {@code ceil(log2 n)}, gives the whole chunks it does not need back to the buddy
 * and hands the unused tail of its last chunk to the bitmap (that chunk becomes BITMAP).
 */
public final class ZoneAllocator
{
    static final byte BUDDY = 0;
    static final byte BITMAP = 1;
    static final byte PINNED = 2;
    private static final int CHUNK = BuddyAllocator.CHUNK_FRAMES;

    private final int zone;
    private final long startFrame;
    private final long endFrame;
    private final long firstChunkFrame;
    private final int chunkCount;
    private final BuddyAllocator buddy;
    private final BitmapAllocator bitmap;
    private final byte[] chunkState;
    private final int[] chunkFree;
    private final int spareLimit;
    private final long managedFrames;
    private int spareChunks;
    private long minWatermark;
    private long lowWatermark;
    private long highWatermark;

    /**
     * Build the zone and seed both allocators with every usable frame.
     *
     * @param layout      physical layout.
     * @param node        node id.
     * @param zone        zone index.
     * @param maxOrder    largest buddy order.
     * @param spareChunks fully free borrowed chunks the bitmap may keep before returning them.
     */
    public ZoneAllocator(final PhysicalLayout layout, final int node, final int zone, final int maxOrder, final int spareChunks)
    {
        this.zone = zone;
        this.startFrame = layout.zoneStartFrame(node, zone);
        this.endFrame = layout.zoneEndFrame(node, zone);
        this.spareLimit = spareChunks;
        final long firstChunk = startFrame >>> BuddyAllocator.MIN_ORDER;
        final long endChunk = startFrame == endFrame ? firstChunk : (endFrame + CHUNK - 1) >>> BuddyAllocator.MIN_ORDER;
        this.firstChunkFrame = firstChunk << BuddyAllocator.MIN_ORDER;
        this.chunkCount = (int)(endChunk - firstChunk);
        this.buddy = new BuddyAllocator(firstChunkFrame, endChunk << BuddyAllocator.MIN_ORDER, maxOrder);
        this.bitmap = new BitmapAllocator(firstChunkFrame, chunkCount * CHUNK);
        this.chunkState = new byte[chunkCount];
        this.chunkFree = new int[chunkCount];
        long managed = 0;
        for (int c = 0; c < chunkCount; c++)
        {
            final long chunkStart = firstChunkFrame + ((long)c << BuddyAllocator.MIN_ORDER);
            final long chunkEnd = chunkStart + CHUNK;
            if (chunkStart >= startFrame && chunkEnd <= endFrame && !layout.overlapsReserved(chunkStart, chunkEnd))
            {
                chunkState[c] = BUDDY;
                buddy.free(chunkStart, BuddyAllocator.MIN_ORDER);
                managed += CHUNK;
            }
            else
            {
                chunkState[c] = PINNED;
                int usable = 0;
                for (long f = Math.max(chunkStart, startFrame); f < Math.min(chunkEnd, endFrame); f++)
                {
                    if (!layout.isReservedFrame(f))
                    {
                        bitmap.release(f, 1);
                        usable++;
                    }
                }
                chunkFree[c] = usable;
                managed += usable;
            }
        }
        this.managedFrames = managed;
        setWatermarks(managed / 64);
    }

    /**
     * Set the watermarks from a minimum: low is 5/4 and high 3/2 of it (Linux's proportions).
     *
     * @param min the min watermark in frames.
     */
    public void setWatermarks(final long min)
    {
        this.minWatermark = min;
        this.lowWatermark = min + min / 4;
        this.highWatermark = min + min / 2;
    }

    /** @return the zone index. */
    public int zone()
    {
        return zone;
    }

    /** @return first frame of the zone. */
    public long startFrame()
    {
        return startFrame;
    }

    /** @return frame just past the zone. */
    public long endFrame()
    {
        return endFrame;
    }

    /** @return frames the zone can hand out (spanned minus reserved). */
    public long managedFrames()
    {
        return managedFrames;
    }

    /** @return free frames (buddy and bitmap). */
    public long freeFrames()
    {
        return buddy.freeFrames() + bitmap.freeFrames();
    }

    /** @return the min watermark in frames. */
    public long minWatermark()
    {
        return minWatermark;
    }

    /** @return the low watermark in frames. */
    public long lowWatermark()
    {
        return lowWatermark;
    }

    /** @return the high watermark in frames. */
    public long highWatermark()
    {
        return highWatermark;
    }

    /** @return the zone's buddy allocator. */
    public BuddyAllocator buddy()
    {
        return buddy;
    }

    /** @return the zone's bitmap allocator. */
    public BitmapAllocator bitmap()
    {
        return bitmap;
    }

    /** @return fully free chunks currently kept by the bitmap. */
    public int spareChunks()
    {
        return spareChunks;
    }

    /**
     * Take {@code n} contiguous frames: the bitmap for {@code n < 512}, the buddy otherwise.
     *
     * @param n frames, 1 to {@code 2^maxOrder}.
     * @return first frame number, or -1 when the zone cannot serve the request.
     */
    public long allocate(final int n)
    {
        if (n < CHUNK)
        {
            return allocateSmall(n);
        }
        return allocateLarge(n);
    }

    private long allocateSmall(final int n)
    {
        long frame = bitmap.allocate(n);
        if (frame < 0)
        {
            final long chunkFrame = buddy.allocate(BuddyAllocator.MIN_ORDER);
            if (chunkFrame < 0)
            {
                return -1;
            }
            final int c = chunkIndex(chunkFrame);
            chunkState[c] = BITMAP;
            chunkFree[c] = CHUNK;
            spareChunks++;
            bitmap.release(chunkFrame, CHUNK);
            bitmap.allocateAt(chunkFrame, n);
            frame = chunkFrame;
        }
        takeFromChunks(frame, n);
        return frame;
    }

    private long allocateLarge(final int n)
    {
        final int order = 32 - Integer.numberOfLeadingZeros(n - 1);
        if (order > buddy.maxOrder())
        {
            return -1;
        }
        long frame = buddy.allocate(order);
        if (frame < 0 && spareChunks > 0)
        {
            trim();
            frame = buddy.allocate(order);
        }
        if (frame < 0)
        {
            return -1;
        }
        final int usedChunks = (n + CHUNK - 1) >>> BuddyAllocator.MIN_ORDER;
        final int blockChunks = 1 << (order - BuddyAllocator.MIN_ORDER);
        for (int i = usedChunks; i < blockChunks; i++)
        {
            buddy.free(frame + ((long)i << BuddyAllocator.MIN_ORDER), BuddyAllocator.MIN_ORDER);
        }
        final int tail = (usedChunks << BuddyAllocator.MIN_ORDER) - n;
        if (tail > 0)
        {
            final long lastChunk = frame + ((long)(usedChunks - 1) << BuddyAllocator.MIN_ORDER);
            final int c = chunkIndex(lastChunk);
            chunkState[c] = BITMAP;
            chunkFree[c] = tail;
            bitmap.release(lastChunk + CHUNK - tail, tail);
        }
        return frame;
    }

    /**
     * Return {@code n} frames from {@code frame}: whole BUDDY chunks to the buddy (merging),
     * the rest to the bitmap, giving a borrowed chunk back once it is entirely free.
     *
     * @param frame first frame of an allocated run.
     * @param n     frames in the run.
     */
    public void free(final long frame, final int n)
    {
        long f = frame;
        final long end = frame + n;
        while (f < end)
        {
            final int c = chunkIndex(f);
            final long chunkEnd = firstChunkFrame + ((long)(c + 1) << BuddyAllocator.MIN_ORDER);
            final int len = (int)(Math.min(end, chunkEnd) - f);
            if (chunkState[c] == BUDDY)
            {
                buddy.free(f, BuddyAllocator.MIN_ORDER);
            }
            else
            {
                bitmap.release(f, len);
                chunkFree[c] += len;
                if (chunkState[c] == BITMAP && chunkFree[c] == CHUNK)
                {
                    spareChunks++;
                    if (spareChunks > spareLimit)
                    {
                        giveBack(c);
                    }
                }
            }
            f += len;
        }
    }

    /**
     * Return every fully free borrowed chunk to the buddy (like draining per-CPU lists before
     * a large request).
     *
     * @return chunks returned.
     */
    public int trim()
    {
        int returned = 0;
        for (int c = 0; c < chunkCount && spareChunks > 0; c++)
        {
            if (chunkState[c] == BITMAP && chunkFree[c] == CHUNK)
            {
                giveBack(c);
                returned++;
            }
        }
        return returned;
    }

    /**
     * @param frame a frame of the zone.
     * @return true when the frame is free (in the buddy or the bitmap, by its chunk's state).
     */
    public boolean isFree(final long frame)
    {
        final int c = chunkIndex(frame);
        return chunkState[c] == BUDDY ? buddy.isFree(frame) : bitmap.isFree(frame);
    }

    /**
     * Check the zone's internal bookkeeping: free lists disjoint and only over BUDDY chunks,
     * bitmap bits only over BITMAP/PINNED chunks, counters equal to what the structures hold.
     *
     * @param scratch a bitmap of at least {@code chunkCount} bits, cleared by this method.
     * @return the number of violations found.
     */
    int checkConsistency(final long[] scratch)
    {
        int violations = 0;
        for (int i = 0; i < ((chunkCount + 63) >>> 6); i++)
        {
            scratch[i] = 0;
        }
        long buddyFree = 0;
        for (int order = BuddyAllocator.MIN_ORDER; order <= buddy.maxOrder(); order++)
        {
            int listed = 0;
            for (long b = buddy.firstFreeBlock(order); b >= 0; b = buddy.nextFreeBlock(b))
            {
                listed++;
                if ((b & ((1L << order) - 1)) != 0)
                {
                    violations++;
                }
                for (int i = 0; i < 1 << (order - BuddyAllocator.MIN_ORDER); i++)
                {
                    final long cf = b + ((long)i << BuddyAllocator.MIN_ORDER);
                    final long rel = (cf - firstChunkFrame) >>> BuddyAllocator.MIN_ORDER;
                    if (cf < firstChunkFrame || rel >= chunkCount)
                    {
                        violations++;
                        continue;
                    }
                    final int c = (int)rel;
                    if ((scratch[c >>> 6] & (1L << c)) != 0 || chunkState[c] != BUDDY)
                    {
                        violations++;
                    }
                    scratch[c >>> 6] |= 1L << c;
                }
                buddyFree += 1L << order;
            }
            if (listed != buddy.freeBlocks(order))
            {
                violations++;
            }
        }
        if (buddyFree != buddy.freeFrames())
        {
            violations++;
        }
        long bitmapFree = 0;
        int spare = 0;
        for (int c = 0; c < chunkCount; c++)
        {
            final long cf = firstChunkFrame + ((long)c << BuddyAllocator.MIN_ORDER);
            final int bits = bitmap.countFree(cf, CHUNK);
            bitmapFree += bits;
            if (chunkState[c] == BUDDY ? bits != 0 : bits != chunkFree[c])
            {
                violations++;
            }
            if (chunkState[c] == BITMAP && chunkFree[c] == CHUNK)
            {
                spare++;
            }
        }
        if (bitmapFree != bitmap.freeFrames() || spare != spareChunks)
        {
            violations++;
        }
        return violations;
    }

    int chunkCount()
    {
        return chunkCount;
    }

    private void takeFromChunks(final long frame, final int n)
    {
        long f = frame;
        final long end = frame + n;
        while (f < end)
        {
            final int c = chunkIndex(f);
            final long chunkEnd = firstChunkFrame + ((long)(c + 1) << BuddyAllocator.MIN_ORDER);
            final int len = (int)(Math.min(end, chunkEnd) - f);
            if (chunkState[c] == BITMAP && chunkFree[c] == CHUNK)
            {
                spareChunks--;
            }
            chunkFree[c] -= len;
            f += len;
        }
    }

    private void giveBack(final int c)
    {
        final long chunkFrame = firstChunkFrame + ((long)c << BuddyAllocator.MIN_ORDER);
        bitmap.withdraw(chunkFrame, CHUNK);
        chunkState[c] = BUDDY;
        chunkFree[c] = 0;
        spareChunks--;
        buddy.free(chunkFrame, BuddyAllocator.MIN_ORDER);
    }

    private int chunkIndex(final long frame)
    {
        return (int)((frame - firstChunkFrame) >>> BuddyAllocator.MIN_ORDER);
    }
}
