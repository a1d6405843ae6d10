package org.tessera.it.vm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.tessera.arch.spi.PageFlags;
import org.tessera.arch.spi.PageTableFormat;
import org.tessera.arch.spi.PhysicalMemory;
import org.tessera.arch.spi.Tlb;
import org.tessera.kernel.runtime.Actor;
import org.tessera.kernel.runtime.ActorAddress;
import org.tessera.kernel.runtime.ActorContext;
import org.tessera.kernel.runtime.CpuAgent;
import org.tessera.kernel.runtime.Message;
import org.tessera.kernel.runtime.ServiceIds;
import org.tessera.kernel.runtime.machine.Machine;
import org.tessera.kernel.runtime.machine.MachineDescription;
import org.tessera.kernel.runtime.machine.RunResult;
import org.tessera.kernel.runtime.machine.SimulationOptions;
import org.tessera.kernel.runtime.machine.Simulator;
import org.tessera.kernel.service.frame.FrameAllocatorCore;
import org.tessera.kernel.service.vm.TlbService;
import org.tessera.kernel.service.vm.VmService;
import org.tessera.messages.runtime.PingRequestDecoder;
import org.tessera.messages.runtime.PingRequestEncoder;
import org.tessera.messages.runtime.ShutdownEncoder;
import org.tessera.messages.runtime.StartDecoder;
import org.tessera.messages.runtime.TimerFiredDecoder;
import org.tessera.messages.vm.AccessKind;
import org.tessera.messages.vm.AddressSpaceCreateEncoder;
import org.tessera.messages.vm.AddressSpaceCreateReplyDecoder;
import org.tessera.messages.vm.AddressSpaceDestroyEncoder;
import org.tessera.messages.vm.AddressSpaceDestroyReplyDecoder;
import org.tessera.messages.vm.AddressSpaceForkEncoder;
import org.tessera.messages.vm.AddressSpaceForkReplyDecoder;
import org.tessera.messages.vm.ImageSource;
import org.tessera.messages.vm.PageFaultEncoder;
import org.tessera.messages.vm.PageFaultReplyDecoder;
import org.tessera.messages.vm.ProtectEncoder;
import org.tessera.messages.vm.ProtectReplyDecoder;
import org.tessera.messages.vm.RegionKind;
import org.tessera.messages.vm.RegionMapEncoder;
import org.tessera.messages.vm.RegionMapReplyDecoder;
import org.tessera.messages.vm.SpaceSwitchEncoder;
import org.tessera.messages.vm.SpaceSwitchReplyDecoder;
import org.tessera.messages.vm.UnmapEncoder;
import org.tessera.messages.vm.UnmapReplyDecoder;
import org.tessera.messages.vm.VmStatus;

/**
 * TLB shootdown in the seeded simulator: worker CPUs run user accesses through their TLBs
 * (faulting to the VM service) while a coordinator unmaps, protects and forks, and messages
 * fly with seeded delays, so that invalidations, acknowledgements, activations and faults
 * interleave differently for every seed. After every answer the coordinator checks every
 * CPU's TLB against the page tables over the range the request changed; at the end, with
 * nothing in flight, every entry of every space on every CPU, the CPU sets, and that every
 * frame went back.
 */
class VmShootdownSimulationTest
{
    static final int CPUS = 4;
    static final long MIB = 1L << 20;
    static final long PAGE = 4096;
    static final long BASE = 0x40_0000L;
    static final int PAGES = 16;
    static final int RW = PageFlags.READ | PageFlags.WRITE | PageFlags.USER;
    static final int RO = PageFlags.READ | PageFlags.USER;
    static final int WORKER = ServiceIds.FIRST_USER_SERVICE;
    static final int COORDINATOR = ServiceIds.FIRST_USER_SERVICE + 1;
    static final int OPERATIONS = 40;
    static final int TICKS = 150;

    /** Six seeds per format; {@code -Dtessera.vm.arch=A -Dtessera.vm.seed=S} runs one run only. */
    static List<Arguments> runs()
    {
        final List<Arguments> runs = new ArrayList<>();
        final String onlySeed = System.getProperty("tessera.vm.seed");
        if (onlySeed != null)
        {
            runs.add(Arguments.of(System.getProperty("tessera.vm.arch", "x86_64"), Long.parseLong(onlySeed), true));
            return runs;
        }
        for (final String arch : new String[]{"x86_64", "aarch64", "riscv64"})
        {
            for (long i = 1; i <= 6; i++)
            {
                runs.add(Arguments.of(arch, i * 0x2545F4914F6CDD1DL + arch.length(), i == 1));
            }
        }
        return runs;
    }

