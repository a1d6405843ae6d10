package org.tessera.bench;

import java.util.concurrent.TimeUnit;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.tessera.arch.riscv64.paging.Sv48PageTableFormat;
import org.tessera.arch.spi.PageFlags;
import org.tessera.arch.spi.PageTableFormat;
import org.tessera.arch.spi.PhysicalMemory;
import org.tessera.arch.spi.Tlb;
import org.tessera.kernel.runtime.Actor;
import org.tessera.kernel.runtime.ActorAddress;
import org.tessera.kernel.runtime.ActorContext;
import org.tessera.kernel.runtime.CpuAgent;
import org.tessera.kernel.runtime.InboxTransport;
import org.tessera.kernel.runtime.Message;
import org.tessera.kernel.runtime.ServiceIds;
import org.tessera.kernel.runtime.machine.HostRunner;
import org.tessera.kernel.service.frame.FrameAllocatorCore;
import org.tessera.kernel.service.frame.MemoryDescription;
import org.tessera.kernel.service.frame.PhysicalLayout;
import org.tessera.kernel.service.vm.CoreFrames;
import org.tessera.kernel.service.vm.TlbService;
import org.tessera.kernel.service.vm.VmService;
import org.tessera.lockfree.Inbox;
import org.tessera.messages.runtime.StartDecoder;
import org.tessera.messages.vm.AddressSpaceCreateEncoder;
import org.tessera.messages.vm.AddressSpaceCreateReplyDecoder;
import org.tessera.messages.vm.ImageSource;
import org.tessera.messages.vm.RegionKind;
import org.tessera.messages.vm.RegionMapEncoder;
import org.tessera.messages.vm.RegionMapReplyDecoder;
import org.tessera.messages.vm.SpaceSwitchEncoder;
import org.tessera.messages.vm.SpaceSwitchReplyDecoder;
import org.tessera.messages.vm.UnmapEncoder;
import org.tessera.messages.vm.UnmapReplyDecoder;
import org.tessera.messages.vm.VmStatus;

