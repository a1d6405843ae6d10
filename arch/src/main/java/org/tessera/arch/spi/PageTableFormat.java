package org.tessera.arch.spi;

/**
 * A page-table format: builds, changes and walks an address space's translation tables in
 * {@link PhysicalMemory}, in the architecture's real binary format, so that an MMU model (or
 * real hardware) reading the same bytes sees the same mappings.
 *
 * <p>All three formats Tessera models share one shape, a 4-level radix tree of 4 KiB tables
 * with 512 eight-byte little-endian entries, indexed by the same virtual-address bits:
 * <pre>
 *   63        48 47     39 38     30 29     21 20     12 11        0
 *  +------------+---------+---------+---------+---------+-----------+
 *  | sign/zero  | level 3 | level 2 | level 1 | level 0 |  offset   |
 *  +------------+---------+---------+---------+---------+-----------+
 *   x86_64:       PML4      PDPT      PD        PT
 *   AArch64:      L0        L1        L2        L3
 *   RISC-V Sv48:  VPN[3]    VPN[2]    VPN[1]    VPN[0]
 * </pre>
 * A leaf at level 0 maps 4 KiB, at level 1 2 MiB, at level 2 1 GiB and at level 3 512 GiB
 * (RISC-V only). This class holds the walk, map, unmap and accounting logic once; a subclass
 * says what an entry's bits mean ({@link #entryKind}, {@link #leafEntry}, {@link #leafFlags},
 * {@link #permits}, ...).
 *
 * <p>Concurrency: one owner (the VM service of the address space) changes a tree; MMU models
 * on other virtual CPUs may walk it at the same time and set accessed/dirty bits. So entries
 * are read with volatile loads, written with volatile stores, and every read-modify-write of a
 * live entry is a compare-and-set loop that keeps bits an MMU set in between. Freeing a table
 * that another CPU may still be walking is the caller's concern (TLB shootdown first).
 *
 * <p>Allocation-free after construction: results come back as primitive values, negative
 * values being {@link PageTableStatus} codes.
 */
public abstract class PageTableFormat
{
    /** 4 KiB page (level 0 leaf). */
    public static final long SIZE_4K = 1L << 12;
    /** 2 MiB page (level 1 leaf). */
    public static final long SIZE_2M = 1L << 21;
    /** 1 GiB page (level 2 leaf). */
    public static final long SIZE_1G = 1L << 30;
    /** 512 GiB page (level 3 leaf, RISC-V Sv48 tera page only). */
    public static final long SIZE_512G = 1L << 39;

    /** Number of table levels. */
    protected static final int LEVELS = 4;
    /** The root level. */
    protected static final int ROOT_LEVEL = LEVELS - 1;
    /** Entries per table. */
    protected static final int ENTRIES = 512;
    /** Bytes per entry. */
    protected static final int ENTRY_BYTES = 8;

    /** {@link #entryKind} result: not a valid entry (empty, or reserved encoding). */
    protected static final int INVALID = 0;
    /** {@link #entryKind} result: points to a next-level table. */
    protected static final int TABLE = 1;
    /** {@link #entryKind} result: maps a page or block. */
    protected static final int LEAF = 2;

    /** Marker returned internally by a translation attempt that lost a race and must retry. */
    private static final long RETRY = Long.MIN_VALUE;

    /** The memory holding the tables. */
    protected final PhysicalMemory memory;

    /**
     * @param memory physical memory the tables live in.
     */
    protected PageTableFormat(final PhysicalMemory memory)
    {
        this.memory = memory;
    }

    /**
     * @param level table level, 0 (4 KiB leaves) to 3 (root).
     * @return bytes mapped by one entry at that level.
     */
    public static long levelSize(final int level)
    {
        return 1L << (12 + 9 * level);
    }

    /**
     * @param size a page size.
     * @return the level whose entries map exactly {@code size} bytes, or -1.
     */
    public static int levelOf(final long size)
    {
        if (size == SIZE_4K)
        {
            return 0;
        }
        if (size == SIZE_2M)
        {
            return 1;
        }
        if (size == SIZE_1G)
        {
            return 2;
        }
        if (size == SIZE_512G)
        {
            return 3;
        }
        return -1;
    }

    /**
     * @param size a page size in bytes.
     * @return true when this format can map a single page of that size.
     */
    public final boolean supportsPageSize(final long size)
    {
        final int level = levelOf(size);
        return level >= 0 && leafAllowed(level);
    }

