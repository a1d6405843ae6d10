package org.tessera.kernel.service.heap;

import org.tessera.kernel.service.frame.FrameAllocatorCore;

/**
 * A {@link FrameSource} over one node's {@link FrameAllocatorCore}: every run is allocated in
 * a fixed zone class and recorded under the heap's owner id, so the frame allocator's
 * accounting sees exactly which frames the heap holds.
 */
public final class CoreFrameSource implements FrameSource
{
    private final FrameAllocatorCore core;
    private final int zoneClass;
    private final int ownerId;

    /**
     * @param core      the node's frame allocator core.
     * @param zoneClass zone class of heap frames (Normal: the heap is direct mapped).
     * @param ownerId   positive owner id recorded for heap frames.
     */
    public CoreFrameSource(final FrameAllocatorCore core, final int zoneClass, final int ownerId)
    {
        this.core = core;
        this.zoneClass = zoneClass;
        this.ownerId = ownerId;
    }

    @Override
    public long allocateFrames(final int count)
    {
        return core.allocate(count, zoneClass, ownerId);
    }

    @Override
    public int freeFrames(final long physicalAddress, final int count)
    {
        return core.free(physicalAddress, count, ownerId);
    }

    /** @return the owner id heap frames are recorded under. */
    public int ownerId()
    {
        return ownerId;
    }
}
