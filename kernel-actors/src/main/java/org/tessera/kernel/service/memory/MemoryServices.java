package org.tessera.kernel.service.memory;

import org.tessera.arch.spi.PhysicalMemory;
import org.tessera.kernel.runtime.ActorAddress;
import org.tessera.kernel.runtime.CpuAgent;
import org.tessera.kernel.runtime.ServiceIds;
import org.tessera.kernel.service.frame.FrameAllocatorCore;
import org.tessera.kernel.service.frame.FrameAllocatorService;
import org.tessera.kernel.service.frame.MemoryDescription;
import org.tessera.kernel.service.frame.NumaPolicy;
import org.tessera.kernel.service.frame.PhysicalLayout;
import org.tessera.kernel.service.heap.FrameReserve;
import org.tessera.kernel.service.heap.HeapService;
import org.tessera.subset.Boot;

/**
 * The memory services of a machine, built and registered at boot:
 * <ul>
 *   <li>one {@link FrameAllocatorService} per NUMA node, at address
 *       ({@link #homeCpu first CPU of the node}, {@link ServiceIds#FRAME}, node);</li>
 *   <li>one {@link HeapService} per CPU, at (cpu, {@link ServiceIds#HEAP}, 0), asking the frame
 *       service of its CPU's node for frames under owner id {@link HeapService#ownerIdFor(int)}.</li>
 * </ul>
 * CPUs are split between nodes in contiguous equal groups ({@code node = cpu * nodes / cpus},
 * as {@code MachineDescription.nodeOf}), so every node needs at least one CPU.
 */
public final class MemoryServices
{
    /** Slabs each CPU's heap may hold by default. */
    public static final int DEFAULT_MAX_SLABS = 1024;
    /** Live large allocations per CPU's heap by default. */
    public static final int DEFAULT_MAX_LARGE = 256;
    /** Messages a heap keeps in flight to its frame service by default. */
    public static final int DEFAULT_HEAP_SESSIONS = 64;
    /** Small requests a heap parks while waiting for frames, by default. */
    public static final int DEFAULT_PARK = 64;

    private final PhysicalLayout layout;
    private final NumaPolicy policy;
    private final int cpuCount;
    private final FrameAllocatorService[] frameServices;
    private final HeapService[] heaps;
    private final long[] frameAddresses;

    private MemoryServices(
        final PhysicalLayout layout, final NumaPolicy policy, final int cpuCount,
        final FrameAllocatorService[] frameServices, final HeapService[] heaps, final long[] frameAddresses)
    {
        this.layout = layout;
        this.policy = policy;
        this.cpuCount = cpuCount;
        this.frameServices = frameServices;
        this.heaps = heaps;
        this.frameAddresses = frameAddresses;
    }

    /**
     * Build and register the memory services with default sizes.
     *
     * @param cpus        every CPU of the machine, indexed by CPU number.
     * @param memory      the machine's physical memory.
     * @param description its layout (nodes, distances, reserved ranges).
     * @return the services, for host-side statistics and checks.
     */
    @Boot
    public static MemoryServices install(final CpuAgent[] cpus, final PhysicalMemory memory, final MemoryDescription description)
    {
        return install(cpus, memory, description, FrameAllocatorCore.DEFAULT_MAX_ORDER, false);
    }

    /**
     * Build and register the memory services.
     *
     * @param cpus        every CPU of the machine, indexed by CPU number.
     * @param memory      the machine's physical memory (at least as large as the description).
     * @param description its layout.
     * @param maxOrder    largest buddy order of the frame allocators.
     * @param debugHeap   red zones and poisoning in every heap.
     * @return the services.
     */
    @Boot
    public static MemoryServices install(
        final CpuAgent[] cpus, final PhysicalMemory memory, final MemoryDescription description, final int maxOrder,
        final boolean debugHeap)
    {
        final int nodes = description.nodeCount();
        if (cpus.length < nodes)
        {
            throw new IllegalArgumentException("every NUMA node needs a CPU");
        }
        if (memory.size() < description.totalSize())
        {
            throw new IllegalArgumentException("physical memory smaller than its description");
        }
        final PhysicalLayout layout = new PhysicalLayout(description);
        final NumaPolicy policy = new NumaPolicy(description);
        final long[] addresses = new long[nodes];
        for (int node = 0; node < nodes; node++)
        {
            addresses[node] = ActorAddress.of(homeCpu(node, cpus.length, nodes), ServiceIds.FRAME, node);
        }
        final FrameAllocatorService[] frames = new FrameAllocatorService[nodes];
        for (int node = 0; node < nodes; node++)
        {
            final FrameAllocatorCore core = new FrameAllocatorCore(layout, node, maxOrder, FrameAllocatorCore.DEFAULT_SPARE_CHUNKS);
            frames[node] = new FrameAllocatorService(core, layout, policy, addresses,
                FrameAllocatorService.DEFAULT_SESSIONS, FrameAllocatorService.DEFAULT_OUTBOX);
            cpus[homeCpu(node, cpus.length, nodes)].register(ServiceIds.FRAME, node, frames[node]);
        }
        final HeapService[] heaps = new HeapService[cpus.length];
        for (int cpu = 0; cpu < cpus.length; cpu++)
        {
            final int node = nodeOf(cpu, cpus.length, nodes);
            heaps[cpu] = new HeapService(cpu, memory, addresses[node], HeapService.ownerIdFor(cpu),
                DEFAULT_MAX_SLABS, DEFAULT_MAX_LARGE, DEFAULT_HEAP_SESSIONS, DEFAULT_PARK,
                new FrameReserve(4, 1, 2), debugHeap);
            cpus[cpu].register(ServiceIds.HEAP, 0, heaps[cpu]);
        }
        return new MemoryServices(layout, policy, cpus.length, frames, heaps, addresses);
    }

