package org.tessera.kernel.service.proc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class PidsTest
{
    @Test
    void shouldComputePidsThatNameTheirHomeAndSlot()
    {
        for (final int cpus : new int[]{1, 2, 3, 4, 7, 256})
        {
            for (int cpu = 0; cpu < cpus; cpu += 1 + cpus / 4)
            {
                for (final int slot : new int[]{0, 1, 77, Pids.SLOTS - 1})
                {
                    for (final int generation : new int[]{0, 1, Pids.generations(cpus) - 1})
                    {
                        final int pid = Pids.pid(cpu, cpus, slot, generation);
                        assertTrue(pid > 0 && pid < Pids.PID_LIMIT);
                        assertEquals(cpu, Pids.home(pid, cpus));
                        assertEquals(slot, Pids.slot(pid, cpus));
                    }
                }
            }
        }
        assertEquals(1, Pids.pid(0, 4, 0, 0), "init is pid 1");
        assertEquals(139, Pids.shellStatus(Pids.signalled(11)));
        assertEquals(42, Pids.shellStatus(Pids.exited(42)));
        assertEquals(0, Pids.shellStatus(Pids.exited(256)));
    }
}
