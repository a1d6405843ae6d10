package org.tessera.lockfree;

import org.agrona.BufferUtil;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.AtomicBuffer;
import org.agrona.concurrent.MessageHandler;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.ringbuffer.ManyToOneRingBuffer;
import org.agrona.concurrent.ringbuffer.RingBuffer;

/**
 * A CPU's inbox: a multi-producer single-consumer queue of variable-length records in off-heap
 * memory, each a positive message type id and a payload (an SBE-encoded message).
 *
 * <p>The ring itself is Agrona's {@link ManyToOneRingBuffer}; this class owns its memory, adds
 * the counters the kernel reports and names the kernel's contract:
 * <ul>
 *   <li>senders on any thread claim space with {@link #tryClaim(int, int)}, encode straight into
 *   {@link #buffer()} at the returned index, then {@link #commit(int)} or {@link #abort(int)}.
 *   A full inbox answers {@link #BACK_PRESSURED}; nothing is ever dropped silently;</li>
 *   <li>the one receiving thread (the CPU's loop) calls {@link #drain(MessageHandler, int)},
 *   which hands each record to the handler in place, in claim order, at most {@code limit}
 *   of them.</li>
 * </ul>
 *
 * <p>Order: records are delivered in the order their claims succeeded. A claimed record not yet
 * committed holds back the records claimed after it (they are delivered once it is committed or
 * aborted), so a sender must commit or abort promptly and never block between claim and commit.
 *
 * <p>Memory: a record's payload, written with plain stores before {@link #commit(int)}, is
 * visible to the handler that receives it (commit is a release store of the record length,
 * drain an acquire load of it). Layout in {@link InboxDescriptor}.
 *
 * <p>Counters ({@link #claims()}, {@link #backPressureEvents()}, {@link #aborts()},
 * {@link #messagesDrained()}) may be read from any thread. When no send is in progress and the
 * inbox is empty, {@code claims() == messagesDrained() + aborts()}.
 */
public final class Inbox
{
    /** Returned by {@link #tryClaim(int, int)} when the inbox has no room: retry later. */
    public static final int BACK_PRESSURED = RingBuffer.INSUFFICIENT_CAPACITY;

    private final UnsafeBuffer region;
    private final UnsafeBuffer ringBuffer;
    private final ManyToOneRingBuffer ring;
    private final int capacity;
    private final int maxMessageLength;
    private final int claimsIndex;
    private final int backPressureIndex;
    private final int abortsIndex;
    private final int drainedIndex;

    /**
     * Build an inbox in its own newly allocated, zeroed, cache-line aligned off-heap memory
     * of {@link InboxDescriptor#bufferLength(int)} bytes.
     *
     * @param capacity bytes for records, a power of two of at least
     *                 {@link InboxDescriptor#MIN_CAPACITY}.
     */
    public Inbox(final int capacity)
    {
        this(new UnsafeBuffer(BufferUtil.allocateDirectAligned(
            InboxDescriptor.bufferLength(capacity), InboxDescriptor.BUFFER_ALIGNMENT)));
    }

    /**
     * Build an inbox over memory provided by the caller, for example a region of physical
     * memory laid out by the boot loader. The region must be zeroed before first use and
     * 8-byte aligned; its length gives the capacity ({@link InboxDescriptor#capacityOf(int)}).
     *
     * @param region the whole region: records, ring trailer and counters.
     */
    public Inbox(final AtomicBuffer region)
    {
        this.capacity = InboxDescriptor.capacityOf(region.capacity());
        this.region = new UnsafeBuffer(region, 0, region.capacity());
        this.ringBuffer = new UnsafeBuffer(region, 0, capacity + InboxDescriptor.RING_TRAILER_LENGTH);
        this.ring = new ManyToOneRingBuffer(ringBuffer);
        this.maxMessageLength = ring.maxMsgLength();

        final int counters = capacity + InboxDescriptor.RING_TRAILER_LENGTH;
        this.claimsIndex = counters + InboxDescriptor.CLAIMS_COUNTER_OFFSET;
        this.backPressureIndex = counters + InboxDescriptor.BACK_PRESSURE_COUNTER_OFFSET;
        this.abortsIndex = counters + InboxDescriptor.ABORTS_COUNTER_OFFSET;
        this.drainedIndex = counters + InboxDescriptor.DRAINED_COUNTER_OFFSET;
    }

