package org.tessera.kernel.service.memory;

import java.util.ArrayList;
import java.util.List;

import org.tessera.kernel.service.frame.BuddyAllocator;
import org.tessera.kernel.service.frame.FrameAllocatorCore;
import org.tessera.kernel.service.frame.FrameAllocatorService;
import org.tessera.kernel.service.frame.PhysicalLayout;
import org.tessera.kernel.service.heap.HeapService;
import org.tessera.kernel.service.heap.SlabAllocator;
import org.tessera.messages.memory.FrameStatsReplyDecoder;
import org.tessera.messages.memory.HeapStatsReplyDecoder;
import org.tessera.subset.HostOnly;

/**
 * The memory statistics as text lines, for {@code tessera stats}: per node the frame
 * allocator's counters, free frames per zone, free buddy blocks per order and the fragmentation
 * index; per CPU the heap's counters and live objects per size class. Either from the statistics
 * replies ({@link #frameNode(FrameStatsReplyDecoder)}, {@link #heapCpu(HeapStatsReplyDecoder)},
 * the way a running machine is asked) or read directly from the services of a stopped machine
 * ({@link #lines(MemoryServices)}). Host only.
 * <pre>
 *   node 0: managed 130560 free 129000 frames, allocations 12 frees 4 failures 0 rejected-frees 1 remote 0 served-for-other-nodes 3, fragmentation 8 permille
 *   node 0 zone DMA: managed 4096 free 4096 frames, pressure events 0
 *   node 0 free blocks: o9=1 o10=0 ... o18=0
 *   heap cpu 0: allocations 10 frees 9 failures 0 double-frees 1 invalid-frees 0, frames slab 1 large 0 reserve 30, live large 0
 *   heap cpu 0 live objects: 16B=0 32B=0 48B=0 64B=1 ...
 * </pre>
 */
@HostOnly
public final class MemoryReport
{
    private static final String[] ZONES = {"DMA", "Normal", "High"};

    private MemoryReport()
    {
    }

    /**
     * @param services the services of a machine whose CPUs are not running.
     * @return every node's lines, then every CPU's.
     */
    public static List<String> lines(final MemoryServices services)
    {
        final List<String> out = new ArrayList<>();
        for (int node = 0; node < services.nodeCount(); node++)
        {
            out.addAll(frameNode(services.frameService(node)));
        }
        for (int cpu = 0; cpu < services.cpuCount(); cpu++)
        {
            out.addAll(heapCpu(services.heap(cpu)));
        }
        return out;
    }

    /**
     * @param service a frame service (not running).
     * @return its node's lines.
     */
    public static List<String> frameNode(final FrameAllocatorService service)
    {
        final FrameAllocatorCore core = service.core();
        final int node = service.node();
        final List<String> out = new ArrayList<>();
        out.add(nodeLine(node, core.managedFrames(), core.freeFrames(), core.allocations(), core.frees(),
            service.failures(), core.rejectedFrees(), service.remoteAllocations(), service.servedForOtherNodes(),
            core.fragmentationIndex()));
        for (int z = 0; z < PhysicalLayout.ZONE_COUNT; z++)
        {
            out.add(zoneLine(node, z, core.zone(z).managedFrames(), core.freeFrames(z), core.pressureEvents(z)));
        }
        final StringBuilder blocks = new StringBuilder("node " + node + " free blocks:");
        for (int k = BuddyAllocator.MIN_ORDER; k <= core.maxOrder(); k++)
        {
            blocks.append(" o").append(k).append('=').append(core.freeBlocks(k));
        }
        out.add(blocks.toString());
        return out;
    }

