package org.tessera.kernel.runtime;

/**
 * SplitMix64: the random source an actor gets from its context. Seeded per CPU from the run's
 * seed, so a simulation with the same seed draws the same numbers.
 */
public final class DeterministicRandom
{
    private long state;

    public DeterministicRandom(final long seed)
    {
        this.state = seed;
    }

    /** @return the next 64 random bits. */
    public long nextLong()
    {
        long z = (state += 0x9E37_79B9_7F4A_7C15L);
        z = (z ^ (z >>> 30)) * 0xBF58_476D_1CE4_E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D0_49BB_1331_11EBL;
        return z ^ (z >>> 31);
    }

    /** @return a uniform value in {@code [0, bound)}; {@code bound} must be positive. */
    public long nextLong(final long bound)
    {
        final long limit = Long.MAX_VALUE - (Long.MAX_VALUE % bound);
        long r;
        do
        {
            r = nextLong() >>> 1;
        }
        while (r >= limit);
        return r % bound;
    }

    /** @return a uniform value in {@code [min, max]}. */
    public long nextLong(final long min, final long max)
    {
        return min + nextLong(max - min + 1);
    }

    /** @return the generator's state, for tracing. */
    public long state()
    {
        return state;
    }
}
