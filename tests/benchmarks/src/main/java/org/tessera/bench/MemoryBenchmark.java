package org.tessera.bench;

import java.util.concurrent.TimeUnit;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.tessera.arch.spi.PhysicalMemory;
import org.tessera.kernel.runtime.Actor;
import org.tessera.kernel.runtime.ActorAddress;
import org.tessera.kernel.runtime.ActorContext;
import org.tessera.kernel.runtime.CpuAgent;
import org.tessera.kernel.runtime.InboxTransport;
import org.tessera.kernel.runtime.Message;
import org.tessera.kernel.runtime.ServiceIds;
import org.tessera.kernel.runtime.machine.HostRunner;
import org.tessera.kernel.service.frame.FrameAllocatorService;
import org.tessera.kernel.service.frame.MemoryDescription;
import org.tessera.kernel.service.memory.MemoryServices;
import org.tessera.lockfree.Inbox;
import org.tessera.messages.memory.FrameAllocReplyDecoder;
import org.tessera.messages.memory.FrameAllocRequestEncoder;
import org.tessera.messages.memory.FrameFreeReplyDecoder;
import org.tessera.messages.memory.FrameFreeRequestEncoder;
import org.tessera.messages.memory.HeapAllocReplyDecoder;
import org.tessera.messages.memory.HeapAllocRequestEncoder;
import org.tessera.messages.memory.HeapFreeReplyDecoder;
import org.tessera.messages.memory.HeapFreeRequestEncoder;
import org.tessera.messages.memory.ZoneClass;

