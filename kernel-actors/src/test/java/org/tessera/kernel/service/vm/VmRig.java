package org.tessera.kernel.service.vm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

import org.agrona.concurrent.UnsafeBuffer;
import org.tessera.arch.aarch64.Aarch64PageTableFormat;
import org.tessera.arch.riscv64.paging.Sv48PageTableFormat;
import org.tessera.arch.spi.PageTableFormat;
import org.tessera.arch.spi.PageTableStatus;
import org.tessera.arch.spi.PhysicalMemory;
import org.tessera.arch.spi.Tlb;
import org.tessera.arch.x86_64.X86_64PageTableFormat;
import org.tessera.kernel.runtime.Actor;
import org.tessera.kernel.runtime.ActorAddress;
import org.tessera.kernel.runtime.ActorContext;
import org.tessera.kernel.runtime.Clock;
import org.tessera.kernel.runtime.CpuAgent;
import org.tessera.kernel.runtime.InboxTransport;
import org.tessera.kernel.runtime.Message;
import org.tessera.kernel.runtime.ServiceIds;
import org.tessera.kernel.service.frame.FrameAllocatorCore;
import org.tessera.kernel.service.frame.MemoryDescription;
import org.tessera.kernel.service.frame.PhysicalLayout;
import org.tessera.lockfree.Inbox;
import org.tessera.messages.runtime.StartDecoder;
import org.tessera.messages.vm.AccessKind;
import org.tessera.messages.vm.AddressSpaceBuildEncoder;
import org.tessera.messages.vm.AddressSpaceCreateReplyDecoder;
import org.tessera.messages.vm.AddressSpaceDestroyReplyDecoder;
import org.tessera.messages.vm.AddressSpaceForkReplyDecoder;
import org.tessera.messages.vm.FaultResult;
import org.tessera.messages.vm.ImageSource;
import org.tessera.messages.vm.PageFaultReplyDecoder;
import org.tessera.messages.vm.ProtectReplyDecoder;
import org.tessera.messages.vm.RegionKind;
import org.tessera.messages.vm.RegionMapReplyDecoder;
import org.tessera.messages.vm.SpaceSwitchEncoder;
import org.tessera.messages.vm.SpaceSwitchReplyDecoder;
import org.tessera.messages.vm.TranslateReplyDecoder;
import org.tessera.messages.vm.UnmapReplyDecoder;
import org.tessera.messages.vm.VmStatus;

/**
 * A hand-stepped machine for VM tests: N CPU loops with a manual clock and no threads, the
 * VM service on CPU 0, a TLB service on every CPU, a frame allocator core behind
 * {@link CoreFrames}, and a client actor per CPU that sends requests and keeps the replies.
 */
final class VmRig implements AutoCloseable
{
    static final long MIB = 1L << 20;
    static final long PAGE = 4096;
    static final int OWNER = 7;
    static final int HOG = 99;
    static final int CLIENT = ServiceIds.FIRST_USER_SERVICE;
    static final int R = 1;
    static final int W = 2;
    static final int X = 4;
    static final int U = 8;
    static final int RW = R | W | U;
    static final int RO = R | U;

    final String arch;
    final PhysicalMemory memory;
    final FrameAllocatorCore core;
    final CoreFrames frames;
    final PageTableFormat format;
    final VmService vm;
    final CpuAgent[] cpus;
    final TlbService[] tlbs;
    final Client[] clients;
    final long initialFree;
    long time = 1_000;
    final Clock clock = () -> time;

    /** A reply kept by a client: its template, correlation id and a copy of its body. */
    record Reply(int template, long correlationId, UnsafeBuffer body, int blockLength, int version)
    {
    }

    /** Runs an action when started and keeps every message it receives. */
    static final class Client implements Actor
    {
        final List<Reply> replies = new ArrayList<>();
        final VmProxy proxy = new VmProxy(VmService.address(0));
        Consumer<ActorContext> action;
        long lastCorrelation;

        @Override
        public void onMessage(final Message m, final ActorContext ctx)
        {
            if (m.is(StartDecoder.SCHEMA_ID, StartDecoder.TEMPLATE_ID))
            {
                final Consumer<ActorContext> a = action;
                action = null;
                if (a != null)
                {
                    a.accept(ctx);
                }
                return;
            }
            final int length = m.length() - (m.bodyOffset() - m.recordOffset());
            final UnsafeBuffer copy = new UnsafeBuffer(new byte[Math.max(length, 8)]);
            copy.putBytes(0, m.buffer(), m.bodyOffset(), length);
            replies.add(new Reply(m.templateId(), m.correlationId(), copy, m.blockLength(), m.version()));
        }
    }

