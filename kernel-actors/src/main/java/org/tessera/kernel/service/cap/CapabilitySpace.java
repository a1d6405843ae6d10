package org.tessera.kernel.service.cap;

import org.agrona.concurrent.UnsafeBuffer;

/**
 * One process's capabilities: a two-level table of 32-byte slots with O(1) lookup by the slot
 * index a token carries.
 *
 * <p><b>Table.</b> A slot index has 14 bits: the high 7 select an entry of the L1 directory (an
 * int array in this object holding an L2 page number), the low 7 a slot in that 4 KiB L2 page.
 * L2 pages come from a shared {@link CapabilityPagePool} when the first slot in their range is
 * needed and go back when their last slot is freed. The budget is 512 KiB per process: 127 L2
 * pages of 128 slots (508 KiB) plus the 508-byte directory and its bookkeeping, so at most
 * {@link #MAX_SLOTS} = 127 * 128 = 16256 slots; indices 16256 to 16383 name no slot.
 *
 * <pre>
 *   token slot index (14 bits):  | L1 index (7) | slot in page (7) |
 *
 *   directory[L1 index] -&gt; pool page -&gt; page offset + (slot in page) * 32
 *
 *   slot (32 bytes, little-endian, in the L2 page):
 *    0               8               16              24      28      30    31
 *   +---------------+---------------+---------------+-------+-------+-----+-----+
 *   | issued token  |  object id    |    badge      | link  |rights |state| gen |
 *   |    (long)     |   (long)      |   (long)      | (int) |(short)|(byte)(byte)|
 *   +---------------+---------------+---------------+-------+-------+-----+-----+
 *   issued token: the exact token handed out while LIVE, 0 otherwise
 *   object id:    the kernel object named (LIVE/REVOKED); while FREE its low int is the
 *                 previous free slot in this page
 *   badge:        the owning service's reference for the object (opaque here)
 *   link:         derivation-tree node (LIVE) or next free slot in this page (FREE)
 *   state:        FREE, LIVE, REVOKED (invalid, awaiting delete), RETIRED (never reused)
 *   gen:          LIVE: the generation issued; otherwise the generation the next occupant gets
 * </pre>
 *
 * <p><b>Names.</b> A token's object id is this space's 34-bit key (space id and salt) followed
 * by the slot index; see {@link CapabilityToken}. {@link #check} accepts only a token equal, bit
 * for bit, to the one this space issued for a live slot, then compares type and rights, so a
 * token of another space, an altered token or a random value is refused.
 *
 * <p><b>Generations.</b> Revoking or deleting a live slot bumps its generation, so tokens of
 * earlier occupants go stale. A slot at generation 255 is retired instead of bumped: it never
 * holds a capability again, so a generation never repeats. Generation 0 is never issued. When an
 * L2 page is released, the highest next-generation of its slots is remembered for its L1 entry
 * and a later page in that range starts all its slots there, so reuse of the range does not
 * revive old tokens either.
 *
 * <p>Not thread safe: a space belongs to one authority shard; other CPUs validate through their
 * {@link CapabilityCache}, kept coherent by the revocation protocol.
 */
public final class CapabilitySpace
{
    /** Size of a slot in bytes. */
    public static final int SLOT_SIZE = 32;
    /** Slots per L2 page. */
    public static final int SLOTS_PER_PAGE = CapabilityPagePool.PAGE_SIZE / SLOT_SIZE;
    /** Entries of the L1 directory. */
    public static final int L1_ENTRIES = 127;
    /** Maximum slots per space. */
    public static final int MAX_SLOTS = L1_ENTRIES * SLOTS_PER_PAGE;
    /** Upper bound of a space's table memory in bytes: L2 pages plus the L1 directory. */
    public static final int MAX_TABLE_BYTES = L1_ENTRIES * CapabilityPagePool.PAGE_SIZE + L1_ENTRIES * 4;

    /** Slot state: empty, available. */
    public static final int FREE = 0;
    /** Slot state: holds a valid capability. */
    public static final int LIVE = 1;
    /** Slot state: revoked, refused by checks, until its holder deletes it. */
    public static final int REVOKED = 2;
    /** Slot state: generation exhausted, never reused. */
    public static final int RETIRED = 3;

    /** No slot, page or node. */
    public static final int NONE = -1;

    static final int TOKEN_OFFSET = 0;
    static final int OBJECT_OFFSET = 8;
    static final int FREE_PREV_OFFSET = 8;
    static final int BADGE_OFFSET = 16;
    static final int LINK_OFFSET = 24;
    static final int RIGHTS_OFFSET = 28;
    static final int STATE_OFFSET = 30;
    static final int GENERATION_OFFSET = 31;

    private static final int PAGE_SHIFT = 7;
    private static final int IN_PAGE_MASK = SLOTS_PER_PAGE - 1;
    private static final int SLOT_SHIFT = 5;
    private static final int FIRST_GENERATION = 1;
    private static final long CLOSED_KEY = -1L;