    /** Everything the oracle looks at; the actors never read it for their decisions. */
    static final class World
    {
        final String arch;
        final long seed;
        final PhysicalMemory memory;
        final PageTableFormat format;
        final FrameAllocatorCore core;
        final Machine machine;
        final VmService vm;
        final TlbService[] tlbs = new TlbService[CPUS];
        final Worker[] workers = new Worker[CPUS];
        final List<String> failures = new ArrayList<>();
        int spaceA;
        int spaceB;
        boolean finished;
        long checks;

        World(final String arch, final long seed, final Machine machine)
        {
            this.arch = arch;
            this.seed = seed;
            this.memory = machine.memory();
            this.machine = machine;
            format = machine.pageTableFormat();
            core = machine.memoryServices().frameService(0).core();
            vm = machine.vm();
        }

        void fail(final String what)
        {
            failures.add(what);
        }

        /**
         * Check every CPU's TLB over {@code [va, va + pages)} of {@code asid}: an entry must map
         * the frame the tables map, with no right the tables do not give; {@code writeOnly}
         * checks only that no entry is writable where the tables are not.
         */
        void checkRange(final String after, final int asid, final long va, final int pages, final boolean writeOnly)
        {
            checks++;
            final long root = vm.root(asid);
            final int rights = PageFlags.READ | PageFlags.WRITE | PageFlags.EXECUTE | PageFlags.USER;
            for (int cpu = 0; cpu < CPUS; cpu++)
            {
                final Tlb tlb = tlbs[cpu].tlb();
                for (int i = 0; i < pages; i++)
                {
                    final long page = va + i * PAGE;
                    final int entry = tlb.lookup(asid, page);
                    if (entry == Tlb.MISS)
                    {
                        continue;
                    }
                    final long pa = root < 0 ? -1 : format.physicalAddress(root, page);
                    final int flags = root < 0 ? 0 : format.flags(root, page);
                    final int cached = tlb.flags(entry);
                    final boolean bad = writeOnly ?
                        (cached & PageFlags.WRITE) != 0 && (pa < 0 || (flags & PageFlags.WRITE) == 0) :
                        pa < 0 || pa != tlb.physicalAddress(entry, page) || (cached & rights & ~flags) != 0;
                    if (bad)
                    {
                        fail("stale TLB entry after " + after + ": cpu " + cpu + " asid " + asid + " va 0x" +
                            Long.toHexString(page) + " cached pa 0x" + Long.toHexString(tlb.physicalAddress(entry, page)) +
                            " flags " + PageFlags.toString(cached) + ", tables pa " + pa + " flags " +
                            (flags < 0 ? "none" : PageFlags.toString(flags)));
                    }
                }
            }
            // Safety of the CPU sets: a CPU that may cache the space is one the VM will ask.
            for (int cpu = 0; cpu < CPUS; cpu++)
            {
                if (tlbs[cpu].isActive(asid) && (vm.cpuMask(asid) & (1L << cpu)) == 0)
                {
                    fail("cpu " + cpu + " caches asid " + asid + " but is not in its shootdown set");
                }
            }
        }
    }

    /** On a worker CPU: runs a space and touches its pages through the TLB, faulting to the VM. */
    static final class Worker implements Actor
    {
        final World world;
        final int cpu;
        final SpaceSwitchEncoder switchEncoder = new SpaceSwitchEncoder();
        final SpaceSwitchReplyDecoder switchReply = new SpaceSwitchReplyDecoder();
        final PageFaultEncoder faultEncoder = new PageFaultEncoder();
        final PageFaultReplyDecoder faultReply = new PageFaultReplyDecoder();
        final PingRequestDecoder go = new PingRequestDecoder();
        int ticks;
        int asid;
        boolean done;
        long faults;
        long invalid;
        long accesses;

        Worker(final World world, final int cpu)
        {
            this.world = world;
            this.cpu = cpu;
        }

