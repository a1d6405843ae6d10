package org.tessera.kernel.service.selfcheck;

import org.tessera.kernel.runtime.Actor;
import org.tessera.kernel.runtime.ActorAddress;
import org.tessera.kernel.runtime.ActorContext;
import org.tessera.kernel.runtime.Digest;
import org.tessera.kernel.runtime.Message;
import org.tessera.kernel.runtime.ServiceIds;
import org.tessera.messages.runtime.PingReplyDecoder;
import org.tessera.messages.runtime.PingReplyEncoder;
import org.tessera.messages.runtime.PingRequestDecoder;
import org.tessera.messages.runtime.PingRequestEncoder;
import org.tessera.messages.runtime.SelfCheckDoneDecoder;
import org.tessera.messages.runtime.SelfCheckDoneEncoder;
import org.tessera.messages.runtime.ShutdownEncoder;
import org.tessera.messages.runtime.StartDecoder;
import org.tessera.messages.runtime.TimerFiredDecoder;

/**
 * One per CPU. On {@code Start(rounds)} it sends {@code rounds} pings to every CPU, at most
 * {@code window} outstanding at a time, and checks every reply (value transformed by the
 * right CPU, right sequence). A send refused by back-pressure, and a reply that could not be
 * sent, are retried from a timer: nothing is dropped. When every reply is in, it reports
 * {@code SelfCheckDone} to the coordinator (the instance on CPU 0), which shuts every CPU down
 * once all reports arrived.
 */
public final class SelfCheckService implements Actor
{
    /** Retry delay after back-pressure, nanoseconds. */
    public static final long RETRY_NANOS = 2_000;

    private final int cpu;
    private final int cpuCount;
    private final int window;
    private final PingRequestEncoder requestEncoder = new PingRequestEncoder();
    private final PingRequestDecoder requestDecoder = new PingRequestDecoder();
    private final PingReplyEncoder replyEncoder = new PingReplyEncoder();
    private final PingReplyDecoder replyDecoder = new PingReplyDecoder();
    private final SelfCheckDoneEncoder doneEncoder = new SelfCheckDoneEncoder();
    private final SelfCheckDoneDecoder doneDecoder = new SelfCheckDoneDecoder();
    private final ShutdownEncoder shutdownEncoder = new ShutdownEncoder();
    private final StartDecoder startDecoder = new StartDecoder();
    private final TimerFiredDecoder timerDecoder = new TimerFiredDecoder();

    private final long[] deferredSource;
    private final long[] deferredCorrelation;
    private final long[] deferredSequence;
    private final long[] deferredValue;
    private int deferredHead;
    private int deferredCount;

    private long total;
    private long next;
    private long outstanding;
    private boolean retryPending;
    private boolean started;
    private boolean reported;

    private long requestsSent;
    private long repliesReceived;
    private long requestsServed;
    private long backPressured;
    private long badReplies;

    private int reportsReceived;
    private int shutdownsSent;
    private long totalSent;
    private long totalReplies;
    private long totalServed;
    private long totalBackPressured;
    private long totalBad;

    /**
     * @param cpu      the CPU this instance lives on.
     * @param cpuCount CPUs in the machine.
     * @param window   pings outstanding at once.
     */
    public SelfCheckService(final int cpu, final int cpuCount, final int window)
    {
        this.cpu = cpu;
        this.cpuCount = cpuCount;
        this.window = window;
        final int deferredCapacity = cpuCount * window + 1;
        deferredSource = new long[deferredCapacity];
        deferredCorrelation = new long[deferredCapacity];
        deferredSequence = new long[deferredCapacity];
        deferredValue = new long[deferredCapacity];
    }

    /** @return the address of the coordinator. */
    public static long coordinator()
    {
        return ActorAddress.of(0, ServiceIds.SELF_CHECK, 0);
    }

    /** Value a ping with this sequence carries from {@code cpu}. */
    static long requestValue(final int cpu, final long sequence)
    {
        return Digest.mix(Digest.mix(Digest.SEED, cpu), sequence);
    }

    /** Value a correct reply from {@code handledBy} carries. */
    static long transform(final long value, final int handledBy)
    {
        return Digest.mix(value, handledBy + 1);
    }

    private int destinationCpu(final long sequence)
    {
        return (int)((cpu + 1 + sequence) % cpuCount);
    }

    public void onMessage(final Message m, final ActorContext ctx)
    {
        if (m.schemaId() != PingRequestDecoder.SCHEMA_ID)
        {
            return;
        }
        switch (m.templateId())
        {
            case PingRequestDecoder.TEMPLATE_ID -> onPing(m, ctx);
            case PingReplyDecoder.TEMPLATE_ID -> onReply(m, ctx);
            case StartDecoder.TEMPLATE_ID -> onStart(m, ctx);
            case TimerFiredDecoder.TEMPLATE_ID -> onTimer(m, ctx);
            case SelfCheckDoneDecoder.TEMPLATE_ID -> onDone(m, ctx);
            default -> ctx.replyError(m, org.tessera.messages.runtime.ErrorCode.UNSUPPORTED);
        }
    }

    private void onStart(final Message m, final ActorContext ctx)
    {
        startDecoder.wrap(m.buffer(), m.bodyOffset(), m.blockLength(), m.version());
        total = startDecoder.argument() * cpuCount;
        started = true;
        pump(ctx);
    }

    private void onTimer(final Message m, final ActorContext ctx)
    {
        timerDecoder.wrap(m.buffer(), m.bodyOffset(), m.blockLength(), m.version());
        retryPending = false;
        pump(ctx);
    }

