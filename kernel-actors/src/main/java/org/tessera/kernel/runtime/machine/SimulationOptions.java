package org.tessera.kernel.runtime.machine;

/**
 * How the simulator perturbs a run. Everything random is drawn from the run's seed.
 *
 * @param minFlightNanos  shortest time a cross-CPU message is in flight.
 * @param maxFlightNanos  longest time a cross-CPU message is in flight.
 * @param maxStepMessages most messages a CPU handles per step (from each of its queues).
 * @param stallPercent    chance (0-100) that a CPU picked to step is stalled instead for a while.
 * @param maxStallNanos   longest stall.
 * @param maxVirtualNanos virtual time after which the run is declared hung.
 */
public record SimulationOptions(
    long minFlightNanos, long maxFlightNanos, int maxStepMessages, int stallPercent, long maxStallNanos,
    long maxVirtualNanos)
{
    /** Defaults: flights of 100 ns - 5 us, up to 4 messages per step, 2% stalls of up to 20 us. */
    public static final SimulationOptions DEFAULT = new SimulationOptions(100, 5_000, 4, 2, 20_000, 600_000_000_000L);

    public SimulationOptions
    {
        if (minFlightNanos < 0 || maxFlightNanos < minFlightNanos || maxStepMessages < 1 ||
            stallPercent < 0 || stallPercent > 100 || maxStallNanos < 0 || maxVirtualNanos <= 0)
        {
            throw new IllegalArgumentException("invalid simulation options");
        }
    }
}
