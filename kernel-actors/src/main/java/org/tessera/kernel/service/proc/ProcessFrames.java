package org.tessera.kernel.service.proc;

import org.tessera.arch.spi.FrameSource;
import org.tessera.arch.spi.PhysicalMemory;
import org.tessera.kernel.service.frame.FrameAllocatorCore;
import org.tessera.kernel.service.frame.FrameStatus;
import org.tessera.kernel.service.frame.PhysicalLayout;

/**
 * The frames of one CPU's memory partition as a {@link FrameSource}: every frame is recorded
 * under the owner set with {@link #owner(int)} (the process's pid), so that the allocator's
 * ownership record says which process holds which frame, and counted per slot so that a
 * process's death can be checked to return every frame it had.
 */
public final class ProcessFrames implements FrameSource
{
    private final FrameAllocatorCore core;
    private final PhysicalMemory memory;
    private final long[] held;
    private int owner;
    private int slot;
    private long rejectedFrees;

    /**
     * @param core   the partition's allocator.
     * @param memory physical memory (frames are zeroed here).
     * @param slots  process slots.
     */
    public ProcessFrames(final FrameAllocatorCore core, final PhysicalMemory memory, final int slots)
    {
        this.core = core;
        this.memory = memory;
        this.held = new long[slots];
    }

    /** Frames allocated or freed from now on belong to this pid, counted in this slot. */
    public void owner(final int pid, final int processSlot)
    {
        this.owner = pid;
        this.slot = processSlot;
    }

    public long allocateZeroedFrame()
    {
        final long pa = core.allocate(1, PhysicalLayout.ZONE_HIGH, owner);
        if (pa < 0)
        {
            return NO_FRAME;
        }
        memory.fill(pa, PhysicalLayout.FRAME_SIZE, (byte)0);
        held[slot]++;
        return pa;
    }

    public void freeFrame(final long physicalAddress)
    {
        if (core.free(physicalAddress, 1, owner) == FrameStatus.OK)
        {
            held[slot]--;
        }
        else
        {
            rejectedFrees++;
        }
    }

    /** @return frames the slot's process holds. */
    public long held(final int processSlot)
    {
        return held[processSlot];
    }

    /** @return frees the allocator refused (a kernel bug if not 0). */
    public long rejectedFrees()
    {
        return rejectedFrees;
    }

    /** @return free frames in the partition. */
    public long freeFrames()
    {
        return core.freeFrames();
    }

    /** @return violations of the allocator's accounting invariant (0 when consistent). */
    public int checkAccounting()
    {
        return core.checkAccounting();
    }
}
