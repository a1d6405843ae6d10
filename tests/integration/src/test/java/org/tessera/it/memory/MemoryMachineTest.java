package org.tessera.it.memory;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;

import org.agrona.concurrent.AgentRunner;
import org.agrona.concurrent.BackoffIdleStrategy;
import org.junit.jupiter.api.Test;
import org.tessera.kernel.runtime.Actor;
import org.tessera.kernel.runtime.ActorAddress;
import org.tessera.kernel.runtime.ActorContext;
import org.tessera.kernel.runtime.CpuAgent;
import org.tessera.kernel.runtime.Message;
import org.tessera.kernel.runtime.ServiceIds;
import org.tessera.kernel.runtime.machine.HostRunner;
import org.tessera.kernel.runtime.machine.Machine;
import org.tessera.kernel.runtime.machine.MachineDescription;
import org.tessera.kernel.service.frame.FrameAllocatorService;
import org.tessera.kernel.service.memory.MemoryReport;
import org.tessera.kernel.service.memory.MemoryServices;
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
 * The memory services on a machine built the way {@code tessera boot} builds it (host mode, one
 * thread per CPU): every CPU allocates and frees frames on every node and objects on every
 * CPU's heap at once, then one actor gathers the statistics by message, as {@code tessera stats}
 * will; at the end nothing is leaked and the accounting invariant holds.
 */
class MemoryMachineTest
{
    static final int CLIENT = ServiceIds.FIRST_USER_SERVICE;
    static final long MIB = 1L << 20;

    /** Each cycle: frames from node (cycle % nodes), an object from heap (cycle % cpus), both freed. */
    static final class Cycler implements Actor
    {
        final int owner;
        final int cycles;
        final long[] frameServices;
        final int cpuCount;
        final FrameAllocRequestEncoder frameAlloc = new FrameAllocRequestEncoder();
        final FrameFreeRequestEncoder frameFree = new FrameFreeRequestEncoder();
        final HeapAllocRequestEncoder heapAlloc = new HeapAllocRequestEncoder();
        final HeapFreeRequestEncoder heapFree = new HeapFreeRequestEncoder();
        final FrameAllocReplyDecoder frameAllocReply = new FrameAllocReplyDecoder();
        final HeapAllocReplyDecoder heapAllocReply = new HeapAllocReplyDecoder();
        final FrameFreeReplyDecoder frameFreeReply = new FrameFreeReplyDecoder();
        final HeapFreeReplyDecoder heapFreeReply = new HeapFreeReplyDecoder();
        int cycle;
        volatile int errors;
        volatile boolean done;

        Cycler(final int owner, final int cycles, final long[] frameServices, final int cpuCount)
        {
            this.owner = owner;
            this.cycles = cycles;
            this.frameServices = frameServices;
            this.cpuCount = cpuCount;
        }

        @Override
        public void onMessage(final Message m, final ActorContext ctx)
        {
            if (m.is(FrameAllocReplyDecoder.SCHEMA_ID, FrameAllocReplyDecoder.TEMPLATE_ID))
            {
                frameAllocReply.wrap(m.buffer(), m.bodyOffset(), m.blockLength(), m.version());
                if (frameAllocReply.statusRaw() != 0)
                {
                    errors++;
                    next(ctx);
                    return;
                }
                send(ctx, ctx.claim(m.source(), ctx.nextCorrelationId(), frameFree, 0));
                frameFree.physicalAddress(frameAllocReply.physicalAddress()).count(frameAllocReply.count()).ownerId(owner);
                ctx.commit();
            }
            else if (m.is(HeapAllocReplyDecoder.SCHEMA_ID, HeapAllocReplyDecoder.TEMPLATE_ID))
            {
                heapAllocReply.wrap(m.buffer(), m.bodyOffset(), m.blockLength(), m.version());
                if (heapAllocReply.statusRaw() != 0)
                {
                    errors++;
                    next(ctx);
                    return;
                }
                send(ctx, ctx.claim(m.source(), ctx.nextCorrelationId(), heapFree, 0));
                heapFree.physicalAddress(heapAllocReply.physicalAddress());
                ctx.commit();
            }
            else if (m.is(FrameFreeReplyDecoder.SCHEMA_ID, FrameFreeReplyDecoder.TEMPLATE_ID))
            {
                frameFreeReply.wrap(m.buffer(), m.bodyOffset(), m.blockLength(), m.version());
                errors += frameFreeReply.statusRaw() == 0 ? 0 : 1;
                next(ctx);
            }
            else if (m.is(HeapFreeReplyDecoder.SCHEMA_ID, HeapFreeReplyDecoder.TEMPLATE_ID))
            {
                heapFreeReply.wrap(m.buffer(), m.bodyOffset(), m.blockLength(), m.version());
                errors += heapFreeReply.statusRaw() == 0 ? 0 : 1;
                next(ctx);
            }
            else if (m.is(StartDecoder.SCHEMA_ID, StartDecoder.TEMPLATE_ID))
            {
                next(ctx);
            }
        }

        private void next(final ActorContext ctx)
        {
            if (cycle == 2 * cycles)
            {
                done = true;
                return;
            }
            final int c = cycle++;
            if ((c & 1) == 0)
            {
                send(ctx, ctx.claim(frameServices[(c / 2) % frameServices.length], ctx.nextCorrelationId(), frameAlloc, 0));
                frameAlloc.count(1 + c % 700).zoneClass(ZoneClass.NORMAL).ownerId(owner).nodeHint(FrameAllocatorService.NODE_ANY);
            }
            else
            {
                send(ctx, ctx.claim(MemoryServices.heapAddress((c / 2) % cpuCount), ctx.nextCorrelationId(), heapAlloc, 0));
                heapAlloc.size(16 + (c * 37) % 6000);
            }
            ctx.commit();
        }

