package org.tessera.kernel.service.frame;

/**
 * The frame allocator of one NUMA node: one {@link ZoneAllocator} per zone, an ownership
 * record, the zone fallback policy (watermarks and lowmem reserves) and statistics. The frame
 * allocator service actor of the node drives it by message; it is single-threaded and
 * allocation-free after construction.
 *
 * <p><b>Ownership record.</b> {@code owner[frame]} is {@link #OWNER_NONE} for frames this
 * node never hands out (reserved, outside every zone), {@link #OWNER_FREE} for free frames, and
 * the positive owner id for allocated frames; a run-head bit marks the first frame of every
 * allocated run. A free must name exactly one run, with its owner; every other free is refused
 * with a distinct code and changes nothing.
 *
 * <p><b>Zone policy.</b> A request names its zone class (the highest zone it may use):
 * <ol>
 *   <li>pass {@link #PASS_BALANCED}: zones from the class down to Normal (only DMA for a DMA
 *       request), each only while it stays at or above its low watermark plus its lowmem reserve
 *       against the class;</li>
 *   <li>pass {@link #PASS_DRAIN}: the same zones down to their lowmem reserve only (the
 *       request's own zone may be emptied);</li>
 *   <li>pass {@link #PASS_LAST_RESORT}: DMA for a Normal or High request, only while DMA stays
 *       above its min watermark plus its lowmem reserve against the class.</li>
 * </ol>
 * So a DMA request is served only from DMA, and DMA serves other requests only as the last
 * resort and never below the reserve kept for DMA requests.
 */
public final class FrameAllocatorCore
{
    /** Owner value of a frame this node never hands out. */
    public static final int OWNER_NONE = -1;
    /** Owner value of a free frame. */
    public static final int OWNER_FREE = 0;
    /** First pass: keep every zone above its low watermark. */
    public static final int PASS_BALANCED = 0;
    /** Second pass: allowed zones down to their lowmem reserve. */
    public static final int PASS_DRAIN = 1;
    /** Third pass: DMA for non-DMA requests, above min watermark plus reserve. */
    public static final int PASS_LAST_RESORT = 2;
    /** Default largest buddy order: 2^18 frames = 1 GiB. */
    public static final int DEFAULT_MAX_ORDER = 18;
    /** Default fully free borrowed chunks a zone's bitmap keeps. */
    public static final int DEFAULT_SPARE_CHUNKS = 1;
    /** Lowmem reserve ratio of DMA against higher classes (Linux's default 256). */
    public static final int DMA_RESERVE_RATIO = 256;
    /** Lowmem reserve ratio of Normal against High requests (Linux's default 32). */
    public static final int NORMAL_RESERVE_RATIO = 32;

    private final PhysicalLayout layout;
    private final int node;
    private final int maxOrder;
    private final long nodeStartFrame;
    private final int nodeFrames;
    private final ZoneAllocator[] zones;
    private final int[] owner;
    private final long[] runHead;
    private final long[] reserve;
    private final boolean[] pressure;
    private final long[] pressureEvents;
    private final long[] scratch;
    private long allocations;
    private long frees;
    private long failures;
    private long invalidRequests;
    private long rejectedFrees;
    private long fallbackAllocations;

    /**
     * @param layout physical layout.
     * @param node   node id.
     */
    public FrameAllocatorCore(final PhysicalLayout layout, final int node)
    {
        this(layout, node, DEFAULT_MAX_ORDER, DEFAULT_SPARE_CHUNKS);
    }

