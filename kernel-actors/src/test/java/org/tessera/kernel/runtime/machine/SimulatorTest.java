package org.tessera.kernel.runtime.machine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashSet;
import java.util.Set;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class SimulatorTest
{
    private static RunResult simulate(final int cpus, final long seed, final int rounds)
    {
        final MachineDescription d = MachineDescription.DEFAULT.withCpus(cpus).withMemory(1 << 20)
            .withSelfCheck(rounds, 4);
        final Simulator sim = new Simulator(d, seed, SimulationOptions.DEFAULT, null);
        try (Machine m = sim.machine())
        {
            final RunResult r = sim.run();
            assertTrue(r.completed(), () -> "seed " + seed + ": " + r.failure());
            assertTrue(m.selfCheckPassed(), "self-check failed for seed " + seed);
            assertEquals(0, m.messagesLeft(), "messages left in queues");
            return r;
        }
    }

    @ParameterizedTest
    @CsvSource({"1,1", "2,7", "3,42", "4,1234", "8,99"})
    void shouldCompleteSelfCheckForAnyCpuCount(final int cpus, final long seed)
    {
        System.out.println("seed " + seed + " cpus " + cpus);
        simulate(cpus, seed, 20);
    }

    @ParameterizedTest
    @ValueSource(longs = {1, 2, 3, 0xDEADBEEFL})
    void shouldGiveTheSameDigestForTheSameSeed(final long seed)
    {
        System.out.println("seed " + seed);
        final RunResult a = simulate(4, seed, 30);
        final RunResult b = simulate(4, seed, 30);
        assertEquals(a.digest(), b.digest());
        assertEquals(a.steps(), b.steps());
        assertEquals(a.elapsedNanos(), b.elapsedNanos());
    }

    @ParameterizedTest
    @ValueSource(ints = {2, 4})
    void shouldGiveDifferentInterleavingsForDifferentSeeds(final int cpus)
    {
        final Set<Long> digests = new HashSet<>();
        for (long seed = 1; seed <= 10; seed++)
        {
            digests.add(simulate(cpus, seed, 10).digest());
        }
        assertEquals(10, digests.size(), "ten seeds must give ten different runs");
    }

    @ParameterizedTest
    @ValueSource(longs = {5, 6})
    void shouldSurviveBackPressureWithTinyInboxes(final long seed)
    {
        final MachineDescription d = MachineDescription.DEFAULT.withCpus(4).withMemory(1 << 20)
            .withSelfCheck(50, 16).withInbox(1024);
        final Simulator sim = new Simulator(d, seed, SimulationOptions.DEFAULT, null);
        try (Machine m = sim.machine())
        {
            final RunResult r = sim.run();
            assertTrue(r.completed(), r::failure);
            assertTrue(m.selfCheckPassed());
            long backPressured = 0;
            for (var cpu : m.cpus())
            {
                backPressured += cpu.backPressured();
            }
            assertTrue(backPressured > 0, "tiny inboxes must have back-pressured some sends");
            assertNotEquals(0, m.selfCheck(0).totalSent());
            assertEquals(0, m.messagesLeft());
        }
    }
}