        @Override
        public void onMessage(final Message m, final ActorContext ctx)
        {
            if (m.is(PingRequestDecoder.SCHEMA_ID, PingRequestDecoder.TEMPLATE_ID))
            {
                go.wrap(m.buffer(), m.bodyOffset(), m.blockLength(), m.version());
                switchTo(ctx, (int)go.value());
            }
            else if (m.is(SpaceSwitchReplyDecoder.SCHEMA_ID, SpaceSwitchReplyDecoder.TEMPLATE_ID))
            {
                switchReply.wrap(m.buffer(), m.bodyOffset(), m.blockLength(), m.version());
                if (switchReply.status() != VmStatus.OK)
                {
                    world.fail("cpu " + cpu + " could not switch: " + switchReply.status());
                }
                asid = switchReply.asid();
                tick(ctx);
            }
            else if (m.is(PageFaultReplyDecoder.SCHEMA_ID, PageFaultReplyDecoder.TEMPLATE_ID))
            {
                faultReply.wrap(m.buffer(), m.bodyOffset(), m.blockLength(), m.version());
                if (faultReply.result() != org.tessera.messages.vm.FaultResult.RESOLVED)
                {
                    invalid++;
                }
                later(ctx);
            }
            else if (m.is(TimerFiredDecoder.SCHEMA_ID, TimerFiredDecoder.TEMPLATE_ID))
            {
                tick(ctx);
            }
        }

        void switchTo(final ActorContext ctx, final int target)
        {
            ctx.claim(TlbService.address(cpu), ctx.nextCorrelationId(), switchEncoder, 0);
            switchEncoder.asid(target);
            ctx.commit();
        }

        void later(final ActorContext ctx)
        {
            ctx.setTimer(ctx.nanoTime() + 100 + Long.remainderUnsigned(ctx.nextRandom(), 3_000), 0);
        }

        void tick(final ActorContext ctx)
        {
            if (++ticks > TICKS)
            {
                done = true;
                return;
            }
            final long r = ctx.nextRandom();
            if ((r & 15) == 0)
            {
                switchTo(ctx, asid == world.spaceA ? world.spaceB : world.spaceA);
                return;
            }
            final long va = BASE + ((r >>> 8) % PAGES) * PAGE + ((r >>> 20) & 0xFF8);
            final int kind = ((r >>> 4) & 3) == 0 ? 1 : 0;
            accesses++;
            final long pa = world.tlbs[cpu].access(va, kind);
            if (pa >= 0)
            {
                if (kind == 1)
                {
                    world.memory.putLong(pa, r);
                }
                later(ctx);
                return;
            }
            faults++;
            ctx.claim(VmService.address(0), ctx.nextCorrelationId(), faultEncoder, 0);
            faultEncoder.asid(asid).virtualAddress(va).access(kind == 1 ? AccessKind.WRITE : AccessKind.READ).cpu(cpu);
            ctx.commit();
        }
    }

    /** On CPU 0: creates the spaces, starts the workers, changes mappings and checks after each answer. */
    static final class Coordinator implements Actor
    {
        final World world;
        Consumer<Message> onReply;
        Runnable onTimer;
        ActorContext ctx;
        int operations;
        int child;
        final UnmapReplyDecoder unmapReply = new UnmapReplyDecoder();
        final ProtectReplyDecoder protectReply = new ProtectReplyDecoder();
        final RegionMapReplyDecoder mapReply = new RegionMapReplyDecoder();
        final AddressSpaceForkReplyDecoder forkReply = new AddressSpaceForkReplyDecoder();
        final AddressSpaceCreateReplyDecoder createReply = new AddressSpaceCreateReplyDecoder();
        final AddressSpaceDestroyReplyDecoder destroyReply = new AddressSpaceDestroyReplyDecoder();

        Coordinator(final World world)
        {
            this.world = world;
        }

        @Override
        public void onMessage(final Message m, final ActorContext context)
        {
            ctx = context;
            if (m.is(StartDecoder.SCHEMA_ID, StartDecoder.TEMPLATE_ID))
            {
                create(a ->
                {
                    world.spaceA = a;
                    create(b ->
                    {
                        world.spaceB = b;
                        map(a, BASE, PAGES, () -> map(b, BASE, PAGES, this::startWorkers));
                    });
                });
            }
            else if (m.is(TimerFiredDecoder.SCHEMA_ID, TimerFiredDecoder.TEMPLATE_ID))
            {
                final Runnable r = onTimer;
                onTimer = null;
                r.run();
            }
            else
            {
                final Consumer<Message> c = onReply;
                onReply = null;
                c.accept(m);
            }
        }

        long random(final long bound)
        {
            return Long.remainderUnsigned(ctx.nextRandom(), bound);
        }

