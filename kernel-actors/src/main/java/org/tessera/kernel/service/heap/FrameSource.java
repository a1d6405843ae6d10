package org.tessera.kernel.service.heap;

/**
 * Where the heap gets its frames: contiguous runs of 4 KiB frames by physical address.
 * {@link CoreFrameSource} takes them straight from a node's frame allocator core (host-side and
 * single-threaded use); the {@link HeapService} uses a {@link FrameReserve}, stocked by
 * request/reply messages to the frame allocator service.
 */
public interface FrameSource
{
    /**
     * @param count frames wanted, contiguous.
     * @return physical address of the first frame, or a negative status code.
     */
    long allocateFrames(int count);

    /**
     * @param physicalAddress address returned by {@link #allocateFrames(int)}.
     * @param count           the same count.
     * @return 0, or a negative status code.
     */
    int freeFrames(long physicalAddress, int count);
}
