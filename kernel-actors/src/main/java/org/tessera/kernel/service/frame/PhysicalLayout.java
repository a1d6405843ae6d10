package org.tessera.kernel.service.frame;

/**
 * The zones of every NUMA node, computed from a {@link MemoryDescription}.
 *
 * <pre>
 *   0          16 MiB                     direct-map limit             end
 *   +-----------+----------------------------+-----------------------------+
 *   |    DMA    |           Normal           |   High (only when limit set) |
 *   +-----------+----------------------------+-----------------------------+
 *   each node's [base, base + size) is cut by these boundaries into up to three zones
 * </pre>
 *
 * <p>Frames are 4 KiB. Zones are kept as frame-number ranges {@code [start, end)} per node;
 * an empty zone has {@code start == end}. Reserved ranges are rounded outwards to whole frames
 * and never handed out by any allocator.
 */
public final class PhysicalLayout
{
    /** log2 of the frame size. */
    public static final int FRAME_SHIFT = 12;
    /** Frame size in bytes. */
    public static final long FRAME_SIZE = 1L << FRAME_SHIFT;
    /** End of the DMA zone (exclusive): 16 MiB, the ISA DMA limit. */
    public static final long DMA_LIMIT = 16L << 20;
    /** Zone index of DMA (0 to 16 MiB). */
    public static final int ZONE_DMA = 0;
    /** Zone index of Normal (16 MiB to the end, or to the direct-map limit). */
    public static final int ZONE_NORMAL = 1;
    /** Zone index of High (above the direct-map limit, 32-bit layouts only). */
    public static final int ZONE_HIGH = 2;
    /** Number of zone kinds. */
    public static final int ZONE_COUNT = 3;

    private final MemoryDescription description;
    private final int nodeCount;
    private final long[] zoneStart;
    private final long[] zoneEnd;
    private final long[] reservedStartFrame;
    private final long[] reservedEndFrame;

    /**
     * @param description the machine's memory description.
     */
    public PhysicalLayout(final MemoryDescription description)
    {
        this.description = description;
        this.nodeCount = description.nodeCount();
        this.zoneStart = new long[nodeCount * ZONE_COUNT];
        this.zoneEnd = new long[nodeCount * ZONE_COUNT];
        final long total = description.totalSize();
        final long limit = description.directMapLimit();
        final long normalEnd = limit == 0 ? total : Math.min(limit, total);
        for (int node = 0; node < nodeCount; node++)
        {
            final long base = description.nodeBase(node);
            final long end = base + description.nodeSize(node);
            clip(node, ZONE_DMA, base, end, 0, DMA_LIMIT);
            clip(node, ZONE_NORMAL, base, end, DMA_LIMIT, normalEnd);
            if (limit != 0)
            {
                clip(node, ZONE_HIGH, base, end, limit, total);
            }
        }
        final int reserved = description.reservedCount();
        this.reservedStartFrame = new long[reserved];
        this.reservedEndFrame = new long[reserved];
        for (int i = 0; i < reserved; i++)
        {
            reservedStartFrame[i] = description.reservedBase(i) >>> FRAME_SHIFT;
            reservedEndFrame[i] = (description.reservedBase(i) + description.reservedSize(i) + FRAME_SIZE - 1) >>> FRAME_SHIFT;
        }
    }

    private void clip(final int node, final int zone, final long base, final long end, final long zoneBase, final long zoneLimit)
    {
        final long start = Math.max(base, zoneBase);
        final long stop = Math.min(end, zoneLimit);
        final int i = node * ZONE_COUNT + zone;
        if (start < stop)
        {
            zoneStart[i] = start >>> FRAME_SHIFT;
            zoneEnd[i] = stop >>> FRAME_SHIFT;
        }
    }

    /** @return the description this layout was computed from. */
    public MemoryDescription description()
    {
        return description;
    }

    /** @return number of NUMA nodes. */
    public int nodeCount()
    {
        return nodeCount;
    }

    /**
     * @param node node id.
     * @return first frame number of the node.
     */
    public long nodeStartFrame(final int node)
    {
        return description.nodeBase(node) >>> FRAME_SHIFT;
    }

    /**
     * @param node node id.
     * @return frame number just past the node.
     */
    public long nodeEndFrame(final int node)
    {
        return (description.nodeBase(node) + description.nodeSize(node)) >>> FRAME_SHIFT;
    }

    /**
     * @param node node id.
     * @param zone zone index.
     * @return first frame of the zone on that node (equal to {@link #zoneEndFrame} when empty).
     */
    public long zoneStartFrame(final int node, final int zone)
    {
        return zoneStart[node * ZONE_COUNT + zone];
    }

    /**
     * @param node node id.
     * @param zone zone index.
     * @return frame just past the zone on that node.
     */
    public long zoneEndFrame(final int node, final int zone)
    {
        return zoneEnd[node * ZONE_COUNT + zone];
    }

    /**
     * @param node node id.
     * @param zone zone index.
     * @return frames spanned by the zone (reserved frames included).
     */
    public long zoneFrames(final int node, final int zone)
    {
        return zoneEnd[node * ZONE_COUNT + zone] - zoneStart[node * ZONE_COUNT + zone];
    }

    /**
     * @param physicalAddress an address.
     * @return the node holding it, or -1 when no node does.
     */
    public int nodeOf(final long physicalAddress)
    {
        for (int node = 0; node < nodeCount; node++)
        {
            final long base = description.nodeBase(node);
            if (physicalAddress >= base && physicalAddress - base < description.nodeSize(node))
            {
                return node;
            }
        }
        return -1;
    }

    /**
     * @param node  node id.
     * @param frame frame number on that node.
     * @return the zone holding the frame, or -1 when outside every zone of the node.
     */
    public int zoneOf(final int node, final long frame)
    {
        for (int zone = 0; zone < ZONE_COUNT; zone++)
        {
            final int i = node * ZONE_COUNT + zone;
            if (frame >= zoneStart[i] && frame < zoneEnd[i])
            {
                return zone;
            }
        }
        return -1;
    }

    /**
     * @param frame a frame number.
     * @return true when any reserved range touches the frame.
     */
    public boolean isReservedFrame(final long frame)
    {
        for (int i = 0; i < reservedStartFrame.length; i++)
        {
            if (frame >= reservedStartFrame[i] && frame < reservedEndFrame[i])
            {
                return true;
            }
        }
        return false;
    }

    /**
     * @param startFrame first frame of a range.
     * @param endFrame   frame just past the range.
     * @return true when any reserved range overlaps {@code [startFrame, endFrame)}.
     */
    public boolean overlapsReserved(final long startFrame, final long endFrame)
    {
        for (int i = 0; i < reservedStartFrame.length; i++)
        {
            if (startFrame < reservedEndFrame[i] && reservedStartFrame[i] < endFrame)
            {
                return true;
            }
        }
        return false;
    }
}