    private final int spaceId;
    private final CapabilityPagePool pool;
    private final UnsafeBuffer buffer;
    private final int[] directory = new int[L1_ENTRIES];
    private final int[] pageUsed = new int[L1_ENTRIES];
    private final int[] pageFreeHead = new int[L1_ENTRIES];
    private final int[] pageGenerationBase = new int[L1_ENTRIES];
    private final int[] availNext = new int[L1_ENTRIES];
    private final int[] availPrev = new int[L1_ENTRIES];
    private final long[] failures = new long[CapabilityError.COUNT];
    private int availHead = NONE;
    private long key;
    private long lastKey;

    private int liveSlots;
    private int revokedSlots;
    private int retiredSlots;
    private int pagesUsed;
    private long lookups;
    private long inserts;
    private long deletes;
    private long revokes;

    /**
     * Open an empty space.
     *
     * @param spaceId id of the space, 0 to 65535, unique within the authority shard.
     * @param salt    1 to 2^18-1; never reused for this space id (the authority counts them).
     * @param pool    where L2 pages come from.
     */
    public CapabilitySpace(final int spaceId, final int salt, final CapabilityPagePool pool)
    {
        if (spaceId < 0 || spaceId > CapabilityToken.MAX_SPACE_ID)
        {
            throw new IllegalArgumentException("space id out of range");
        }
        this.spaceId = spaceId;
        this.pool = pool;
        this.buffer = pool.buffer();
        for (int i = 0; i < L1_ENTRIES; i++)
        {
            directory[i] = NONE;
            pageFreeHead[i] = NONE;
            pageGenerationBase[i] = FIRST_GENERATION;
            availNext[i] = NONE;
            availPrev[i] = NONE;
        }
        this.lastKey = CLOSED_KEY;
        this.key = CLOSED_KEY;
        reopen(salt);
    }

    /** @return this space's id. */
    public int spaceId()
    {
        return spaceId;
    }

    /** @return this space's 34-bit key, or -1 while destroyed. */
    public long key()
    {
        return key;
    }

    /**
     * Insert a capability without a derivation-tree node (it gets one when first derived).
     *
     * @param objectId kernel object named.
     * @param type     a {@link CapabilityType}.
     * @param rights   rights valid for {@code type}.
     * @param flags    token flags.
     * @param badge    the owning service's reference.
     * @return the slot index, or {@link CapabilityError#INVALID_TYPE},
     *         {@link CapabilityError#INVALID_RIGHTS}, {@link CapabilityError#SPACE_FULL},
     *         {@link CapabilityError#POOL_EXHAUSTED}.
     */
    public int insert(final long objectId, final int type, final int rights, final int flags, final long badge)
    {
        final int valid = validate(type, rights, flags);
        if (valid != CapabilityError.OK)
        {
            return valid;
        }
        final int slot = allocateSlot();
        if (slot < 0)
        {
            return slot;
        }
        fill(slot, objectId, type, rights, flags, badge, NONE);
        return slot;
    }

    /**
     * Insert a capability made by the authority from nothing, as a root of the derivation tree.
     *
     * @return the slot index, or an error as for {@link #insert} or {@link CapabilityError#TREE_FULL}.
     */
    public int create(
        final long objectId, final int type, final int rights, final int flags, final long badge,
        final DerivationTree tree)
    {
        final int valid = validate(type, rights, flags);
        if (valid != CapabilityError.OK)
        {
            return valid;
        }
        final int slot = allocateSlot();
        if (slot < 0)
        {
            return slot;
        }
        final int node = tree.createRoot(spaceId, slot, rights);
        if (node < 0)
        {
            unallocate(slot);
            return node;
        }
        fill(slot, objectId, type, rights, flags, badge, node);
        return slot;
    }

    /**
     * The token issued for a live slot.
     *
     * @param slot a slot index.
     * @return its token, or 0 (never a valid token) when the slot is not live.
     */
    public long token(final int slot)
    {
        final int offset = liveOffset(slot);
        return offset < 0 ? 0L : buffer.getLong(offset + TOKEN_OFFSET);
    }

    /**
     * Resolve a token to its slot without type or rights requirements.
     *
     * @param token a token presented by this space's process.
     * @return the slot index, or a negative error as for {@link #check}.
     */
    public int lookup(final long token)
    {
        lookups++;
        final int offset = tokenOffset(token);
        if (offset < 0)
        {
            return fail(CapabilityError.NO_SUCH_SLOT);
        }
        if (buffer.getLong(offset + TOKEN_OFFSET) != token)
        {
            return fail(classify(offset, token));
        }
        return CapabilityToken.slotIndex(token);
    }

