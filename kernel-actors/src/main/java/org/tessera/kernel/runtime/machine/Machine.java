package org.tessera.kernel.runtime.machine;

import java.io.PrintWriter;
import java.util.function.Function;

import org.tessera.arch.spi.PhysicalMemory;
import org.tessera.kernel.runtime.ActorAddress;
import org.tessera.kernel.runtime.Clock;
import org.tessera.kernel.runtime.CpuAgent;
import org.tessera.kernel.runtime.Digest;
import org.tessera.kernel.runtime.ServiceIds;
import org.tessera.kernel.runtime.TraceSink;
import org.tessera.kernel.runtime.Transport;
import org.agrona.concurrent.UnsafeBuffer;
import org.tessera.kernel.service.cap.CapabilityAuthorityService;
import org.tessera.kernel.service.cap.CapabilityCache;
import org.tessera.kernel.service.cap.CapabilityCacheService;
import org.tessera.kernel.service.cap.CapabilityChecker;
import org.tessera.kernel.service.cap.CapabilityPagePool;
import org.tessera.kernel.service.cap.CapabilityShards;
import org.tessera.kernel.service.cap.CapabilityToken;
import org.tessera.kernel.service.proc.Pids;
import org.tessera.kernel.service.syscall.HandleTable;
import org.tessera.arch.spi.Architecture;
import org.tessera.arch.spi.PageTableFormat;
import org.tessera.arch.spi.Tlb;
import org.tessera.kernel.service.frame.MemoryDescription;
import org.tessera.kernel.service.vm.CoreFrames;
import org.tessera.kernel.service.vm.TlbService;
import org.tessera.kernel.service.vm.VmService;
import org.tessera.kernel.service.frame.PhysicalLayout;
import org.tessera.kernel.service.memory.MemoryServices;
import org.tessera.kernel.service.selfcheck.SelfCheckService;
import org.tessera.lockfree.Inbox;

/**
 * A machine built from its description: physical memory, one inbox and one {@link CpuAgent}
 * per virtual CPU, and the actors that exist so far on every CPU. How its CPUs are driven
 * (threads or simulator) is up to {@link HostRunner} and {@link Simulator}.
 */
public final class Machine implements AutoCloseable
{
    /** Timers each CPU may have pending. */
    public static final int TIMERS_PER_CPU = 4096;
    /** Most capability table pages per authority shard (4 KiB each, taken from the shard's node at boot). */
    public static final int CAP_POOL_PAGES = 512;
    /** Frame owner id of shard k's capability tables: 0x43415000 + k. */
    public static final int CAP_TABLE_OWNER = 0x4341_5000;
    /** Frame owner id of the virtual memory service's page tables and pages. */
    public static final int VM_OWNER = 0x564D_0000;
    /** Capability space ids below this are free for kernel services and tests; process spaces follow. */
    public static final int PROCESS_SPACE_BASE = 256;
    /** Address spaces the VM service holds at once. */
    public static final int VM_SPACES = 256;

    private final MachineDescription description;
    private final long seed;
    private final PhysicalMemory memory;
    private final Inbox[] inboxes;
    private final CpuAgent[] cpus;
    private final SelfCheckService[] selfChecks;
    private final MemoryServices memoryServices;
    private final CapabilityShards capabilityShards;
    private final CapabilityChecker[] capabilityCheckers;
    private final CapabilityAuthorityService[] capabilityAuthorities;
    private final PageTableFormat pageTableFormat;
    private final VmService vm;