    static PageTableFormat format(final String arch, final PhysicalMemory memory)
    {
        return switch (arch)
        {
            case "x86_64" -> new X86_64PageTableFormat(memory);
            case "aarch64" -> new Aarch64PageTableFormat(memory);
            case "riscv64" -> new Sv48PageTableFormat(memory);
            default -> throw new IllegalArgumentException(arch);
        };
    }

    VmRig(final String arch, final int cpuCount)
    {
        this(arch, cpuCount, 32 * MIB, VmService.DEFAULT_SHOOTDOWN_THRESHOLD_PAGES, 64);
    }

    VmRig(final String arch, final int cpuCount, final long memoryBytes, final int threshold, final int sessions)
    {
        this(arch, cpuCount, memoryBytes, threshold, sessions, -1L);
    }

    /** @param tlbCpus bit set of the CPUs that get a TLB service. */
    VmRig(final String arch, final int cpuCount, final long memoryBytes, final int threshold, final int sessions,
        final long tlbCpus)
    {
        this.arch = arch;
        memory = new PhysicalMemory(memoryBytes);
        core = new FrameAllocatorCore(
            new PhysicalLayout(MemoryDescription.singleNode(memoryBytes, new long[]{0}, new long[]{MIB}, 0)), 0);
        frames = new CoreFrames(core, memory, PhysicalLayout.ZONE_NORMAL, OWNER);
        format = format(arch, memory);
        vm = new VmService(memory, format, frames, 16, 16, sessions, threshold);
        final Inbox[] inboxes = new Inbox[cpuCount];
        for (int i = 0; i < cpuCount; i++)
        {
            inboxes[i] = new Inbox(64 * 1024);
        }
        final InboxTransport transport = new InboxTransport(inboxes);
        cpus = new CpuAgent[cpuCount];
        tlbs = new TlbService[cpuCount];
        clients = new Client[cpuCount];
        for (int i = 0; i < cpuCount; i++)
        {
            cpus[i] = new CpuAgent(i, cpuCount, inboxes[i], 64 * 1024, transport, clock, null, 1 + i, 64);
            tlbs[i] = new TlbService(new Tlb(16, 4), format, VmService.address(0), 16, 64);
            if ((tlbCpus & (1L << i)) != 0)
            {
                cpus[i].register(ServiceIds.VM, TlbService.INSTANCE, tlbs[i]);
            }
            clients[i] = new Client();
            cpus[i].register(CLIENT, 0, clients[i]);
        }
        cpus[0].register(ServiceIds.VM, VmService.INSTANCE, vm);
        initialFree = core.freeFrames();
    }

    @Override
    public void close()
    {
        memory.close();
    }

    /** Step every CPU round robin until none has anything left to do, firing pending timers. */
    void runUntilQuiet()
    {
        int idle = 0;
        for (int round = 0; round < 100_000 && idle < 2; round++)
        {
            int work = 0;
            for (final CpuAgent c : cpus)
            {
                work += c.doWork();
            }
            time += 100;
            idle = work == 0 ? idle + 1 : 0;
            if (idle == 2)
            {
                long next = Long.MAX_VALUE;
                for (final CpuAgent c : cpus)
                {
                    next = Math.min(next, c.nextTimerDeadline());
                }
                if (next != Long.MAX_VALUE)
                {
                    time = Math.max(time, next);
                    idle = 0;
                }
            }
        }
    }

    /** Make the client on {@code cpu} run {@code action} on its next step; returns at once. */
    void post(final int cpu, final Consumer<ActorContext> action)
    {
        clients[cpu].action = action;
        assertTrue(cpus[cpu].injectStart(ActorAddress.of(cpu, CLIENT, 0), 0));
    }

    /** Send from the client on {@code cpu}, run until quiet, and return the reply. */
    Reply call(final int cpu, final Consumer<ActorContext> action)
    {
        final int before = clients[cpu].replies.size();
        post(cpu, action);
        runUntilQuiet();
        final List<Reply> replies = clients[cpu].replies;
        assertEquals(before + 1, replies.size(), "exactly one reply");
        final Reply reply = replies.get(before);
        assertEquals(clients[cpu].lastCorrelation, reply.correlationId(), "reply correlated with the request");
        return reply;
    }

    static long vmAddress()
    {
        return VmService.address(0);
    }

    static void send(final ActorContext ctx, final Client client, final long to, final org.agrona.sbe.MessageEncoderFlyweight e)
    {
        client.lastCorrelation = ctx.nextCorrelationId();
        if (ctx.claim(to, client.lastCorrelation, e, 0) < 0)
        {
            throw new IllegalStateException("test send refused");
        }
    }

    /** Note the correlation id of the request a proxy call is about to send. */
    static long next(final ActorContext ctx, final Client client)
    {
        client.lastCorrelation = ctx.nextCorrelationId();
        return client.lastCorrelation;
    }

    static void sent(final int claimResult)
    {
        if (claimResult < 0)
        {
            throw new IllegalStateException("test send refused");
        }
    }

