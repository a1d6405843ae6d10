package org.tessera.kernel.service.memory;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;

import org.tessera.kernel.runtime.Actor;
import org.tessera.kernel.runtime.ActorContext;
import org.tessera.kernel.runtime.Message;
import org.tessera.messages.memory.FrameAllocReplyDecoder;
import org.tessera.messages.memory.FrameAllocRequestEncoder;
import org.tessera.messages.memory.FrameFreeReplyDecoder;
import org.tessera.messages.memory.FrameFreeRequestEncoder;
import org.tessera.messages.memory.FrameStatsReplyDecoder;
import org.tessera.messages.memory.FrameStatsRequestEncoder;
import org.tessera.messages.memory.HeapAllocReplyDecoder;
import org.tessera.messages.memory.HeapAllocRequestEncoder;
import org.tessera.messages.memory.HeapFreeReplyDecoder;
import org.tessera.messages.memory.HeapFreeRequestEncoder;
import org.tessera.messages.memory.HeapStatsReplyDecoder;
import org.tessera.messages.memory.HeapStatsRequestEncoder;
import org.tessera.messages.memory.ZoneClass;
import org.tessera.messages.runtime.StartDecoder;

/**
 * A requester actor for tests: the test queues requests on the host side, {@link MemoryRig#kick}
 * injects a Start that makes the actor send them all, and every reply is recorded in order.
 */
final class TestClient implements Actor
{
    /** A recorded reply. */
    record Reply(String type, long correlationId, long source, int status, long pa, long count, int node, List<String> lines)
    {
        boolean ok()
        {
            return status == 0;
        }
    }

    interface Command
    {
        void send(TestClient client, ActorContext ctx);
    }

    final Deque<Command> pending = new ArrayDeque<>();
    final List<Reply> replies = new ArrayList<>();
    final List<Long> sentCorrelations = new ArrayList<>();
    final FrameAllocRequestEncoder frameAlloc = new FrameAllocRequestEncoder();
    final FrameFreeRequestEncoder frameFree = new FrameFreeRequestEncoder();
    final FrameStatsRequestEncoder frameStats = new FrameStatsRequestEncoder();
    final HeapAllocRequestEncoder heapAlloc = new HeapAllocRequestEncoder();
    final HeapFreeRequestEncoder heapFree = new HeapFreeRequestEncoder();
    final HeapStatsRequestEncoder heapStats = new HeapStatsRequestEncoder();
    final FrameAllocReplyDecoder frameAllocReply = new FrameAllocReplyDecoder();
    final FrameFreeReplyDecoder frameFreeReply = new FrameFreeReplyDecoder();
    final FrameStatsReplyDecoder frameStatsReply = new FrameStatsReplyDecoder();
    final HeapAllocReplyDecoder heapAllocReply = new HeapAllocReplyDecoder();
    final HeapFreeReplyDecoder heapFreeReply = new HeapFreeReplyDecoder();
    final HeapStatsReplyDecoder heapStatsReply = new HeapStatsReplyDecoder();
    int backPressured;

