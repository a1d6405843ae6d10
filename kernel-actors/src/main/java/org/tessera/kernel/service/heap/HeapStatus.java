package org.tessera.kernel.service.heap;

import org.tessera.kernel.service.frame.FrameStatus;

/**
 * Result codes of the kernel heap. The codes shared with the frame allocator have the same
 * values as in {@link FrameStatus}.
 */
public final class HeapStatus
{
    /** Success. */
    public static final int OK = FrameStatus.OK;
    /** No frames could be obtained (or the slab table or pool is full). */
    public static final int NO_MEMORY = FrameStatus.NO_MEMORY;
    /** Malformed request: size or CPU out of range, an address inside an object rather than at its start. */
    public static final int INVALID = FrameStatus.INVALID;
    /** The object is already free. */
    public static final int DOUBLE_FREE = FrameStatus.DOUBLE_FREE;
    /** The address is not an object of this heap or pool. */
    public static final int NOT_HEAP = FrameStatus.NOT_MANAGED;
    /** Debug mode: a red zone around the object was overwritten; the object was freed and its red zones repaired. */
    public static final int REDZONE_CORRUPTED = -7;
    /**
     * Debug mode: the free object about to be handed out was written after it was freed; it has
     * been quarantined (never handed out again) and the allocation did not happen.
     */
    public static final int POISON_CORRUPTED = -8;
    /** A pool still has allocated objects and cannot be released. */
    public static final int BUSY = -9;

    private HeapStatus()
    {
    }

    /**
     * @param code a status code.
     * @return its constant name, for diagnostics.
     */
    public static String name(final int code)
    {
        switch (code)
        {
            case OK: return "OK";
            case NO_MEMORY: return "NO_MEMORY";
            case INVALID: return "INVALID";
            case DOUBLE_FREE: return "DOUBLE_FREE";
            case NOT_HEAP: return "NOT_HEAP";
            case REDZONE_CORRUPTED: return "REDZONE_CORRUPTED";
            case POISON_CORRUPTED: return "POISON_CORRUPTED";
            case BUSY: return "BUSY";
            default: return "UNKNOWN";
        }
    }
}