    /**
     * The one check every service applies to a capability named by a request from outside the
     * kernel: the token must be the one this space issued for a live slot (key, slot, generation,
     * type and flags all equal), of the required type, with every required right. O(1): one
     * directory read and two or three loads from the slot.
     *
     * @param token          the token presented.
     * @param requiredType   the {@link CapabilityType} the request needs.
     * @param requiredRights the rights the request needs.
     * @return {@link CapabilityError#OK}, {@link CapabilityError#NO_SUCH_SLOT},
     *         {@link CapabilityError#REVOKED}, {@link CapabilityError#STALE_GENERATION},
     *         {@link CapabilityError#MALFORMED}, {@link CapabilityError#WRONG_TYPE} or
     *         {@link CapabilityError#INSUFFICIENT_RIGHTS}.
     */
    public int check(final long token, final int requiredType, final int requiredRights)
    {
        lookups++;
        final int offset = tokenOffset(token);
        if (offset < 0)
        {
            return fail(CapabilityError.NO_SUCH_SLOT);
        }
        // A non-live slot stores 0 and the token is non-zero (its key is), so equality alone
        // proves the slot live and every token field as issued.
        if (buffer.getLong(offset + TOKEN_OFFSET) != token)
        {
            return fail(classify(offset, token));
        }
        if (CapabilityToken.type(token) != requiredType)
        {
            return fail(CapabilityError.WRONG_TYPE);
        }
        final int rights = buffer.getShort(offset + RIGHTS_OFFSET) & 0xFFFF;
        if ((requiredRights & ~rights) != 0)
        {
            return fail(CapabilityError.INSUFFICIENT_RIGHTS);
        }
        return CapabilityError.OK;
    }

    /**
     * Derive a copy of a capability in this space with attenuated rights and flags, recorded as
     * its child in the derivation tree. Needs {@link CapabilityToken#FLAG_DERIVABLE}.
     *
     * @param slot   slot of the parent capability.
     * @param rights rights of the copy, a subset of the parent's.
     * @param flags  flags of the copy, a subset of the parent's.
     * @param tree   the shard's derivation tree.
     * @return the new slot, or {@link CapabilityError#NOT_LIVE}, {@link CapabilityError#NOT_DERIVABLE},
     *         {@link CapabilityError#RIGHTS_ESCALATION}, {@link CapabilityError#FLAGS_ESCALATION},
     *         {@link CapabilityError#TREE_FULL}, {@link CapabilityError#SPACE_FULL} or
     *         {@link CapabilityError#POOL_EXHAUSTED}.
     */
    public int derive(final int slot, final int rights, final int flags, final DerivationTree tree)
    {
        return copyTo(slot, this, rights, flags, tree, CapabilityToken.FLAG_DERIVABLE, CapabilityError.NOT_DERIVABLE);
    }

    /**
     * Grant (delegate) a copy of a capability to another space, with attenuated rights and flags,
     * recorded as its child in the derivation tree: revoking the original revokes the copy. Needs
     * {@link CapabilityToken#FLAG_GRANTABLE}.
     *
     * @param slot   slot of the capability granted.
     * @param target the receiving space.
     * @param rights rights of the copy, a subset of the original's.
     * @param flags  flags of the copy, a subset of the original's.
     * @param tree   the shard's derivation tree.
     * @return the slot in {@code target}, or an error as for {@link #derive} (with
     *         {@link CapabilityError#NOT_GRANTABLE}).
     */
    public int grant(
        final int slot, final CapabilitySpace target, final int rights, final int flags, final DerivationTree tree)
    {
        return copyTo(slot, target, rights, flags, tree, CapabilityToken.FLAG_GRANTABLE, CapabilityError.NOT_GRANTABLE);
    }

    /**
     * Record a copy of a capability granted to a space of another authority shard: the same
     * checks as {@link #grant} ({@link CapabilityToken#FLAG_GRANTABLE}, flags and rights no wider
     * than the original's), but the copy's slot is made by the other shard, so only the
     * derivation-tree child is made here, naming {@code targetSpaceId} and {@code marker} (a value
     * the authority maps to the copy's token). Revoking the original reports the child to the
     * table's foreign listener, which forwards the revocation to the owning shard.
     *
     * @param slot          slot of the capability granted.
     * @param targetSpaceId receiving space, of another shard.
     * @param marker        slot field of the child node (not a slot of this shard).
     * @param rights        rights of the copy, a subset of the original's.
     * @param flags         flags of the copy, a subset of the original's.
     * @param tree          the shard's derivation tree.
     * @return the child node, or {@link CapabilityError#NOT_LIVE}, {@link CapabilityError#NOT_GRANTABLE},
     *         {@link CapabilityError#INVALID_RIGHTS}, {@link CapabilityError#FLAGS_ESCALATION},
     *         {@link CapabilityError#RIGHTS_ESCALATION} or {@link CapabilityError#TREE_FULL}.
     */
    public int grantRemote(
        final int slot, final int targetSpaceId, final int marker, final int rights, final int flags,
        final DerivationTree tree)
    {
        final int offset = liveOffset(slot);
        if (offset < 0)
        {
            return CapabilityError.NOT_LIVE;
        }
        final long token = buffer.getLong(offset + TOKEN_OFFSET);
        final int parentFlags = CapabilityToken.flags(token);
        if ((parentFlags & CapabilityToken.FLAG_GRANTABLE) == 0)
        {
            return CapabilityError.NOT_GRANTABLE;
        }
        if (validate(CapabilityToken.type(token), rights, flags) != CapabilityError.OK)
        {
            return CapabilityError.INVALID_RIGHTS;
        }
        if ((flags & ~parentFlags) != 0)
        {
            return CapabilityError.FLAGS_ESCALATION;
        }
        final int node = ensureNode(slot, offset, tree);
        if (node < 0)
        {
            return node;
        }
        return tree.derive(node, targetSpaceId, marker, rights);
    }