    @Override
    public void onMessage(final Message m, final ActorContext ctx)
    {
        if (m.is(StartDecoder.SCHEMA_ID, StartDecoder.TEMPLATE_ID))
        {
            while (!pending.isEmpty())
            {
                pending.poll().send(this, ctx);
            }
            return;
        }
        if (m.schemaId() != FrameAllocReplyDecoder.SCHEMA_ID)
        {
            replies.add(new Reply("other " + m.schemaId() + "/" + m.templateId(), m.correlationId(), m.source(), -1, -1, 0, -1, List.of()));
            return;
        }
        switch (m.templateId())
        {
            case FrameAllocReplyDecoder.TEMPLATE_ID ->
            {
                final FrameAllocReplyDecoder d = frameAllocReply;
                d.wrap(m.buffer(), m.bodyOffset(), m.blockLength(), m.version());
                replies.add(new Reply("frameAlloc", m.correlationId(), m.source(), d.statusRaw(), d.physicalAddress(), d.count(), d.nodeServed(), List.of()));
            }
            case FrameFreeReplyDecoder.TEMPLATE_ID ->
            {
                final FrameFreeReplyDecoder d = frameFreeReply;
                d.wrap(m.buffer(), m.bodyOffset(), m.blockLength(), m.version());
                replies.add(new Reply("frameFree", m.correlationId(), m.source(), d.statusRaw(), d.physicalAddress(), d.count(), d.node(), List.of()));
            }
            case FrameStatsReplyDecoder.TEMPLATE_ID ->
            {
                final FrameStatsReplyDecoder d = frameStatsReply;
                d.wrap(m.buffer(), m.bodyOffset(), m.blockLength(), m.version());
                final long free = d.freeFrames();
                final int node = d.node();
                final List<String> lines = MemoryReport.frameNode(d);
                replies.add(new Reply("frameStats", m.correlationId(), m.source(), 0, -1, free, node, lines));
            }
            case HeapAllocReplyDecoder.TEMPLATE_ID ->
            {
                final HeapAllocReplyDecoder d = heapAllocReply;
                d.wrap(m.buffer(), m.bodyOffset(), m.blockLength(), m.version());
                replies.add(new Reply("heapAlloc", m.correlationId(), m.source(), d.statusRaw(), d.physicalAddress(), d.grantedBytes(), -1, List.of()));
            }
            case HeapFreeReplyDecoder.TEMPLATE_ID ->
            {
                final HeapFreeReplyDecoder d = heapFreeReply;
                d.wrap(m.buffer(), m.bodyOffset(), m.blockLength(), m.version());
                replies.add(new Reply("heapFree", m.correlationId(), m.source(), d.statusRaw(), d.physicalAddress(), 0, -1, List.of()));
            }
            case HeapStatsReplyDecoder.TEMPLATE_ID ->
            {
                final HeapStatsReplyDecoder d = heapStatsReply;
                d.wrap(m.buffer(), m.bodyOffset(), m.blockLength(), m.version());
                final int cpu = d.cpu();
                final List<String> lines = MemoryReport.heapCpu(d);
                replies.add(new Reply("heapStats", m.correlationId(), m.source(), 0, -1, 0, cpu, lines));
            }
            default -> replies.add(new Reply("unexpected " + m.templateId(), m.correlationId(), m.source(), -1, -1, 0, -1, List.of()));
        }
    }

    private long correlation(final ActorContext ctx)
    {
        final long c = ctx.nextCorrelationId();
        sentCorrelations.add(c);
        return c;
    }

    private boolean claimed(final int offset)
    {
        if (offset < 0)
        {
            backPressured++;
            throw new IllegalStateException("test client back-pressured: " + offset);
        }
        return true;
    }

    void allocFrames(final long service, final int count, final ZoneClass zone, final int owner, final int hint)
    {
        pending.add((c, ctx) ->
        {
            claimed(ctx.claim(service, correlation(ctx), frameAlloc, 0));
            frameAlloc.count(count).zoneClass(zone).ownerId(owner).nodeHint(hint);
            ctx.commit();
        });
    }

    void freeFrames(final long service, final long pa, final int count, final int owner)
    {
        pending.add((c, ctx) ->
        {
            claimed(ctx.claim(service, correlation(ctx), frameFree, 0));
            frameFree.physicalAddress(pa).count(count).ownerId(owner);
            ctx.commit();
        });
    }

    void frameStats(final long service)
    {
        pending.add((c, ctx) ->
        {
            claimed(ctx.claim(service, correlation(ctx), frameStats, 0));
            ctx.commit();
        });
    }

    void heapAlloc(final long heap, final int size)
    {
        pending.add((c, ctx) ->
        {
            claimed(ctx.claim(heap, correlation(ctx), heapAlloc, 0));
            heapAlloc.size(size);
            ctx.commit();
        });
    }

    void heapFree(final long heap, final long pa)
    {
        pending.add((c, ctx) ->
        {
            claimed(ctx.claim(heap, correlation(ctx), heapFree, 0));
            heapFree.physicalAddress(pa);
            ctx.commit();
        });
    }

    void heapStats(final long heap)
    {
        pending.add((c, ctx) ->
        {
            claimed(ctx.claim(heap, correlation(ctx), heapStats, 0));
            ctx.commit();
        });
    }

    Reply last()
    {
        return replies.get(replies.size() - 1);
    }
}
