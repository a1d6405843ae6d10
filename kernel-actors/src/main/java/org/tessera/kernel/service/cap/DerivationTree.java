package org.tessera.kernel.service.cap;

/**
 * Who derived or granted which capability from which, across all the spaces of one authority
 * shard. Each capability that takes part in derivation has a node; a derived copy, a granted copy
 * and a fork-inherited copy are children of the node they were made from. Revoking a node
 * revokes its whole subtree, whatever spaces the copies sit in.
 *
 * <p>Nodes live in parallel int arrays (parent, first child, next and previous sibling, space id,
 * slot index, rights) allocated at construction; free nodes are chained through
 * {@code nextSibling}. The previous-sibling link makes unlinking O(1). Every walk is iterative
 * over the links: no recursion (kernel stacks are small), no allocation.
 *
 * <pre>
 *   node:   parent | firstChild | nextSibling | prevSibling | spaceId | slot | rights
 *
 *        A (space 1, slot 3)          A.firstChild = B, B.nextSibling = C,
 *       / \                           C.prevSibling = B, D.parent = B
 *      B   C (space 2, slot 0)
 *      |
 *      D (space 3, slot 9)
 * </pre>
 *
 * <p>The rights of a child never exceed its parent's: {@link #derive} refuses otherwise, so along
 * every path from a root the rights only shrink. Not thread safe: owned by one authority shard.
 */
public final class DerivationTree
{
    /** No node. */
    public static final int NONE = -1;

    private static final int FREE_SPACE = -1;

    private final int capacity;
    private final int[] parent;
    private final int[] firstChild;
    private final int[] nextSibling;
    private final int[] prevSibling;
    private final int[] spaceId;
    private final int[] slot;
    private final int[] rights;
    private int freeHead;
    private int used;
    private long derivations;
    private long rejectedEscalations;
    private long revokedNodes;

    /**
     * @param capacity maximum number of nodes.
     */
    public DerivationTree(final int capacity)
    {
        if (capacity <= 0)
        {
            throw new IllegalArgumentException("derivation tree capacity must be positive");
        }
        this.capacity = capacity;
        this.parent = new int[capacity];
        this.firstChild = new int[capacity];
        this.nextSibling = new int[capacity];
        this.prevSibling = new int[capacity];
        this.spaceId = new int[capacity];
        this.slot = new int[capacity];
        this.rights = new int[capacity];
        for (int i = 0; i < capacity; i++)
        {
            parent[i] = NONE;
            firstChild[i] = NONE;
            prevSibling[i] = NONE;
            nextSibling[i] = i + 1 < capacity ? i + 1 : NONE;
            spaceId[i] = FREE_SPACE;
            slot[i] = NONE;
        }
        this.freeHead = 0;
    }

    /**
     * Create a root node for a capability made from nothing (by the authority).
     *
     * @param space     space id holding it.
     * @param slotIndex its slot.
     * @param nodeRights its rights.
     * @return the node, or {@link CapabilityError#TREE_FULL}.
     */
    public int createRoot(final int space, final int slotIndex, final int nodeRights)
    {
        final int node = allocate(space, slotIndex, nodeRights);
        if (node < 0)
        {
            return node;
        }
        parent[node] = NONE;
        nextSibling[node] = NONE;
        prevSibling[node] = NONE;
        return node;
    }

    /**
     * Record a copy of {@code parentNode}'s capability, in any space, with attenuated rights.
     *
     * @param parentNode  the node it is made from.
     * @param space       space id holding the copy.
     * @param slotIndex   its slot.
     * @param childRights its rights; must be a subset of the parent's.
     * @return the new node, or {@link CapabilityError#NOT_LIVE},
     *         {@link CapabilityError#RIGHTS_ESCALATION} or {@link CapabilityError#TREE_FULL}.
     */
    public int derive(final int parentNode, final int space, final int slotIndex, final int childRights)
    {
        if (!isLive(parentNode))
        {
            return CapabilityError.NOT_LIVE;
        }
        if (!Rights.isSubset(childRights, rights[parentNode]))
        {
            rejectedEscalations++;
            return CapabilityError.RIGHTS_ESCALATION;
        }
        final int node = allocate(space, slotIndex, childRights);
        if (node < 0)
        {
            return node;
        }
        // Newest child first: O(1), and revocation order does not matter.
        final int oldFirst = firstChild[parentNode];
        parent[node] = parentNode;
        prevSibling[node] = NONE;
        nextSibling[node] = oldFirst;
        if (oldFirst != NONE)
        {
            prevSibling[oldFirst] = node;
        }
        firstChild[parentNode] = node;
        derivations++;
        return node;
    }

    /**
     * Revoke {@code root} and every node derived from it, directly or transitively, freeing the
     * nodes and reporting each (space, slot) to {@code listener}. Post-order walk over the links:
     * a node is reported and freed only after all its children.
     *
     * @param root     a live node.
     * @param listener told of each revoked (space, slot), root last.
     * @return number of nodes revoked, or {@link CapabilityError#NOT_LIVE}.
     */
    public int revokeSubtree(final int root, final RevocationListener listener)
    {
        if (!isLive(root))
        {
            return CapabilityError.NOT_LIVE;
        }
        unlink(root);
        int count = 0;
        int current = root;
        while (true)
        {
            while (firstChild[current] != NONE)
            {
                current = firstChild[current];
            }
            final int up = parent[current];
            final int next = nextSibling[current];
            listener.onRevoked(spaceId[current], slot[current]);
            release(current);
            count++;
            if (current == root)
            {
                break;
            }
            // current was its parent's first child; its next sibling takes its place.
            firstChild[up] = next;
            if (next != NONE)
            {
                prevSibling[next] = NONE;
                current = next;
            }
            else
            {
                current = up;
            }
        }
        revokedNodes += count;
        return count;
    }

