package org.tessera.kernel.service.vm;

import org.tessera.arch.spi.FrameSource;
import org.tessera.arch.spi.PhysicalMemory;
import org.tessera.kernel.service.frame.FrameAllocatorCore;
import org.tessera.kernel.service.frame.FrameStatus;

/**
 * The VM service's frames, taken from a {@link FrameAllocatorCore} owned by the VM service's
 * node and recorded under one owner id, so that the allocator's accounting shows exactly which
 * frames the VM holds.
 *
 * <p>This is the narrow seam to the frame allocator: the VM service calls only
 * {@link #allocateZeroedFrame()} and {@link #freeFrame(long)}. When the frame allocator runs as
 * its own service actor, this class becomes a local cache of frames refilled and drained by
 * message exchanges with it (batched allocate and free requests), and the VM service does not
 * change.
 */
public final class CoreFrames implements FrameSource
{
    private static final long PAGE_BYTES = 4096;

    private final FrameAllocatorCore core;
    private final PhysicalMemory memory;
    private final int zoneClass;
    private final int ownerId;
    private long allocated;
    private long freed;

    /**
     * @param core      the node's frame allocator core.
     * @param memory    physical memory the frames lie in (they are zeroed through it).
     * @param zoneClass highest zone the frames may come from.
     * @param ownerId   positive owner id the allocator records for VM frames.
     */
    public CoreFrames(final FrameAllocatorCore core, final PhysicalMemory memory, final int zoneClass, final int ownerId)
    {
        if (ownerId <= 0)
        {
            throw new IllegalArgumentException("owner id must be positive");
        }
        this.core = core;
        this.memory = memory;
        this.zoneClass = zoneClass;
        this.ownerId = ownerId;
    }

    @Override
    public long allocateZeroedFrame()
    {
        final long pa = core.allocate(1, zoneClass, ownerId);
        if (pa < 0)
        {
            return NO_FRAME;
        }
        memory.fill(pa, PAGE_BYTES, (byte)0);
        allocated++;
        return pa;
    }

    @Override
    public void freeFrame(final long physicalAddress)
    {
        if (core.free(physicalAddress, 1, ownerId) != FrameStatus.OK)
        {
            // The VM frees only frames it allocated, once: anything else is a kernel bug.
            throw new IllegalStateException("vm: frame free refused by the frame allocator");
        }
        freed++;
    }

    /** @return the owner id VM frames are recorded under. */
    public int ownerId()
    {
        return ownerId;
    }

    /** @return frames handed to the VM and not yet given back. */
    public long framesHeld()
    {
        return allocated - freed;
    }

    /** @return frames allocated since construction. */
    public long allocated()
    {
        return allocated;
    }

    /** @return frames freed since construction. */
    public long freed()
    {
        return freed;
    }

}
