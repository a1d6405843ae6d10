package org.tessera.kernel.service.memory;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import java.util.stream.LongStream;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.tessera.kernel.runtime.Digest;

/**
 * Deterministic simulation: four CPUs on three nodes stepped by one thread in an order, with
 * drain limits, that one seed derives; {@link StressClient}s on every CPU. The same seed gives
 * the same digest of everything every actor handled; the accounting invariant holds at the end.
 */
class MemorySimulationTest
{
    static LongStream seeds()
    {
        return LongStream.of(1, 7, 2026, 0xBEEF);
    }

    private record Outcome(long digest, long steps, long frameRuns, long objects, int violations)
    {
    }

    private static Outcome run(final long seed)
    {
        final int cpuCount = 4;
        final Random schedule = new Random(seed);
        try (MemoryRig rig = new MemoryRig(cpuCount, MemoryRig.threeNodes(), 8 * 1024, 18, null, seed))
        {
            final long[] services = StressClient.frameServices(rig.services);
            final StressClient[] clients = new StressClient[cpuCount];
            for (int cpu = 0; cpu < cpuCount; cpu++)
            {
                clients[cpu] = new StressClient(cpu, cpuCount, services, 400, 8);
                rig.cpus[cpu].register(MemoryRig.CLIENT, 1, clients[cpu]);
                rig.cpus[cpu].injectStart(StressClient.address(cpu), 0);
            }
            long steps = 0;
            boolean allDone = false;
            while (!allDone)
            {
                final int cpu = schedule.nextInt(cpuCount);
                rig.cpus[cpu].drainLimits(1 + schedule.nextInt(8), 1 + schedule.nextInt(8), 4);
                rig.cpus[cpu].doWork();
                rig.time += schedule.nextInt(500);
                if (++steps > 5_000_000)
                {
                    throw new IllegalStateException("simulation did not finish; reproduce: seed " + seed);
                }
                allDone = true;
                for (final StressClient c : clients)
                {
                    allDone &= c.done;
                }
            }
            long digest = Digest.SEED;
            long runs = 0;
            long objects = 0;
            for (int cpu = 0; cpu < cpuCount; cpu++)
            {
                digest = Digest.mix(digest, rig.cpus[cpu].cpuDigest());
                runs += clients[cpu].frameOk;
                objects += clients[cpu].heapOk;
                assertEquals(0, clients[cpu].freeErrors + clients[cpu].unexpected, "seed " + seed + " cpu " + cpu);
                assertEquals(0, rig.services.framesOwnedBy(clients[cpu].owner), "seed " + seed + " cpu " + cpu);
            }
            rig.quiesce();
            return new Outcome(digest, steps, runs, objects, rig.services.checkAccounting());
        }
    }

    @ParameterizedTest(name = "seed {0}")
    @MethodSource("seeds")
    void shouldReplayTheSameRunFromTheSameSeedAndKeepAccounting(final long seed)
    {
        System.out.println("MemorySimulationTest seed " + seed
            + " (reproduce: mvn -pl kernel-actors -am verify -Dtest=MemorySimulationTest)");
        final Outcome first = run(seed);
        final Outcome second = run(seed);
        assertEquals(first, second, "same seed, same run; reproduce: seed " + seed);
        assertEquals(0, first.violations(), "accounting invariant; reproduce: seed " + seed);
        assertTrue(first.frameRuns() > 100 && first.objects() > 100, first.toString());
        assertNotEquals(first.digest(), run(seed + 1).digest(), "another seed, another run");
    }
}