    /**
     * @param description what to build.
     * @param seed        seed of the CPUs' random sources.
     * @param clock       the time source of every CPU.
     * @param transport   builds the cross-CPU transport over the CPUs' inboxes.
     * @param trace       where handled messages are recorded, or null.
     */
    public Machine(
        final MachineDescription description,
        final long seed,
        final Clock clock,
        final Function<Inbox[], Transport> transport,
        final TraceSink trace)
    {
        this.description = description;
        this.seed = seed;
        this.memory = new PhysicalMemory(description.memoryBytes());
        final int n = description.cpus();
        this.inboxes = new Inbox[n];
        for (int i = 0; i < n; i++)
        {
            inboxes[i] = new Inbox(description.inboxBytes());
        }
        final Transport t = transport.apply(inboxes);
        this.cpus = new CpuAgent[n];
        this.selfChecks = new SelfCheckService[n];
        for (int i = 0; i < n; i++)
        {
            cpus[i] = new CpuAgent(i, n, inboxes[i], description.localQueueBytes(), t, clock, trace,
                Digest.finish(Digest.mix(seed, i)), TIMERS_PER_CPU);
            selfChecks[i] = new SelfCheckService(i, n, description.selfCheckWindow());
            cpus[i].register(ServiceIds.SELF_CHECK, 0, selfChecks[i]);
        }
        this.memoryServices = MemoryServices.install(cpus, memory, memoryOf(description));

        // capabilities: one authority shard per NUMA node, homed on the node's first CPU, its
        // tables in frames of that node; a validation cache and checker on every CPU
        final int nodes = memoryServices.nodeCount();
        final int[] shardCpu = new int[nodes];
        for (int node = 0; node < nodes; node++)
        {
            shardCpu[node] = MemoryServices.homeCpu(node, n, nodes);
        }
        this.capabilityShards = new CapabilityShards(n, shardCpu);
        this.capabilityCheckers = new CapabilityChecker[n];
        for (int i = 0; i < n; i++)
        {
            capabilityCheckers[i] = new CapabilityChecker(new CapabilityCache(1024), capabilityShards);
            cpus[i].register(ServiceIds.CAP, CapabilityShards.CACHE_INSTANCE,
                new CapabilityCacheService(capabilityCheckers[i], 4 * n + 64));
        }
        // space ids: PROCESS_SPACE_BASE service/test spaces, then one per process slot of every CPU,
        // numbered so that a CPU's processes' spaces all live on its node's shard
        final int spaceCapacity = HandleTable.spacesNeeded(n, Pids.SLOTS, PROCESS_SPACE_BASE, nodes);
        if (spaceCapacity > CapabilityToken.MAX_SPACE_ID)
        {
            throw new IllegalArgumentException("too many CPUs and nodes for 16-bit capability space ids: " + n +
                " CPUs x " + nodes + " nodes");
        }
        // a 64th of each node's memory for its capability tables, 16 to 512 pages
        final int poolPages = (int)Math.max(16, Math.min(CAP_POOL_PAGES,
            description.memoryBytes() / nodes / 64 / CapabilityPagePool.PAGE_SIZE));
        this.capabilityAuthorities = new CapabilityAuthorityService[nodes];
        for (int k = 0; k < nodes; k++)
        {
            final long tables = memoryServices.frameService(k).core()
                .allocate(poolPages, PhysicalLayout.ZONE_HIGH, CAP_TABLE_OWNER + k);
            if (tables < 0)
            {
                throw new IllegalArgumentException("not enough memory on node " + k + " for capability tables");
            }
            final UnsafeBuffer pool = new UnsafeBuffer(0, 0);
            memory.wrap(pool, tables, poolPages * CapabilityPagePool.PAGE_SIZE);
            capabilityAuthorities[k] = new CapabilityAuthorityService(capabilityShards, k, spaceCapacity, pool, 65_536,
                64, 1024);
            cpus[shardCpu[k]].register(ServiceIds.CAP, CapabilityShards.FIRST_AUTHORITY_INSTANCE + k,
                capabilityAuthorities[k]);
        }

        // virtual memory: the VM service on CPU 0 (beside node 0's frame allocator, whose core
        // it draws frames from on the same thread), and a TLB service on every CPU
        this.pageTableFormat = Architecture.named(description.architecture()).pageTableFormat(memory);
        this.vm = new VmService(memory, pageTableFormat,
            new CoreFrames(memoryServices.frameService(0).core(), memory, PhysicalLayout.ZONE_HIGH, VM_OWNER),
            VM_SPACES, 1024, 64, 32);
        cpus[0].register(ServiceIds.VM, 0, vm);
        for (int i = 0; i < n; i++)
        {
            cpus[i].register(ServiceIds.VM, 1,
                new TlbService(new Tlb(64, 4), pageTableFormat, VmService.address(0), VM_SPACES, 4 * n + 64));
        }
    }

    /**
     * The physical memory layout of a machine: memory split evenly between its NUMA nodes (in
     * 2 MiB steps), distance 10 to the local node and 20 to every other, and the first MiB
     * (kernel image and boot data) reserved.
     */
    public static MemoryDescription memoryOf(final MachineDescription d)
    {
        final int n = d.numaNodes();
        final long[] base = new long[n];
        final long[] size = new long[n];
        final long step = n == 1 ? d.memoryBytes() : (d.memoryBytes() / n) & ~((2L << 20) - 1);
        if (step < MemoryDescription.FRAME_SIZE * 16)
        {
            throw new IllegalArgumentException("too little memory for " + n + " numa nodes");
        }
        for (int i = 0; i < n; i++)
        {
            base[i] = i * step;
            size[i] = i == n - 1 ? d.memoryBytes() - base[i] : step;
        }
        final int[] distance = new int[n * n];
        for (int i = 0; i < n; i++)
        {
            for (int j = 0; j < n; j++)
            {
                distance[i * n + j] = i == j ? 10 : 20;
            }
        }
        final long reserved = Math.min(1L << 20, d.memoryBytes() / 16);
        return new MemoryDescription(d.memoryBytes(), base, size, distance, new long[] {0}, new long[] {reserved}, 0);
    }