    /**
     * @param layout      physical layout.
     * @param node        node id.
     * @param maxOrder    largest buddy order (9 to 30).
     * @param spareChunks fully free 2 MiB chunks a zone's bitmap may keep before returning them.
     */
    public FrameAllocatorCore(final PhysicalLayout layout, final int node, final int maxOrder, final int spareChunks)
    {
        this.layout = layout;
        this.node = node;
        this.maxOrder = maxOrder;
        this.nodeStartFrame = layout.nodeStartFrame(node);
        final long frames = layout.nodeEndFrame(node) - nodeStartFrame;
        if (frames > Integer.MAX_VALUE - 64)
        {
            throw new IllegalArgumentException("node too large for one core");
        }
        this.nodeFrames = (int)frames;
        this.zones = new ZoneAllocator[PhysicalLayout.ZONE_COUNT];
        int maxChunks = 1;
        for (int z = 0; z < PhysicalLayout.ZONE_COUNT; z++)
        {
            zones[z] = new ZoneAllocator(layout, node, z, maxOrder, spareChunks);
            maxChunks = Math.max(maxChunks, zones[z].chunkCount());
        }
        this.owner = new int[nodeFrames];
        this.runHead = new long[(nodeFrames + 63) >>> 6];
        for (int i = 0; i < nodeFrames; i++)
        {
            final long frame = nodeStartFrame + i;
            final int z = layout.zoneOf(node, frame);
            owner[i] = z >= 0 && zones[z].isFree(frame) ? OWNER_FREE : OWNER_NONE;
        }
        this.reserve = new long[PhysicalLayout.ZONE_COUNT * PhysicalLayout.ZONE_COUNT];
        for (int z = 0; z < PhysicalLayout.ZONE_COUNT; z++)
        {
            final int ratio = z == PhysicalLayout.ZONE_DMA ? DMA_RESERVE_RATIO : NORMAL_RESERVE_RATIO;
            long above = 0;
            for (int c = z + 1; c < PhysicalLayout.ZONE_COUNT; c++)
            {
                above += zones[c].managedFrames();
                reserve[z * PhysicalLayout.ZONE_COUNT + c] = above / ratio;
            }
        }
        this.pressure = new boolean[PhysicalLayout.ZONE_COUNT];
        this.pressureEvents = new long[PhysicalLayout.ZONE_COUNT];
        this.scratch = new long[Math.max(1, (maxChunks + 63) >>> 6)];
    }

    /** @return the node this core serves. */
    public int node()
    {
        return node;
    }

    /** @return the largest buddy order. */
    public int maxOrder()
    {
        return maxOrder;
    }

    /**
     * Allocate {@code count} contiguous frames, trying all passes of the zone policy.
     * Runs of 512 frames or more are aligned to {@code 2^ceil(log2 count)} frames.
     *
     * @param count     frames, 1 to {@code 2^maxOrder}.
     * @param zoneClass highest zone the request may use ({@link PhysicalLayout#ZONE_DMA} etc.).
     * @param ownerId   positive id recorded as the frames' owner.
     * @return the physical address of the first frame, or {@link FrameStatus#NO_MEMORY} or
     *         {@link FrameStatus#INVALID}.
     */
    public long allocate(final int count, final int zoneClass, final int ownerId)
    {
        long result = allocateInPass(count, zoneClass, ownerId, PASS_BALANCED);
        if (result == FrameStatus.NO_MEMORY)
        {
            result = allocateInPass(count, zoneClass, ownerId, PASS_DRAIN);
        }
        if (result == FrameStatus.NO_MEMORY)
        {
            result = allocateInPass(count, zoneClass, ownerId, PASS_LAST_RESORT);
        }
        if (result == FrameStatus.NO_MEMORY)
        {
            failures++;
        }
        return result;
    }

    /**
     * Try one pass of the zone policy only (used by {@link FrameAllocators} to interleave
     * passes with the NUMA fallback order). Does not count a failure.
     *
     * @param count     frames.
     * @param zoneClass highest zone allowed.
     * @param ownerId   positive owner id.
     * @param pass      {@link #PASS_BALANCED}, {@link #PASS_DRAIN} or {@link #PASS_LAST_RESORT}.
     * @return physical address, {@link FrameStatus#NO_MEMORY} or {@link FrameStatus#INVALID}.
     */
    public long allocateInPass(final int count, final int zoneClass, final int ownerId, final int pass)
    {
        if (count <= 0 || count > 1 << maxOrder || zoneClass < 0 || zoneClass >= PhysicalLayout.ZONE_COUNT ||
            ownerId <= 0 || pass < PASS_BALANCED || pass > PASS_LAST_RESORT)
        {
            invalidRequests++;
            return FrameStatus.INVALID;
        }
        if (pass == PASS_LAST_RESORT)
        {
            if (zoneClass == PhysicalLayout.ZONE_DMA)
            {
                return FrameStatus.NO_MEMORY;
            }
            final ZoneAllocator dma = zones[PhysicalLayout.ZONE_DMA];
            return tryZone(dma, count, zoneClass, ownerId, dma.minWatermark() + lowmemReserve(PhysicalLayout.ZONE_DMA, zoneClass));
        }
        final int lowest = zoneClass == PhysicalLayout.ZONE_DMA ? PhysicalLayout.ZONE_DMA : PhysicalLayout.ZONE_NORMAL;
        for (int z = zoneClass; z >= lowest; z--)
        {
            final ZoneAllocator zone = zones[z];
            final long floor = (pass == PASS_BALANCED ? zone.lowWatermark() : 0) + lowmemReserve(z, zoneClass);
            final long pa = tryZone(zone, count, zoneClass, ownerId, floor);
            if (pa >= 0)
            {
                return pa;
            }
        }
        return FrameStatus.NO_MEMORY;
    }