    /**
     * @param reply a decoded {@code FrameStatsReply} (wrapped at its body).
     * @return its node's lines.
     */
    public static List<String> frameNode(final FrameStatsReplyDecoder reply)
    {
        final List<String> out = new ArrayList<>();
        final int node = reply.node();
        out.add(nodeLine(node, reply.managedFrames(), reply.freeFrames(), reply.allocations(), reply.frees(),
            reply.failures(), reply.rejectedFrees(), reply.remoteAllocations(), reply.servedForOtherNodes(),
            reply.fragmentationIndex()));
        for (final FrameStatsReplyDecoder.ZonesDecoder zone : reply.zones())
        {
            out.add(zoneLine(node, zone.zoneRaw(), zone.managedFrames(), zone.freeFrames(), zone.pressureEvents()));
        }
        final StringBuilder blocks = new StringBuilder("node " + node + " free blocks:");
        for (final FrameStatsReplyDecoder.OrdersDecoder order : reply.orders())
        {
            blocks.append(" o").append(order.order()).append('=').append(order.freeBlocks());
        }
        out.add(blocks.toString());
        return out;
    }

    /**
     * @param heap a heap service (not running).
     * @return its CPU's lines.
     */
    public static List<String> heapCpu(final HeapService heap)
    {
        final List<String> out = new ArrayList<>();
        final SlabAllocator slab = heap.slab();
        out.add(heapLine(heap.cpu(), heap.allocations(), heap.frees(), heap.failures(), heap.doubleFrees(),
            heap.invalidFrees(), slab.framesHeld(), heap.largeFrames(), heap.reserve().framesHeld(),
            heap.liveLargeAllocations()));
        final StringBuilder live = new StringBuilder("heap cpu " + heap.cpu() + " live objects:");
        for (int c = 0; c < SlabAllocator.CLASS_COUNT; c++)
        {
            live.append(' ').append(SlabAllocator.classSize(c)).append("B=").append(slab.liveObjects(c));
        }
        out.add(live.toString());
        return out;
    }

    /**
     * @param reply a decoded {@code HeapStatsReply} (wrapped at its body).
     * @return its CPU's lines.
     */
    public static List<String> heapCpu(final HeapStatsReplyDecoder reply)
    {
        final List<String> out = new ArrayList<>();
        final int cpu = reply.cpu();
        out.add(heapLine(cpu, reply.allocations(), reply.frees(), reply.failures(), reply.doubleFrees(),
            reply.invalidFrees(), reply.slabFrames(), reply.largeFrames(), reply.reserveFrames(),
            reply.liveLargeAllocations()));
        final StringBuilder live = new StringBuilder("heap cpu " + cpu + " live objects:");
        for (final HeapStatsReplyDecoder.SizeClassesDecoder c : reply.sizeClasses())
        {
            live.append(' ').append(c.objectBytes()).append("B=").append(c.liveObjects());
        }
        out.add(live.toString());
        return out;
    }

    private static String nodeLine(
        final int node, final long managed, final long free, final long allocations, final long frees,
        final long failures, final long rejected, final long remote, final long served, final int fragmentation)
    {
        return "node " + node + ": managed " + managed + " free " + free + " frames, allocations " + allocations +
            " frees " + frees + " failures " + failures + " rejected-frees " + rejected + " remote " + remote +
            " served-for-other-nodes " + served + ", fragmentation " + fragmentation + " permille";
    }

    private static String zoneLine(final int node, final int zone, final long managed, final long free, final long pressure)
    {
        return "node " + node + " zone " + ZONES[zone] + ": managed " + managed + " free " + free +
            " frames, pressure events " + pressure;
    }

    private static String heapLine(
        final int cpu, final long allocations, final long frees, final long failures, final long doubleFrees,
        final long invalidFrees, final long slabFrames, final long largeFrames, final long reserveFrames,
        final long liveLarge)
    {
        return "heap cpu " + cpu + ": allocations " + allocations + " frees " + frees + " failures " + failures +
            " double-frees " + doubleFrees + " invalid-frees " + invalidFrees + ", frames slab " + slabFrames +
            " large " + largeFrames + " reserve " + reserveFrames + ", live large " + liveLarge;
    }
}