/**
 * The memory services by message, one operation = one allocation request and its reply, then
 * the free request and its reply:
 * <ul>
 *   <li>{@code frame_bitmap_alloc_free}: 1 frame (the bitmap allocator);</li>
 *   <li>{@code frame_buddy_alloc_free}: 512 frames (a 2 MiB buddy block);</li>
 *   <li>{@code heap_alloc_free}: a 64-byte kernel object.</li>
 * </ul>
 * Each is measured handled in place (requester and service on the same CPU: the messages go
 * through the CPU's local queue, the benchmark thread runs the loop) and, with the prefix
 * {@code remote_}, from another CPU (the services' CPU spins on its own pinned thread, like
 * {@link RuntimeBenchmark}'s echo side). {@code actor_rtt}, the runtime's bare cross-CPU round
 * trip, is measured in the same run for comparison: a remote operation is two round trips.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class MemoryBenchmark
{
    static final long MIB = 1L << 20;
    static final int REQUESTER = ServiceIds.FIRST_USER_SERVICE;
    static final int OWNER = 77;
    static final int KIND_FRAMES = 0;
    static final int KIND_HEAP = 1;

    /** Allocates, frees what it got, and allocates again as soon as each reply is in. */
    static final class Requester implements Actor
    {
        private final int kind;
        private final int amount;
        private final long service;
        private final FrameAllocRequestEncoder frameAlloc = new FrameAllocRequestEncoder();
        private final FrameFreeRequestEncoder frameFree = new FrameFreeRequestEncoder();
        private final HeapAllocRequestEncoder heapAlloc = new HeapAllocRequestEncoder();
        private final HeapFreeRequestEncoder heapFree = new HeapFreeRequestEncoder();
        private final FrameAllocReplyDecoder frameAllocReply = new FrameAllocReplyDecoder();
        private final FrameFreeReplyDecoder frameFreeReply = new FrameFreeReplyDecoder();
        private final HeapAllocReplyDecoder heapAllocReply = new HeapAllocReplyDecoder();
        private final HeapFreeReplyDecoder heapFreeReply = new HeapFreeReplyDecoder();
        long completed;
        long failed;

        Requester(final int kind, final int amount, final long service)
        {
            this.kind = kind;
            this.amount = amount;
            this.service = service;
        }

        public void onMessage(final Message m, final ActorContext ctx)
        {
            if (m.is(FrameAllocReplyDecoder.SCHEMA_ID, FrameAllocReplyDecoder.TEMPLATE_ID))
            {
                frameAllocReply.wrap(m.buffer(), m.bodyOffset(), m.blockLength(), m.version());
                if (frameAllocReply.statusRaw() != 0)
                {
                    throw new IllegalStateException("frame allocation failed in the benchmark");
                }
                check(ctx.claim(m.source(), ctx.nextCorrelationId(), frameFree, 0));
                frameFree.physicalAddress(frameAllocReply.physicalAddress()).count(amount).ownerId(OWNER);
                ctx.commit();
                return;
            }
            if (m.is(HeapAllocReplyDecoder.SCHEMA_ID, HeapAllocReplyDecoder.TEMPLATE_ID))
            {
                heapAllocReply.wrap(m.buffer(), m.bodyOffset(), m.blockLength(), m.version());
                if (heapAllocReply.statusRaw() != 0)
                {
                    throw new IllegalStateException("heap allocation failed in the benchmark");
                }
                check(ctx.claim(m.source(), ctx.nextCorrelationId(), heapFree, 0));
                heapFree.physicalAddress(heapAllocReply.physicalAddress());
                ctx.commit();
                return;
            }
            if (m.is(FrameFreeReplyDecoder.SCHEMA_ID, FrameFreeReplyDecoder.TEMPLATE_ID))
            {
                frameFreeReply.wrap(m.buffer(), m.bodyOffset(), m.blockLength(), m.version());
                failed += frameFreeReply.statusRaw() == 0 ? 0 : 1;
                completed++;
            }
            else if (m.is(HeapFreeReplyDecoder.SCHEMA_ID, HeapFreeReplyDecoder.TEMPLATE_ID))
            {
                heapFreeReply.wrap(m.buffer(), m.bodyOffset(), m.blockLength(), m.version());
                failed += heapFreeReply.statusRaw() == 0 ? 0 : 1;
                completed++;
            }
            // Start, or a free answered: the next allocation.
            if (kind == KIND_FRAMES)
            {
                check(ctx.claim(service, ctx.nextCorrelationId(), frameAlloc, 0));
                frameAlloc.count(amount).zoneClass(ZoneClass.NORMAL).ownerId(OWNER).nodeHint(FrameAllocatorService.NODE_ANY);
            }
            else
            {
                check(ctx.claim(service, ctx.nextCorrelationId(), heapAlloc, 0));
                heapAlloc.size(amount);
            }
            ctx.commit();
        }

        private static void check(final int claim)
        {
            if (claim < 0)
            {
                throw new IllegalStateException("back-pressured with one request in flight");
            }
        }
    }

    /** Requester and services on one CPU, run by the benchmark thread. */
    public abstract static class LocalRig
    {
        CpuAgent cpu;
        Requester requester;
        PhysicalMemory memory;

        abstract int kind();

        abstract int amount();

        @Setup(Level.Trial)
        public void setUp()
        {
            final Inbox[] inboxes = {new Inbox(64 * 1024)};
            cpu = new CpuAgent(0, 1, inboxes[0], 64 * 1024, new InboxTransport(inboxes), HostRunner.HOST_CLOCK, null, 1, 64);
            final MemoryDescription description = MemoryDescription.singleNode(64 * MIB, new long[]{0}, new long[]{MIB}, 0);
            memory = new PhysicalMemory(description.totalSize());
            final MemoryServices services = MemoryServices.install(new CpuAgent[]{cpu}, memory, description);
            final long service = kind() == KIND_FRAMES ? services.frameServiceAddress(0) : MemoryServices.heapAddress(0);
            requester = new Requester(kind(), amount(), service);
            cpu.register(REQUESTER, 0, requester);
            cpu.injectStart(ActorAddress.of(0, REQUESTER, 0), 0);
            InPlace.calibrate(cpu, () -> requester.completed);
        }

        @TearDown(Level.Trial)
        public void tearDown()
        {
            if (requester.failed != 0)
            {
                throw new IllegalStateException("frees failed in the benchmark");
            }
            memory.close();
        }
    }

    /**
     * Requester on CPU 0 (the benchmark thread), services on CPU 1 (spinning on its own thread):
     * two nodes, node 1's frame service homed on CPU 1, so requests to it and to CPU 1's heap
     * are served there.
     */
    public abstract static class RemoteRig
    {
        CpuAgent cpu0;
        Requester requester;
        EchoThread services;
        PhysicalMemory memory;

        abstract int kind();

        abstract int amount();

        @Setup(Level.Trial)
        public void setUp()
        {
            EchoThread.pinBenchmarkThread();
            final Inbox[] inboxes = {new Inbox(64 * 1024), new Inbox(64 * 1024)};
            final InboxTransport transport = new InboxTransport(inboxes);
            cpu0 = new CpuAgent(0, 2, inboxes[0], 64 * 1024, transport, HostRunner.HOST_CLOCK, null, 1, 64);
            final CpuAgent cpu1 = new CpuAgent(1, 2, inboxes[1], 64 * 1024, transport, HostRunner.HOST_CLOCK, null, 2, 64);
            final MemoryDescription description = new MemoryDescription(
                96 * MIB, new long[]{0, 32 * MIB}, new long[]{32 * MIB, 64 * MIB}, new int[]{10, 20, 20, 10},
                new long[]{0}, new long[]{MIB}, 0);
            memory = new PhysicalMemory(description.totalSize());
            final MemoryServices all = MemoryServices.install(new CpuAgent[]{cpu0, cpu1}, memory, description);
            final long service = kind() == KIND_FRAMES ? all.frameServiceAddress(1) : MemoryServices.heapAddress(1);
            requester = new Requester(kind(), amount(), service);
            cpu0.register(REQUESTER, 0, requester);
            services = new EchoThread("memory-services-cpu-1", cpu1::doWork);
            services.start();
            cpu0.injectStart(ActorAddress.of(0, REQUESTER, 0), 0);
        }

        @TearDown(Level.Trial)
        public void tearDown() throws InterruptedException
        {
            services.shutdown();
            if (requester.failed != 0)
            {
                throw new IllegalStateException("frees failed in the benchmark");
            }
            memory.close();
        }
    }

    @State(Scope.Benchmark)
    public static class BitmapLocal extends LocalRig
    {
        int kind()
        {
            return KIND_FRAMES;
        }

        int amount()
        {
            return 1;
        }
    }

    @State(Scope.Benchmark)
    public static class BuddyLocal extends LocalRig
    {
        int kind()
        {
            return KIND_FRAMES;
        }

        int amount()
        {
            return 512;
        }
    }

    @State(Scope.Benchmark)
    public static class HeapLocal extends LocalRig
    {
        int kind()
        {
            return KIND_HEAP;
        }

        int amount()
        {
            return 64;
        }
    }

    @State(Scope.Benchmark)
    public static class BitmapRemote extends RemoteRig
    {
        int kind()
        {
            return KIND_FRAMES;
        }

        int amount()
        {
            return 1;
        }
    }

    @State(Scope.Benchmark)
    public static class BuddyRemote extends RemoteRig
    {
        int kind()
        {
            return KIND_FRAMES;
        }

        int amount()
        {
            return 512;
        }
    }

    @State(Scope.Benchmark)
    public static class HeapRemote extends RemoteRig
    {
        int kind()
        {
            return KIND_HEAP;
        }

        int amount()
        {
            return 64;
        }
    }

    private static long local(final LocalRig rig)
    {
        final long target = rig.requester.completed + 1;
        while (rig.requester.completed < target)
        {
            rig.cpu.doWork();
        }
        return target;
    }

    private static long remote(final RemoteRig rig)
    {
        final long target = rig.requester.completed + 1;
        while (rig.requester.completed < target)
        {
            rig.cpu0.doWork();
        }
        return target;
    }

    @Benchmark
    public long frameBitmapAllocFree(final BitmapLocal rig)
    {
        return local(rig);
    }

    @Benchmark
    public long frameBuddyAllocFree(final BuddyLocal rig)
    {
        return local(rig);
    }

    @Benchmark
    public long heapAllocFree(final HeapLocal rig)
    {
        return local(rig);
    }

    @Benchmark
    public long remoteFrameBitmapAllocFree(final BitmapRemote rig)
    {
        return remote(rig);
    }

    @Benchmark
    public long remoteFrameBuddyAllocFree(final BuddyRemote rig)
    {
        return remote(rig);
    }

    @Benchmark
    public long remoteHeapAllocFree(final HeapRemote rig)
    {
        return remote(rig);
    }

    /** The runtime's bare cross-CPU round trip, in the same run (see {@link RuntimeBenchmark}). */
    @Benchmark
    public long actorRtt(final RuntimeBenchmark.ActorRig rig)
    {
        return RuntimeBenchmark.roundTrip(rig);
    }
}
