package org.tessera.boot.cli;

import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;

import org.tessera.kernel.runtime.Actor;
import org.tessera.kernel.runtime.ActorContext;
import org.tessera.kernel.runtime.Message;
import org.tessera.kernel.service.memory.MemoryReport;
import org.tessera.kernel.service.memory.MemoryServices;
import org.tessera.messages.memory.FrameStatsReplyDecoder;
import org.tessera.messages.memory.FrameStatsRequestEncoder;
import org.tessera.messages.memory.HeapStatsReplyDecoder;
import org.tessera.messages.memory.HeapStatsRequestEncoder;

/**
 * Host-side actor behind {@code tessera stats}: on {@code Start} it asks every frame allocator
 * service and every heap service for its statistics by message and keeps the replies as
 * report lines.
 */
final class StatsProbe implements Actor
{
    private final MemoryServices services;
    private final FrameStatsRequestEncoder frameRequest = new FrameStatsRequestEncoder();
    private final HeapStatsRequestEncoder heapRequest = new HeapStatsRequestEncoder();
    private final FrameStatsReplyDecoder frameReply = new FrameStatsReplyDecoder();
    private final HeapStatsReplyDecoder heapReply = new HeapStatsReplyDecoder();
    private final TreeMap<Integer, List<String>> frames = new TreeMap<>();
    private final TreeMap<Integer, List<String>> heaps = new TreeMap<>();
    private int failures;

    StatsProbe(final MemoryServices services)
    {
        this.services = services;
    }

    public void onMessage(final Message m, final ActorContext ctx)
    {
        if (m.is(FrameStatsReplyDecoder.SCHEMA_ID, FrameStatsReplyDecoder.TEMPLATE_ID))
        {
            frameReply.wrap(m.buffer(), m.bodyOffset(), m.blockLength(), m.version());
            frames.put(frameReply.node(), MemoryReport.frameNode(frameReply));
        }
        else if (m.is(HeapStatsReplyDecoder.SCHEMA_ID, HeapStatsReplyDecoder.TEMPLATE_ID))
        {
            heapReply.wrap(m.buffer(), m.bodyOffset(), m.blockLength(), m.version());
            heaps.put(heapReply.cpu(), MemoryReport.heapCpu(heapReply));
        }
        else if (m.templateId() == org.tessera.messages.runtime.StartDecoder.TEMPLATE_ID &&
            m.schemaId() == org.tessera.messages.runtime.StartDecoder.SCHEMA_ID)
        {
            for (int node = 0; node < services.nodeCount(); node++)
            {
                if (ctx.claim(services.frameServiceAddress(node), ctx.nextCorrelationId(), frameRequest, 0) < 0)
                {
                    failures++;
                    continue;
                }
                ctx.commit();
            }
            for (int cpu = 0; cpu < services.cpuCount(); cpu++)
            {
                if (ctx.claim(MemoryServices.heapAddress(cpu), ctx.nextCorrelationId(), heapRequest, 0) < 0)
                {
                    failures++;
                    continue;
                }
                ctx.commit();
            }
        }
    }

    /** @return true when every service answered (or could not be asked). */
    boolean done()
    {
        return frames.size() + heaps.size() + failures == services.nodeCount() + services.cpuCount();
    }

    /** @return the report, nodes first, then CPUs. */
    List<String> lines()
    {
        final List<String> lines = new ArrayList<>();
        frames.values().forEach(lines::addAll);
        heaps.values().forEach(lines::addAll);
        if (failures > 0)
        {
            lines.add(failures + " services could not be asked (back-pressure)");
        }
        return lines;
    }
}
