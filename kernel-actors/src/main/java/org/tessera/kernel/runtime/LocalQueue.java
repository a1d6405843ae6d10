package org.tessera.kernel.runtime;

import java.nio.ByteBuffer;

import org.agrona.concurrent.MessageHandler;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * A CPU's local queue: the messages its actors send to actors on the same CPU, in a byte ring
 * written and read by the CPU's own loop only. Same-CPU messages are handled later in the same
 * loop, never nested in the sender's handler.
 *
 * <p>It keeps the record format and the capacity rules of Agrona's one-to-one ring buffer, which
 * it replaces on this path: the same records, the same room, the same back-pressure, and a read
 * that stops at the end of the buffer and frees the room it read only when it returns, so a
 * machine handles its messages in the same cycles as before. Being single-threaded it needs no
 * ordered stores, no volatile loads and no zeroing of what it read: the reader stops at the
 * tail it knows instead of at a zeroed length.
 * <pre>
 *   record: +-----------------+-----------------+------------------------------+---------+
 *           | length (int)    | type id (int)   | message (length - 8 bytes)   | padding |
 *           +-----------------+-----------------+------------------------------+---------+
 *           ^ 8-aligned; length is negative while claimed, positive once committed; a record
 *             of type {@link #PADDING_TYPE_ID} fills the end of the buffer before a wrap or
 *             stands for an aborted claim
 * </pre>
 */
public final class LocalQueue
{
    /** Result of {@link #tryClaim} when the queue has no room. */
    public static final int INSUFFICIENT_CAPACITY = -2;
    /** Type id of a record that carries no message. */
    public static final int PADDING_TYPE_ID = -1;
    /** Bytes of a record header (length and type id), also the record alignment. */
    public static final int HEADER_LENGTH = 8;

    private final UnsafeBuffer buffer;
    private final int capacity;
    private final int mask;
    private final int maxMessageLength;
    private long head;
    private long tail;

    /** @param capacity bytes of the ring (a power of two, at least 64). */
    public LocalQueue(final int capacity)
    {
        if (capacity < 64 || Integer.bitCount(capacity) != 1)
        {
            throw new IllegalArgumentException("local queue capacity must be a power of two of at least 64");
        }
        this.capacity = capacity;
        this.mask = capacity - 1;
        this.maxMessageLength = capacity >> 3;
        this.buffer = new UnsafeBuffer(ByteBuffer.allocateDirect(capacity));
    }

    /** @return the buffer records lie in. */
    public UnsafeBuffer buffer()
    {
        return buffer;
    }

    /** @return the longest message a claim takes. */
    public int maxMsgLength()
    {
        return maxMessageLength;
    }

    /** @return bytes of the ring. */
    public int capacity()
    {
        return capacity;
    }

    /** @return bytes held: records not yet read, and those read by a read still in progress. */
    public int size()
    {
        return (int)(tail - head);
    }

    /**
     * Claim room for a message of {@code length} bytes.
     *
     * @return the offset of the message in {@link #buffer()}, or {@link #INSUFFICIENT_CAPACITY}.
     */
    public int tryClaim(final int msgTypeId, final int length)
    {
        if (msgTypeId < 1 || length < 0 || length > maxMessageLength)
        {
            throw new IllegalArgumentException("local queue: type id below 1 or length outside [0, maxMsgLength]");
        }
        final int recordLength = length + HEADER_LENGTH;
        final int aligned = (recordLength + HEADER_LENGTH - 1) & -HEADER_LENGTH;
        // room for one more header beyond the record is kept free, as the ring buffer this
        // replaced does, so that the two refuse the same claims
        final int required = aligned + HEADER_LENGTH;
        if (required > capacity - (int)(tail - head))
        {
            return INSUFFICIENT_CAPACITY;
        }
        int recordIndex = (int)tail & mask;
        final int toEnd = capacity - recordIndex;
        if (aligned != toEnd && required > toEnd)
        {
            // the record goes at the start, after padding to the end of the buffer; the padding
            // stays even when the start has no room yet (the head has not freed enough)
            buffer.putInt(recordIndex, toEnd);
            buffer.putInt(recordIndex + 4, PADDING_TYPE_ID);
            tail += toEnd;
            if (required > ((int)head & mask))
            {
                return INSUFFICIENT_CAPACITY;
            }
            recordIndex = 0;
        }
        buffer.putInt(recordIndex, -recordLength);
        buffer.putInt(recordIndex + 4, msgTypeId);
        tail += aligned;
        return recordIndex + HEADER_LENGTH;
    }

    /** Publish the record claimed at {@code index}. */
    public void commit(final int index)
    {
        final int at = index - HEADER_LENGTH;
        buffer.putInt(at, -buffer.getInt(at));
    }

    /** Give back the record claimed at {@code index}: it stays as padding until read past. */
    public void abort(final int index)
    {
        final int at = index - HEADER_LENGTH;
        buffer.putInt(at + 4, PADDING_TYPE_ID);
        buffer.putInt(at, -buffer.getInt(at));
    }

    /**
     * Hand committed records to {@code handler} (the CPU's loop), oldest first, up to
     * {@code limit} messages and no further than the end of the buffer; records committed
     * meanwhile (by the handlers) are read too. The room read is freed when this returns.
     *
     * @return messages handed over.
     */
    public int read(final MessageHandler handler, final int limit)
    {
        final long start = head;
        final int headIndex = (int)start & mask;
        final int contiguous = capacity - headIndex;
        int bytesRead = 0;
        int messagesRead = 0;
        while (bytesRead < contiguous && messagesRead < limit && start + bytesRead < tail)
        {
            final int recordIndex = headIndex + bytesRead;
            final int recordLength = buffer.getInt(recordIndex);
            if (recordLength <= 0)
            {
                break;
            }
            bytesRead += (recordLength + HEADER_LENGTH - 1) & -HEADER_LENGTH;
            final int msgTypeId = buffer.getInt(recordIndex + 4);
            if (msgTypeId == PADDING_TYPE_ID)
            {
                continue;
            }
            messagesRead++;
            handler.onMessage(msgTypeId, buffer, recordIndex + HEADER_LENGTH, recordLength - HEADER_LENGTH);
        }
        head = start + bytesRead;
        return messagesRead;
    }
}
