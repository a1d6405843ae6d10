package org.tessera.it.cap;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import org.agrona.concurrent.AgentRunner;
import org.agrona.concurrent.BackoffIdleStrategy;
import org.junit.jupiter.api.Test;
import org.tessera.kernel.runtime.CpuAgent;
import org.tessera.kernel.runtime.InboxTransport;
import org.tessera.kernel.runtime.machine.HostRunner;
import org.tessera.kernel.service.cap.CapabilityError;
import org.tessera.lockfree.Inbox;

/**
 * Host mode: three CPUs, each a real thread (an Agrona {@link AgentRunner}), check one token
 * through their per-CPU caches without pause while the revoker on CPU 0 revokes it. Once
 * CapRevokeComplete arrived, no check succeeds on any CPU. Two independent witnesses:
 * <ul>
 * <li>exact, per CPU: every success records how many invalidations its CPU had handled; the
 *     revocation's invalidation is the first, and the ack leaves the CPU only after it, so a
 *     success recorded with a non-zero count is a success after that CPU acknowledged;</li>
 * <li>real time: the success counts read after the completion (which happens after every ack,
 *     hence after every earlier success) never grow while each CPU keeps trying.</li>
 * </ul>
 */
class CapabilityRevokeRaceHostTest
{
    static final int CPUS = 3;

    @Test
    void shouldAcceptTheRevokedTokenOnNoCpuAfterTheRevocationCompleted() throws Exception
    {
        final Inbox[] inboxes = new Inbox[CPUS];
        for (int i = 0; i < CPUS; i++)
        {
            inboxes[i] = new Inbox(256 * 1024);
        }
        final InboxTransport transport = new InboxTransport(inboxes);
        final CpuAgent[] cpus = new CpuAgent[CPUS];
        for (int i = 0; i < CPUS; i++)
        {
            cpus[i] = new CpuAgent(i, CPUS, inboxes[i], 256 * 1024, transport, HostRunner.HOST_CLOCK, null, 11 + i, 64);
        }
        final RaceActors.Hammer[] hammers = new RaceActors.Hammer[CPUS];
        final RaceActors.Revoker revoker = RaceActors.install(cpus, hammers, TimeUnit.MILLISECONDS.toNanos(30), 64);

        final AtomicReference<Throwable> panic = new AtomicReference<>();
        final AgentRunner[] runners = new AgentRunner[CPUS];
        for (int i = 0; i < CPUS; i++)
        {
            runners[i] = new AgentRunner(new BackoffIdleStrategy(10, 10, 1_000, 100_000), panic::set, null, cpus[i]);
            AgentRunner.startOnThread(runners[i]);
        }
        try
        {
            await().atMost(Duration.ofSeconds(20)).until(() -> revoker.completed || panic.get() != null);
            final long[] atCompletion = new long[CPUS];
            final long[] attemptsAtCompletion = new long[CPUS];
            for (int i = 0; i < CPUS; i++)
            {
                atCompletion[i] = hammers[i].successes;
                attemptsAtCompletion[i] = hammers[i].attempts;
            }
            await().atMost(Duration.ofSeconds(20)).until(() ->
            {
                for (int i = 0; i < CPUS; i++)
                {
                    if (hammers[i].attempts < attemptsAtCompletion[i] + 2_000 && panic.get() == null)
                    {
                        return false;
                    }
                }
                return true;
            });
            assertEquals(null, panic.get());
            assertEquals(CapabilityError.OK, revoker.completionStatus);
            long attempts = 0;
            for (int i = 0; i < CPUS; i++)
            {
                final RaceActors.Hammer h = hammers[i];
                attempts += h.attempts;
                System.out.printf("cpu %d: %d attempts, %d accepted before the revocation completed, %d refused, "
                    + "%d accepted after its invalidation, %d stale validation replies%n",
                    i, h.attempts, atCompletion[i], h.refusals, h.successesAfterInvalidation, h.checker.staleReplies());
                assertTrue(atCompletion[i] > 0, "cpu " + i + " used the token before the revocation: a real race");
                assertEquals(0, h.successesAfterInvalidation, "cpu " + i + " accepted after acknowledging");
                assertEquals(atCompletion[i], h.successes, "cpu " + i + " accepted after the completion");
                assertEquals(1, h.checker.epoch(), "cpu " + i + " handled the one invalidation");
                assertTrue(h.refusals > 0);
            }
            System.out.printf("host race: %d attempts on %d CPUs, none accepted after CapRevokeComplete%n", attempts, CPUS);
        }
        finally
        {
            for (final AgentRunner runner : runners)
            {
                runner.close();
            }
        }
    }
}