        private static void send(final ActorContext ctx, final int claim)
        {
            if (claim < 0)
            {
                throw new IllegalStateException("back-pressured with one request in flight");
            }
        }
    }

    /** Asks every node's frame service and every CPU's heap for statistics; keeps the lines. */
    static final class StatsCollector implements Actor
    {
        final long[] frameServices;
        final int cpuCount;
        final ConcurrentLinkedQueue<String> lines = new ConcurrentLinkedQueue<>();
        final FrameStatsRequestEncoder frameStats = new FrameStatsRequestEncoder();
        final HeapStatsRequestEncoder heapStats = new HeapStatsRequestEncoder();
        final FrameStatsReplyDecoder frameReply = new FrameStatsReplyDecoder();
        final HeapStatsReplyDecoder heapReply = new HeapStatsReplyDecoder();
        volatile int replies;

        StatsCollector(final long[] frameServices, final int cpuCount)
        {
            this.frameServices = frameServices;
            this.cpuCount = cpuCount;
        }

        @Override
        public void onMessage(final Message m, final ActorContext ctx)
        {
            if (m.is(StartDecoder.SCHEMA_ID, StartDecoder.TEMPLATE_ID))
            {
                for (final long service : frameServices)
                {
                    ctx.claim(service, ctx.nextCorrelationId(), frameStats, 0);
                    ctx.commit();
                }
                for (int cpu = 0; cpu < cpuCount; cpu++)
                {
                    ctx.claim(MemoryServices.heapAddress(cpu), ctx.nextCorrelationId(), heapStats, 0);
                    ctx.commit();
                }
            }
            else if (m.is(FrameStatsReplyDecoder.SCHEMA_ID, FrameStatsReplyDecoder.TEMPLATE_ID))
            {
                frameReply.wrap(m.buffer(), m.bodyOffset(), m.blockLength(), m.version());
                lines.addAll(MemoryReport.frameNode(frameReply));
                replies++;
            }
            else if (m.is(HeapStatsReplyDecoder.SCHEMA_ID, HeapStatsReplyDecoder.TEMPLATE_ID))
            {
                heapReply.wrap(m.buffer(), m.bodyOffset(), m.blockLength(), m.version());
                lines.addAll(MemoryReport.heapCpu(heapReply));
                replies++;
            }
        }
    }

    private static void runUntil(final CpuAgent[] cpus, final java.util.function.BooleanSupplier done)
    {
        final List<AgentRunner> runners = new ArrayList<>();
        for (final CpuAgent cpu : cpus)
        {
            final AgentRunner runner = new AgentRunner(new BackoffIdleStrategy(10, 10, 1_000, 200_000),
                Throwable::printStackTrace, null, cpu);
            runners.add(runner);
            AgentRunner.startOnThread(runner);
        }
        try
        {
            await().atMost(Duration.ofSeconds(60)).until(done::getAsBoolean);
        }
        finally
        {
            runners.forEach(AgentRunner::close);
        }
    }

    @Test
    void shouldServeEveryCpuOnEveryNodeAndReportStatisticsByMessage()
    {
        final MachineDescription description = MachineDescription.DEFAULT.withCpus(4).withNumaNodes(2).withMemory(128 * MIB);
        try (Machine machine = HostRunner.build(description, 7, null))
        {
            final CpuAgent[] cpus = machine.cpus();
            final MemoryServices services = machine.memoryServices();
            MemoryServices.start(cpus);
            final long[] frameServices = {services.frameServiceAddress(0), services.frameServiceAddress(1)};
            assertEquals(0, ActorAddress.cpu(frameServices[0]));
            assertEquals(2, ActorAddress.cpu(frameServices[1]), "node 1's service is homed on its first CPU");

            final Cycler[] cyclers = new Cycler[cpus.length];
            for (int cpu = 0; cpu < cpus.length; cpu++)
            {
                cyclers[cpu] = new Cycler(1000 + cpu, 500, frameServices, cpus.length);
                cpus[cpu].register(CLIENT, 0, cyclers[cpu]);
                cpus[cpu].injectStart(ActorAddress.of(cpu, CLIENT, 0), 0);
            }
            final StatsCollector stats = new StatsCollector(frameServices, cpus.length);
            cpus[3].register(CLIENT, 1, stats);
            runUntil(cpus, () ->
            {
                for (final Cycler c : cyclers)
                {
                    if (!c.done)
                    {
                        return false;
                    }
                }
                return true;
            });
            for (final Cycler c : cyclers)
            {
                assertEquals(0, c.errors, "owner " + c.owner);
                assertEquals(0, services.framesOwnedBy(c.owner));
            }
            assertEquals(0, services.checkAccounting());

            cpus[3].injectStart(ActorAddress.of(3, CLIENT, 1), 0);
            runUntil(cpus, () -> stats.replies == 2 + cpus.length);
            final List<String> lines = new ArrayList<>(stats.lines);
            lines.forEach(System.out::println);
            assertEquals(2 * 5 + cpus.length * 2, lines.size());
            assertTrue(lines.stream().anyMatch(l -> l.startsWith("node 1: ") && l.contains("failures 0")), lines.toString());
            assertTrue(lines.stream().anyMatch(l -> l.startsWith("heap cpu 3: allocations ")), lines.toString());
            assertEquals(MemoryReport.lines(services).stream().sorted().toList(), lines.stream().sorted().toList(),
                "the statistics by message are what the stopped services hold");
        }
    }
}