    /**
     * @param virtualAddress an address.
     * @return true when the address lies in the range this format translates.
     */
    public final boolean isCanonical(final long virtualAddress)
    {
        return canonical(virtualAddress) == virtualAddress;
    }

    /**
     * @return number of physical address bits an entry can hold.
     */
    public abstract int physicalAddressBits();

    /**
     * Allocate an empty root table.
     *
     * @param frames where the root frame comes from.
     * @return the root's physical address, or {@link PageTableStatus#NO_MEMORY}.
     */
    public final long createRoot(final FrameSource frames)
    {
        final long root = frames.allocateZeroedFrame();
        return root < 0 ? PageTableStatus.NO_MEMORY : root;
    }

    /**
     * Map one page. Intermediate tables are created from {@code frames} as needed (and kept
     * if a later step fails; {@link #releaseAll} frees them). An existing empty subtree where
     * a large page goes is reclaimed.
     *
     * @param root            root table.
     * @param virtualAddress  first virtual address, aligned to {@code size}, canonical.
     * @param physicalAddress first physical address, aligned to {@code size}.
     * @param size            page size, see {@link #supportsPageSize(long)}.
     * @param flags           {@link PageFlags}.
     * @param frames          frame source for tables.
     * @return {@link PageTableStatus#OK} or a negative status.
     */
    public final int map(
        final long root,
        final long virtualAddress,
        final long physicalAddress,
        final long size,
        final int flags,
        final FrameSource frames)
    {
        final int level = levelOf(size);
        if (level < 0 || !leafAllowed(level))
        {
            return PageTableStatus.BAD_SIZE;
        }
        if (!isCanonical(virtualAddress) ||
            physicalAddress < 0 ||
            (physicalAddress >>> physicalAddressBits()) != 0)
        {
            return PageTableStatus.BAD_ADDRESS;
        }
        if (((virtualAddress | physicalAddress) & (size - 1)) != 0)
        {
            return PageTableStatus.MISALIGNED;
        }
        if (!PageFlags.isValid(flags))
        {
            return PageTableStatus.BAD_FLAGS;
        }

        long table = root;
        for (int l = ROOT_LEVEL; l > level; l--)
        {
            final long slot = slot(table, virtualAddress, l);
            final long entry = memory.getLongVolatile(slot);
            final int kind = entryKind(entry, l);
            if (kind == TABLE)
            {
                widen(slot, flags, l);
                table = tableAddress(entry);
            }
            else if (kind == LEAF)
            {
                return PageTableStatus.ALREADY_MAPPED;
            }
            else
            {
                final long frame = frames.allocateZeroedFrame();
                if (frame < 0)
                {
                    return PageTableStatus.NO_MEMORY;
                }
                // The zeroed table is complete before it becomes reachable: a volatile store
                // publishes it to concurrent walkers.
                memory.putLongVolatile(slot, tableEntry(frame, flags, l));
                table = frame;
            }
        }

        final long slot = slot(table, virtualAddress, level);
        final long entry = memory.getLongVolatile(slot);
        final int kind = entryKind(entry, level);
        if (kind == LEAF)
        {
            return PageTableStatus.ALREADY_MAPPED;
        }
        if (kind == TABLE)
        {
            final long subtree = tableAddress(entry);
            if (!isEmpty(subtree, level - 1))
            {
                return PageTableStatus.ALREADY_MAPPED;
            }
            memory.putLongVolatile(slot, leafEntry(physicalAddress, level, flags));
            release(subtree, level - 1, frames);
            return PageTableStatus.OK;
        }
        memory.putLongVolatile(slot, leafEntry(physicalAddress, level, flags));
        return PageTableStatus.OK;
    }