    private long tryZone(final ZoneAllocator zone, final int count, final int zoneClass, final int ownerId, final long floor)
    {
        if (zone.freeFrames() - count < floor)
        {
            return FrameStatus.NO_MEMORY;
        }
        final long frame = zone.allocate(count);
        if (frame < 0)
        {
            return FrameStatus.NO_MEMORY;
        }
        final int rel = (int)(frame - nodeStartFrame);
        for (int i = rel; i < rel + count; i++)
        {
            owner[i] = ownerId;
        }
        runHead[rel >>> 6] |= 1L << rel;
        allocations++;
        if (zone.zone() < zoneClass)
        {
            fallbackAllocations++;
        }
        updatePressure(zone.zone());
        return frame << PhysicalLayout.FRAME_SHIFT;
    }

    /**
     * Free a run returned by {@link #allocate}. On any error nothing changes.
     *
     * @param physicalAddress address returned by the allocation.
     * @param count           the frame count it was allocated with.
     * @param ownerId         the owner it was allocated to.
     * @return {@link FrameStatus#OK}, or {@link FrameStatus#INVALID}, {@link FrameStatus#NOT_MANAGED},
     *         {@link FrameStatus#DOUBLE_FREE}, {@link FrameStatus#WRONG_OWNER},
     *         {@link FrameStatus#RUN_MISMATCH}.
     */
    public int free(final long physicalAddress, final int count, final int ownerId)
    {
        final int status = checkFree(physicalAddress, count, ownerId);
        if (status != FrameStatus.OK)
        {
            rejectedFrees++;
            return status;
        }
        final long frame = physicalAddress >>> PhysicalLayout.FRAME_SHIFT;
        final int rel = (int)(frame - nodeStartFrame);
        final int z = layout.zoneOf(node, frame);
        zones[z].free(frame, count);
        for (int i = rel; i < rel + count; i++)
        {
            owner[i] = OWNER_FREE;
        }
        runHead[rel >>> 6] &= ~(1L << rel);
        frees++;
        updatePressure(z);
        return FrameStatus.OK;
    }

    private int checkFree(final long physicalAddress, final int count, final int ownerId)
    {
        if (physicalAddress < 0 || (physicalAddress & (PhysicalLayout.FRAME_SIZE - 1)) != 0 || count <= 0 || ownerId <= 0)
        {
            return FrameStatus.INVALID;
        }
        final long rel = (physicalAddress >>> PhysicalLayout.FRAME_SHIFT) - nodeStartFrame;
        if (rel < 0 || rel + count > nodeFrames)
        {
            return FrameStatus.NOT_MANAGED;
        }
        final int first = (int)rel;
        final int end = first + count;
        for (int i = first; i < end; i++)
        {
            final int o = owner[i];
            if (o == OWNER_NONE)
            {
                return FrameStatus.NOT_MANAGED;
            }
            if (o == OWNER_FREE)
            {
                return FrameStatus.DOUBLE_FREE;
            }
            if (o != ownerId)
            {
                return FrameStatus.WRONG_OWNER;
            }
            if (isRunHead(i) != (i == first))
            {
                return FrameStatus.RUN_MISMATCH;
            }
        }
        if (end < nodeFrames && owner[end] > 0 && !isRunHead(end))
        {
            return FrameStatus.RUN_MISMATCH;
        }
        return FrameStatus.OK;
    }

