package org.tessera.kernel.service.proc;

/**
 * Pid arithmetic. Every CPU's process manager hands out its own pids without asking anyone:
 * <pre>
 *   pid = ((generation * SLOTS) + slot) * cpuCount + cpu + 1
 * </pre>
 * so the home CPU and the table slot of any pid are computed, not looked up, init (CPU 0,
 * slot 0, generation 0) is pid 1, and a slot's generation grows each time it is reused, so a
 * late message naming a dead process never matches its successor. Pids stay below
 * {@link #PID_LIMIT} (Linux's default {@code pid_max} on 64-bit).
 */
public final class Pids
{
    /** Process slots per CPU. */
    public static final int SLOTS = 128;
    /** Pids are below this. */
    public static final int PID_LIMIT = 1 << 22;

    private Pids()
    {
    }

    /** @return the pid of a slot's generation on a CPU. */
    public static int pid(final int cpu, final int cpuCount, final int slot, final int generation)
    {
        return ((generation * SLOTS) + slot) * cpuCount + cpu + 1;
    }

    /** @return generations a slot goes through before its pids repeat. */
    public static int generations(final int cpuCount)
    {
        return (PID_LIMIT - 1) / (SLOTS * cpuCount);
    }

    /** @return the CPU whose process manager owns {@code pid}. */
    public static int home(final int pid, final int cpuCount)
    {
        return (pid - 1) % cpuCount;
    }

    /** @return the table slot of {@code pid} on its home CPU. */
    public static int slot(final int pid, final int cpuCount)
    {
        return ((pid - 1) / cpuCount) % SLOTS;
    }

    /** @return the address-space id of {@code pid} on its CPU: unique among the CPU's live processes. */
    public static int asid(final int pid, final int cpuCount)
    {
        return slot(pid, cpuCount) + 1;
    }

    /** @return a Linux wait status for a normal exit. */
    public static int exited(final long code)
    {
        return (int)((code & 0xFF) << 8);
    }

    /** @return a Linux wait status for a death by signal. */
    public static int signalled(final int signal)
    {
        return signal & 0x7F;
    }

    /** @return the status a shell shows for a wait status: the exit code, or 128 + signal. */
    public static int shellStatus(final int waitStatus)
    {
        final int signal = waitStatus & 0x7F;
        return signal == 0 ? (waitStatus >> 8) & 0xFF : 128 + signal;
    }
}
