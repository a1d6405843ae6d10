package org.tessera.arch.spi;

import org.tessera.subset.HostOnly;

/**
 * Status and fault codes returned by {@link PageTableFormat}. All are zero or negative, so
 * methods that return a physical address on success ({@code translate}, {@code unmap}) use
 * them for failures without ambiguity.
 */
public final class PageTableStatus
{
    /** Success. */
    public static final int OK = 0;
    /** The range (or part of it) is already mapped, by a leaf or by tables holding mappings. */
    public static final int ALREADY_MAPPED = -1;
    /** The {@link FrameSource} had no frame for a table. */
    public static final int NO_MEMORY = -2;
    /** An address is not aligned to the page size (or the request splits a larger page). */
    public static final int MISALIGNED = -3;
    /** A virtual address outside the format's range (non-canonical) or a physical address too large. */
    public static final int BAD_ADDRESS = -4;
    /** A page size the format does not support. */
    public static final int BAD_SIZE = -5;
    /** A flag set that {@link PageFlags#isValid(int)} refuses. */
    public static final int BAD_FLAGS = -6;
    /** Nothing is mapped at that address (translation fault). */
    public static final int NOT_MAPPED = -7;
    /** {@code unmap} found a page of a different size than the one asked for. */
    public static final int SIZE_MISMATCH = -8;
    /** The mapping exists but does not permit the access (permission fault). */
    public static final int PERMISSION = -9;

    private PageTableStatus()
    {
    }

    /**
     * @param status a status code.
     * @return its name, for messages and logs.
     */
    @HostOnly
    public static String name(final long status)
    {
        if (status >= 0)
        {
            return status == 0 ? "OK" : "0x" + Long.toHexString(status);
        }
        return switch ((int)status)
        {
            case ALREADY_MAPPED -> "ALREADY_MAPPED";
            case NO_MEMORY -> "NO_MEMORY";
            case MISALIGNED -> "MISALIGNED";
            case BAD_ADDRESS -> "BAD_ADDRESS";
            case BAD_SIZE -> "BAD_SIZE";
            case BAD_FLAGS -> "BAD_FLAGS";
            case NOT_MAPPED -> "NOT_MAPPED";
            case SIZE_MISMATCH -> "SIZE_MISMATCH";
            case PERMISSION -> "PERMISSION";
            default -> "UNKNOWN(" + status + ")";
        };
    }
}