    /**
     * Delete a capability from this space (its holder drops it). Its derived copies stay valid and
     * move up to its tree parent. A live slot's generation is bumped (or the slot retired); a
     * revoked slot becomes free. The caller broadcasts the cache invalidation of (space, slot).
     *
     * @param slot a live or revoked slot.
     * @param tree the shard's derivation tree.
     * @return {@link CapabilityError#OK} or {@link CapabilityError#NOT_LIVE}.
     */
    public int delete(final int slot, final DerivationTree tree)
    {
        final int offset = slotOffset(slot);
        if (offset < 0)
        {
            return CapabilityError.NOT_LIVE;
        }
        final int state = buffer.getByte(offset + STATE_OFFSET);
        if (state == LIVE)
        {
            final int node = buffer.getInt(offset + LINK_OFFSET);
            if (node != NONE)
            {
                tree.remove(node);
            }
            liveSlots--;
            buffer.putLong(offset + TOKEN_OFFSET, 0L);
            if (!bumpGeneration(offset))
            {
                freeSlot(slot, offset);
            }
        }
        else if (state == REVOKED)
        {
            revokedSlots--;
            freeSlot(slot, offset);
        }
        else
        {
            return CapabilityError.NOT_LIVE;
        }
        deletes++;
        return CapabilityError.OK;
    }

    /**
     * Fork: give {@code child} a copy of every live capability of this space flagged
     * {@link CapabilityToken#FLAG_INHERITABLE}, at the same slot index, with the same rights,
     * flags, object and badge, each a derivation-tree child of the parent's capability (so
     * revoking the parent's revokes the child's). The child's slot keeps the parent's generation
     * when it can (it never lowers one), so the child's token is normally the parent's token
     * rekeyed ({@link CapabilityToken#rekey}).
     *
     * @param child a space with none of these slots occupied (a fresh one).
     * @param tree  the shard's derivation tree.
     * @return number of capabilities copied, or the first error met (the copies made so far stay).
     */
    public int copyInheritable(final CapabilitySpace child, final DerivationTree tree)
    {
        int copied = 0;
        for (int l1 = 0; l1 < L1_ENTRIES; l1++)
        {
            final int page = directory[l1];
            if (page == NONE)
            {
                continue;
            }
            final int pageOffset = pool.pageOffset(page);
            for (int i = 0; i < SLOTS_PER_PAGE; i++)
            {
                final int offset = pageOffset + (i << SLOT_SHIFT);
                final long token = buffer.getLong(offset + TOKEN_OFFSET);
                if (token == 0L || (CapabilityToken.flags(token) & CapabilityToken.FLAG_INHERITABLE) == 0)
                {
                    continue;
                }
                final int slot = (l1 << PAGE_SHIFT) | i;
                final int node = ensureNode(slot, offset, tree);
                if (node < 0)
                {
                    return node;
                }
                final int rights = buffer.getShort(offset + RIGHTS_OFFSET) & 0xFFFF;
                final int placed = child.placeAt(slot, CapabilityToken.generation(token));
                if (placed < 0)
                {
                    return placed;
                }
                final int childNode = tree.derive(node, child.spaceId, slot, rights);
                if (childNode < 0)
                {
                    child.unallocate(slot);
                    return childNode;
                }
                child.fill(
                    slot, buffer.getLong(offset + OBJECT_OFFSET), CapabilityToken.type(token), rights,
                    CapabilityToken.flags(token), buffer.getLong(offset + BADGE_OFFSET), childNode);
                copied++;
            }
        }
        return copied;
    }

