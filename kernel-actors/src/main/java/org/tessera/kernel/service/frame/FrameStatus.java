package org.tessera.kernel.service.frame;

/**
 * Result codes of the frame allocator. Success is {@link #OK} (or a non-negative physical
 * address from an allocation); every failure is a distinct negative code, and a call that
 * fails leaves the allocator's state unchanged.
 */
public final class FrameStatus
{
    /** The operation succeeded. */
    public static final int OK = 0;

    /** No zone allowed by the request can serve it (after every fallback the policy permits). */
    public static final int NO_MEMORY = -1;

    /** A malformed request: count out of range, unaligned address, unknown zone, bad owner id. */
    public static final int INVALID = -2;

    /** A frame of the range is already free: a double free (or a free of a never-allocated frame). */
    public static final int DOUBLE_FREE = -3;

    /** A frame of the range is not managed by this allocator (reserved, or on another node). */
    public static final int NOT_MANAGED = -4;

    /** The frames are allocated but to another owner than the one freeing them. */
    public static final int WRONG_OWNER = -5;

    /** The range is allocated to the caller but is not exactly one run returned by an allocation. */
    public static final int RUN_MISMATCH = -6;

    /**
     * The frame allocator service has no free forwarding session for a request that needs
     * another node; nothing changed, the requester may retry. Never returned by the core.
     */
    public static final int BUSY = -9;

    private FrameStatus()
    {
    }

    /**
     * @param code a status code.
     * @return a short constant name for diagnostics.
     */
    public static String name(final int code)
    {
        switch (code)
        {
            case OK: return "OK";
            case NO_MEMORY: return "NO_MEMORY";
            case INVALID: return "INVALID";
            case DOUBLE_FREE: return "DOUBLE_FREE";
            case NOT_MANAGED: return "NOT_MANAGED";
            case WRONG_OWNER: return "WRONG_OWNER";
            case RUN_MISMATCH: return "RUN_MISMATCH";
            case BUSY: return "BUSY";
            default: return "UNKNOWN";
        }
    }
}
