package org.tessera.kernel.runtime.machine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.tessera.kernel.runtime.CpuAgent;
import org.tessera.kernel.runtime.ServiceIds;

/** Host mode: real threads per CPU, invariants checked once every CPU shut down. */
class HostRunnerTest
{
    @ParameterizedTest
    @ValueSource(ints = {1, 2, 4})
    void shouldRunTheSelfCheckOnRealThreadsAndLoseNothing(final int cpus)
    {
        final MachineDescription d = MachineDescription.DEFAULT.withCpus(cpus).withMemory(1 << 20)
            .withSelfCheck(200, 8).withInbox(4096);
        final StringWriter log = new StringWriter();
        try (Machine m = HostRunner.build(d, 42, null))
        {
            final RunResult r = HostRunner.run(m, TimeUnit.SECONDS.toNanos(60), new PrintWriter(log, true));
            assertTrue(r.completed(), r::failure);
            assertTrue(m.selfCheckPassed(), "every ping answered, every reply valid");
            assertEquals(0, m.messagesLeft(), "no message left in any queue after shutdown");
            long handled = 0;
            for (final CpuAgent cpu : m.cpus())
            {
                assertEquals(0, cpu.malformed());
                assertEquals(0, cpu.unknownDestination());
                handled += cpu.handledBy(ServiceIds.SELF_CHECK, 0);
                assertEquals(cpu.inbox().claims(), cpu.inbox().messagesDrained() + cpu.inbox().aborts(),
                    "every claimed inbox record was drained");
            }
            // every ping and every reply is handled once, plus one Start and one report per CPU
            final long pings = (long)cpus * cpus * 200;
            assertEquals(2 * pings + 2L * cpus, handled);
            assertEquals(0, m.memoryServices().checkAccounting(), "every frame free or owned by exactly one owner");
            if (cpus > Affinity.allowedCores().length)
            {
                assertTrue(log.toString().contains("not pinned"), "a warning when CPUs outnumber host cores");
            }
        }
    }
}