    private void onPing(final Message m, final ActorContext ctx)
    {
        requestDecoder.wrap(m.buffer(), m.bodyOffset(), m.blockLength(), m.version());
        final long sequence = requestDecoder.sequence();
        final long value = transform(requestDecoder.value(), cpu);
        requestsServed++;
        if (deferredCount > 0 || !sendReply(ctx, m.source(), m.correlationId(), sequence, value))
        {
            final int tail = (deferredHead + deferredCount) % deferredSource.length;
            if (deferredCount == deferredSource.length)
            {
                throw new IllegalStateException("self-check deferred replies overflow");
            }
            deferredSource[tail] = m.source();
            deferredCorrelation[tail] = m.correlationId();
            deferredSequence[tail] = sequence;
            deferredValue[tail] = value;
            deferredCount++;
            scheduleRetry(ctx);
        }
    }

    private boolean sendReply(
        final ActorContext ctx, final long destination, final long correlationId, final long sequence, final long value)
    {
        if (ctx.claim(destination, correlationId, replyEncoder, 0) < 0)
        {
            backPressured++;
            return false;
        }
        replyEncoder.sequence(sequence).value(value).handledBy(cpu);
        ctx.commit();
        return true;
    }

    private void onReply(final Message m, final ActorContext ctx)
    {
        replyDecoder.wrap(m.buffer(), m.bodyOffset(), m.blockLength(), m.version());
        final long sequence = replyDecoder.sequence();
        final int handledBy = replyDecoder.handledBy();
        if (handledBy != destinationCpu(sequence) ||
            ActorAddress.cpu(m.source()) != handledBy ||
            replyDecoder.value() != transform(requestValue(cpu, sequence), handledBy))
        {
            badReplies++;
        }
        repliesReceived++;
        outstanding--;
        pump(ctx);
    }

    private void onDone(final Message m, final ActorContext ctx)
    {
        doneDecoder.wrap(m.buffer(), m.bodyOffset(), m.blockLength(), m.version());
        reportsReceived++;
        totalSent += doneDecoder.requestsSent();
        totalReplies += doneDecoder.repliesReceived();
        totalServed += doneDecoder.requestsServed();
        totalBackPressured += doneDecoder.backPressured();
        totalBad += doneDecoder.badReplies();
        pump(ctx);
    }

    private void pump(final ActorContext ctx)
    {
        if (!started)
        {
            return;
        }
        while (deferredCount > 0)
        {
            final int h = deferredHead;
            if (!sendReply(ctx, deferredSource[h], deferredCorrelation[h], deferredSequence[h], deferredValue[h]))
            {
                scheduleRetry(ctx);
                return;
            }
            deferredHead = (h + 1) % deferredSource.length;
            deferredCount--;
        }
        while (outstanding < window && next < total)
        {
            final long destination = ActorAddress.of(destinationCpu(next), ServiceIds.SELF_CHECK, 0);
            if (ctx.claim(destination, ctx.nextCorrelationId(), requestEncoder, 0) < 0)
            {
                backPressured++;
                scheduleRetry(ctx);
                return;
            }
            requestEncoder.sequence(next).value(requestValue(cpu, next));
            ctx.commit();
            next++;
            outstanding++;
            requestsSent++;
        }
        if (!reported && repliesReceived == total)
        {
            if (ctx.claim(coordinator(), 0, doneEncoder, 0) < 0)
            {
                backPressured++;
                scheduleRetry(ctx);
                return;
            }
            doneEncoder.requestsSent(requestsSent).repliesReceived(repliesReceived).requestsServed(requestsServed)
                .backPressured(backPressured).badReplies(badReplies);
            ctx.commit();
            reported = true;
        }
        if (cpu == 0 && reportsReceived == cpuCount)
        {
            while (shutdownsSent < cpuCount)
            {
                final long runtime = ActorAddress.of(shutdownsSent, ServiceIds.RUNTIME, 0);
                if (ctx.claim(runtime, 0, shutdownEncoder, 0) < 0)
                {
                    scheduleRetry(ctx);
                    return;
                }
                shutdownEncoder.reason(0);
                ctx.commit();
                shutdownsSent++;
            }
        }
    }

    private void scheduleRetry(final ActorContext ctx)
    {
        if (!retryPending && ctx.setTimer(ctx.nanoTime() + RETRY_NANOS, 0) > 0)
        {
            retryPending = true;
        }
    }

    public long requestsSent()
    {
        return requestsSent;
    }

    public long repliesReceived()
    {
        return repliesReceived;
    }

    public long requestsServed()
    {
        return requestsServed;
    }

    public long backPressured()
    {
        return backPressured;
    }

    public long badReplies()
    {
        return badReplies;
    }

    /** @return true when this CPU received every reply it expected and reported. */
    public boolean complete()
    {
        return reported && repliesReceived == total;
    }

    /** @return on the coordinator: reports received from CPUs. */
    public int reportsReceived()
    {
        return reportsReceived;
    }

    /** @return on the coordinator: pings sent machine-wide, as reported. */
    public long totalSent()
    {
        return totalSent;
    }

    /** @return on the coordinator: replies received machine-wide, as reported. */
    public long totalReplies()
    {
        return totalReplies;
    }

    /** @return on the coordinator: pings served machine-wide, as reported. */
    public long totalServed()
    {
        return totalServed;
    }

    /** @return on the coordinator: bad replies machine-wide, as reported. */
    public long totalBad()
    {
        return totalBad;
    }

    /** @return on the coordinator: back-pressure events machine-wide, as reported. */
    public long totalBackPressured()
    {
        return totalBackPressured;
    }
}
