package org.tessera.bench;

import java.util.function.LongSupplier;

import org.tessera.kernel.runtime.CpuAgent;

/**
 * In-place benchmarks run a requester and a service on one CPU, each re-sending as soon as its
 * answer is in: left alone, one loop cycle would handle a whole drain limit of messages (many
 * operations) per call. This measures, once at set-up, how many messages one operation takes
 * and sets the CPU's drain limits to exactly that, so that one cycle is one operation and the
 * clock is read once per operation, as a CPU loop does.
 */
final class InPlace
{
    private InPlace()
    {
    }

    /** @return the messages one operation takes, now also the CPU's drain limit. */
    static int calibrate(final CpuAgent cpu, final LongSupplier completed)
    {
        cpu.drainLimits(1, 1, 1);
        for (int warm = 0; warm < 10_000 && completed.getAsLong() < 100; warm++)
        {
            cpu.doWork();
        }
        final long handled0 = cpu.handled();
        final long completed0 = completed.getAsLong();
        for (int i = 0; i < 1_000_000 && completed.getAsLong() - completed0 < 1_000; i++)
        {
            cpu.doWork();
        }
        final long ops = completed.getAsLong() - completed0;
        if (ops <= 0)
        {
            throw new IllegalStateException("no operation completed during calibration");
        }
        final int perOp = (int)Math.max(1, Math.round((cpu.handled() - handled0) / (double)ops));
        cpu.drainLimits(perOp, perOp, perOp);
        return perOp;
    }
}