    private boolean isRunHead(final int rel)
    {
        return (runHead[rel >>> 6] & (1L << rel)) != 0;
    }

    private void updatePressure(final int z)
    {
        final ZoneAllocator zone = zones[z];
        final long free = zone.freeFrames();
        if (!pressure[z] && free < zone.lowWatermark())
        {
            pressure[z] = true;
            pressureEvents[z]++;
        }
        else if (pressure[z] && free >= zone.highWatermark())
        {
            pressure[z] = false;
        }
    }

    /**
     * @param physicalAddress an address.
     * @return the owner id of its frame, {@link #OWNER_FREE}, or {@link #OWNER_NONE} when this
     *         node does not manage the frame.
     */
    public int ownerOf(final long physicalAddress)
    {
        final long rel = (physicalAddress >>> PhysicalLayout.FRAME_SHIFT) - nodeStartFrame;
        return physicalAddress < 0 || rel < 0 || rel >= nodeFrames ? OWNER_NONE : owner[(int)rel];
    }

    /**
     * @param ownerId an owner id.
     * @return frames of this node recorded as owned by {@code ownerId}.
     */
    public long framesOwnedBy(final int ownerId)
    {
        long n = 0;
        for (int i = 0; i < nodeFrames; i++)
        {
            if (owner[i] == ownerId)
            {
                n++;
            }
        }
        return n;
    }

    /**
     * Check the accounting invariant: every managed frame is free in exactly one structure or
     * owned by exactly one owner, reserved frames are neither, and every counter matches.
     *
     * @return the number of violations (0 when consistent).
     */
    public int checkAccounting()
    {
        int violations = 0;
        for (int z = 0; z < PhysicalLayout.ZONE_COUNT; z++)
        {
            violations += zones[z].checkConsistency(scratch);
        }
        long ownerFree = 0;
        for (int i = 0; i < nodeFrames; i++)
        {
            final long frame = nodeStartFrame + i;
            final int z = layout.zoneOf(node, frame);
            final boolean free = z >= 0 && zones[z].isFree(frame);
            final int o = owner[i];
            if (o == OWNER_NONE)
            {
                if (free || (z >= 0 && !layout.isReservedFrame(frame)))
                {
                    violations++;
                }
            }
            else if (z < 0 || layout.isReservedFrame(frame) || free != (o == OWNER_FREE) || o < OWNER_FREE)
            {
                violations++;
            }
            if (o == OWNER_FREE)
            {
                ownerFree++;
            }
            if (isRunHead(i) && o <= OWNER_FREE)
            {
                violations++;
            }
        }
        if (ownerFree != freeFrames())
        {
            violations++;
        }
        return violations;
    }

    /**
     * Give every fully free chunk kept by the bitmaps back to the buddies.
     *
     * @return chunks returned.
     */
    public int trim()
    {
        int returned = 0;
        for (int z = 0; z < PhysicalLayout.ZONE_COUNT; z++)
        {
            returned += zones[z].trim();
        }
        return returned;
    }

    /**
     * @param zone zone index.
     * @return the zone's allocator (watermarks, buddy and bitmap statistics).
     */
    public ZoneAllocator zone(final int zone)
    {
        return zones[zone];
    }

    /**
     * @param zone      zone that would serve.
     * @param zoneClass class of the request.
     * @return frames the zone keeps back from requests of that class (0 for its own class).
     */
    public long lowmemReserve(final int zone, final int zoneClass)
    {
        return zoneClass <= zone ? 0 : reserve[zone * PhysicalLayout.ZONE_COUNT + zoneClass];
    }

    /** @return successful allocations. */
    public long allocations()
    {
        return allocations;
    }

    /** @return successful frees. */
    public long frees()
    {
        return frees;
    }

    /** @return allocations that failed with {@link FrameStatus#NO_MEMORY} after every pass. */
    public long failures()
    {
        return failures;
    }

    /** @return requests refused as {@link FrameStatus#INVALID}. */
    public long invalidRequests()
    {
        return invalidRequests;
    }