        void startWorkers()
        {
            final PingRequestEncoder go = new PingRequestEncoder();
            for (int cpu = 1; cpu < CPUS; cpu++)
            {
                ctx.claim(ActorAddress.of(cpu, WORKER, 0), 0, go, 0);
                go.sequence(0).value(cpu == 3 ? world.spaceB : world.spaceA);
                ctx.commit();
            }
            next();
        }

        void next()
        {
            if (operations++ == OPERATIONS)
            {
                waitForWorkers();
                return;
            }
            onTimer = this::operate;
            ctx.setTimer(ctx.nanoTime() + random(5_000), 0);
        }

        void operate()
        {
            final int asid = random(3) == 0 ? world.spaceB : world.spaceA;
            final int first = (int)random(PAGES);
            final int count = 1 + (int)random(PAGES - first);
            final long va = BASE + first * PAGE;
            final long choice = random(10);
            if (child != 0 && choice < 2)
            {
                final int c = child;
                child = 0;
                destroy(c, this::next);
            }
            else if (choice < 5)
            {
                send(new UnmapEncoder(), e -> e.asid(asid).virtualAddress(va).length(count * PAGE), m ->
                {
                    unmapReply.wrap(m.buffer(), m.bodyOffset(), m.blockLength(), m.version());
                    expectOk("unmap", unmapReply.status());
                    world.checkRange("unmap", asid, va, count, false);
                    map(asid, va, count, this::next);
                });
            }
            else if (choice < 8)
            {
                send(new ProtectEncoder(), e -> e.asid(asid).virtualAddress(va).length(count * PAGE).protection((short)RO), m ->
                {
                    protectReply.wrap(m.buffer(), m.bodyOffset(), m.blockLength(), m.version());
                    expectOk("protect", protectReply.status());
                    world.checkRange("protect", asid, va, count, false);
                    send(new ProtectEncoder(), e -> e.asid(asid).virtualAddress(va).length(count * PAGE).protection((short)RW),
                        m2 -> next());
                });
            }
            else if (child == 0)
            {
                send(new AddressSpaceForkEncoder(), e -> e.asid(asid), m ->
                {
                    forkReply.wrap(m.buffer(), m.bodyOffset(), m.blockLength(), m.version());
                    expectOk("fork", forkReply.status());
                    child = forkReply.childAsid();
                    world.checkRange("fork", asid, BASE, PAGES, true);
                    next();
                });
            }
            else
            {
                next();
            }
        }

        void waitForWorkers()
        {
            for (int cpu = 1; cpu < CPUS; cpu++)
            {
                if (!world.workers[cpu].done)
                {
                    onTimer = this::waitForWorkers;
                    ctx.setTimer(ctx.nanoTime() + 10_000, 0);
                    return;
                }
            }
            // Nothing in flight now: every entry of every space must match the tables, and
            // the CPU sets must be exactly the CPUs that activated the space.
            for (final int asid : new int[]{world.spaceA, world.spaceB})
            {
                world.checkRange("quiescence", asid, BASE, PAGES, false);
                long active = 0;
                for (int cpu = 0; cpu < CPUS; cpu++)
                {
                    active |= world.tlbs[cpu].isActive(asid) ? 1L << cpu : 0;
                }
                if (active != world.vm.cpuMask(asid))
                {
                    world.fail("asid " + asid + " cpu set " + world.vm.cpuMask(asid) + " but active on " + active);
                }
            }
            if (world.vm.checkInvariants() != 0)
            {
                world.fail("vm invariants violated");
            }
            final Runnable shutdown = () -> destroy(world.spaceA, () -> destroy(world.spaceB, this::shutdown));
            if (child != 0)
            {
                destroy(child, shutdown);
            }
            else
            {
                shutdown.run();
            }
        }

        void shutdown()
        {
            world.finished = true;
            final ShutdownEncoder e = new ShutdownEncoder();
            for (int cpu = 0; cpu < CPUS; cpu++)
            {
                ctx.claim(ActorAddress.of(cpu, ServiceIds.RUNTIME, 0), 0, e, 0);
                e.reason(0);
                ctx.commit();
            }
        }

        void expectOk(final String what, final VmStatus status)
        {
            if (status != VmStatus.OK)
            {
                world.fail(what + " answered " + status);
            }
        }