    /**
     * Revoke every node derived from {@code node} but keep {@code node} itself (seL4's revoke).
     *
     * @param node     a live node.
     * @param listener told of each revoked (space, slot).
     * @return number of nodes revoked, or {@link CapabilityError#NOT_LIVE}.
     */
    public int revokeDescendants(final int node, final RevocationListener listener)
    {
        if (!isLive(node))
        {
            return CapabilityError.NOT_LIVE;
        }
        int count = 0;
        while (firstChild[node] != NONE)
        {
            count += revokeSubtree(firstChild[node], listener);
        }
        return count;
    }

    /**
     * Remove one node whose capability was deleted by its holder, keeping its descendants: they
     * move up to the node's parent (or become roots), so whoever could revoke them still can.
     *
     * @param node a live node.
     * @return {@link CapabilityError#OK} or {@link CapabilityError#NOT_LIVE}.
     */
    public int remove(final int node)
    {
        if (!isLive(node))
        {
            return CapabilityError.NOT_LIVE;
        }
        final int up = parent[node];
        int child = firstChild[node];
        if (up == NONE)
        {
            while (child != NONE)
            {
                final int next = nextSibling[child];
                parent[child] = NONE;
                nextSibling[child] = NONE;
                prevSibling[child] = NONE;
                child = next;
            }
        }
        else if (child == NONE)
        {
            unlink(node);
        }
        else
        {
            // Splice the children chain into the parent's list in the node's place.
            int last = child;
            while (true)
            {
                parent[last] = up;
                if (nextSibling[last] == NONE)
                {
                    break;
                }
                last = nextSibling[last];
            }
            final int before = prevSibling[node];
            final int after = nextSibling[node];
            prevSibling[child] = before;
            if (before == NONE)
            {
                firstChild[up] = child;
            }
            else
            {
                nextSibling[before] = child;
            }
            nextSibling[last] = after;
            if (after != NONE)
            {
                prevSibling[after] = last;
            }
        }
        firstChild[node] = NONE;
        release(node);
        return CapabilityError.OK;
    }

    /**
     * Count the nodes of the subtree under {@code root} (itself included), iteratively.
     *
     * @param root a live node.
     * @return the count, or {@link CapabilityError#NOT_LIVE}.
     */
    public int subtreeSize(final int root)
    {
        if (!isLive(root))
        {
            return CapabilityError.NOT_LIVE;
        }
        int count = 0;
        int current = root;
        while (true)
        {
            count++;
            if (firstChild[current] != NONE)
            {
                current = firstChild[current];
                continue;
            }
            while (current != root && nextSibling[current] == NONE)
            {
                current = parent[current];
            }
            if (current == root)
            {
                return count;
            }
            current = nextSibling[current];
        }
    }

    /** @return true when {@code node} is an allocated node. */
    public boolean isLive(final int node)
    {
        return node >= 0 && node < capacity && spaceId[node] != FREE_SPACE;
    }

    /** @return parent of {@code node}, or {@link #NONE}. */
    public int parent(final int node)
    {
        return parent[node];
    }

    /** @return first child of {@code node}, or {@link #NONE}. */
    public int firstChild(final int node)
    {
        return firstChild[node];
    }

    /** @return next sibling of {@code node}, or {@link #NONE}. */
    public int nextSibling(final int node)
    {
        return nextSibling[node];
    }

    /** @return space id of {@code node}. */
    public int spaceId(final int node)
    {
        return spaceId[node];
    }

    /** @return slot index of {@code node}. */
    public int slotIndex(final int node)
    {
        return slot[node];
    }

    /** @return rights recorded for {@code node}. */
    public int rights(final int node)
    {
        return rights[node];
    }

    /** @return number of live nodes. */
    public int size()
    {
        return used;
    }

    /** @return maximum number of nodes. */
    public int capacity()
    {
        return capacity;
    }

    /** @return number of successful derivations (children created). */
    public long derivations()
    {
        return derivations;
    }

    /** @return number of derivations refused for asking more rights than the parent. */
    public long rejectedEscalations()
    {
        return rejectedEscalations;
    }

    /** @return number of nodes revoked so far. */
    public long revokedNodes()
    {
        return revokedNodes;
    }

    private int allocate(final int space, final int slotIndex, final int nodeRights)
    {
        final int node = freeHead;
        if (node == NONE)
        {
            return CapabilityError.TREE_FULL;
        }
        freeHead = nextSibling[node];
        firstChild[node] = NONE;
        spaceId[node] = space;
        slot[node] = slotIndex;
        rights[node] = nodeRights;
        used++;
        return node;
    }

    private void release(final int node)
    {
        parent[node] = NONE;
        firstChild[node] = NONE;
        prevSibling[node] = NONE;
        spaceId[node] = FREE_SPACE;
        slot[node] = NONE;
        rights[node] = 0;
        nextSibling[node] = freeHead;
        freeHead = node;
        used--;
    }

    private void unlink(final int node)
    {
        final int up = parent[node];
        if (up == NONE)
        {
            return;
        }
        final int before = prevSibling[node];
        final int after = nextSibling[node];
        if (before == NONE)
        {
            firstChild[up] = after;
        }
        else
        {
            nextSibling[before] = after;
        }
        if (after != NONE)
        {
            prevSibling[after] = before;
        }
        parent[node] = NONE;
        nextSibling[node] = NONE;
        prevSibling[node] = NONE;
    }
}