    /**
     * Exec: delete every capability not flagged {@link CapabilityToken#FLAG_SURVIVES_EXEC}, and
     * every revoked slot awaiting deletion.
     *
     * @param tree    the shard's derivation tree.
     * @param dropped told of each live capability deleted, for cache invalidation.
     * @return number of live capabilities deleted.
     */
    public int retainOnExec(final DerivationTree tree, final RevocationListener dropped)
    {
        int count = 0;
        for (int l1 = 0; l1 < L1_ENTRIES; l1++)
        {
            for (int i = 0; i < SLOTS_PER_PAGE && directory[l1] != NONE; i++)
            {
                final int slot = (l1 << PAGE_SHIFT) | i;
                final int offset = pool.pageOffset(directory[l1]) + (i << SLOT_SHIFT);
                final int state = buffer.getByte(offset + STATE_OFFSET);
                if (state == LIVE)
                {
                    final long token = buffer.getLong(offset + TOKEN_OFFSET);
                    if ((CapabilityToken.flags(token) & CapabilityToken.FLAG_SURVIVES_EXEC) == 0)
                    {
                        delete(slot, tree);
                        dropped.onRevoked(spaceId, slot);
                        count++;
                    }
                }
                else if (state == REVOKED)
                {
                    delete(slot, tree);
                }
            }
        }
        return count;
    }

    /**
     * Process exit: delete every capability, return every L2 page to the pool (retired slots
     * included) and close the space; it refuses every token until {@link #reopen} gives it a new
     * salt, which is what makes forgetting the old generations safe.
     *
     * @param tree    the shard's derivation tree.
     * @param dropped told of each live capability deleted, for cache invalidation.
     * @return number of live capabilities deleted.
     */
    public int destroy(final DerivationTree tree, final RevocationListener dropped)
    {
        int count = 0;
        for (int l1 = 0; l1 < L1_ENTRIES; l1++)
        {
            final int page = directory[l1];
            if (page == NONE)
            {
                continue;
            }
            final int pageOffset = pool.pageOffset(page);
            for (int i = 0; i < SLOTS_PER_PAGE; i++)
            {
                final int offset = pageOffset + (i << SLOT_SHIFT);
                if (buffer.getByte(offset + STATE_OFFSET) == LIVE)
                {
                    final int node = buffer.getInt(offset + LINK_OFFSET);
                    if (node != NONE)
                    {
                        tree.remove(node);
                    }
                    dropped.onRevoked(spaceId, (l1 << PAGE_SHIFT) | i);
                    count++;
                }
            }
            pool.free(page);
            directory[l1] = NONE;
            pageUsed[l1] = 0;
            pageFreeHead[l1] = NONE;
            pageGenerationBase[l1] = FIRST_GENERATION;
            availNext[l1] = NONE;
            availPrev[l1] = NONE;
        }
        availHead = NONE;
        liveSlots = 0;
        revokedSlots = 0;
        retiredSlots = 0;
        pagesUsed = 0;
        key = CLOSED_KEY;
        return count;
    }

    /**
     * Open the space again (a new process reusing the space id) under a new salt.
     *
     * @param salt 1 to 2^18-1, different from the previous salt.
     */
    public void reopen(final int salt)
    {
        if (salt <= 0 || salt > CapabilityToken.SALT_MASK)
        {
            throw new IllegalArgumentException("salt must be 1 to 2^18-1");
        }
        if (key != CLOSED_KEY || pagesUsed != 0)
        {
            throw new IllegalStateException("capability space reopened while open");
        }
        final long newKey = CapabilityToken.spaceKey(spaceId, salt);
        if (newKey == lastKey)
        {
            throw new IllegalStateException("capability space salt reused");
        }
        key = newKey;
        lastKey = newKey;
    }

    /** @return the state of a slot: {@link #FREE}, {@link #LIVE}, {@link #REVOKED} or {@link #RETIRED}. */
    public int state(final int slot)
    {
        final int offset = slotOffset(slot);
        return offset < 0 ? FREE : buffer.getByte(offset + STATE_OFFSET);
    }

    /** @return object id of a live slot. */
    public long objectId(final int slot)
    {
        return buffer.getLong(requireLive(slot) + OBJECT_OFFSET);
    }

    /** @return badge of a live slot. */
    public long badge(final int slot)
    {
        return buffer.getLong(requireLive(slot) + BADGE_OFFSET);
    }

    /** @return rights of a live slot. */
    public int rights(final int slot)
    {
        return buffer.getShort(requireLive(slot) + RIGHTS_OFFSET) & 0xFFFF;
    }

    /** @return type of a live slot. */
    public int type(final int slot)
    {
        return CapabilityToken.type(buffer.getLong(requireLive(slot) + TOKEN_OFFSET));
    }

    /** @return flags of a live slot. */
    public int flags(final int slot)
    {
        return CapabilityToken.flags(buffer.getLong(requireLive(slot) + TOKEN_OFFSET));
    }

    /** @return derivation-tree node of a live slot, or {@link #NONE}. */
    public int node(final int slot)
    {
        return buffer.getInt(requireLive(slot) + LINK_OFFSET);
    }

    /** @return generation of a slot: issued (live) or next to issue (otherwise); -1 if no page. */
    public int generation(final int slot)
    {
        final int offset = slotOffset(slot);
        return offset < 0 ? NONE : buffer.getByte(offset + GENERATION_OFFSET) & 0xFF;
    }

