package org.tessera.kernel.service.memory;

import java.util.ArrayList;
import java.util.List;

import org.tessera.kernel.runtime.Actor;
import org.tessera.kernel.runtime.ActorAddress;
import org.tessera.kernel.runtime.ActorContext;
import org.tessera.kernel.runtime.Message;
import org.tessera.kernel.service.frame.FrameAllocatorService;
import org.tessera.messages.memory.FrameAllocReplyDecoder;
import org.tessera.messages.memory.FrameAllocRequestEncoder;
import org.tessera.messages.memory.FrameFreeReplyDecoder;
import org.tessera.messages.memory.FrameFreeRequestEncoder;
import org.tessera.messages.memory.HeapAllocReplyDecoder;
import org.tessera.messages.memory.HeapAllocRequestEncoder;
import org.tessera.messages.memory.HeapFreeReplyDecoder;
import org.tessera.messages.memory.HeapFreeRequestEncoder;
import org.tessera.messages.memory.ZoneClass;
import org.tessera.messages.runtime.StartDecoder;
import org.tessera.messages.runtime.TimerFiredDecoder;

/**
 * A workload actor: keeps up to {@code window} requests in flight, each an allocation of
 * frames (from a random node's service, random count and zone) or of a heap object (from a
 * random CPU's heap, random size), and frees what it got after a random number of further
 * operations, until {@code operations} allocations were issued and everything was freed.
 * Every choice comes from {@code ctx.nextRandom()}, so a deterministic schedule replays it.
 */
final class StressClient implements Actor
{
    final int cpu;
    final int owner;
    final int operations;
    final int window;
    final long[] frameServices;
    final int cpuCount;
    final FrameAllocRequestEncoder frameAlloc = new FrameAllocRequestEncoder();
    final FrameFreeRequestEncoder frameFree = new FrameFreeRequestEncoder();
    final HeapAllocRequestEncoder heapAlloc = new HeapAllocRequestEncoder();
    final HeapFreeRequestEncoder heapFree = new HeapFreeRequestEncoder();
    final FrameAllocReplyDecoder frameAllocReply = new FrameAllocReplyDecoder();
    final FrameFreeReplyDecoder frameFreeReply = new FrameFreeReplyDecoder();
    final HeapAllocReplyDecoder heapAllocReply = new HeapAllocReplyDecoder();
    final HeapFreeReplyDecoder heapFreeReply = new HeapFreeReplyDecoder();
    /** Held allocations: {kind (0 frames, 1 heap), pa, count, heap address}. */
    final List<long[]> held = new ArrayList<>();
    int issued;
    int inFlight;
    boolean retryPending;
    long frameOk;
    long heapOk;
    long noMemory;
    long busy;
    long freeOk;
    long freeErrors;
    long unexpected;
    volatile boolean done;

    StressClient(final int cpu, final int cpuCount, final long[] frameServices, final int operations, final int window)
    {
        this.cpu = cpu;
        this.cpuCount = cpuCount;
        this.owner = 100 + cpu;
        this.frameServices = frameServices;
        this.operations = operations;
        this.window = window;
    }

    @Override
    public void onMessage(final Message m, final ActorContext ctx)
    {
        if (m.is(StartDecoder.SCHEMA_ID, StartDecoder.TEMPLATE_ID))
        {
            pump(ctx);
            return;
        }
        if (m.is(TimerFiredDecoder.SCHEMA_ID, TimerFiredDecoder.TEMPLATE_ID))
        {
            retryPending = false;
            pump(ctx);
            return;
        }
        if (m.schemaId() != FrameAllocReplyDecoder.SCHEMA_ID)
        {
            unexpected++;
            return;
        }
        inFlight--;
        switch (m.templateId())
        {
            case FrameAllocReplyDecoder.TEMPLATE_ID ->
            {
                frameAllocReply.wrap(m.buffer(), m.bodyOffset(), m.blockLength(), m.version());
                final int status = frameAllocReply.statusRaw();
                if (status == 0)
                {
                    frameOk++;
                    held.add(new long[]{0, frameAllocReply.physicalAddress(), frameAllocReply.count(), 0});
                }
                else
                {
                    count(status);
                }
            }
            case HeapAllocReplyDecoder.TEMPLATE_ID ->
            {
                heapAllocReply.wrap(m.buffer(), m.bodyOffset(), m.blockLength(), m.version());
                final int status = heapAllocReply.statusRaw();
                if (status == 0)
                {
                    heapOk++;
                    held.add(new long[]{1, heapAllocReply.physicalAddress(), 0, m.source()});
                }
                else
                {
                    count(status);
                }
            }
            case FrameFreeReplyDecoder.TEMPLATE_ID ->
            {
                frameFreeReply.wrap(m.buffer(), m.bodyOffset(), m.blockLength(), m.version());
                freed(frameFreeReply.statusRaw());
            }
            case HeapFreeReplyDecoder.TEMPLATE_ID ->
            {
                heapFreeReply.wrap(m.buffer(), m.bodyOffset(), m.blockLength(), m.version());
                freed(heapFreeReply.statusRaw());
            }
            default -> unexpected++;
        }
        pump(ctx);
    }

