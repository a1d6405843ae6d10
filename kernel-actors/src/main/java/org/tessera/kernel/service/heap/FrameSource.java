package org.tessera.kernel.service.heap;

/**
 * Where the heap gets its frames: contiguous runs of 4 KiB frames by physical address.
 * The frame allocator implements it through {@link CoreFrameSource}; the future heap service
 * will implement it with request/reply messages to the frame allocator service.
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
