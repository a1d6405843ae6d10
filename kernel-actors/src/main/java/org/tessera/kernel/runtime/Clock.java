package org.tessera.kernel.runtime;

/** Time source of a CPU loop: the host monotonic clock, or virtual time in simulation. */
public interface Clock
{
    /** @return the current time in nanoseconds; only differences are meaningful. */
    long nanoTime();
}