        <E extends org.agrona.sbe.MessageEncoderFlyweight> void send(final E encoder, final Consumer<E> fill, final Consumer<Message> reply)
        {
            if (ctx.claim(VmService.address(0), ctx.nextCorrelationId(), encoder, 0) < 0)
            {
                throw new IllegalStateException("coordinator send refused");
            }
            fill.accept(encoder);
            ctx.commit();
            onReply = reply;
        }

        void create(final java.util.function.IntConsumer then)
        {
            send(new AddressSpaceCreateEncoder(), e -> { }, m ->
            {
                createReply.wrap(m.buffer(), m.bodyOffset(), m.blockLength(), m.version());
                expectOk("create", createReply.status());
                then.accept(createReply.asid());
            });
        }

        void map(final int asid, final long va, final int pages, final Runnable then)
        {
            send(new RegionMapEncoder(), e -> e.asid(asid).virtualAddress(va).length(pages * PAGE).kind(RegionKind.ANONYMOUS)
                .protection((short)RW).eager((short)0).imageSource(ImageSource.FRAMES).physicalBase(0).sourceAsid(0)
                .sourceAddress(0), m ->
            {
                mapReply.wrap(m.buffer(), m.bodyOffset(), m.blockLength(), m.version());
                expectOk("map", mapReply.status());
                then.run();
            });
        }

        void destroy(final int asid, final Runnable then)
        {
            send(new AddressSpaceDestroyEncoder(), e -> e.asid(asid), m ->
            {
                destroyReply.wrap(m.buffer(), m.bodyOffset(), m.blockLength(), m.version());
                expectOk("destroy", destroyReply.status());
                then.run();
            });
        }
    }

    /** @return the run's digest. */
    static long run(final String arch, final long seed, final boolean check)
    {
        final MachineDescription description = MachineDescription.DEFAULT.withCpus(CPUS).withMemory(64 * MIB)
            .withSelfCheck(0, 1).withArchitecture(arch);
        final Simulator simulator = new Simulator(description, seed, SimulationOptions.DEFAULT, null);
        try
        {
            // the machine's own VM service (on CPU 0) and TLB services (one per CPU)
            final World world = new World(arch, seed, simulator.machine());
            final CpuAgent[] cpus = simulator.machine().cpus();
            for (int cpu = 0; cpu < CPUS; cpu++)
            {
                world.tlbs[cpu] = (TlbService)cpus[cpu].actor(ServiceIds.VM, TlbService.INSTANCE);
                world.workers[cpu] = new Worker(world, cpu);
                cpus[cpu].register(WORKER, 0, world.workers[cpu]);
            }
            cpus[0].register(COORDINATOR, 0, new Coordinator(world));
            cpus[0].injectStart(ActorAddress.of(0, COORDINATOR, 0), 0);
            final RunResult result = simulator.runUntil(2_000_000);
            final String replay = "reproduce: mvn -pl tests/integration -am verify -Dtest=VmShootdownSimulationTest " +
                "-Dsurefire.failIfNoSpecifiedTests=false -Dtessera.vm.arch=" + arch + " -Dtessera.vm.seed=" + seed;
            if (check)
            {
                assertTrue(result.completed(), result.failure() + "; " + replay);
                assertTrue(world.finished, replay);
                assertEquals(List.of(), world.failures, replay);
                assertTrue(world.checks > OPERATIONS / 2, "the oracle ran: " + world.checks);
                long faults = 0;
                for (int cpu = 1; cpu < CPUS; cpu++)
                {
                    faults += world.workers[cpu].faults;
                }
                assertTrue(faults > 0 && world.vm.shootdowns() > 0, "the run exercised faults and shootdowns");
                assertEquals(0, world.machine.memoryServices().framesOwnedBy(Machine.VM_OWNER),
                    "frames still held by the VM service; " + replay);
                assertEquals(0, world.machine.memoryServices().checkAccounting(), replay);
                assertEquals(0, world.vm.sessionsInUse(), replay);
            }
            return result.digest();
        }
        finally
        {
            simulator.machine().close();
        }
    }

    @ParameterizedTest(name = "{0} seed {1}")
    @MethodSource("runs")
    void shouldNeverLeaveAStaleTranslationAfterAnAnswer(final String arch, final long seed, final boolean twice)
    {
        System.out.println("VmShootdownSimulationTest arch " + arch + " seed " + seed);
        final long digest = run(arch, seed, true);
        if (twice)
        {
            assertEquals(digest, run(arch, seed, false), "same seed, same run");
        }
    }
}
