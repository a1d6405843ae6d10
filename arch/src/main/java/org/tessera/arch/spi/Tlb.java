package org.tessera.arch.spi;

/**
 * A per-CPU translation lookaside buffer model: a set-associative cache of leaf
 * translations tagged by address-space id (ASID), the same for every architecture.
 *
 * <p>An entry caches (asid, virtual page number, page size) to (page frame, {@link PageFlags}).
 * An entry inserted with {@link PageFlags#GLOBAL} matches every ASID, as on all three
 * architectures. The set an entry lives in is chosen from its page number and size, so a
 * lookup probes one set per page size, and an invalidation of an address probes exactly the
 * sets a covering entry could be in.
 *
 * <p>Invariant: once an invalidation returns, no entry it covered is returned by
 * {@link #lookup}. Page and range invalidations also drop global entries at those addresses
 * (like x86 INVLPG and AArch64 TLBI VAE1); {@link #invalidateAsid} keeps global entries
 * (like a context-tagged flush); {@link #invalidateAll} drops everything.
 *
 * <p>One thread owns a TLB (its CPU); nothing here is thread-safe. All storage is allocated
 * in the constructor.
 */
public final class Tlb
{
    /** {@link #lookup} result when nothing matches. */
    public static final int MISS = -1;

    private static final int SIZE_CLASSES = 4;
    private static final int EMPTY = -1;

    private final int ways;
    private final int setMask;
    private final int[] levels;
    private final int[] asids;
    private final long[] pageNumbers;
    private final long[] frames;
    private final int[] flags;
    private final int[] victims;

    private long hits;
    private long misses;
    private long flushes;
    private long entriesInvalidated;
    private long evictions;

    /**
     * @param sets number of sets, a power of two.
     * @param ways entries per set.
     */
    public Tlb(final int sets, final int ways)
    {
        if (sets <= 0 || (sets & (sets - 1)) != 0 || ways <= 0)
        {
            throw new IllegalArgumentException("sets must be a power of two and ways positive");
        }
        this.ways = ways;
        this.setMask = sets - 1;
        final int capacity = sets * ways;
        this.levels = new int[capacity];
        this.asids = new int[capacity];
        this.pageNumbers = new long[capacity];
        this.frames = new long[capacity];
        this.flags = new int[capacity];
        this.victims = new int[sets];
        for (int i = 0; i < capacity; i++)
        {
            levels[i] = EMPTY;
        }
    }

    /** @return number of entries the TLB can hold. */
    public int capacity()
    {
        return levels.length;
    }

    /**
     * Find the entry translating {@code virtualAddress} for {@code asid}.
     *
     * @param asid           address-space id.
     * @param virtualAddress the address.
     * @return an entry index for {@link #physicalAddress}, {@link #flags(int)} and
     * {@link #pageSize(int)}, or {@link #MISS}.
     */
    public int lookup(final int asid, final long virtualAddress)
    {
        for (int level = 0; level < SIZE_CLASSES; level++)
        {
            final int entry = find(asid, virtualAddress, level);
            if (entry != MISS)
            {
                hits++;
                return entry;
            }
        }
        misses++;
        return MISS;
    }

    /**
     * @param entry          an index returned by {@link #lookup}.
     * @param virtualAddress the address that was looked up.
     * @return its physical address.
     */
    public long physicalAddress(final int entry, final long virtualAddress)
    {
        return frames[entry] | (virtualAddress & (PageTableFormat.levelSize(levels[entry]) - 1));
    }

    /**
     * @param entry an index returned by {@link #lookup}.
     * @return the cached {@link PageFlags}.
     */
    public int flags(final int entry)
    {
        return flags[entry];
    }

    /**
     * @param entry an index returned by {@link #lookup}.
     * @return the page size of the cached translation.
     */
    public long pageSize(final int entry)
    {
        return PageTableFormat.levelSize(levels[entry]);
    }

    /**
     * Cache a translation, replacing one for the same page if present, else an empty way,
     * else the set's next victim (round robin).
     *
     * @param asid            address-space id (ignored for matching when {@code pageFlags}
     *                        has {@link PageFlags#GLOBAL}).
     * @param virtualAddress  any address in the page.
     * @param physicalAddress any address in the frame at the same offset.
     * @param pageSize        4 KiB, 2 MiB, 1 GiB or 512 GiB.
     * @param pageFlags       the leaf's {@link PageFlags}.
     */
    public void insert(
        final int asid, final long virtualAddress, final long physicalAddress, final long pageSize, final int pageFlags)
    {
        final int level = PageTableFormat.levelOf(pageSize);
        if (level < 0)
        {
            throw new IllegalArgumentException("unsupported page size");
        }
        final long pageNumber = virtualAddress >>> (12 + 9 * level);
        final int base = setOf(pageNumber, level) * ways;
        final boolean global = (pageFlags & PageFlags.GLOBAL) != 0;
        int target = -1;
        for (int i = base; i < base + ways; i++)
        {
            if (levels[i] == level && pageNumbers[i] == pageNumber &&
                (global || (flags[i] & PageFlags.GLOBAL) != 0 || asids[i] == asid))
            {
                target = i;
                break;
            }
            if (target < 0 && levels[i] == EMPTY)
            {
                target = i;
            }
        }
        if (target < 0)
        {
            final int set = base / ways;
            target = base + victims[set];
            victims[set] = victims[set] + 1 == ways ? 0 : victims[set] + 1;
            evictions++;
        }
        levels[target] = level;
        asids[target] = asid;
        pageNumbers[target] = pageNumber;
        frames[target] = physicalAddress & -pageSize;
        flags[target] = pageFlags;
    }

