package org.tessera.arch.riscv64.engine;

import org.tessera.arch.spi.PhysicalMemory;

/**
 * An identity-mapped window of physical memory with per-page R/W/X permissions, for tests and
 * for running code without page tables. Virtual address {@code va} is physical address
 * {@code va}; addresses outside the window, and pages whose permissions lack what the access
 * needs, give a page fault.
 */
public final class FlatMemory implements GuestMemory
{
    /** Page permission: readable. */
    public static final int R = 1;
    /** Page permission: writable. */
    public static final int W = 2;
    /** Page permission: executable. */
    public static final int X = 4;
    /** All three permissions. */
    public static final int RWX = R | W | X;

    private static final int PAGE_SHIFT = 12;
    private static final long PAGE_SIZE = 1L << PAGE_SHIFT;

    private final PhysicalMemory memory;
    private final long base;
    private final long limit;
    private final byte[] permissions;
    private long version;

    /**
     * @param memory backing physical memory.
     * @param base   first address of the window, page aligned.
     * @param size   bytes in the window, a multiple of the page size, inside {@code memory}.
     */
    public FlatMemory(final PhysicalMemory memory, final long base, final long size)
    {
        if ((base & (PAGE_SIZE - 1)) != 0 || (size & (PAGE_SIZE - 1)) != 0 || size <= 0 ||
            !memory.contains(base, size) || (size >>> PAGE_SHIFT) > Integer.MAX_VALUE)
        {
            throw new IllegalArgumentException("window must be page aligned and inside physical memory");
        }
        this.memory = memory;
        this.base = base;
        this.limit = base + size;
        this.permissions = new byte[(int)(size >>> PAGE_SHIFT)];
    }

    /**
     * Set the permissions of every page overlapping {@code [address, address + length)}.
     *
     * @param permissions a combination of {@link #R}, {@link #W}, {@link #X}; 0 unmaps.
     */
    public FlatMemory protect(final long address, final long length, final int permissions)
    {
        if (address < base || length < 0 || address + length > limit)
        {
            throw new IllegalArgumentException("range outside the window");
        }
        version++;
        final long first = (address - base) >>> PAGE_SHIFT;
        final long end = (address + length - base + PAGE_SIZE - 1) >>> PAGE_SHIFT;
        for (long page = first; page < end; page++)
        {
            this.permissions[(int)page] = (byte)permissions;
        }
        return this;
    }

    /** @return the permissions of the page holding {@code address}, 0 outside the window. */
    public int permissions(final long address)
    {
        if (address < base || address >= limit)
        {
            return 0;
        }
        return permissions[(int)((address - base) >>> PAGE_SHIFT)];
    }

    @Override
    public long mappingVersion()
    {
        // one fixed window onto physical memory: only protect changes what translate gives
        return version;
    }

    @Override
    public PhysicalMemory physical()
    {
        return memory;
    }

    @Override
    public long translate(final long virtualAddress, final int access)
    {
        if (virtualAddress < base || virtualAddress >= limit)
        {
            return PAGE_FAULT;
        }
        final int have = permissions[(int)((virtualAddress - base) >>> PAGE_SHIFT)];
        final int need = switch (access)
        {
            case FETCH -> X;
            case LOAD -> R;
            case STORE -> W;
            default -> R | W;
        };
        return (have & need) == need ? virtualAddress : PAGE_FAULT;
    }
}