    /**
     * Remove the leaf mapping that starts at {@code virtualAddress}. Tables are kept (until
     * {@link #releaseAll} or a larger mapping reclaims them).
     *
     * @param root           root table.
     * @param virtualAddress first address of the page.
     * @param size           expected page size, or 0 to accept whatever size is mapped there.
     * @return the physical address the page mapped (&gt;= 0), or {@link PageTableStatus#NOT_MAPPED},
     * {@link PageTableStatus#SIZE_MISMATCH}, {@link PageTableStatus#MISALIGNED} (the address is
     * inside a larger page), {@link PageTableStatus#BAD_ADDRESS}.
     */
    public final long unmap(final long root, final long virtualAddress, final long size)
    {
        if (!isCanonical(virtualAddress))
        {
            return PageTableStatus.BAD_ADDRESS;
        }
        final long found = findLeaf(root, virtualAddress);
        if (found < 0)
        {
            return found;
        }
        final long slot = found & ~7L;
        final int level = (int)(found & 7);
        final long leafSize = levelSize(level);
        if (size != 0 && size != leafSize)
        {
            return PageTableStatus.SIZE_MISMATCH;
        }
        if ((virtualAddress & (leafSize - 1)) != 0)
        {
            return PageTableStatus.MISALIGNED;
        }
        long entry = memory.getLongVolatile(slot);
        while (!memory.compareAndSetLong(slot, entry, 0L))
        {
            entry = memory.getLongVolatile(slot);
        }
        return leafAddress(entry, level);
    }

    /**
     * Change the permissions and attributes of the leaf that starts at {@code virtualAddress},
     * keeping its physical address and its accessed/dirty state (the ACCESSED and DIRTY bits
     * of {@code flags} are ignored).
     *
     * @param root           root table.
     * @param virtualAddress first address of the page.
     * @param flags          new {@link PageFlags}.
     * @return {@link PageTableStatus#OK} or a negative status.
     */
    public final int protect(final long root, final long virtualAddress, final int flags)
    {
        if (!isCanonical(virtualAddress))
        {
            return PageTableStatus.BAD_ADDRESS;
        }
        if (!PageFlags.isValid(flags))
        {
            return PageTableStatus.BAD_FLAGS;
        }
        final long found = findLeaf(root, virtualAddress);
        if (found < 0)
        {
            return (int)found;
        }
        final int level = (int)(found & 7);
        if ((virtualAddress & (levelSize(level) - 1)) != 0)
        {
            return PageTableStatus.MISALIGNED;
        }
        // Upper levels may need widening first (x86 U/S), so that the leaf alone decides.
        long table = root;
        for (int l = ROOT_LEVEL; l > level; l--)
        {
            final long slot = slot(table, virtualAddress, l);
            widen(slot, flags, l);
            table = tableAddress(memory.getLongVolatile(slot));
        }
        final long slot = found & ~7L;
        final int newPermissions = flags & ~PageFlags.ACCESSED_DIRTY;
        while (true)
        {
            final long entry = memory.getLongVolatile(slot);
            final int state = leafFlags(entry, level) & PageFlags.ACCESSED_DIRTY;
            final long next = leafEntry(leafAddress(entry, level), level, newPermissions | state);
            if (memory.compareAndSetLong(slot, entry, next))
            {
                return PageTableStatus.OK;
            }
        }
    }

    /**
     * Translate as the MMU does: check the access against every level's permission bits and
     * set the accessed (and, for a write, dirty) state the hardware would set.
     *
     * <p>The modelled privileged-access rules, the same on every architecture: privileged
     * code may read and write user pages (x86 SMAP off, RISC-V SUM=1, AArch64 PAN=0) but
     * never execute them (x86 SMEP on, RISC-V always, AArch64 PXN); writes honour the write
     * permission in privileged mode too (x86 CR0.WP=1).
     *
     * @param root           root table.
     * @param virtualAddress address accessed.
     * @param accessKind     {@link AccessKind}.
     * @param userMode       true for a user-mode access.
     * @return the physical address, or {@link PageTableStatus#NOT_MAPPED},
     * {@link PageTableStatus#PERMISSION}, {@link PageTableStatus#BAD_ADDRESS} (non-canonical).
     */
    public final long translate(
        final long root, final long virtualAddress, final int accessKind, final boolean userMode)
    {
        if (!isCanonical(virtualAddress))
        {
            return PageTableStatus.BAD_ADDRESS;
        }
        long result;
        do
        {
            result = translateOnce(root, virtualAddress, accessKind, userMode);
        }
        while (result == RETRY);
        return result;
    }