    /** @return number of live capabilities. */
    public int liveSlots()
    {
        return liveSlots;
    }

    /** @return number of revoked slots awaiting deletion. */
    public int revokedSlots()
    {
        return revokedSlots;
    }

    /** @return number of retired slots (generation exhausted). */
    public int retiredSlots()
    {
        return retiredSlots;
    }

    /** @return number of L2 pages this space holds. */
    public int l2PagesUsed()
    {
        return pagesUsed;
    }

    /** @return bytes of table memory in use: L2 pages plus the L1 directory. */
    public int tableBytes()
    {
        return pagesUsed * CapabilityPagePool.PAGE_SIZE + L1_ENTRIES * 4;
    }

    /** @return number of token resolutions ({@link #check} and {@link #lookup}). */
    public long lookups()
    {
        return lookups;
    }

    /** @return number of failed resolutions with {@code code}, a negative error code. */
    public long failures(final int code)
    {
        return failures[-code];
    }

    /** @return number of failed resolutions, all reasons. */
    public long totalFailures()
    {
        long sum = 0;
        for (int i = 1; i < failures.length; i++)
        {
            sum += failures[i];
        }
        return sum;
    }

    /** @return number of capabilities inserted (created, derived, granted, inherited). */
    public long inserts()
    {
        return inserts;
    }

    /** @return number of deletions. */
    public long deletes()
    {
        return deletes;
    }

    /** @return number of revocations applied to slots of this space. */
    public long revokes()
    {
        return revokes;
    }

    /**
     * Mark a live slot revoked: its token is refused from now on and its generation bumped (or
     * the slot retired). The derivation tree is not touched: {@link CapabilitySpaceTable#revoke}
     * calls this for every slot of a revoked subtree after the tree dropped its nodes.
     */
    int revokeSlot(final int slot)
    {
        final int offset = liveOffset(slot);
        if (offset < 0)
        {
            return CapabilityError.NOT_LIVE;
        }
        buffer.putLong(offset + TOKEN_OFFSET, 0L);
        buffer.putInt(offset + LINK_OFFSET, NONE);
        liveSlots--;
        revokes++;
        if (!bumpGeneration(offset))
        {
            buffer.putByte(offset + STATE_OFFSET, (byte)REVOKED);
            revokedSlots++;
        }
        return CapabilityError.OK;
    }

    private int copyTo(
        final int slot, final CapabilitySpace target, final int rights, final int flags, final DerivationTree tree,
        final int requiredFlag, final int refusal)
    {
        final int offset = liveOffset(slot);
        if (offset < 0)
        {
            return CapabilityError.NOT_LIVE;
        }
        final long token = buffer.getLong(offset + TOKEN_OFFSET);
        final int parentFlags = CapabilityToken.flags(token);
        if ((parentFlags & requiredFlag) == 0)
        {
            return refusal;
        }
        if ((flags & ~parentFlags) != 0)
        {
            return CapabilityError.FLAGS_ESCALATION;
        }
        final int node = ensureNode(slot, offset, tree);
        if (node < 0)
        {
            return node;
        }
        final int newSlot = target.allocateSlot();
        if (newSlot < 0)
        {
            return newSlot;
        }
        // The tree is the single place that refuses rights escalation.
        final int childNode = tree.derive(node, target.spaceId, newSlot, rights);
        if (childNode < 0)
        {
            target.unallocate(newSlot);
            return childNode;
        }
        target.fill(
            newSlot, buffer.getLong(offset + OBJECT_OFFSET), CapabilityToken.type(token), rights, flags,
            buffer.getLong(offset + BADGE_OFFSET), childNode);
        return newSlot;
    }

    private int ensureNode(final int slot, final int offset, final DerivationTree tree)
    {
        int node = buffer.getInt(offset + LINK_OFFSET);
        if (node == NONE)
        {
            node = tree.createRoot(spaceId, slot, buffer.getShort(offset + RIGHTS_OFFSET) & 0xFFFF);
            if (node >= 0)
            {
                buffer.putInt(offset + LINK_OFFSET, node);
            }
        }
        return node;
    }

    private static int validate(final int type, final int rights, final int flags)
    {
        if (!CapabilityType.isValid(type))
        {
            return CapabilityError.INVALID_TYPE;
        }
        if (rights < 0 || !Rights.isValidFor(type, rights) || (flags & ~CapabilityToken.FLAGS_MASK) != 0)
        {
            return CapabilityError.INVALID_RIGHTS;
        }
        return CapabilityError.OK;
    }

    private int fail(final int code)
    {
        failures[-code]++;
        return code;
    }

    private int classify(final int offset, final long token)
    {
        final int state = buffer.getByte(offset + STATE_OFFSET);
        if (state == FREE)
        {
            return CapabilityError.NO_SUCH_SLOT;
        }
        if (state != LIVE)
        {
            return CapabilityError.REVOKED;
        }
        final long issued = buffer.getLong(offset + TOKEN_OFFSET);
        if (CapabilityToken.generation(issued) != CapabilityToken.generation(token))
        {
            return CapabilityError.STALE_GENERATION;
        }
        return CapabilityError.MALFORMED;
    }