    /** @return frees refused (double, foreign, wrong owner, mismatch, invalid). */
    public long rejectedFrees()
    {
        return rejectedFrees;
    }

    /** @return allocations served by a zone lower than the request's class. */
    public long fallbackAllocations()
    {
        return fallbackAllocations;
    }

    /**
     * @param zone zone index.
     * @return times the zone fell below its low watermark (each episode counted once, until it
     *         climbs back to its high watermark).
     */
    public long pressureEvents(final int zone)
    {
        return pressureEvents[zone];
    }

    /**
     * @param zone zone index.
     * @return true while the zone is below its low watermark and has not yet recovered to high.
     */
    public boolean underPressure(final int zone)
    {
        return pressure[zone];
    }

    /** @return free frames on the node. */
    public long freeFrames()
    {
        long free = 0;
        for (int z = 0; z < PhysicalLayout.ZONE_COUNT; z++)
        {
            free += zones[z].freeFrames();
        }
        return free;
    }

    /**
     * @param zone zone index.
     * @return free frames in the zone.
     */
    public long freeFrames(final int zone)
    {
        return zones[zone].freeFrames();
    }

    /** @return frames the node can hand out at all. */
    public long managedFrames()
    {
        long managed = 0;
        for (int z = 0; z < PhysicalLayout.ZONE_COUNT; z++)
        {
            managed += zones[z].managedFrames();
        }
        return managed;
    }

    /**
     * @param order buddy order (9 to max).
     * @return free buddy blocks of exactly that order over all zones.
     */
    public int freeBlocks(final int order)
    {
        int blocks = 0;
        for (int z = 0; z < PhysicalLayout.ZONE_COUNT; z++)
        {
            blocks += zones[z].buddy().freeBlocks(order);
        }
        return blocks;
    }

    /**
     * Linux's unusable free space index: the share of free frames that cannot serve a
     * contiguous request of {@code 2^order} frames, {@code (F - usable) / F}.
     *
     * @param order request order (0 to max).
     * @return the index in thousandths (0 to 1000; 0 when nothing is free).
     */
    public int unusableFreeIndex(final int order)
    {
        final long free = freeFrames();
        if (free == 0)
        {
            return 0;
        }
        return (int)((free - usableFrames(order)) * 1000 / free);
    }

    /** @return the node's fragmentation index: {@link #unusableFreeIndex(int)} at order 9 (2 MiB). */
    public int fragmentationIndex()
    {
        return unusableFreeIndex(BuddyAllocator.MIN_ORDER);
    }

    /**
     * Linux's external fragmentation index for a failed request of {@code 2^order} frames:
     * -1000 when a suitable free run exists, otherwise {@code 1000 - (1000 + 1000 F / 2^order) / B}
     * with {@code B} free blocks (buddy blocks plus maximal bitmap runs); near 0 means lack of
     * memory, near 1000 means fragmentation.
     *
     * @param order request order.
     * @return the index in thousandths.
     */
    public int externalFragmentationIndex(final int order)
    {
        if (usableFrames(order) > 0)
        {
            return -1000;
        }
        long blocks = 0;
        for (int z = 0; z < PhysicalLayout.ZONE_COUNT; z++)
        {
            blocks += zones[z].bitmap().freeRuns();
            for (int k = BuddyAllocator.MIN_ORDER; k <= maxOrder; k++)
            {
                blocks += zones[z].buddy().freeBlocks(k);
            }
        }
        if (blocks == 0)
        {
            return 0;
        }
        return (int)(1000 - (1000 + freeFrames() * 1000 / (1L << order)) / blocks);
    }

    private long usableFrames(final int order)
    {
        long usable = 0;
        for (int z = 0; z < PhysicalLayout.ZONE_COUNT; z++)
        {
            final ZoneAllocator zone = zones[z];
            if (order >= BuddyAllocator.MIN_ORDER)
            {
                for (int k = order; k <= maxOrder; k++)
                {
                    usable += (long)zone.buddy().freeBlocks(k) << k;
                }
            }
            else
            {
                usable += zone.buddy().freeFrames() + zone.bitmap().framesInRunsOfAtLeast(1 << order);
            }
        }
        return usable;
    }
}
