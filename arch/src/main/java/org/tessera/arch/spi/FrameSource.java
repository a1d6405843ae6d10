package org.tessera.arch.spi;

/**
 * Where page-table formats take the 4 KiB frames that hold their tables, and where they give
 * them back. The frame allocator service implements it; a page-table format never keeps a
 * frame it did not get from here.
 */
public interface FrameSource
{
    /** Returned by {@link #allocateZeroedFrame()} when no frame is available. */
    long NO_FRAME = -1L;

    /**
     * Allocate one 4 KiB frame whose 4096 bytes are all zero.
     *
     * @return physical address of the frame (4 KiB aligned), or {@link #NO_FRAME}.
     */
    long allocateZeroedFrame();

    /**
     * Give back a frame obtained from {@link #allocateZeroedFrame()}.
     *
     * @param physicalAddress the frame's physical address.
     */
    void freeFrame(long physicalAddress);
}
