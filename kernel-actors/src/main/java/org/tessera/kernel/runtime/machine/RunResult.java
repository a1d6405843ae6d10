package org.tessera.kernel.runtime.machine;

/**
 * How a run ended.
 *
 * @param completed   true when every CPU shut down cleanly.
 * @param failure     why it did not, or null.
 * @param digest      the run's digest.
 * @param elapsedNanos host time taken (host mode) or virtual time reached (simulation).
 * @param steps       simulator steps (0 in host mode).
 */
public record RunResult(boolean completed, String failure, long digest, long elapsedNanos, long steps)
{
    /** @return the digest as printed: 16 hex digits. */
    public String digestHex()
    {
        return String.format("%016x", digest);
    }
}
