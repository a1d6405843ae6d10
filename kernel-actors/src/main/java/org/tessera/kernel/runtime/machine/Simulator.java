package org.tessera.kernel.runtime.machine;

import org.tessera.kernel.runtime.CpuAgent;
import org.tessera.kernel.runtime.DeterministicRandom;
import org.tessera.kernel.runtime.Digest;
import org.tessera.kernel.runtime.TraceSink;

/**
 * Simulation mode: one thread steps every CPU's loop. A random source seeded from the run's
 * seed picks which CPU with work steps next, how many messages it may handle, how long each
 * cross-CPU message is in flight and when a CPU stalls (a fault only the simulator can fire).
 * Time is virtual: it advances with every step, and jumps to the next event when no CPU has
 * work. The same seed gives the same run, message for message.
 */
public final class Simulator
{
    private final Machine machine;
    private final SimTransport transport;
    private final VirtualClock clock;
    private final DeterministicRandom random;
    private final SimulationOptions options;
    private final long[] stalledUntil;
    private long steps;
    private long stalls;

    /**
     * Build a machine for simulation.
     *
     * @param description what to build.
     * @param seed        the seed everything random derives from.
     * @param options     how to perturb the run.
     * @param trace       where handled messages are recorded, or null.
     */
    public Simulator(
        final MachineDescription description, final long seed, final SimulationOptions options, final TraceSink trace)
    {
        this.clock = new VirtualClock();
        this.random = new DeterministicRandom(Digest.finish(Digest.mix(seed, 0x5EED)));
        this.options = options;
        final SimTransport[] holder = new SimTransport[1];
        this.machine = new Machine(description, seed, clock, inboxes ->
        {
            holder[0] = new SimTransport(inboxes, clock, random, options);
            return holder[0];
        }, trace);
        this.transport = holder[0];
        this.stalledUntil = new long[description.cpus()];
    }

    public Machine machine()
    {
        return machine;
    }

    public VirtualClock clock()
    {
        return clock;
    }

    public long steps()
    {
        return steps;
    }

    public long stalls()
    {
        return stalls;
    }

    public SimTransport transport()
    {
        return transport;
    }

    /** Boot the machine and step it until every CPU shut down, it deadlocks, or time runs out. */
    public RunResult run()
    {
        machine.boot();
        return runUntil(Long.MAX_VALUE);
    }

    /**
     * Step until every CPU shut down, {@code maxSteps} steps were taken, it deadlocks, or
     * virtual time runs out. The machine must have been booted.
     */
    public RunResult runUntil(final long maxSteps)
    {
        return runWhile(() -> !machine.allStopped(), maxSteps);
    }

    /**
     * Step while {@code condition} holds (checked before every step), at most {@code maxSteps}
     * steps; for work after the machine shut down (e.g. collecting statistics by message).
     */
    public RunResult runWhile(final java.util.function.BooleanSupplier condition, final long maxSteps)
    {
        final CpuAgent[] cpus = machine.cpus();
        final int[] candidates = new int[cpus.length];
        String failure = null;
        final long stepLimit = steps + maxSteps < 0 ? Long.MAX_VALUE : steps + maxSteps;
        while (condition.getAsBoolean() && steps < stepLimit)
        {
            final long now = clock.nanoTime();
            transport.deliverDue(now);
            int count = 0;
            for (int i = 0; i < cpus.length; i++)
            {
                if (stalledUntil[i] - now <= 0 && cpus[i].hasWork(now))
                {
                    candidates[count++] = i;
                }
            }
            if (count == 0)
            {
                final long next = nextEvent(now);
                if (next == Long.MAX_VALUE)
                {
                    failure = "deadlock: no cpu has work and no message is in flight at virtual time " + now + " ns";
                    break;
                }
                clock.advanceTo(next);
                continue;
            }
            final int cpu = candidates[(int)random.nextLong(count)];
            steps++;
            if (random.nextLong(100) < options.stallPercent())
            {
                stalls++;
                stalledUntil[cpu] = now + 1 + random.nextLong(options.maxStallNanos() + 1);
                continue;
            }
            final int limit = 1 + (int)random.nextLong(options.maxStepMessages());
            cpus[cpu].drainLimits(limit, limit, limit);
            final int work = cpus[cpu].doWork();
            // a message costs ~50 ns of virtual time, a user instruction 1 ns
            clock.advance(10 + 50L * work + cpus[cpu].lastSliceInstructions() + random.nextLong(21));
            if (clock.nanoTime() > options.maxVirtualNanos())
            {
                failure = "hung: virtual time passed " + options.maxVirtualNanos() + " ns";
                break;
            }
        }
        if (failure == null && condition.getAsBoolean() && steps >= stepLimit)
        {
            failure = "stopped after " + maxSteps + " steps";
        }
        return new RunResult(failure == null, failure, machine.digest(), clock.nanoTime(), steps);
    }

    private long nextEvent(final long now)
    {
        long next = transport.nextDelivery();
        final CpuAgent[] cpus = machine.cpus();
        for (int i = 0; i < cpus.length; i++)
        {
            final long wake = cpus[i].hasWork(now) ? stalledUntil[i] : Math.max(cpus[i].nextTimerDeadline(), stalledUntil[i]);
            if (wake != Long.MAX_VALUE && wake - now > 0 && wake < next)
            {
                next = wake;
            }
        }
        return next;
    }
}
