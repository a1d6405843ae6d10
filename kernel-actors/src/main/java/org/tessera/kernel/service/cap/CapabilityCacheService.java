package org.tessera.kernel.service.cap;

import org.tessera.kernel.runtime.Actor;
import org.tessera.kernel.runtime.ActorContext;
import org.tessera.kernel.runtime.Message;
import org.tessera.kernel.runtime.SendBacklog;
import org.tessera.messages.cap.CacheInvalidateAckEncoder;
import org.tessera.messages.cap.CacheInvalidateDecoder;
import org.tessera.messages.cap.FlushFlag;
import org.tessera.messages.runtime.ErrorCode;
import org.tessera.messages.runtime.TimerFiredDecoder;

/**
 * One per CPU, at {@code (cpu, CAP, 0)}: keeps the CPU's {@link CapabilityChecker} coherent with
 * the authority shards. On {@code CacheInvalidate} it drops the listed (space, slot) pairs (or
 * flushes), advances the checker's epoch, and acknowledges with {@code CacheInvalidateAck}. The
 * ack is sent only after the lines are gone, and every check on this CPU runs inside some
 * handler of the same loop, so no check after the ack can hit a dropped line.
 *
 * <p>An ack refused by back-pressure is kept in a ring and retried from a timer, in order: an
 * authority waits for it, so it is never dropped.
 */
public final class CapabilityCacheService implements Actor
{
    /** Retry delay after back-pressure, nanoseconds. */
    public static final long RETRY_NANOS = 2_000;

    private final CapabilityChecker checker;
    private final CacheInvalidateDecoder invalidateDecoder = new CacheInvalidateDecoder();
    private final CacheInvalidateAckEncoder ackEncoder = new CacheInvalidateAckEncoder();
    /** Acks a full queue refused, in order (value: batch). */
    private final SendBacklog deferred;
    private boolean retryPending;
    private long invalidationsHandled;
    private long pairsDropped;
    private long flushes;
    private long acksDeferred;

    /**
     * @param checker        this CPU's checker.
     * @param deferredAcks   acks that may wait for room at once: at least the number of
     *                       revocations all shards may have in progress together.
     */
    public CapabilityCacheService(final CapabilityChecker checker, final int deferredAcks)
    {
        this.checker = checker;
        this.deferred = new SendBacklog(deferredAcks);
    }

    public void onMessage(final Message m, final ActorContext ctx)
    {
        if (m.is(CacheInvalidateDecoder.SCHEMA_ID, CacheInvalidateDecoder.TEMPLATE_ID))
        {
            onInvalidate(m, ctx);
        }
        else if (m.is(TimerFiredDecoder.SCHEMA_ID, TimerFiredDecoder.TEMPLATE_ID))
        {
            retryPending = false;
            drainDeferred(ctx);
        }
        else if (m.schemaId() == TimerFiredDecoder.SCHEMA_ID)
        {
            // Start, errors and other runtime messages need nothing here.
            return;
        }
        else
        {
            ctx.replyError(m, ErrorCode.UNSUPPORTED);
        }
    }

    private void onInvalidate(final Message m, final ActorContext ctx)
    {
        final CacheInvalidateDecoder d = invalidateDecoder;
        d.wrap(m.buffer(), m.bodyOffset(), m.blockLength(), m.version());
        final long batch = d.batchId();
        final boolean flush = d.flushRaw() == FlushFlag.FLUSH.value();
        CacheInvalidateDecoder.PairsDecoder pairs = d.pairs();
        if (flush)
        {
            checker.flush();
            flushes++;
        }
        else
        {
            while (pairs.hasNext())
            {
                pairs = pairs.next();
                checker.invalidate(pairs.space(), pairs.slot());
                pairsDropped++;
            }
        }
        checker.advanceEpoch();
        invalidationsHandled++;
        if (!deferred.isEmpty() || !sendAck(ctx, m.source(), m.correlationId(), batch))
        {
            defer(m.source(), m.correlationId(), batch);
            scheduleRetry(ctx);
        }
    }

    private boolean sendAck(final ActorContext ctx, final long destination, final long correlation, final long batch)
    {
        if (ctx.claim(destination, correlation, ackEncoder, 0) < 0)
        {
            return false;
        }
        ackEncoder.batchId(batch);
        ctx.commit();
        return true;
    }

    private void defer(final long destination, final long correlation, final long batch)
    {
        if (!deferred.add(destination, correlation, batch, 0))
        {
            throw new IllegalStateException("capability cache: deferred acks overflow");
        }
        acksDeferred++;
    }

    private void drainDeferred(final ActorContext ctx)
    {
        while (!deferred.isEmpty())
        {
            if (!sendAck(ctx, deferred.destination(), deferred.correlation(), deferred.value()))
            {
                scheduleRetry(ctx);
                return;
            }
            deferred.remove();
        }
    }

    private void scheduleRetry(final ActorContext ctx)
    {
        if (!retryPending && ctx.setTimer(ctx.nanoTime() + RETRY_NANOS, 0) >= 0)
        {
            retryPending = true;
        }
    }

    /** @return the checker this service keeps coherent. */
    public CapabilityChecker checker()
    {
        return checker;
    }

    /** @return CacheInvalidate messages handled. */
    public long invalidationsHandled()
    {
        return invalidationsHandled;
    }

    /** @return (space, slot) pairs dropped. */
    public long pairsDropped()
    {
        return pairsDropped;
    }

    /** @return flushing invalidations handled. */
    public long flushes()
    {
        return flushes;
    }

    /** @return acks that had to wait for room. */
    public long acksDeferred()
    {
        return acksDeferred;
    }
}