    // ---- requests -----------------------------------------------------------------------

    int create(final int cpu)
    {
        final AddressSpaceCreateReplyDecoder d = new AddressSpaceCreateReplyDecoder();
        final Reply r = call(cpu, ctx -> sent(clients[cpu].proxy.createSpace(ctx, next(ctx, clients[cpu]))));
        d.wrap(r.body(), 0, r.blockLength(), r.version());
        assertEquals(VmStatus.OK, d.status());
        return d.asid();
    }

    /** The reply to an AddressSpaceCreate, for its root. */
    AddressSpaceCreateReplyDecoder createReply(final int cpu)
    {
        final AddressSpaceCreateReplyDecoder d = new AddressSpaceCreateReplyDecoder();
        final Reply r = call(cpu, ctx -> sent(clients[cpu].proxy.createSpace(ctx, next(ctx, clients[cpu]))));
        d.wrap(r.body(), 0, r.blockLength(), r.version());
        return d;
    }

    /** An initial region of an AddressSpaceBuild. */
    record Initial(long va, long length, RegionKind kind, int protection, boolean eager)
    {
    }

    /** AddressSpaceBuild with the given regions, of any kind (the proxy sends only anonymous ones). */
    AddressSpaceCreateReplyDecoder build(final int cpu, final Initial... regions)
    {
        final AddressSpaceCreateReplyDecoder d = new AddressSpaceCreateReplyDecoder();
        final Reply r = call(cpu, ctx ->
        {
            final AddressSpaceBuildEncoder e = new AddressSpaceBuildEncoder();
            final int varLength = AddressSpaceBuildEncoder.RegionsEncoder.sbeHeaderSize() +
                regions.length * AddressSpaceBuildEncoder.RegionsEncoder.sbeBlockLength();
            sent(ctx.claim(vmAddress(), next(ctx, clients[cpu]), e, varLength));
            final AddressSpaceBuildEncoder.RegionsEncoder g = e.regionsCount(regions.length);
            for (final Initial i : regions)
            {
                g.next().virtualAddress(i.va()).length(i.length()).kind(i.kind()).protection((short)i.protection())
                    .eager((short)(i.eager() ? 1 : 0));
            }
            ctx.commit();
        });
        d.wrap(r.body(), 0, r.blockLength(), r.version());
        return d;
    }

    AddressSpaceDestroyReplyDecoder destroy(final int cpu, final int asid)
    {
        final AddressSpaceDestroyReplyDecoder d = new AddressSpaceDestroyReplyDecoder();
        final Reply r = call(cpu, ctx -> sent(clients[cpu].proxy.destroySpace(ctx, next(ctx, clients[cpu]), asid)));
        d.wrap(r.body(), 0, r.blockLength(), r.version());
        return d;
    }

    RegionMapReplyDecoder map(
        final int cpu, final int asid, final long va, final long length, final RegionKind kind, final int protection,
        final boolean eager, final ImageSource source, final long base, final int sourceAsid, final long sourceVa)
    {
        final RegionMapReplyDecoder d = new RegionMapReplyDecoder();
        final Reply r = call(cpu, ctx ->
        {
            final VmProxy proxy = clients[cpu].proxy;
            final long id = next(ctx, clients[cpu]);
            if (kind == RegionKind.IMAGE)
            {
                sent(proxy.mapImage(ctx, id, asid, va, length, protection, eager, source, base));
            }
            else if (kind == RegionKind.SHARED && sourceAsid != 0)
            {
                sent(proxy.mapShared(ctx, id, asid, va, length, protection, sourceAsid, sourceVa));
            }
            else
            {
                sent(proxy.map(ctx, id, asid, va, length, kind, protection, eager));
            }
        });
        d.wrap(r.body(), 0, r.blockLength(), r.version());
        return d;
    }

    RegionMapReplyDecoder anonymous(final int asid, final long va, final long length, final int protection, final boolean eager)
    {
        return map(0, asid, va, length, RegionKind.ANONYMOUS, protection, eager, ImageSource.FRAMES, 0, 0, 0);
    }

    UnmapReplyDecoder unmap(final int cpu, final int asid, final long va, final long length)
    {
        final UnmapReplyDecoder d = new UnmapReplyDecoder();
        final Reply r = call(cpu, ctx -> sent(clients[cpu].proxy.unmap(ctx, next(ctx, clients[cpu]), asid, va, length)));
        d.wrap(r.body(), 0, r.blockLength(), r.version());
        return d;
    }

    ProtectReplyDecoder protect(final int cpu, final int asid, final long va, final long length, final int protection)
    {
        final ProtectReplyDecoder d = new ProtectReplyDecoder();
        final Reply r = call(cpu, ctx ->
            sent(clients[cpu].proxy.protect(ctx, next(ctx, clients[cpu]), asid, va, length, protection)));
        d.wrap(r.body(), 0, r.blockLength(), r.version());
        return d;
    }