    /** Offset of the slot a token names, if its key is ours and its page exists; else -1. */
    private int tokenOffset(final long token)
    {
        if (CapabilityToken.key(token) != key)
        {
            return NONE;
        }
        return slotOffset(CapabilityToken.slotIndex(token));
    }

    private int slotOffset(final int slot)
    {
        if (slot < 0 || slot >= MAX_SLOTS)
        {
            return NONE;
        }
        final int page = directory[slot >>> PAGE_SHIFT];
        if (page == NONE)
        {
            return NONE;
        }
        return pool.pageOffset(page) + ((slot & IN_PAGE_MASK) << SLOT_SHIFT);
    }

    private int liveOffset(final int slot)
    {
        final int offset = slotOffset(slot);
        if (offset < 0 || buffer.getByte(offset + STATE_OFFSET) != LIVE)
        {
            return NONE;
        }
        return offset;
    }

    private int requireLive(final int slot)
    {
        final int offset = liveOffset(slot);
        if (offset < 0)
        {
            throw new IllegalStateException("capability slot is not live");
        }
        return offset;
    }

    /** @return true when the slot was retired instead of bumped. */
    private boolean bumpGeneration(final int offset)
    {
        final int generation = buffer.getByte(offset + GENERATION_OFFSET) & 0xFF;
        if (generation >= CapabilityToken.MAX_GENERATION)
        {
            buffer.putByte(offset + STATE_OFFSET, (byte)RETIRED);
            retiredSlots++;
            return true;
        }
        buffer.putByte(offset + GENERATION_OFFSET, (byte)(generation + 1));
        return false;
    }

    private void fill(
        final int slot, final long objectId, final int type, final int rights, final int flags, final long badge,
        final int node)
    {
        final int offset = slotOffset(slot);
        final int generation = buffer.getByte(offset + GENERATION_OFFSET) & 0xFF;
        final long token = CapabilityToken.pack(CapabilityToken.objectIdOf(key, slot), generation, type, flags);
        buffer.putLong(offset + TOKEN_OFFSET, token);
        buffer.putLong(offset + OBJECT_OFFSET, objectId);
        buffer.putLong(offset + BADGE_OFFSET, badge);
        buffer.putInt(offset + LINK_OFFSET, node);
        buffer.putShort(offset + RIGHTS_OFFSET, (short)rights);
        buffer.putByte(offset + STATE_OFFSET, (byte)LIVE);
        liveSlots++;
        inserts++;
    }

    /** Take a free slot (FREE state kept until {@link #fill}); error when none. */
    private int allocateSlot()
    {
        if (key == CLOSED_KEY)
        {
            return CapabilityError.NO_SUCH_SPACE;
        }
        if (availHead == NONE)
        {
            int l1 = 0;
            while (l1 < L1_ENTRIES && directory[l1] != NONE)
            {
                l1++;
            }
            if (l1 == L1_ENTRIES)
            {
                return CapabilityError.SPACE_FULL;
            }
            final int result = mapPage(l1);
            if (result < 0)
            {
                return result;
            }
        }
        final int l1 = availHead;
        final int inPage = pageFreeHead[l1];
        unlinkFree(l1, inPage);
        return (l1 << PAGE_SHIFT) | inPage;
    }

    /** Take a specific free slot, mapping its page if needed; keep its generation at least {@code minGeneration}. */
    private int placeAt(final int slot, final int minGeneration)
    {
        if (key == CLOSED_KEY)
        {
            return CapabilityError.NO_SUCH_SPACE;
        }
        if (slot < 0 || slot >= MAX_SLOTS)
        {
            return CapabilityError.NO_SUCH_SLOT;
        }
        final int l1 = slot >>> PAGE_SHIFT;
        if (directory[l1] == NONE)
        {
            final int result = mapPage(l1);
            if (result < 0)
            {
                return result;
            }
        }
        final int offset = slotOffset(slot);
        if (buffer.getByte(offset + STATE_OFFSET) != FREE)
        {
            return CapabilityError.SLOT_OCCUPIED;
        }
        unlinkFree(l1, slot & IN_PAGE_MASK);
        if ((buffer.getByte(offset + GENERATION_OFFSET) & 0xFF) < minGeneration)
        {
            buffer.putByte(offset + GENERATION_OFFSET, (byte)minGeneration);
        }
        return slot;
    }

    /** Give back a slot taken by {@link #allocateSlot} or {@link #placeAt} but never filled: no token escaped, so no bump. */
    private void unallocate(final int slot)
    {
        pushFree(slot >>> PAGE_SHIFT, slot & IN_PAGE_MASK);
    }

