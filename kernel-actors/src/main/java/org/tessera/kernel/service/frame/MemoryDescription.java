package org.tessera.kernel.service.frame;

import org.tessera.subset.Boot;

/**
 * The machine's physical memory as the image describes it: total size, NUMA nodes (each a
 * {@code [base, base + size)} range), the node distance matrix (ACPI SLIT style: 10 is local),
 * reserved ranges that must never be handed out (kernel image, boot data, firmware), and the
 * direct-map limit above which memory is High (32-bit layouts; 0 means no High zone).
 *
 * <p>Immutable; the constructor copies and validates its arrays (boot time only).
 */
public final class MemoryDescription
{
    /** Size of a frame in bytes. */
    public static final long FRAME_SIZE = 4096;

    private final long totalSize;
    private final long[] nodeBase;
    private final long[] nodeSize;
    private final int[] distance;
    private final long[] reservedBase;
    private final long[] reservedSize;
    private final long directMapLimit;

    /**
     * @param totalSize      bytes of physical memory, a multiple of 4 KiB.
     * @param nodeBase       base address of each node, 4 KiB aligned.
     * @param nodeSize       size of each node in bytes, a multiple of 4 KiB; nodes must not overlap
     *                       and must lie within {@code [0, totalSize)}.
     * @param distance       the {@code n * n} distance matrix, row-major ({@code distance[from * n + to]}).
     * @param reservedBase   base of each reserved range (any alignment; whole frames touched are reserved).
     * @param reservedSize   size of each reserved range in bytes.
     * @param directMapLimit the 32-bit direct-map limit (2 MiB aligned, above 16 MiB), or 0 for none.
     */
    public MemoryDescription(
        final long totalSize,
        final long[] nodeBase,
        final long[] nodeSize,
        final int[] distance,
        final long[] reservedBase,
        final long[] reservedSize,
        final long directMapLimit)
    {
        if (totalSize <= 0 || (totalSize & (FRAME_SIZE - 1)) != 0)
        {
            throw new IllegalArgumentException("total size must be a positive multiple of 4 KiB");
        }
        final int n = nodeBase.length;
        if (n == 0 || nodeSize.length != n || distance.length != n * n)
        {
            throw new IllegalArgumentException("need at least one node, sizes for each and an n*n distance matrix");
        }
        if (reservedBase.length != reservedSize.length)
        {
            throw new IllegalArgumentException("reserved bases and sizes differ in length");
        }
        if (directMapLimit != 0 && (directMapLimit <= PhysicalLayout.DMA_LIMIT || (directMapLimit & ((1L << 21) - 1)) != 0))
        {
            throw new IllegalArgumentException("direct-map limit must be 0 or 2 MiB aligned above 16 MiB");
        }
        for (int i = 0; i < n; i++)
        {
            final long base = nodeBase[i];
            final long size = nodeSize[i];
            if (base < 0 || size <= 0 || ((base | size) & (FRAME_SIZE - 1)) != 0 || base + size > totalSize)
            {
                throw new IllegalArgumentException("node range must be 4 KiB aligned and inside physical memory");
            }
            for (int j = 0; j < i; j++)
            {
                if (base < nodeBase[j] + nodeSize[j] && nodeBase[j] < base + size)
                {
                    throw new IllegalArgumentException("node ranges overlap");
                }
            }
            if (distance[i * n + i] <= 0)
            {
                throw new IllegalArgumentException("local distance must be positive");
            }
        }
        for (int i = 0; i < reservedBase.length; i++)
        {
            if (reservedBase[i] < 0 || reservedSize[i] < 0)
            {
                throw new IllegalArgumentException("reserved range must be non-negative");
            }
        }
        this.totalSize = totalSize;
        this.nodeBase = nodeBase.clone();
        this.nodeSize = nodeSize.clone();
        this.distance = distance.clone();
        this.reservedBase = reservedBase.clone();
        this.reservedSize = reservedSize.clone();
        this.directMapLimit = directMapLimit;
    }

    /**
     * A single-node description (distance 10) with the given reserved ranges.
     *
     * @param totalSize      bytes of physical memory.
     * @param reservedBase   reserved range bases.
     * @param reservedSize   reserved range sizes.
     * @param directMapLimit direct-map limit or 0.
     * @return the description.
     */
    @Boot
    public static MemoryDescription singleNode(
        final long totalSize, final long[] reservedBase, final long[] reservedSize, final long directMapLimit)
    {
        return new MemoryDescription(
            totalSize, new long[]{0}, new long[]{totalSize}, new int[]{10}, reservedBase, reservedSize, directMapLimit);
    }

    /** @return total bytes of physical memory. */
    public long totalSize()
    {
        return totalSize;
    }

    /** @return number of NUMA nodes. */
    public int nodeCount()
    {
        return nodeBase.length;
    }

    /**
     * @param node node id.
     * @return base physical address of the node.
     */
    public long nodeBase(final int node)
    {
        return nodeBase[node];
    }

    /**
     * @param node node id.
     * @return size of the node in bytes.
     */
    public long nodeSize(final int node)
    {
        return nodeSize[node];
    }

    /**
     * @param from node id.
     * @param to   node id.
     * @return the distance from {@code from} to {@code to} (10 = local).
     */
    public int distance(final int from, final int to)
    {
        return distance[from * nodeBase.length + to];
    }

    /** @return number of reserved ranges. */
    public int reservedCount()
    {
        return reservedBase.length;
    }

    /**
     * @param i reserved range index.
     * @return its base address.
     */
    public long reservedBase(final int i)
    {
        return reservedBase[i];
    }

    /**
     * @param i reserved range index.
     * @return its size in bytes.
     */
    public long reservedSize(final int i)
    {
        return reservedSize[i];
    }

    /** @return the direct-map limit, or 0 when the layout has no High zone. */
    public long directMapLimit()
    {
        return directMapLimit;
    }
}
