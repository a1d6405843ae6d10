package org.tessera.kernel.service.memory;

import java.nio.ByteBuffer;

import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.sbe.MessageEncoderFlyweight;
import org.tessera.kernel.runtime.ActorContext;
import org.tessera.kernel.runtime.MessageLayout;

/**
 * Messages an actor could not send because the destination queue was full, kept in order and
 * sent again later: a service never drops a reply and never blocks.
 *
 * <p>A send goes through {@link #open} and {@link #close}. When nothing is waiting and the
 * claim succeeds, the encoder is wrapped on the claimed record and {@link #close} commits it,
 * exactly like {@code ctx.claim}/{@code ctx.commit}. Otherwise the encoder is wrapped on a slot
 * of this outbox's off-heap buffer, the caller writes the same fields there, and
 * {@link #close} queues the slot and sets a retry timer; {@link #flush} later claims the real
 * record and copies the payload (everything after the 32-byte envelope, which the runtime
 * writes) into it. While anything waits, every new send is staged behind it, so messages leave
 * in the order they were produced.
 * <pre>
 *   slot (SLOT_LENGTH bytes):  [envelope: unused (32)][payload of the block][groups / var data]
 *   per slot:                  destination, correlation id, template id, var length
 * </pre>
 * The capacity bounds how many sends may wait; going beyond it is a panic (the service's
 * sizing promised it could not happen).
 */
public final class DeferredOutbox
{
    /** Bytes of one staged message body (block plus groups); the largest memory message fits. */
    public static final int SLOT_LENGTH = 512;
    /** Retry delay after back-pressure, nanoseconds. */
    public static final long RETRY_NANOS = 2_000;
    private static final int MAX_TEMPLATES = 64;
    private static final int NONE = -1;

    private final UnsafeBuffer slots;
    private final long[] destination;
    private final long[] correlation;
    private final int[] templateId;
    private final int[] varLength;
    private final MessageEncoderFlyweight[] encoders;
    private final int capacity;
    private final long timerPayload;
    private int schemaId = NONE;
    private int head;
    private int count;
    private int staged = NONE;
    private boolean open;
    private boolean retryPending;
    private long stagedTotal;
    private long highWater;

    /**
     * @param capacity     messages that may wait at once.
     * @param timerPayload payload of this outbox's retry timer (the owner routes its
     *                     {@code TimerFired} with this value to {@link #onTimer}).
     */
    public DeferredOutbox(final int capacity, final long timerPayload)
    {
        if (capacity <= 0)
        {
            throw new IllegalArgumentException("capacity must be positive");
        }
        this.capacity = capacity;
        this.timerPayload = timerPayload;
        this.slots = new UnsafeBuffer(ByteBuffer.allocateDirect(capacity * SLOT_LENGTH));
        this.destination = new long[capacity];
        this.correlation = new long[capacity];
        this.templateId = new int[capacity];
        this.varLength = new int[capacity];
        this.encoders = new MessageEncoderFlyweight[MAX_TEMPLATES];
    }

    /**
     * Register an encoder the owner sends with (constructor time); every encoder must be of the
     * same schema and template ids below 64.
     *
     * @param encoder the owner's encoder instance.
     */
    public void register(final MessageEncoderFlyweight encoder)
    {
        final int t = encoder.sbeTemplateId();
        if (t < 0 || t >= MAX_TEMPLATES || (schemaId != NONE && schemaId != encoder.sbeSchemaId()))
        {
            throw new IllegalArgumentException("encoder of another schema or template id out of range");
        }
        schemaId = encoder.sbeSchemaId();
        encoders[t] = encoder;
    }