    private void freeSlot(final int slot, final int offset)
    {
        buffer.putByte(offset + STATE_OFFSET, (byte)FREE);
        buffer.putInt(offset + LINK_OFFSET, NONE);
        buffer.putLong(offset + OBJECT_OFFSET, 0L);
        buffer.putLong(offset + BADGE_OFFSET, 0L);
        buffer.putShort(offset + RIGHTS_OFFSET, (short)0);
        pushFree(slot >>> PAGE_SHIFT, slot & IN_PAGE_MASK);
    }

    private int mapPage(final int l1)
    {
        final int page = pool.allocate();
        if (page == CapabilityPagePool.NONE)
        {
            return CapabilityError.POOL_EXHAUSTED;
        }
        directory[l1] = page;
        pageUsed[l1] = 0;
        pagesUsed++;
        final int pageOffset = pool.pageOffset(page);
        final byte generation = (byte)pageGenerationBase[l1];
        for (int i = 0; i < SLOTS_PER_PAGE; i++)
        {
            final int offset = pageOffset + (i << SLOT_SHIFT);
            buffer.putLong(offset + TOKEN_OFFSET, 0L);
            buffer.putLong(offset + BADGE_OFFSET, 0L);
            buffer.putInt(offset + FREE_PREV_OFFSET, i - 1);
            buffer.putInt(offset + FREE_PREV_OFFSET + 4, 0);
            buffer.putInt(offset + LINK_OFFSET, i + 1 < SLOTS_PER_PAGE ? i + 1 : NONE);
            buffer.putShort(offset + RIGHTS_OFFSET, (short)0);
            buffer.putByte(offset + STATE_OFFSET, (byte)FREE);
            buffer.putByte(offset + GENERATION_OFFSET, generation);
        }
        pageFreeHead[l1] = 0;
        availAdd(l1);
        return CapabilityError.OK;
    }

    private void unmapPage(final int l1)
    {
        final int pageOffset = pool.pageOffset(directory[l1]);
        int highest = FIRST_GENERATION;
        for (int i = 0; i < SLOTS_PER_PAGE; i++)
        {
            final int generation = buffer.getByte(pageOffset + (i << SLOT_SHIFT) + GENERATION_OFFSET) & 0xFF;
            if (generation > highest)
            {
                highest = generation;
            }
        }
        // Pages with retired slots are never unmapped here, so highest <= 255 always.
        pageGenerationBase[l1] = highest;
        availRemove(l1);
        pool.free(directory[l1]);
        directory[l1] = NONE;
        pageFreeHead[l1] = NONE;
        pagesUsed--;
    }

    private void unlinkFree(final int l1, final int inPage)
    {
        final int pageOffset = pool.pageOffset(directory[l1]);
        final int offset = pageOffset + (inPage << SLOT_SHIFT);
        final int next = buffer.getInt(offset + LINK_OFFSET);
        final int prev = buffer.getInt(offset + FREE_PREV_OFFSET);
        if (prev == NONE)
        {
            pageFreeHead[l1] = next;
        }
        else
        {
            buffer.putInt(pageOffset + (prev << SLOT_SHIFT) + LINK_OFFSET, next);
        }
        if (next != NONE)
        {
            buffer.putInt(pageOffset + (next << SLOT_SHIFT) + FREE_PREV_OFFSET, prev);
        }
        buffer.putInt(offset + LINK_OFFSET, NONE);
        buffer.putInt(offset + FREE_PREV_OFFSET, NONE);
        pageUsed[l1]++;
        if (pageFreeHead[l1] == NONE)
        {
            availRemove(l1);
        }
    }

    private void pushFree(final int l1, final int inPage)
    {
        final int pageOffset = pool.pageOffset(directory[l1]);
        final int offset = pageOffset + (inPage << SLOT_SHIFT);
        final int head = pageFreeHead[l1];
        buffer.putInt(offset + FREE_PREV_OFFSET, NONE);
        buffer.putInt(offset + LINK_OFFSET, head);
        if (head != NONE)
        {
            buffer.putInt(pageOffset + (head << SLOT_SHIFT) + FREE_PREV_OFFSET, inPage);
        }
        else
        {
            availAdd(l1);
        }
        pageFreeHead[l1] = inPage;
        pageUsed[l1]--;
        if (pageUsed[l1] == 0)
        {
            unmapPage(l1);
        }
    }

    private void availAdd(final int l1)
    {
        availPrev[l1] = NONE;
        availNext[l1] = availHead;
        if (availHead != NONE)
        {
            availPrev[availHead] = l1;
        }
        availHead = l1;
    }

    private void availRemove(final int l1)
    {
        final int prev = availPrev[l1];
        final int next = availNext[l1];
        if (prev == NONE)
        {
            availHead = next;
        }
        else
        {
            availNext[prev] = next;
        }
        if (next != NONE)
        {
            availPrev[next] = prev;
        }
        availPrev[l1] = NONE;
        availNext[l1] = NONE;
    }
}
