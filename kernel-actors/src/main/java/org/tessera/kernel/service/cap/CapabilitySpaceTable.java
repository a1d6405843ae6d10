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
    private RevocationListener sink;
    private int revokedInCall;

    /**
     * @param capacity number of space ids, 1 to 65536.
     * @param tree     the shard's derivation tree.
     */
    public CapabilitySpaceTable(final int capacity, final DerivationTree tree)
    {
        if (capacity <= 0 || capacity > CapabilityToken.MAX_SPACE_ID + 1)
        {
            throw new IllegalArgumentException("space table capacity must be 1 to 65536");
        }
        this.spaces = new CapabilitySpace[capacity];
        this.tree = tree;
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
        if (id >= spaces.length || spaces[id] != null)
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
