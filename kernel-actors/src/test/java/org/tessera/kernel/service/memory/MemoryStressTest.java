package org.tessera.kernel.service.memory;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import org.agrona.concurrent.AgentRunner;
import org.agrona.concurrent.BackoffIdleStrategy;
import org.junit.jupiter.api.Test;
import org.tessera.kernel.runtime.machine.HostRunner;
import org.tessera.kernel.service.heap.HeapService;
import org.tessera.kernel.service.heap.SlabAllocator;

import static org.awaitility.Awaitility.await;

/**
 * Host stress: every CPU on its own thread (Agrona {@link AgentRunner}), each running a
 * {@link StressClient} that allocates and frees frames and heap objects on every node and
 * every CPU at once; at the end nothing is leaked and the accounting invariant holds.
 */
class MemoryStressTest
{
    @Test
    void shouldKeepAccountingUnderAllocationAndFreeCyclesFromAllCpusAtOnce() throws Exception
    {
        final int cpuCount = 4;
        try (MemoryRig rig = new MemoryRig(cpuCount, MemoryRig.threeNodes(), 64 * 1024, 18, HostRunner.HOST_CLOCK))
        {
            final long[] services = StressClient.frameServices(rig.services);
            final StressClient[] clients = new StressClient[cpuCount];
            for (int cpu = 0; cpu < cpuCount; cpu++)
            {
                clients[cpu] = new StressClient(cpu, cpuCount, services, 3_000, 16);
                rig.cpus[cpu].register(MemoryRig.CLIENT, 1, clients[cpu]);
                rig.cpus[cpu].injectStart(StressClient.address(cpu), 0);
            }
            final List<AgentRunner> runners = new ArrayList<>();
            for (int cpu = 0; cpu < cpuCount; cpu++)
            {
                final AgentRunner runner = new AgentRunner(
                    new BackoffIdleStrategy(10, 10, 1_000, 200_000), Throwable::printStackTrace, null, rig.cpus[cpu]);
                runners.add(runner);
                AgentRunner.startOnThread(runner);
            }
            try
            {
                await().atMost(Duration.ofSeconds(60)).until(() ->
                {
                    for (final StressClient c : clients)
                    {
                        if (!c.done)
                        {
                            return false;
                        }
                    }
                    return true;
                });
            }
            finally
            {
                for (final AgentRunner runner : runners)
                {
                    runner.close();
                }
            }

            long frames = 0;
            long objects = 0;
            for (final StressClient c : clients)
            {
                assertEquals(0, c.unexpected, "unexpected replies on cpu " + c.cpu);
                assertEquals(0, c.freeErrors, "failed frees on cpu " + c.cpu);
                assertEquals(c.frameOk + c.heapOk, c.freeOk, "every allocation freed");
                frames += c.frameOk;
                objects += c.heapOk;
                assertEquals(0, rig.services.framesOwnedBy(c.owner), "frames leaked by cpu " + c.cpu);
            }
            assertTrue(frames > 1000 && objects > 1000, frames + " frame runs, " + objects + " objects");
            for (int cpu = 0; cpu < cpuCount; cpu++)
            {
                final HeapService heap = rig.services.heap(cpu);
                for (int c = 0; c < SlabAllocator.CLASS_COUNT; c++)
                {
                    assertEquals(0, heap.slab().liveObjects(c));
                }
                assertEquals(0, heap.liveLargeAllocations());
                assertEquals(0, heap.returnErrors());
                assertEquals(0, heap.sessionsInUse());
            }
            for (int node = 0; node < rig.services.nodeCount(); node++)
            {
                assertEquals(0, rig.services.frameService(node).sessionsInUse());
                assertEquals(0, rig.services.frameService(node).strayReplies());
            }
            assertEquals(0, rig.services.checkAccounting());
        }
    }
}