    /**
     * Where {@code virtualAddress} maps to, without permission checks or accessed/dirty
     * side effects (what the kernel itself needs to find a frame).
     *
     * @param root           root table.
     * @param virtualAddress any address inside a page.
     * @return the physical address, or a negative status.
     */
    public final long physicalAddress(final long root, final long virtualAddress)
    {
        if (!isCanonical(virtualAddress))
        {
            return PageTableStatus.BAD_ADDRESS;
        }
        final long found = findLeaf(root, virtualAddress);
        if (found < 0)
        {
            return found;
        }
        final int level = (int)(found & 7);
        final long entry = memory.getLongVolatile(found & ~7L);
        return leafAddress(entry, level) | (virtualAddress & (levelSize(level) - 1));
    }

    /**
     * @param root           root table.
     * @param virtualAddress any address inside a page.
     * @return the size of the page mapping the address, or a negative status.
     */
    public final long pageSize(final long root, final long virtualAddress)
    {
        if (!isCanonical(virtualAddress))
        {
            return PageTableStatus.BAD_ADDRESS;
        }
        final long found = findLeaf(root, virtualAddress);
        return found < 0 ? found : levelSize((int)(found & 7));
    }

    /**
     * @param root           root table.
     * @param virtualAddress any address inside a page.
     * @return the page's {@link PageFlags}, or a negative status.
     */
    public final int flags(final long root, final long virtualAddress)
    {
        if (!isCanonical(virtualAddress))
        {
            return PageTableStatus.BAD_ADDRESS;
        }
        final long found = findLeaf(root, virtualAddress);
        if (found < 0)
        {
            return (int)found;
        }
        return leafFlags(memory.getLongVolatile(found & ~7L), (int)(found & 7));
    }

    /**
     * @param root           root table.
     * @param virtualAddress any address inside a page.
     * @return the page's {@link PageFlags#ACCESSED} and {@link PageFlags#DIRTY} bits, or a
     * negative status.
     */
    public final int accessedDirty(final long root, final long virtualAddress)
    {
        final int flags = flags(root, virtualAddress);
        return flags < 0 ? flags : flags & PageFlags.ACCESSED_DIRTY;
    }

    /**
     * Atomically clear accessed and/or dirty state of a page (for page ageing and write-back).
     *
     * @param root           root table.
     * @param virtualAddress any address inside a page.
     * @param which          {@link PageFlags#ACCESSED} and/or {@link PageFlags#DIRTY}.
     * @return the accessed/dirty bits the page had before, or a negative status.
     */
    public final int clearAccessedDirty(final long root, final long virtualAddress, final int which)
    {
        if (!isCanonical(virtualAddress))
        {
            return PageTableStatus.BAD_ADDRESS;
        }
        final long found = findLeaf(root, virtualAddress);
        if (found < 0)
        {
            return (int)found;
        }
        final long slot = found & ~7L;
        final int level = (int)(found & 7);
        while (true)
        {
            final long entry = memory.getLongVolatile(slot);
            final long next = clearState(entry, which & PageFlags.ACCESSED_DIRTY);
            if (next == entry || memory.compareAndSetLong(slot, entry, next))
            {
                return leafFlags(entry, level) & PageFlags.ACCESSED_DIRTY;
            }
        }
    }

    /**
     * Visit every leaf mapping.
     *
     * @param root    root table.
     * @param visitor receives each leaf.
     * @return number of leaves visited.
     */
    public final int walk(final long root, final PageTableVisitor visitor)
    {
        return walk(root, ROOT_LEVEL, 0L, visitor);
    }

    /**
     * Free every table frame of the tree, the root included. Frames the leaves map are not
     * touched: they belong to whoever mapped them.
     *
     * @param root   root table.
     * @param frames where the table frames go back.
     * @return number of frames freed.
     */
    public final int releaseAll(final long root, final FrameSource frames)
    {
        return release(root, ROOT_LEVEL, frames);
    }

    /**
     * Count the table frames of a tree, the root included.
     *
     * @param root root table.
     * @return number of table frames.
     */
    public final int tableCount(final long root)
    {
        return tableCount(root, ROOT_LEVEL);
    }

    // ---------------------------------------------------------------------------------------
    // What each architecture says about its entries.
    // ---------------------------------------------------------------------------------------

    /**
     * @param entry an entry read from a table at {@code level}.
     * @param level 0 to 3.
     * @return {@link #INVALID}, {@link #TABLE} or {@link #LEAF}, as the MMU would see it
     * (reserved encodings, misaligned superpages and leaves at levels that allow none are
     * {@link #INVALID}).
     */
    protected abstract int entryKind(long entry, int level);