/**
 * The VM service by message. One operation maps a 4 KiB anonymous page (eagerly: a frame is
 * taken, zeroed and entered in the page tables) and unmaps it again (the frame goes back):
 * <ul>
 *   <li>{@code page_map_unmap}: client and VM service on the same CPU, handled in place;</li>
 *   <li>{@code remote_page_map_unmap}: the VM service on another CPU (two cross-CPU round trips);</li>
 *   <li>{@code tlb_shootdown_per_cpu}: in place, but the space is active on {@link #OTHER_CPUS}
 *       other CPU(s), so every unmap waits for their TlbInvalidate acknowledgements; reported
 *       per other CPU. It includes the in-place map and unmap work, so the shootdown's own cost
 *       is this figure minus {@code page_map_unmap};</li>
 *   <li>{@code actor_rtt}: the runtime's cross-CPU round trip in the same run, the baseline the
 *       shootdown is compared with ({@code ratio tlb_shootdown_per_cpu/actor_rtt}).</li>
 * </ul>
 * Page tables are Sv48 (the format does not change the message path).
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class VmBenchmark
{
    /** Other CPUs that must acknowledge each shootdown (2 host cores: one other CPU). */
    static final int OTHER_CPUS = 1;
    static final long PAGE = 4096;
    static final long VA = 0x40_0000L;
    static final int CLIENT = ServiceIds.FIRST_USER_SERVICE;

    /** Maps a page, unmaps it, counts, and starts again: one request outstanding at a time. */
    static final class MapUnmapClient implements Actor
    {
        private final long vm;
        private final RegionMapEncoder map = new RegionMapEncoder();
        private final UnmapEncoder unmap = new UnmapEncoder();
        private final RegionMapReplyDecoder mapReply = new RegionMapReplyDecoder();
        private final UnmapReplyDecoder unmapReply = new UnmapReplyDecoder();
        int asid;
        long completed;
        long invalidated;

        MapUnmapClient(final long vm)
        {
            this.vm = vm;
        }

        @Override
        public void onMessage(final Message m, final ActorContext ctx)
        {
            if (m.is(RegionMapReplyDecoder.SCHEMA_ID, RegionMapReplyDecoder.TEMPLATE_ID))
            {
                mapReply.wrap(m.buffer(), m.bodyOffset(), m.blockLength(), m.version());
                if (mapReply.status() != VmStatus.OK)
                {
                    throw new IllegalStateException("map refused");
                }
                if (ctx.claim(vm, ctx.nextCorrelationId(), unmap, 0) < 0)
                {
                    throw new IllegalStateException("back-pressured with one request in flight");
                }
                unmap.asid(asid).virtualAddress(VA).length(PAGE);
                ctx.commit();
                return;
            }
            if (m.is(UnmapReplyDecoder.SCHEMA_ID, UnmapReplyDecoder.TEMPLATE_ID))
            {
                unmapReply.wrap(m.buffer(), m.bodyOffset(), m.blockLength(), m.version());
                invalidated += unmapReply.cpusInvalidated();
                completed++;
            }
            else if (!m.is(StartDecoder.SCHEMA_ID, StartDecoder.TEMPLATE_ID))
            {
                return;
            }
            if (ctx.claim(vm, ctx.nextCorrelationId(), map, 0) < 0)
            {
                throw new IllegalStateException("back-pressured with one request in flight");
            }
            map.asid(asid).virtualAddress(VA).length(PAGE).kind(RegionKind.ANONYMOUS)
                .protection((short)(PageFlags.READ | PageFlags.WRITE | PageFlags.USER)).eager((short)1)
                .imageSource(ImageSource.FRAMES).physicalBase(0).sourceAsid(0).sourceAddress(0);
            ctx.commit();
        }
    }

    /** Set-up helper: sends one request when started and keeps the last reply's status. */
    static final class SetupClient implements Actor
    {
        final AddressSpaceCreateReplyDecoder created = new AddressSpaceCreateReplyDecoder();
        final SpaceSwitchReplyDecoder switched = new SpaceSwitchReplyDecoder();
        long target;
        int switchTo;
        int asid;
        boolean answered;

        @Override
        public void onMessage(final Message m, final ActorContext ctx)
        {
            if (m.is(StartDecoder.SCHEMA_ID, StartDecoder.TEMPLATE_ID))
            {
                answered = false;
                if (switchTo == 0)
                {
                    final AddressSpaceCreateEncoder e = new AddressSpaceCreateEncoder();
                    ctx.claim(target, ctx.nextCorrelationId(), e, 0);
                }
                else
                {
                    final SpaceSwitchEncoder e = new SpaceSwitchEncoder();
                    ctx.claim(target, ctx.nextCorrelationId(), e, 0);
                    e.asid(switchTo);
                }
                ctx.commit();
            }
            else if (m.is(AddressSpaceCreateReplyDecoder.SCHEMA_ID, AddressSpaceCreateReplyDecoder.TEMPLATE_ID))
            {
                created.wrap(m.buffer(), m.bodyOffset(), m.blockLength(), m.version());
                asid = created.asid();
                answered = true;
            }
            else if (m.is(SpaceSwitchReplyDecoder.SCHEMA_ID, SpaceSwitchReplyDecoder.TEMPLATE_ID))
            {
                switched.wrap(m.buffer(), m.bodyOffset(), m.blockLength(), m.version());
                if (switched.status() != VmStatus.OK)
                {
                    throw new IllegalStateException("space switch refused");
                }
                answered = true;
            }
        }
    }

    /**
     * Two CPU loops: the benchmark thread runs CPU 0 (the client, and the VM service unless
     * {@code remote}); CPU 1 runs on its own pinned thread (the VM service when remote, and a
     * TLB service on which the space is active when {@code shootdown}).
     */
    abstract static class Rig
    {
        CpuAgent cpu0;
        CpuAgent cpu1;
        MapUnmapClient client;
        EchoThread echo;
        PhysicalMemory memory;

        void build(final boolean remote, final boolean shootdown)
        {
            EchoThread.pinBenchmarkThread();
            final long bytes = 64L << 20;
            memory = new PhysicalMemory(bytes);
            final FrameAllocatorCore core = new FrameAllocatorCore(
                new PhysicalLayout(MemoryDescription.singleNode(bytes, new long[]{0}, new long[]{1L << 20}, 0)), 0);
            final PageTableFormat format = new Sv48PageTableFormat(memory);
            final VmService vm = new VmService(memory, format, new CoreFrames(core, memory, PhysicalLayout.ZONE_NORMAL, 7),
                16, 16, 64, VmService.DEFAULT_SHOOTDOWN_THRESHOLD_PAGES);
            final Inbox[] inboxes = {new Inbox(64 * 1024), new Inbox(64 * 1024)};
            final InboxTransport transport = new InboxTransport(inboxes);
            cpu0 = new CpuAgent(0, 2, inboxes[0], 64 * 1024, transport, HostRunner.HOST_CLOCK, null, 1, 64);
            cpu1 = new CpuAgent(1, 2, inboxes[1], 64 * 1024, transport, HostRunner.HOST_CLOCK, null, 2, 64);
            final int vmCpu = remote ? 1 : 0;
            (remote ? cpu1 : cpu0).register(ServiceIds.VM, VmService.INSTANCE, vm);
            cpu0.register(ServiceIds.VM, TlbService.INSTANCE, new TlbService(new Tlb(16, 4), format, VmService.address(vmCpu), 16, 64));
            cpu1.register(ServiceIds.VM, TlbService.INSTANCE, new TlbService(new Tlb(16, 4), format, VmService.address(vmCpu), 16, 64));

            // Create the space, and activate it on CPU 1 for the shootdown case, stepping both
            // CPUs from this thread before CPU 1 gets its own.
            final SetupClient setup = new SetupClient();
            cpu0.register(CLIENT + 1, 0, setup);
            setup.target = VmService.address(vmCpu);
            runUntil(setup, ActorAddress.of(0, CLIENT + 1, 0), cpu0);
            final int asid = setup.asid;
            if (shootdown)
            {
                final SetupClient activator = new SetupClient();
                cpu1.register(CLIENT + 1, 0, activator);
                activator.target = TlbService.address(1);
                activator.switchTo = asid;
                runUntil(activator, ActorAddress.of(1, CLIENT + 1, 0), cpu1);
            }
            client = new MapUnmapClient(VmService.address(vmCpu));
            client.asid = asid;
            cpu0.register(CLIENT, 0, client);
            echo = new EchoThread("vm-cpu-1", cpu1::doWork);
            echo.start();
            cpu0.injectStart(ActorAddress.of(0, CLIENT, 0), 0);
        }

        private void runUntil(final SetupClient setup, final long address, final CpuAgent home)
        {
            home.injectStart(address, 0);
            for (int i = 0; i < 1_000 && !setup.answered; i++)
            {
                cpu0.doWork();
                cpu1.doWork();
            }
            if (!setup.answered)
            {
                throw new IllegalStateException("set-up request not answered");
            }
        }

        void tearDown() throws InterruptedException
        {
            echo.shutdown();
            memory.close();
        }
    }

    /** Client and VM service on CPU 0. */
    @State(Scope.Benchmark)
    public static class LocalRig extends Rig
    {
        @Setup(Level.Trial)
        public void setUp()
        {
            build(false, false);
            InPlace.calibrate(cpu0, () -> client.completed);
        }

        @TearDown(Level.Trial)
        public void close() throws InterruptedException
        {
            tearDown();
        }
    }

    /** Client on CPU 0, VM service on CPU 1. */
    @State(Scope.Benchmark)
    public static class RemoteRig extends Rig
    {
        @Setup(Level.Trial)
        public void setUp()
        {
            build(true, false);
        }

        @TearDown(Level.Trial)
        public void close() throws InterruptedException
        {
            tearDown();
        }
    }

    /** Client and VM service on CPU 0, the space active on CPU 1. */
    @State(Scope.Benchmark)
    public static class ShootdownRig extends Rig
    {
        @Setup(Level.Trial)
        public void setUp()
        {
            build(false, true);
        }

        @TearDown(Level.Trial)
        public void close() throws InterruptedException
        {
            if (client.invalidated != client.completed * OTHER_CPUS)
            {
                throw new IllegalStateException("an unmap was not invalidated on the other CPU");
            }
            tearDown();
        }
    }

    static long cycle(final Rig rig)
    {
        final long target = rig.client.completed + 1;
        while (rig.client.completed < target)
        {
            rig.cpu0.doWork();
        }
        return target;
    }

    @Benchmark
    public long pageMapUnmap(final LocalRig rig)
    {
        return cycle(rig);
    }

    @Benchmark
    public long remotePageMapUnmap(final RemoteRig rig)
    {
        return cycle(rig);
    }

    @Benchmark
    @OperationsPerInvocation(OTHER_CPUS)
    public long tlbShootdownPerCpu(final ShootdownRig rig)
    {
        return cycle(rig);
    }

    @Benchmark
    public long actorRtt(final RuntimeBenchmark.ActorRig rig)
    {
        return RuntimeBenchmark.roundTrip(rig);
    }
}