    /**
     * Claim room for one record; any thread. On success encode the payload into
     * {@link #buffer()} at {@code [index, index + length)}, then {@link #commit(int)} or
     * {@link #abort(int)} it.
     *
     * @param msgTypeId message type id, greater than 0.
     * @param length    payload length in bytes, in {@code [0, maxMessageLength()]}.
     * @return the index of the payload in {@link #buffer()}, or {@link #BACK_PRESSURED} if the
     *         inbox is full.
     * @throws IllegalArgumentException on a type id below 1 or a length out of range: a bug in
     *                                  the sender, not a condition to handle.
     */
    public int tryClaim(final int msgTypeId, final int length)
    {
        if (msgTypeId < 1)
        {
            throw new IllegalArgumentException("inbox message type id must be greater than 0");
        }
        if (length < 0 || length > maxMessageLength)
        {
            throw new IllegalArgumentException("inbox message length outside [0, maxMessageLength]");
        }

        final int index = ring.tryClaim(msgTypeId, length);
        if (index == RingBuffer.INSUFFICIENT_CAPACITY)
        {
            region.getAndAddLong(backPressureIndex, 1);
            return BACK_PRESSURED;
        }
        region.getAndAddLong(claimsIndex, 1);
        return index;
    }

    /**
     * Publish a claimed record to the consumer. Plain stores made to the payload before this
     * call are visible to the consumer that receives the record.
     *
     * @param index returned by {@link #tryClaim(int, int)}.
     */
    public void commit(final int index)
    {
        ring.commit(index);
    }

    /**
     * Give up a claimed record: the consumer skips it and its room is reused.
     *
     * @param index returned by {@link #tryClaim(int, int)}.
     */
    public void abort(final int index)
    {
        ring.abort(index);
        region.getAndAddLong(abortsIndex, 1);
    }

    /**
     * Copy a payload into a new record and commit it; any thread.
     *
     * @param msgTypeId message type id, greater than 0.
     * @param src       buffer holding the payload.
     * @param offset    offset of the payload in {@code src}.
     * @param length    payload length, in {@code [0, maxMessageLength()]}.
     * @return true if the record was written, false if the inbox is full (back-pressure,
     *         counted as for {@link #tryClaim(int, int)}).
     */
    public boolean offer(final int msgTypeId, final DirectBuffer src, final int offset, final int length)
    {
        final int index = tryClaim(msgTypeId, length);
        if (index == BACK_PRESSURED)
        {
            return false;
        }
        ringBuffer.putBytes(index, src, offset, length);
        ring.commit(index);
        return true;
    }

    /**
     * Hand committed records, oldest first, to the handler; the receiving thread only. The
     * handler gets the inbox's own buffer and must not keep the index after it returns: the
     * room is reused once drain returns.
     *
     * @param handler receives (msgTypeId, buffer, index, length) for each record.
     * @param limit   most records to hand over in this call.
     * @return records handed over, from 0 to {@code limit}.
     */
    public int drain(final MessageHandler handler, final int limit)
    {
        // The CPU loop drains its inbox every cycle, mostly finding it empty: when the record at
        // the head is not committed (length <= 0, padding included as committed), both reads
        // below would stop there without reading anything, so one acquire load decides.
        if (ringBuffer.getIntVolatile((int)ring.consumerPosition() & (capacity - 1)) <= 0)
        {
            return 0;
        }
        // Agrona reads one contiguous block per call, stopping at the end of the buffer, so a
        // second read picks up records that wrapped to the start.
        int drained = ring.read(handler, limit);
        if (drained < limit)
        {
            drained += ring.read(handler, limit - drained);
        }
        if (drained > 0)
        {
            // Single writer: a plain read and a release store are enough for remote readers.
            region.putLongRelease(drainedIndex, region.getLong(drainedIndex) + drained);
        }
        return drained;
    }

    /**
     * The memory records are encoded into and read from; indexes from {@link #tryClaim(int, int)}
     * and those handed to a drain handler refer to it.
     *
     * @return the ring's buffer (records and trailer).
     */
    public AtomicBuffer buffer()
    {
        return ringBuffer;
    }

    /** @return bytes available for records (header and padding included). */
    public int capacity()
    {
        return capacity;
    }

    /** @return the longest payload {@link #tryClaim(int, int)} accepts. */
    public int maxMessageLength()
    {
        return maxMessageLength;
    }

    /**
     * Bytes in use: records claimed and not yet drained, with their headers and padding.
     *
     * @return bytes between the consumer and producer positions.
     */
    public int size()
    {
        return ring.size();
    }

    /**
     * Whether nothing is claimed and not yet drained. A claimed record that is not yet
     * committed makes the inbox non-empty, although drain cannot deliver it yet.
     *
     * @return true if the consumer position has caught up with the producer position.
     */
    public boolean isEmpty()
    {
        // Head first: the tail read after it is at least that head, so equality means the
        // two positions were equal at the moment of the tail read.
        final long head = ring.consumerPosition();
        return ring.producerPosition() == head;
    }

    /** @return records claimed successfully, by tryClaim or offer. */
    public long claims()
    {
        return region.getLongVolatile(claimsIndex);
    }

    /** @return claims and offers refused because the inbox was full. */
    public long backPressureEvents()
    {
        return region.getLongVolatile(backPressureIndex);
    }

    /** @return claimed records aborted. */
    public long aborts()
    {
        return region.getLongVolatile(abortsIndex);
    }

    /** @return records handed to a drain handler. */
    public long messagesDrained()
    {
        return region.getLongVolatile(drainedIndex);
    }
}