    /**
     * @param entry a {@link #TABLE} entry.
     * @return physical address of the next-level table.
     */
    protected abstract long tableAddress(long entry);

    /**
     * @param table physical address of a new next-level table.
     * @param flags flags of the mapping being made below it.
     * @param level level of the entry.
     * @return the entry pointing to it.
     */
    protected abstract long tableEntry(long table, int flags, int level);

    /**
     * Widen a table entry so a mapping with {@code flags} below it is not restricted by it.
     * Formats whose table entries carry no permissions return {@code entry}.
     *
     * @param entry an existing {@link #TABLE} entry.
     * @param flags flags of a mapping below it.
     * @param level level of the entry.
     * @return the entry, widened.
     */
    protected long widenTableEntry(final long entry, final int flags, final int level)
    {
        return entry;
    }

    /**
     * @param level 0 to 3.
     * @return true when a leaf may sit at that level.
     */
    protected abstract boolean leafAllowed(int level);

    /**
     * @param physicalAddress page address, aligned to the level's size.
     * @param level           leaf level.
     * @param flags           valid {@link PageFlags}.
     * @return the leaf entry.
     */
    protected abstract long leafEntry(long physicalAddress, int level, int flags);

    /**
     * @param entry a {@link #LEAF} entry.
     * @param level its level.
     * @return the page's physical address.
     */
    protected abstract long leafAddress(long entry, int level);

    /**
     * @param entry a {@link #LEAF} entry.
     * @param level its level.
     * @return the {@link PageFlags} it encodes.
     */
    protected abstract int leafFlags(long entry, int level);

    /**
     * @return the table-restriction accumulator before the root is read.
     */
    protected abstract long initialRestriction();

    /**
     * Fold the permission-limiting bits of a table entry on the walk into an accumulator.
     *
     * @param restriction accumulator so far.
     * @param entry       a {@link #TABLE} entry.
     * @return new accumulator.
     */
    protected abstract long restrict(long restriction, long entry);

    /**
     * The MMU's permission check.
     *
     * @param entry       the {@link #LEAF} entry.
     * @param restriction accumulator from the tables above it.
     * @param accessKind  {@link AccessKind}.
     * @param userMode    user-mode access.
     * @return true when permitted.
     */
    protected abstract boolean permits(long entry, long restriction, int accessKind, boolean userMode);

    /**
     * @param entry      a {@link #LEAF} entry about to be used for a permitted access.
     * @param accessKind {@link AccessKind}.
     * @return the entry with the accessed/dirty state the hardware sets.
     */
    protected abstract long markUsed(long entry, int accessKind);

    /**
     * @param entry a {@link #TABLE} entry used in a walk.
     * @return the entry as hardware leaves it (x86 sets A in every entry it uses).
     */
    protected long markTableUsed(final long entry)
    {
        return entry;
    }

    /**
     * @param entry a {@link #LEAF} entry.
     * @param which {@link PageFlags#ACCESSED} and/or {@link PageFlags#DIRTY}.
     * @return the entry with that state cleared.
     */
    protected abstract long clearState(long entry, int which);

    /**
     * @param virtualAddress an address.
     * @return its canonical form (x86 and RISC-V sign-extend bit 47; AArch64 TTBR0 keeps
     * bits 63:48 zero).
     */
    protected abstract long canonical(long virtualAddress);

    // ---------------------------------------------------------------------------------------
    // Shared machinery.
    // ---------------------------------------------------------------------------------------

    /**
     * @return physical address of the entry for {@code virtualAddress} in a table at {@code level}.
     */
    protected static long slot(final long table, final long virtualAddress, final int level)
    {
        return table + ((virtualAddress >>> (12 + 9 * level)) & (ENTRIES - 1)) * ENTRY_BYTES;
    }