    private void count(final int status)
    {
        if (status == 1)
        {
            noMemory++;
        }
        else if (status == 9)
        {
            busy++;
        }
        else
        {
            unexpected++;
        }
    }

    private void freed(final int status)
    {
        if (status == 0)
        {
            freeOk++;
        }
        else if (status == 9)
        {
            // BUSY: the free changed nothing; the held entry was removed, so count it as an error
            freeErrors++;
        }
        else
        {
            freeErrors++;
        }
    }

    private int random(final ActorContext ctx, final int bound)
    {
        return (int)Long.remainderUnsigned(ctx.nextRandom(), bound);
    }

    private void pump(final ActorContext ctx)
    {
        while (inFlight < window)
        {
            final boolean mustFree = issued == operations;
            if (mustFree && held.isEmpty())
            {
                if (inFlight == 0)
                {
                    done = true;
                }
                return;
            }
            final boolean free = mustFree || (!held.isEmpty() && random(ctx, 2) == 0);
            if (!(free ? sendFree(ctx) : sendAlloc(ctx)))
            {
                if (!retryPending && ctx.setTimer(ctx.nanoTime() + 5_000, 0) >= 0)
                {
                    retryPending = true;
                }
                return;
            }
            inFlight++;
        }
    }

    private boolean sendAlloc(final ActorContext ctx)
    {
        if (random(ctx, 2) == 0)
        {
            final long service = frameServices[random(ctx, frameServices.length)];
            final int count = random(ctx, 16) == 0 ? 512 + random(ctx, 200) : 1 + random(ctx, 16);
            final ZoneClass zone = random(ctx, 8) == 0 ? ZoneClass.DMA : ZoneClass.NORMAL;
            if (ctx.claim(service, ctx.nextCorrelationId(), frameAlloc, 0) < 0)
            {
                return false;
            }
            frameAlloc.count(count).zoneClass(zone).ownerId(owner).nodeHint(FrameAllocatorService.NODE_ANY);
        }
        else
        {
            final long heap = MemoryServices.heapAddress(random(ctx, cpuCount));
            final int size = random(ctx, 10) == 0 ? 2049 + random(ctx, 9000) : 1 + random(ctx, 2048);
            if (ctx.claim(heap, ctx.nextCorrelationId(), heapAlloc, 0) < 0)
            {
                return false;
            }
            heapAlloc.size(size);
        }
        ctx.commit();
        issued++;
        return true;
    }

    private boolean sendFree(final ActorContext ctx)
    {
        final int i = random(ctx, held.size());
        final long[] h = held.get(i);
        if (h[0] == 0)
        {
            // Any node's service takes the free and relays it to the holder.
            final long service = frameServices[random(ctx, frameServices.length)];
            if (ctx.claim(service, ctx.nextCorrelationId(), frameFree, 0) < 0)
            {
                return false;
            }
            frameFree.physicalAddress(h[1]).count(h[2]).ownerId(owner);
        }
        else
        {
            if (ctx.claim(h[3], ctx.nextCorrelationId(), heapFree, 0) < 0)
            {
                return false;
            }
            heapFree.physicalAddress(h[1]);
        }
        ctx.commit();
        held.set(i, held.get(held.size() - 1));
        held.remove(held.size() - 1);
        return true;
    }

    static long[] frameServices(final MemoryServices services)
    {
        final long[] a = new long[services.nodeCount()];
        for (int n = 0; n < a.length; n++)
        {
            a[n] = services.frameServiceAddress(n);
        }
        return a;
    }

    static long address(final int cpu)
    {
        return ActorAddress.of(cpu, MemoryRig.CLIENT, 1);
    }
}
