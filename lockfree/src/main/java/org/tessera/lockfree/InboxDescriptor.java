package org.tessera.lockfree;

import org.agrona.BitUtil;
import org.agrona.concurrent.ringbuffer.RingBufferDescriptor;

/**
 * Memory layout of an {@link Inbox}: Agrona's many-to-one ring (records, then its trailer of
 * head/tail positions) followed by the inbox's own counters.
 *
 * <pre>
 *   0                               capacity           capacity + RING_TRAILER_LENGTH
 *   +-------------------------------+------------------+--------------------------------+
 *   | records, wrapping             | ring trailer     | counters (COUNTERS_LENGTH)     |
 *   | (Agrona RecordDescriptor)     | tail, head cache,| claims, back-pressure, aborts, |
 *   |                               | head, ...        | messages drained               |
 *   +-------------------------------+------------------+--------------------------------+
 *
 *   one record, 8-byte aligned:
 *   0                   4                   8
 *   +-------------------+-------------------+-------------------------------...--+
 *   | record length     | message type id   | payload (the SBE-encoded message)   |
 *   | &lt; 0 while claimed | -1 for padding     | length = record length - 8          |
 *   +-------------------+-------------------+-------------------------------...--+
 *
 *   counters, each a little-endian long alone in its own 128-byte slot:
 *   +0    claims            written by producers (atomic add)
 *   +128  back-pressure     written by producers (atomic add)
 *   +256  aborts            written by producers (atomic add)
 *   +384  messages drained  written by the consumer only (release store)
 *   +512  end
 * </pre>
 *
 * <p>Counters sit two cache lines apart, like the ring's own positions, so that producers
 * bumping one counter do not invalidate the line (or the adjacent-line prefetch pair) the
 * consumer is writing.
 */
public final class InboxDescriptor
{
    /** Alignment of the whole region: a cache line, so the slot arithmetic above holds. */
    public static final int BUFFER_ALIGNMENT = BitUtil.CACHE_LINE_LENGTH;

    /** Bytes of Agrona's ring trailer that follow the records. */
    public static final int RING_TRAILER_LENGTH = RingBufferDescriptor.TRAILER_LENGTH;

    /** Distance between two counters: two cache lines, as in the ring trailer. */
    public static final int COUNTER_STRIDE = BitUtil.CACHE_LINE_LENGTH * 2;

    /** Offset of the claims counter from the start of the counters. */
    public static final int CLAIMS_COUNTER_OFFSET = 0;

    /** Offset of the back-pressure counter from the start of the counters. */
    public static final int BACK_PRESSURE_COUNTER_OFFSET = COUNTER_STRIDE;

    /** Offset of the aborts counter from the start of the counters. */
    public static final int ABORTS_COUNTER_OFFSET = COUNTER_STRIDE * 2;

    /** Offset of the messages-drained counter from the start of the counters. */
    public static final int DRAINED_COUNTER_OFFSET = COUNTER_STRIDE * 3;

    /** Bytes taken by the counters, including the padding after the last one. */
    public static final int COUNTERS_LENGTH = COUNTER_STRIDE * 4;

    /** Smallest record capacity accepted (Agrona's minimum with a non-zero message length). */
    public static final int MIN_CAPACITY = 32;

    private InboxDescriptor()
    {
    }

    /**
     * Check that a record capacity is usable.
     *
     * @param capacity record capacity in bytes.
     * @return the capacity.
     * @throws IllegalArgumentException if it is not a power of two of at least
     *                                  {@link #MIN_CAPACITY} bytes.
     */
    public static int checkCapacity(final int capacity)
    {
        if (capacity < MIN_CAPACITY || !BitUtil.isPowerOfTwo(capacity) ||
            capacity > Integer.MAX_VALUE - RING_TRAILER_LENGTH - COUNTERS_LENGTH)
        {
            throw new IllegalArgumentException("inbox capacity must be a power of two of at least 32 bytes");
        }
        return capacity;
    }

    /**
     * Length of the region an inbox of the given record capacity occupies.
     *
     * @param capacity record capacity in bytes, a power of two.
     * @return capacity plus ring trailer plus counters.
     */
    public static int bufferLength(final int capacity)
    {
        return checkCapacity(capacity) + RING_TRAILER_LENGTH + COUNTERS_LENGTH;
    }

    /**
     * Record capacity of an inbox laid out in a region of the given length.
     *
     * @param bufferLength length of the whole region.
     * @return the record capacity.
     * @throws IllegalArgumentException if the length does not come from {@link #bufferLength(int)}.
     */
    public static int capacityOf(final int bufferLength)
    {
        return checkCapacity(bufferLength - RING_TRAILER_LENGTH - COUNTERS_LENGTH);
    }
}
