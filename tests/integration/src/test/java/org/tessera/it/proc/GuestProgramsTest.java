package org.tessera.it.proc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.tessera.kernel.userland.GuestPrograms;
import org.tessera.kernel.userland.ProcessMachine;
import org.tessera.kernel.userland.StreamConsole;

/** The generated benchmark guests do what the CPU benchmarks count on, and check themselves. */
class GuestProgramsTest
{
    record Outcome(ProcessMachine.Result result, long switches, long syscalls, long created, String log,
        long waited, long cycles, long handledInPlace, long longestSlice)
    {
    }

    static Outcome run(final byte[] elf, final String name, final boolean simulate)
    {
        return run(elf, name, simulate, 1);
    }

    static Outcome run(final byte[] elf, final String name, final boolean simulate, final int cpus)
    {
        return run(elf, name, simulate, new ProcessMachine.Spec(cpus, 64L << 20, 1, 100_000));
    }

    static Outcome run(final byte[] elf, final String name, final boolean simulate, final ProcessMachine.Spec spec)
    {
        final int cpus = spec.cpus();
        final StringWriter log = new StringWriter();
        final StreamConsole console = new StreamConsole(new ByteArrayOutputStream(), new ByteArrayOutputStream(),
            new PrintWriter(log), true);
        try (ProcessMachine m = new ProcessMachine(spec, List.of(name),
            List.of(elf), name, simulate, 5, null, console, List.of(name.getBytes()), List.of()))
        {
            final ProcessMachine.Result r = m.run(60_000_000_000L);
            long created = 0;
            for (int c = 0; c < cpus; c++)
            {
                created += m.processManager(c).created();
            }
            return new Outcome(r, m.scheduler(0).switches(), m.scheduler(0).syscalls(), created, log.toString(),
                m.syscallService(0).waited(), m.machine().cpus()[0].cycles(), m.machine().cpus()[0].handledInPlace(),
                m.machine().cpus()[0].longestSlice());
        }
    }

    @ParameterizedTest
    @ValueSource(booleans = {true, false})
    void shouldLoopOnGetpid(final boolean simulate)
    {
        final Outcome o = run(GuestPrograms.getpidLoop(1000), "n", simulate);
        assertTrue(o.result().completed(), o.result().failure());
        assertEquals(0, o.result().exitStatus(), o.log());
        assertEquals(1001, o.syscalls(), "1000 getpid and one exit_group");
    }

    @ParameterizedTest
    @ValueSource(booleans = {true, false})
    void shouldAnswerCallsOfTheSameCpuInPlaceWithinTheSlice(final boolean simulate)
    {
        // a getpid is answered by the syscall service of the thread's own CPU at once: the trap
        // and its result are handled in place and the thread goes on in the same slice, up to
        // 32 calls per loop cycle, instead of one call per cycle
        final Outcome o = run(GuestPrograms.getpidLoop(10_000), "n", simulate);
        assertTrue(o.result().completed(), o.result().failure());
        assertEquals(0, o.result().exitStatus(), o.log());
        assertEquals(10_001, o.syscalls());
        // trap and result of nearly every call (the last of each 32 ends the slice, as does a
        // used-up tick)
        assertTrue(o.handledInPlace() >= 18_000, "handled in place " + o.handledInPlace());
        if (simulate)
        {
            // host mode's loop also counts its idle cycles
            assertTrue(o.cycles() < 10_000 / 8, "loop cycles " + o.cycles());
            final Outcome again = run(GuestPrograms.getpidLoop(10_000), "n", true);
            assertEquals(o.result().digest(), again.result().digest(), "same seed, same digest");
            assertEquals(o.cycles(), again.cycles());
        }
    }

    @ParameterizedTest
    @ValueSource(booleans = {true, false})
    void shouldNotLetCallsHandledInPlaceStretchASliceBeyondOneTick(final boolean simulate)
    {
        // 4 instructions per call: 32 calls in place would be 128 instructions, twice the tick
        final Outcome o = run(GuestPrograms.getpidLoop(5_000), "n", simulate, new ProcessMachine.Spec(1, 64L << 20, 1, 64));
        assertTrue(o.result().completed(), o.result().failure());
        assertEquals(0, o.result().exitStatus(), o.log());
        assertTrue(o.handledInPlace() > 5_000);
        assertTrue(o.longestSlice() <= 64, "longest slice " + o.longestSlice());
    }

