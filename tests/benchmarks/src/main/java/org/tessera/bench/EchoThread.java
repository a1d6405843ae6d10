package org.tessera.bench;

import org.tessera.kernel.runtime.machine.Affinity;

/**
 * The far side of a round-trip benchmark: a platform thread pinned to the second host core,
 * spinning on a step until stopped. The benchmark thread pins itself to the first core.
 */
final class EchoThread extends Thread
{
    /** One unit of the far side's work; returns how much it did. */
    interface Step
    {
        int step();
    }

    private final Step step;
    private volatile boolean running = true;

    EchoThread(final String name, final Step step)
    {
        super(name);
        this.step = step;
        setDaemon(true);
    }

    /** Pin the calling (benchmark) thread to the first allowed core. */
    static void pinBenchmarkThread()
    {
        final int[] cores = Affinity.allowedCores();
        if (cores.length >= 2)
        {
            Affinity.pinCurrentThread(cores[0]);
        }
    }

    @Override
    public void run()
    {
        final int[] cores = Affinity.allowedCores();
        if (cores.length >= 2)
        {
            Affinity.pinCurrentThread(cores[1]);
        }
        while (running)
        {
            if (step.step() == 0)
            {
                Thread.onSpinWait();
            }
        }
    }

    void shutdown() throws InterruptedException
    {
        running = false;
        join();
    }
}
