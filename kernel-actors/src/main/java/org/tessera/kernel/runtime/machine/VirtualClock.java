package org.tessera.kernel.runtime.machine;

import org.tessera.kernel.runtime.Clock;

/** Simulation time: advanced only by the simulator. */
public final class VirtualClock implements Clock
{
    private long now;

    public long nanoTime()
    {
        return now;
    }

    /** Move time forward to {@code time} (never backwards). */
    public void advanceTo(final long time)
    {
        if (time - now > 0)
        {
            now = time;
        }
    }

    /** Move time forward by {@code nanos}. */
    public void advance(final long nanos)
    {
        now += nanos;
    }
}
