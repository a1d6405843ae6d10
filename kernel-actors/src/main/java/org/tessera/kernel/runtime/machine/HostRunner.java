package org.tessera.kernel.runtime.machine;

import java.io.PrintWriter;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import org.agrona.concurrent.AgentRunner;
import org.agrona.concurrent.BackoffIdleStrategy;
import org.agrona.concurrent.IdleStrategy;
import org.agrona.concurrent.SystemNanoClock;
import org.tessera.kernel.runtime.Clock;
import org.tessera.kernel.runtime.InboxTransport;

/**
 * Host mode: each virtual CPU's loop runs on its own platform thread (Agrona
 * {@link AgentRunner}), pinned to its own host core when the host has a core for every CPU.
 */
public final class HostRunner
{
    /** The host monotonic clock. */
    public static final Clock HOST_CLOCK = System::nanoTime;

    private HostRunner()
    {
    }

    /** Build a machine for host mode. */
    public static Machine build(final MachineDescription description, final long seed,
        final org.tessera.kernel.runtime.TraceSink trace)
    {
        return new Machine(description, seed, HOST_CLOCK, InboxTransport::new, trace);
    }

    /**
     * Boot the machine and run its CPUs on threads until every CPU has shut down, a CPU
     * panicked, or the timeout passed.
     *
     * @param log where warnings go (standard error).
     */
    public static RunResult run(final Machine machine, final long timeoutNanos, final PrintWriter log)
    {
        machine.boot();
        return runBooted(machine, timeoutNanos, log);
    }

    /**
     * Run the CPUs of a machine whose boot messages are already queued (a loader that queues
     * its own, such as the process loader) until every CPU has shut down, a CPU panicked, or
     * the timeout passed.
     *
     * @param log where warnings go (standard error).
     */
    public static RunResult runBooted(final Machine machine, final long timeoutNanos, final PrintWriter log)
    {
        final int n = machine.cpus().length;
        final int[] cores = Affinity.allowedCores();
        final boolean pin = cores.length >= n;
        if (!pin)
        {
            log.printf("tessera: warning: %d virtual cpus but %s host cores available: cpu threads are not pinned%n",
                n, cores.length == 0 ? "no known" : Integer.toString(cores.length));
        }
        final AtomicReference<Throwable> panic = new AtomicReference<>();
        final AgentRunner[] runners = new AgentRunner[n];
        final AtomicInteger pinFailures = new AtomicInteger();
        final long start = System.nanoTime();
        for (int i = 0; i < n; i++)
        {
            final IdleStrategy idle = new BackoffIdleStrategy(
                100, 10, TimeUnit.MICROSECONDS.toNanos(1), TimeUnit.MICROSECONDS.toNanos(100));
            runners[i] = new AgentRunner(idle, t -> panic.compareAndSet(null, t), null, machine.cpus()[i]);
            final int core = pin ? cores[i] : -1;
            final int cpu = i;
            final ThreadFactory factory = r ->
            {
                final Thread thread = new Thread(() ->
                {
                    if (core >= 0 && !Affinity.pinCurrentThread(core))
                    {
                        pinFailures.incrementAndGet();
                    }
                    r.run();
                }, "tessera-cpu-" + cpu);
                thread.setDaemon(true);
                return thread;
            };
            AgentRunner.startOnThread(runners[i], factory);
        }

        String failure = null;
        final SystemNanoClock clock = SystemNanoClock.INSTANCE;
        while (!machine.allStopped())
        {
            if (panic.get() != null)
            {
                failure = "kernel panic: " + panic.get();
                break;
            }
            if (clock.nanoTime() - start > timeoutNanos)
            {
                failure = "timed out after " + TimeUnit.NANOSECONDS.toMillis(timeoutNanos) + " ms";
                break;
            }
            Thread.onSpinWait();
            try
            {
                Thread.sleep(1);
            }
            catch (final InterruptedException e)
            {
                Thread.currentThread().interrupt();
                failure = "interrupted";
                break;
            }
        }
        final long elapsed = System.nanoTime() - start;
        for (final AgentRunner runner : runners)
        {
            runner.close();
        }
        if (failure == null && panic.get() != null)
        {
            failure = "kernel panic: " + panic.get();
        }
        if (pinFailures.get() > 0)
        {
            log.printf("tessera: warning: %d cpu threads could not be pinned%n", pinFailures.get());
        }
        return new RunResult(failure == null, failure, machine.digest(), elapsed, 0);
    }
}