    private long translateOnce(
        final long root, final long virtualAddress, final int accessKind, final boolean userMode)
    {
        long table = root;
        long restriction = initialRestriction();
        for (int level = ROOT_LEVEL; level >= 0; level--)
        {
            final long slot = slot(table, virtualAddress, level);
            final long entry = memory.getLongVolatile(slot);
            final int kind = entryKind(entry, level);
            if (kind == LEAF)
            {
                if (!permits(entry, restriction, accessKind, userMode))
                {
                    return PageTableStatus.PERMISSION;
                }
                final long used = markUsed(entry, accessKind);
                if (used != entry && !memory.compareAndSetLong(slot, entry, used))
                {
                    // The entry changed under us (protect, unmap or another CPU's A/D
                    // update): decide again on what is there now.
                    return RETRY;
                }
                return leafAddress(entry, level) | (virtualAddress & (levelSize(level) - 1));
            }
            if (kind != TABLE)
            {
                return PageTableStatus.NOT_MAPPED;
            }
            final long used = markTableUsed(entry);
            if (used != entry)
            {
                // Best effort like the hardware's own update: a lost race means someone
                // else changed the entry, and the next walk sets the bit again.
                memory.compareAndSetLong(slot, entry, used);
            }
            restriction = restrict(restriction, entry);
            table = tableAddress(entry);
        }
        return PageTableStatus.NOT_MAPPED;
    }

    /**
     * @return slot address | level of the leaf mapping {@code virtualAddress}, or NOT_MAPPED.
     */
    private long findLeaf(final long root, final long virtualAddress)
    {
        long table = root;
        for (int level = ROOT_LEVEL; level >= 0; level--)
        {
            final long slot = slot(table, virtualAddress, level);
            final long entry = memory.getLongVolatile(slot);
            final int kind = entryKind(entry, level);
            if (kind == LEAF)
            {
                return slot | level;
            }
            if (kind != TABLE)
            {
                return PageTableStatus.NOT_MAPPED;
            }
            table = tableAddress(entry);
        }
        return PageTableStatus.NOT_MAPPED;
    }

    private void widen(final long slot, final int flags, final int level)
    {
        while (true)
        {
            final long entry = memory.getLongVolatile(slot);
            final long wider = widenTableEntry(entry, flags, level);
            if (wider == entry || memory.compareAndSetLong(slot, entry, wider))
            {
                return;
            }
        }
    }

    private boolean isEmpty(final long table, final int level)
    {
        for (int i = memory.nextNonZeroLong(table, 0, ENTRIES); i < ENTRIES;
            i = memory.nextNonZeroLong(table, i + 1, ENTRIES))
        {
            final long entry = memory.getLongVolatile(table + (long)i * ENTRY_BYTES);
            final int kind = entryKind(entry, level);
            if (kind == LEAF || (kind == TABLE && !isEmpty(tableAddress(entry), level - 1)))
            {
                return false;
            }
        }
        return true;
    }

    private int release(final long table, final int level, final FrameSource frames)
    {
        int freed = 0;
        if (level > 0)
        {
            for (int i = memory.nextNonZeroLong(table, 0, ENTRIES); i < ENTRIES;
                i = memory.nextNonZeroLong(table, i + 1, ENTRIES))
            {
                final long entry = memory.getLongVolatile(table + (long)i * ENTRY_BYTES);
                if (entryKind(entry, level) == TABLE)
                {
                    freed += release(tableAddress(entry), level - 1, frames);
                }
            }
        }
        frames.freeFrame(table);
        return freed + 1;
    }

    private int tableCount(final long table, final int level)
    {
        int count = 1;
        if (level > 0)
        {
            for (int i = memory.nextNonZeroLong(table, 0, ENTRIES); i < ENTRIES;
                i = memory.nextNonZeroLong(table, i + 1, ENTRIES))
            {
                final long entry = memory.getLongVolatile(table + (long)i * ENTRY_BYTES);
                if (entryKind(entry, level) == TABLE)
                {
                    count += tableCount(tableAddress(entry), level - 1);
                }
            }
        }
        return count;
    }

    private int walk(final long table, final int level, final long base, final PageTableVisitor visitor)
    {
        int leaves = 0;
        // zero entries are empty in every format: skip them without reading them one by one
        for (int i = memory.nextNonZeroLong(table, 0, ENTRIES); i < ENTRIES;
            i = memory.nextNonZeroLong(table, i + 1, ENTRIES))
        {
            final long entry = memory.getLongVolatile(table + (long)i * ENTRY_BYTES);
            final int kind = entryKind(entry, level);
            final long virtualAddress = base | ((long)i << (12 + 9 * level));
            if (kind == LEAF)
            {
                visitor.onLeaf(
                    canonical(virtualAddress), leafAddress(entry, level), levelSize(level), leafFlags(entry, level));
                leaves++;
            }
            else if (kind == TABLE)
            {
                leaves += walk(tableAddress(entry), level - 1, virtualAddress, visitor);
            }
        }
        return leaves;
    }
}