    PageFaultReplyDecoder fault(final int cpu, final int asid, final long va, final AccessKind access)
    {
        final PageFaultReplyDecoder d = new PageFaultReplyDecoder();
        final Reply r = call(cpu, ctx -> sent(clients[cpu].proxy.pageFault(ctx, next(ctx, clients[cpu]), asid, va, access)));
        d.wrap(r.body(), 0, r.blockLength(), r.version());
        return d;
    }

    AddressSpaceForkReplyDecoder fork(final int cpu, final int asid)
    {
        final AddressSpaceForkReplyDecoder d = new AddressSpaceForkReplyDecoder();
        final Reply r = call(cpu, ctx -> sent(clients[cpu].proxy.forkSpace(ctx, next(ctx, clients[cpu]), asid)));
        d.wrap(r.body(), 0, r.blockLength(), r.version());
        return d;
    }

    TranslateReplyDecoder translate(final int asid, final long va)
    {
        final TranslateReplyDecoder d = new TranslateReplyDecoder();
        final Reply r = call(0, ctx -> sent(clients[0].proxy.translate(ctx, next(ctx, clients[0]), asid, va)));
        d.wrap(r.body(), 0, r.blockLength(), r.version());
        return d;
    }

    /** Run {@code asid} on {@code cpu} (activating it with the VM service). */
    void switchTo(final int cpu, final int asid)
    {
        final SpaceSwitchReplyDecoder d = new SpaceSwitchReplyDecoder();
        final Reply r = call(cpu, ctx ->
        {
            final SpaceSwitchEncoder e = new SpaceSwitchEncoder();
            send(ctx, clients[cpu], TlbService.address(cpu), e);
            e.asid(asid);
            ctx.commit();
        });
        d.wrap(r.body(), 0, r.blockLength(), r.version());
        assertEquals(VmStatus.OK, d.status());
        assertEquals(asid, d.asid());
    }

    static AccessKind kind(final int accessKind)
    {
        return accessKind == 1 ? AccessKind.WRITE : accessKind == 2 ? AccessKind.EXECUTE : AccessKind.READ;
    }

    /**
     * A user access by the space running on {@code cpu}: through its TLB, and on a fault
     * through the VM service and once more.
     *
     * @return the physical address, or -1 when the VM answered that the access is invalid.
     */
    long touch(final int cpu, final long va, final int accessKind)
    {
        long pa = tlbs[cpu].access(va, accessKind);
        if (pa >= 0)
        {
            return pa;
        }
        final PageFaultReplyDecoder reply = fault(cpu, tlbs[cpu].currentAsid(), va, kind(accessKind));
        if (reply.result() != FaultResult.RESOLVED)
        {
            return -1;
        }
        pa = tlbs[cpu].access(va, accessKind);
        assertTrue(pa >= 0, "a resolved fault lets the access through: " + PageTableStatus.name(pa));
        assertEquals(reply.physicalAddress(), pa, "the retried access reaches the frame the fault reply named");
        return pa;
    }

    /** Write a long at {@code va} as the space running on {@code cpu}. */
    void store(final int cpu, final long va, final long value)
    {
        final long pa = touch(cpu, va, 1);
        assertTrue(pa >= 0, "store refused");
        memory.putLong(pa, value);
    }

    /** Read a long at {@code va} as the space running on {@code cpu}. */
    long load(final int cpu, final long va)
    {
        final long pa = touch(cpu, va, 0);
        assertTrue(pa >= 0, "load refused");
        return memory.getLong(pa);
    }

    /**
     * The accounting invariant: the allocator's own check passes, every VM frame is either a
     * referenced page or a page table, the VM's reference counts match its page tables, and
     * no request is left half done.
     */
    void checkAccounting()
    {
        assertEquals(0, core.checkAccounting(), "frame allocator accounting");
        assertEquals(0, vm.checkInvariants(), "vm invariants");
        assertEquals(0, vm.sessionsInUse(), "no request left in progress");
        assertEquals(frames.framesHeld(), (long)vm.pagesReferenced() + vm.tableFrames(),
            "every frame the VM holds is a referenced page or a page table");
        long owned = 0;
        for (long pa = 0; pa < memory.size(); pa += PAGE)
        {
            if (core.ownerOf(pa) == OWNER)
            {
                owned++;
            }
        }
        assertEquals(frames.framesHeld(), owned, "the allocator records exactly the VM's frames under its owner id");
    }

    /** Every frame the VM took is back. */
    void checkAllReturned()
    {
        checkAccounting();
        assertEquals(0, frames.framesHeld(), "frames still held by the VM");
        assertEquals(initialFree, core.freeFrames(), "free frames as at the start");
    }
}