    /**
     * Drop every entry of {@code asid} (and every global entry) covering {@code virtualAddress}.
     *
     * @param asid           address-space id.
     * @param virtualAddress any address in the page.
     */
    public void invalidatePage(final int asid, final long virtualAddress)
    {
        flushes++;
        for (int level = 0; level < SIZE_CLASSES; level++)
        {
            final long pageNumber = virtualAddress >>> (12 + 9 * level);
            final int base = setOf(pageNumber, level) * ways;
            for (int i = base; i < base + ways; i++)
            {
                if (levels[i] == level && pageNumbers[i] == pageNumber && matchesAsid(i, asid))
                {
                    drop(i);
                }
            }
        }
    }

    /**
     * Drop every entry of {@code asid} (and every global entry) overlapping
     * {@code [virtualAddress, virtualAddress + length)}.
     *
     * @param asid           address-space id.
     * @param virtualAddress first address.
     * @param length         bytes; a range running past the top of the address space is
     *                       clipped there.
     */
    public void invalidateRange(final int asid, final long virtualAddress, final long length)
    {
        flushes++;
        if (length <= 0)
        {
            return;
        }
        long end = virtualAddress + length;
        if (Long.compareUnsigned(end, virtualAddress) < 0)
        {
            end = -1L;
        }
        for (int i = 0; i < levels.length; i++)
        {
            final int level = levels[i];
            if (level != EMPTY && matchesAsid(i, asid))
            {
                final int shift = 12 + 9 * level;
                final long first = pageNumbers[i] << shift;
                final long last = first + ((1L << shift) - 1);
                if (Long.compareUnsigned(first, end) < 0 && Long.compareUnsigned(virtualAddress, last) <= 0)
                {
                    drop(i);
                }
            }
        }
    }

    /**
     * Drop every non-global entry of {@code asid}.
     *
     * @param asid address-space id.
     */
    public void invalidateAsid(final int asid)
    {
        flushes++;
        for (int i = 0; i < levels.length; i++)
        {
            if (levels[i] != EMPTY && asids[i] == asid && (flags[i] & PageFlags.GLOBAL) == 0)
            {
                drop(i);
            }
        }
    }

    /** Drop every entry. */
    public void invalidateAll()
    {
        flushes++;
        for (int i = 0; i < levels.length; i++)
        {
            if (levels[i] != EMPTY)
            {
                drop(i);
            }
        }
    }

    /** @return number of valid entries. */
    public int size()
    {
        int size = 0;
        for (int i = 0; i < levels.length; i++)
        {
            if (levels[i] != EMPTY)
            {
                size++;
            }
        }
        return size;
    }

    /** @return lookups that found an entry. */
    public long hits()
    {
        return hits;
    }

    /** @return lookups that found none. */
    public long misses()
    {
        return misses;
    }

    /** @return invalidation operations performed (page, range, ASID or all). */
    public long flushes()
    {
        return flushes;
    }

    /** @return entries dropped by invalidations. */
    public long entriesInvalidated()
    {
        return entriesInvalidated;
    }

    /** @return valid entries replaced to make room. */
    public long evictions()
    {
        return evictions;
    }

    private int find(final int asid, final long virtualAddress, final int level)
    {
        final long pageNumber = virtualAddress >>> (12 + 9 * level);
        final int base = setOf(pageNumber, level) * ways;
        for (int i = base; i < base + ways; i++)
        {
            if (levels[i] == level && pageNumbers[i] == pageNumber && matchesAsid(i, asid))
            {
                return i;
            }
        }
        return MISS;
    }

    private boolean matchesAsid(final int entry, final int asid)
    {
        return asids[entry] == asid || (flags[entry] & PageFlags.GLOBAL) != 0;
    }

    private void drop(final int entry)
    {
        levels[entry] = EMPTY;
        entriesInvalidated++;
    }

    private int setOf(final long pageNumber, final int level)
    {
        // Fibonacci hashing spreads neighbouring pages and sizes over the sets.
        final long hash = (pageNumber + ((long)level << 40)) * 0x9E37_79B9_7F4A_7C15L;
        return (int)(hash >>> 32) & setMask;
    }
}