    /** Queue the boot messages: {@code Start} to every CPU's self-check actor. */
    public void boot()
    {
        if (!MemoryServices.start(cpus))
        {
            throw new IllegalStateException("local queues too small for the boot messages");
        }
        for (int i = 0; i < cpus.length; i++)
        {
            if (!cpus[i].injectStart(ActorAddress.of(i, ServiceIds.SELF_CHECK, 0), description.selfCheckRounds()))
            {
                throw new IllegalStateException("local queue of CPU " + i + " too small for the boot messages");
            }
        }
    }

    public MachineDescription description()
    {
        return description;
    }

    public long seed()
    {
        return seed;
    }

    public PhysicalMemory memory()
    {
        return memory;
    }

    public CpuAgent[] cpus()
    {
        return cpus;
    }

    public Inbox[] inboxes()
    {
        return inboxes;
    }

    /** @return the virtual memory service (on CPU 0). */
    public VmService vm()
    {
        return vm;
    }

    /** @return the machine's page-table format. */
    public PageTableFormat pageTableFormat()
    {
        return pageTableFormat;
    }

    /** @return where the capability authority shards and caches live. */
    public CapabilityShards capabilityShards()
    {
        return capabilityShards;
    }

    /**
     * @return authority shard {@code shard} (inspection from its own thread, or after the run).
     */
    public CapabilityAuthorityService capabilityAuthority(final int shard)
    {
        return capabilityAuthorities[shard];
    }

    /** @return the capability checker of a CPU (the one check every service on it uses). */
    public CapabilityChecker capabilityChecker(final int cpu)
    {
        return capabilityCheckers[cpu];
    }

    /** @return the frame allocator and heap services. */
    public MemoryServices memoryServices()
    {
        return memoryServices;
    }

    public SelfCheckService selfCheck(final int cpu)
    {
        return selfChecks[cpu];
    }

    /** @return true once every CPU handled its {@code Shutdown}. */
    public boolean allStopped()
    {
        for (final CpuAgent cpu : cpus)
        {
            if (!cpu.isStopped())
            {
                return false;
            }
        }
        return true;
    }

    /** @return the run's digest: every CPU's digest in CPU order. */
    public long digest()
    {
        long d = Digest.mix(Digest.SEED, cpus.length);
        for (final CpuAgent cpu : cpus)
        {
            d = Digest.mix(d, cpu.cpuDigest());
        }
        return Digest.finish(d);
    }

    /** @return messages left in queues (0 after a clean shutdown: nothing lost or stranded). */
    public int messagesLeft()
    {
        int left = 0;
        for (final CpuAgent cpu : cpus)
        {
            left += cpu.queuesEmpty() ? 0 : 1;
        }
        return left;
    }

    /** @return true when every CPU completed the self-check and every reply checked out. */
    public boolean selfCheckPassed()
    {
        long sent = 0;
        long served = 0;
        for (final SelfCheckService s : selfChecks)
        {
            if (!s.complete() || s.badReplies() != 0)
            {
                return false;
            }
            sent += s.requestsSent();
            served += s.requestsServed();
        }
        // a CPU reports when its own pings are answered and may serve others' pings after
        // that, so "served" is summed from the final counters, not from the reports
        final SelfCheckService coordinator = selfChecks[0];
        return coordinator.reportsReceived() == cpus.length &&
            coordinator.totalSent() == sent &&
            coordinator.totalReplies() == sent &&
            served == sent &&
            sent == (long)cpus.length * cpus.length * description.selfCheckRounds();
    }

    /** Print the per-CPU summary. */
    public void printSummary(final PrintWriter out)
    {
        for (int i = 0; i < cpus.length; i++)
        {
            final CpuAgent c = cpus[i];
            final SelfCheckService s = selfChecks[i];
            out.printf("cpu %d: handled %d, sent %d local %d remote, back-pressured %d, pings %d sent %d answered " +
                "%d served, bad %d%n", i, c.handled(), c.sentLocal(), c.sentRemote(), c.backPressured(),
                s.requestsSent(), s.repliesReceived(), s.requestsServed(), s.badReplies());
        }
        final SelfCheckService coordinator = selfChecks[0];
        out.printf("self-check: %s (%d cpus x %d cpus x %d rounds = %d pings, %d replies, %d bad, %d queues non-empty)%n",
            selfCheckPassed() && messagesLeft() == 0 ? "ok" : "FAILED", cpus.length, cpus.length,
            description.selfCheckRounds(), coordinator.totalSent(), coordinator.totalReplies(), coordinator.totalBad(),
            messagesLeft());
        final int violations = memoryServices.checkAccounting();
        out.printf("memory: %d numa node%s, accounting %s%n", memoryServices.nodeCount(),
            memoryServices.nodeCount() == 1 ? "" : "s", violations == 0 ? "ok (every frame free or owned once)" :
            violations + " VIOLATIONS");
    }

    public void close()
    {
        memory.close();
    }
}