    /**
     * Start a send: claim in the destination's queue, or stage in this outbox.
     *
     * @param ctx           the actor's context.
     * @param dst           destination address.
     * @param correlationId correlation id for the envelope.
     * @param encoder       a registered encoder; wrapped where the payload is to be written.
     * @param varBytes      bytes of groups after the block.
     * @return 0 when the caller must now write the fields and call {@link #close}, or
     *         {@link ActorContext#NO_SUCH_CPU} when the destination does not exist (nothing open).
     */
    public int open(
        final ActorContext ctx, final long dst, final long correlationId, final MessageEncoderFlyweight encoder,
        final int varBytes)
    {
        if (open)
        {
            throw new IllegalStateException("outbox send already open");
        }
        if (encoders[encoder.sbeTemplateId()] != encoder)
        {
            throw new IllegalStateException("encoder not registered with the outbox");
        }
        if (count == 0)
        {
            final int offset = ctx.claim(dst, correlationId, encoder, varBytes);
            if (offset >= 0)
            {
                open = true;
                staged = NONE;
                return 0;
            }
            if (offset == ActorContext.NO_SUCH_CPU)
            {
                return offset;
            }
        }
        if (count == capacity)
        {
            throw new IllegalStateException("deferred outbox overflow");
        }
        if (encoder.sbeBlockLength() + varBytes > SLOT_LENGTH)
        {
            throw new IllegalStateException("message too long for an outbox slot");
        }
        final int slot = (head + count) % capacity;
        destination[slot] = dst;
        correlation[slot] = correlationId;
        templateId[slot] = encoder.sbeTemplateId();
        varLength[slot] = varBytes;
        encoder.wrap(slots, slot * SLOT_LENGTH);
        staged = slot;
        open = true;
        return 0;
    }

    /**
     * Finish a send started by {@link #open}: commit the claim, or queue the staged slot.
     *
     * @param ctx the actor's context.
     */
    public void close(final ActorContext ctx)
    {
        if (!open)
        {
            throw new IllegalStateException("no outbox send open");
        }
        open = false;
        if (staged == NONE)
        {
            ctx.commit();
            return;
        }
        staged = NONE;
        count++;
        stagedTotal++;
        if (count > highWater)
        {
            highWater = count;
        }
        scheduleRetry(ctx);
    }

    /**
     * Send what waits, in order, until the first refusal.
     *
     * @param ctx the actor's context.
     * @return messages sent.
     */
    public int flush(final ActorContext ctx)
    {
        int sent = 0;
        while (count > 0)
        {
            final int slot = head;
            final MessageEncoderFlyweight encoder = encoders[templateId[slot]];
            final int offset = ctx.claim(destination[slot], correlation[slot], encoder, varLength[slot]);
            if (offset == ActorContext.BACK_PRESSURED)
            {
                scheduleRetry(ctx);
                return sent;
            }
            if (offset >= 0)
            {
                final MutableDirectBuffer buffer = ctx.claimedBuffer();
                final int payload = MessageLayout.ENVELOPE_LENGTH;
                final int length = encoder.sbeBlockLength() + varLength[slot] - payload;
                buffer.putBytes(offset + payload, slots, slot * SLOT_LENGTH + payload, length);
                ctx.commit();
                sent++;
            }
            head = (head + 1) % capacity;
            count--;
        }
        return sent;
    }

    /**
     * The retry timer fired.
     *
     * @param ctx the actor's context.
     */
    public void onTimer(final ActorContext ctx)
    {
        retryPending = false;
        flush(ctx);
    }

    private void scheduleRetry(final ActorContext ctx)
    {
        if (!retryPending && ctx.setTimer(ctx.nanoTime() + RETRY_NANOS, timerPayload) >= 0)
        {
            retryPending = true;
        }
    }

    /** @return the payload this outbox's retry timers carry. */
    public long timerPayload()
    {
        return timerPayload;
    }

    /** @return messages waiting. */
    public int waiting()
    {
        return count;
    }

    /** @return messages ever staged because the destination was full. */
    public long stagedTotal()
    {
        return stagedTotal;
    }

    /** @return most messages that waited at once. */
    public long highWater()
    {
        return highWater;
    }
}
