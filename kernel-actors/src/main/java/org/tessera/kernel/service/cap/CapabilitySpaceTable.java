package org.tessera.kernel.service.cap;

/**
 * The spaces of one authority shard, indexed by space id, together with the shard's
 * {@link DerivationTree}: what a cascading revocation needs, because a subtree spans spaces.
 *
 * <p>{@link #revoke} drops the subtree from the tree, marks every slot of it revoked in its space
 * and reports each (space, slot) to the caller's listener, typically a {@link RevocationLog} the
 * authority then broadcasts as CacheInvalidate to every CPU. Not thread safe: owned by one shard.
 */
public final class CapabilitySpaceTable implements RevocationListener
{
    private final CapabilitySpace[] spaces;
    private final DerivationTree tree;
    private final int shardCount;
    private final int shardIndex;
    private RevocationListener sink;
    private RevocationListener foreign;
    private int revokedInCall;

    /**
     * A table owning every space id (a single authority shard).
     *
     * @param capacity number of space ids, 1 to 65536.
     * @param tree     the shard's derivation tree.
     */
    public CapabilitySpaceTable(final int capacity, final DerivationTree tree)
    {
        this(capacity, tree, 1, 0);
    }

    /**
     * A table of one shard among several: it owns the space ids {@code id} with
     * {@code id % shardCount == shardIndex}. Tree nodes naming a space of another shard are
     * copies granted across shards; a revocation reports them to the {@link #foreignListener}
     * instead of revoking them here.
     *
     * @param capacity   number of space ids, 1 to 65536.
     * @param tree       the shard's derivation tree.
     * @param shardCount number of shards, at least 1.
     * @param shardIndex this shard, 0 to shardCount - 1.
     */
    public CapabilitySpaceTable(
        final int capacity, final DerivationTree tree, final int shardCount, final int shardIndex)
    {
        if (capacity <= 0 || capacity > CapabilityToken.MAX_SPACE_ID + 1)
        {
            throw new IllegalArgumentException("space table capacity must be 1 to 65536");
        }
        if (shardCount <= 0 || shardIndex < 0 || shardIndex >= shardCount)
        {
            throw new IllegalArgumentException("shard index out of range");
        }
        this.spaces = new CapabilitySpace[capacity];
        this.tree = tree;
        this.shardCount = shardCount;
        this.shardIndex = shardIndex;
    }

    /**
     * Where a revocation reports tree nodes naming spaces of other shards (boot only).
     *
     * @param listener told (space id, slot field of the node) of each such node.
     */
    public void foreignListener(final RevocationListener listener)
    {
        this.foreign = listener;
    }

    /** @return true when {@code spaceId} belongs to this table's shard. */
    public boolean isLocal(final int spaceId)
    {
        return spaceId >= 0 && spaceId % shardCount == shardIndex;
    }

    /**
     * Register a space under its id.
     *
     * @param space a space whose id is free in this table.
     * @return {@link CapabilityError#OK} or {@link CapabilityError#NO_SUCH_SPACE} (id out of range or taken).
     */
    public int register(final CapabilitySpace space)
    {
        final int id = space.spaceId();
        if (id >= spaces.length || spaces[id] != null || !isLocal(id))
        {
            return CapabilityError.NO_SUCH_SPACE;
        }
        spaces[id] = space;
        return CapabilityError.OK;
    }

    /**
     * Forget the space registered under {@code spaceId}.
     *
     * @return {@link CapabilityError#OK} or {@link CapabilityError#NO_SUCH_SPACE}.
     */
    public int unregister(final int spaceId)
    {
        if (spaceId < 0 || spaceId >= spaces.length || spaces[spaceId] == null)
        {
            return CapabilityError.NO_SUCH_SPACE;
        }
        spaces[spaceId] = null;
        return CapabilityError.OK;
    }

    /** @return the space registered under {@code spaceId}, or null. */
    public CapabilitySpace space(final int spaceId)
    {
        return spaceId >= 0 && spaceId < spaces.length ? spaces[spaceId] : null;
    }

    /** @return the shard's derivation tree. */
    public DerivationTree tree()
    {
        return tree;
    }

    /**
     * Revoke a capability and, cascading, every copy derived or granted from it in any space.
     * Once this returns, every space refuses the tokens of all those slots; the caller must still
     * have every CPU drop them from its cache before it reports the revocation complete.
     *
     * @param spaceId  space holding the capability.
     * @param slot     its slot.
     * @param listener told of each revoked (space, slot), the capability itself last.
     * @return number of capabilities revoked, or {@link CapabilityError#NO_SUCH_SPACE} or
     *         {@link CapabilityError#NOT_LIVE}.
     */
    public int revoke(final int spaceId, final int slot, final RevocationListener listener)
    {
        final CapabilitySpace space = space(spaceId);
        if (space == null)
        {
            return CapabilityError.NO_SUCH_SPACE;
        }
        if (space.state(slot) != CapabilitySpace.LIVE)
        {
            return CapabilityError.NOT_LIVE;
        }
        final int node = space.node(slot);
        if (node == CapabilitySpace.NONE)
        {
            space.revokeSlot(slot);
            listener.onRevoked(spaceId, slot);
            return 1;
        }
        sink = listener;
        revokedInCall = 0;
        tree.revokeSubtree(node, this);
        sink = null;
        return revokedInCall;
    }

    /**
     * Revoke every copy derived or granted from a capability, keeping the capability itself.
     *
     * @return number of capabilities revoked, or {@link CapabilityError#NO_SUCH_SPACE} or
     *         {@link CapabilityError#NOT_LIVE}.
     */
    public int revokeDescendants(final int spaceId, final int slot, final RevocationListener listener)
    {
        final CapabilitySpace space = space(spaceId);
        if (space == null)
        {
            return CapabilityError.NO_SUCH_SPACE;
        }
        if (space.state(slot) != CapabilitySpace.LIVE)
        {
            return CapabilityError.NOT_LIVE;
        }
        final int node = space.node(slot);
        if (node == CapabilitySpace.NONE)
        {
            return 0;
        }
        sink = listener;
        revokedInCall = 0;
        tree.revokeDescendants(node, this);
        sink = null;
        return revokedInCall;
    }

    /** Called back by the tree during {@link #revoke}: not for other callers. */
    @Override
    public void onRevoked(final int spaceId, final int slotIndex)
    {
        if (!isLocal(spaceId))
        {
            if (foreign == null)
            {
                throw new IllegalStateException("derivation tree names a space of another shard");
            }
            // Not counted here: the owning shard reports its own count.
            foreign.onRevoked(spaceId, slotIndex);
            return;
        }
        final CapabilitySpace space = space(spaceId);
        if (space == null || space.revokeSlot(slotIndex) != CapabilityError.OK)
        {
            // A tree node without its live slot means the tree and the spaces disagree.
            throw new IllegalStateException("derivation tree names a slot that is not live");
        }
        revokedInCall++;
        sink.onRevoked(spaceId, slotIndex);
    }
}