    @ParameterizedTest
    @ValueSource(booleans = {true, false})
    void shouldSwitchBetweenTwoYieldingProcessesKeepingFpState(final boolean simulate)
    {
        final Outcome o = run(GuestPrograms.yieldPair("y", 500), "y", simulate);
        assertTrue(o.result().completed(), o.result().failure());
        assertEquals(0, o.result().exitStatus(), o.log());
        assertEquals(2, o.created());
        assertTrue(o.switches() >= 1000, "switches " + o.switches());
        assertEquals(0, o.result().framesLeft());
    }

    @ParameterizedTest
    @ValueSource(booleans = {true, false})
    void shouldSpawnExitAndReapInALoop(final boolean simulate)
    {
        final Outcome o = run(GuestPrograms.spawnLoop("s", 50), "s", simulate);
        assertTrue(o.result().completed(), o.result().failure());
        assertEquals(0, o.result().exitStatus(), o.log());
        assertEquals(51, o.created());
        assertEquals(0, o.result().framesLeft());
    }

    @ParameterizedTest
    @ValueSource(booleans = {true, false})
    void shouldExitOneWhenItsSpawnFails(final boolean simulate)
    {
        // the image names the program "z" but the code spawns "y": spawn fails, the guest says so
        final Outcome o = run(GuestPrograms.yieldPair("y", 10), "z", simulate);
        assertEquals(1, o.result().exitStatus(), o.log());
    }

    @ParameterizedTest
    @ValueSource(booleans = {true, false})
    void shouldKillChildrenOnBothCpusAndReapTheirSignals(final boolean simulate)
    {
        final Outcome o = run(GuestPrograms.killChildren("k"), "k", simulate, 2);
        assertTrue(o.result().completed(), o.result().failure());
        assertEquals(0, o.result().exitStatus(), o.log());
        assertTrue(o.log().contains("killed by SIGKILL") && o.log().contains("killed by SIGTERM"), o.log());
        assertEquals(0, o.result().framesLeft());
    }

    @ParameterizedTest
    @ValueSource(booleans = {true, false})
    void shouldSurviveAConsoleFloodFromManyProcesses(final boolean simulate)
    {
        // a 32 KiB local queue: sixteen 2 KiB console chunks fill it, so writes, calls, resumes,
        // stops and their confirmations must wait for room instead of failing or panicking
        final Outcome o = run(GuestPrograms.consoleFlood("f", 120, 8), "f", simulate,
            new ProcessMachine.Spec(1, 64L << 20, 1, 100_000, 32 * 1024));
        assertTrue(o.result().completed(), o.result().failure() + o.log());
        assertEquals(0, o.result().exitStatus(), o.log());
        assertEquals(121, o.created());
        assertTrue(o.waited() > 0, "the flood did fill the queue");
        assertEquals(0, o.result().framesLeft());
    }

    /** Seeded storms of spawn, kill, wait and faults across CPUs: init reaps all, no frame is lost. */
    @ParameterizedTest
    @ValueSource(longs = {1, 2, 3, 4, 5, 6, 7, 8})
    void shouldSurviveLifeCycleStorms(final long seed)
    {
        final boolean simulate = seed % 2 == 1;
        final int cpus = 1 + (int)(seed % 3);
        final Outcome o = run(GuestPrograms.lifeCycleStorm("l", 150, new java.util.Random(seed)), "l", simulate, cpus);
        assertTrue(o.result().completed(), "seed " + seed + ": " + o.result().failure() + o.log());
        assertEquals(0, o.result().exitStatus(), "seed " + seed + "\n" + o.log());
        assertEquals(0, o.result().framesLeft(), "seed " + seed);
        assertEquals(0, o.result().accountingViolations(), "seed " + seed);
        assertEquals(0, o.result().capabilitySpacesLeft(), "seed " + seed);
        assertTrue(o.created() > 10, "seed " + seed + " created " + o.created());
    }
}