    /**
     * Queue a {@code Start} for every heap service (boot, before the loops run), so that each
     * stocks its frame reserve before the first request instead of on it.
     *
     * @param cpus every CPU of the machine.
     * @return true if every Start was queued.
     */
    @Boot
    public static boolean start(final CpuAgent[] cpus)
    {
        boolean all = true;
        for (int cpu = 0; cpu < cpus.length; cpu++)
        {
            all &= cpus[cpu].injectStart(heapAddress(cpu), 0);
        }
        return all;
    }

    /**
     * @param cpu      a CPU.
     * @param cpuCount CPUs in the machine.
     * @param nodes    NUMA nodes.
     * @return the node of that CPU.
     */
    public static int nodeOf(final int cpu, final int cpuCount, final int nodes)
    {
        return (int)((long)cpu * nodes / cpuCount);
    }

    /**
     * @param node     a node.
     * @param cpuCount CPUs in the machine.
     * @param nodes    NUMA nodes.
     * @return the first CPU of the node, where its frame service lives.
     */
    public static int homeCpu(final int node, final int cpuCount, final int nodes)
    {
        // smallest cpu with cpu * nodes / cpuCount >= node
        return (int)(((long)node * cpuCount + nodes - 1) / nodes);
    }

    /** @return the address of a node's frame service. */
    public long frameServiceAddress(final int node)
    {
        return frameAddresses[node];
    }

    /** @return the address of a CPU's heap service. */
    public static long heapAddress(final int cpu)
    {
        return ActorAddress.of(cpu, ServiceIds.HEAP, 0);
    }

    /** @return the physical layout. */
    public PhysicalLayout layout()
    {
        return layout;
    }

    /** @return the NUMA fallback order. */
    public NumaPolicy policy()
    {
        return policy;
    }

    /** @return NUMA nodes. */
    public int nodeCount()
    {
        return frameServices.length;
    }

    /** @return CPUs. */
    public int cpuCount()
    {
        return cpuCount;
    }

    /** @return a node's frame service. */
    public FrameAllocatorService frameService(final int node)
    {
        return frameServices[node];
    }

    /** @return a CPU's heap service. */
    public HeapService heap(final int cpu)
    {
        return heaps[cpu];
    }

    /**
     * Check the accounting invariant machine-wide while no CPU runs and no message is in flight
     * (a frame request answered but not yet received is owned by the heap already): every node's core is
     * consistent (every frame free in one structure or owned by one owner), and every heap holds
     * exactly the frames the frame allocators record under its owner id.
     *
     * @return violations (0 when consistent).
     */
    public int checkAccounting()
    {
        int violations = 0;
        for (int node = 0; node < frameServices.length; node++)
        {
            violations += frameServices[node].core().checkAccounting();
        }
        for (int cpu = 0; cpu < heaps.length; cpu++)
        {
            if (framesOwnedBy(heaps[cpu].ownerId()) != heaps[cpu].framesHeld())
            {
                violations++;
            }
        }
        return violations;
    }

    /**
     * @param ownerId an owner id.
     * @return frames recorded as owned by it over all nodes.
     */
    public long framesOwnedBy(final int ownerId)
    {
        long n = 0;
        for (int node = 0; node < frameServices.length; node++)
        {
            n += frameServices[node].core().framesOwnedBy(ownerId);
        }
        return n;
    }
}
