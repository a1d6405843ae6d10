package org.tessera.it.cap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.stream.LongStream;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.tessera.kernel.runtime.CpuAgent;
import org.tessera.kernel.runtime.DeterministicRandom;
import org.tessera.kernel.runtime.machine.SimTransport;
import org.tessera.kernel.runtime.machine.SimulationOptions;
import org.tessera.kernel.runtime.machine.VirtualClock;
import org.tessera.kernel.service.cap.CapabilityError;
import org.tessera.lockfree.Inbox;

/**
 * The revoke-versus-use race in simulation: the same actors as the host test on four CPUs,
 * stepped by one thread in virtual time. A seeded random source picks which CPU steps, how many
 * messages it drains, each message's flight time (so replies and invalidations overtake each
 * other) and stalls. For every seed: no success after CapRevokeComplete, on any CPU.
 * Reproduce one seed with {@code -Dtest=CapabilityRevokeRaceSimulationTest -Dcap.race.seed=N}.
 */
class CapabilityRevokeRaceSimulationTest
{
    static final int CPUS = 4;
    static final int AFTER = 300;
    static final SimulationOptions OPTIONS = new SimulationOptions(100, 20_000, 4, 5, 30_000, 10_000_000_000L);
    static long totalStale;
    static long totalAttempts;
    static long totalSeeds;

    static LongStream seeds()
    {
        final String one = System.getProperty("cap.race.seed");
        return one != null ? LongStream.of(Long.parseLong(one)) : LongStream.rangeClosed(1, 150);
    }

    @ParameterizedTest(name = "seed {0}")
    @MethodSource("seeds")
    void shouldAcceptTheRevokedTokenOnNoCpuAfterCompletion(final long seed)
    {
        final VirtualClock clock = new VirtualClock();
        final DeterministicRandom random = new DeterministicRandom(seed * 0x9E3779B97F4A7C15L + 1);
        final Inbox[] inboxes = new Inbox[CPUS];
        for (int i = 0; i < CPUS; i++)
        {
            inboxes[i] = new Inbox(64 * 1024);
        }
        final SimTransport transport = new SimTransport(inboxes, clock, random, OPTIONS);
        final CpuAgent[] cpus = new CpuAgent[CPUS];
        for (int i = 0; i < CPUS; i++)
        {
            cpus[i] = new CpuAgent(i, CPUS, inboxes[i], 64 * 1024, transport, clock, null, seed * 31 + i, 64);
        }
        final RaceActors.Hammer[] hammers = new RaceActors.Hammer[CPUS];
        final RaceActors.Revoker revoker = RaceActors.install(cpus, hammers, 50_000 + random.nextLong(200_000), 2);
        final String again = "reproduce: mvn -pl tests/integration -am verify -Dtest=CapabilityRevokeRaceSimulationTest "
            + "-Dsurefire.failIfNoSpecifiedTests=false -Dcap.race.seed=" + seed;

        final long[] stalledUntil = new long[CPUS];
        final int[] candidates = new int[CPUS];
        long[] attemptsAtCompletion = null;
        long[] successesAtCompletion = null;
        for (long step = 0; ; step++)
        {
            if (step > 5_000_000)
            {
                fail("seed " + seed + " did not finish; " + again);
            }
            final long now = clock.nanoTime();
            transport.deliverDue(now);
            int count = 0;
            for (int i = 0; i < CPUS; i++)
            {
                if (stalledUntil[i] - now <= 0 && cpus[i].hasWork(now))
                {
                    candidates[count++] = i;
                }
            }
            if (count == 0)
            {
                long next = transport.nextDelivery();
                for (int i = 0; i < CPUS; i++)
                {
                    // A stalled CPU with work wakes when its stall ends; an idle one at its next timer.
                    next = Math.min(next, cpus[i].hasWork(now) ? stalledUntil[i] :
                        Math.max(cpus[i].nextTimerDeadline(), stalledUntil[i]));
                }
                if (next == Long.MAX_VALUE)
                {
                    fail("seed " + seed + " deadlocked; " + again);
                }
                clock.advanceTo(Math.max(next, now + 1));
                continue;
            }
            final int cpu = candidates[(int)random.nextLong(count)];
            if (random.nextLong(100) < OPTIONS.stallPercent())
            {
                stalledUntil[cpu] = now + 1 + random.nextLong(OPTIONS.maxStallNanos());
                continue;
            }
            final int limit = 1 + (int)random.nextLong(OPTIONS.maxStepMessages());
            cpus[cpu].drainLimits(limit, limit, limit);
            final int work = cpus[cpu].doWork();
            clock.advance(10 + 50L * work + random.nextLong(21));

            if (revoker.completed && attemptsAtCompletion == null)
            {
                attemptsAtCompletion = new long[CPUS];
                successesAtCompletion = new long[CPUS];
                for (int i = 0; i < CPUS; i++)
                {
                    attemptsAtCompletion[i] = hammers[i].attempts;
                    successesAtCompletion[i] = hammers[i].successes;
                }
            }
            if (attemptsAtCompletion != null)
            {
                boolean done = true;
                for (int i = 0; i < CPUS; i++)
                {
                    done &= hammers[i].attempts >= attemptsAtCompletion[i] + AFTER;
                }
                if (done)
                {
                    break;
                }
            }
        }
        assertEquals(CapabilityError.OK, revoker.completionStatus, again);
        long attempts = 0;
        for (int i = 0; i < CPUS; i++)
        {
            final RaceActors.Hammer h = hammers[i];
            attempts += h.attempts;
            totalStale += h.checker.staleReplies();
            assertEquals(0, h.successesAfterInvalidation, "seed " + seed + " cpu " + i + " accepted after its ack; " + again);
            assertEquals(successesAtCompletion[i], h.successes, "seed " + seed + " cpu " + i + " accepted after completion; " + again);
            assertTrue(h.refusals >= AFTER, again);
        }
        totalAttempts += attempts;
        totalSeeds++;
    }

    @AfterAll
    static void report()
    {
        System.out.printf("simulated race: %d seeds, %d attempts on %d CPUs, %d stale validation replies discarded, "
            + "none accepted after CapRevokeComplete%n", totalSeeds, totalAttempts, CPUS, totalStale);
    }
}
