package org.tessera.kernel.service.frame;

/**
 * The NUMA fallback order: for each node, the local node first, then every other node by
 * increasing distance, ties broken by the lower node id. Computed once from the distance
 * matrix; {@link #fallbackNode(int, int)} is a table lookup.
 */
public final class NumaPolicy
{
    private final int nodeCount;
    private final int[] order;

    /**
     * @param description the memory description holding the distance matrix.
     */
    public NumaPolicy(final MemoryDescription description)
    {
        this.nodeCount = description.nodeCount();
        this.order = new int[nodeCount * nodeCount];
        for (int local = 0; local < nodeCount; local++)
        {
            final int row = local * nodeCount;
            order[row] = local;
            int filled = 1;
            for (int candidate = 0; candidate < nodeCount; candidate++)
            {
                if (candidate == local)
                {
                    continue;
                }
                // Insertion sort keeps the row ordered by (distance, id); candidates arrive in id order.
                final int d = description.distance(local, candidate);
                int i = filled;
                while (i > 1 && description.distance(local, order[row + i - 1]) > d)
                {
                    order[row + i] = order[row + i - 1];
                    i--;
                }
                order[row + i] = candidate;
                filled++;
            }
        }
    }

    /** @return number of nodes. */
    public int nodeCount()
    {
        return nodeCount;
    }

    /**
     * @param local the requesting node.
     * @param rank  0 for the first choice (the local node), up to {@code nodeCount - 1}.
     * @return the node to try at that rank.
     */
    public int fallbackNode(final int local, final int rank)
    {
        return order[local * nodeCount + rank];
    }
}
