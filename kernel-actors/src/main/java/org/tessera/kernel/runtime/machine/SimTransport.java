package org.tessera.kernel.runtime.machine;

import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.PriorityQueue;

import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.tessera.kernel.runtime.DeterministicRandom;
import org.tessera.kernel.runtime.Transport;
import org.tessera.lockfree.Inbox;

/**
 * Simulation transport: a committed cross-CPU message is held in flight for a seeded delay,
 * then written into the destination inbox. Room in the destination is reserved when the
 * sender claims, so back-pressure is reported to the sender exactly as in host mode; should
 * the inbox still refuse at delivery time (ring padding), the message waits and is delivered
 * later: it is never dropped.
 */
public final class SimTransport implements Transport
{
    private static final int RECORD_HEADER = 8;
    private static final int MAX_MESSAGE = 64 * 1024;

    private final Inbox[] inboxes;
    private final VirtualClock clock;
    private final DeterministicRandom random;
    private final SimulationOptions options;
    private final long[] reserved;
    private final UnsafeBuffer staging = new UnsafeBuffer(ByteBuffer.allocateDirect(MAX_MESSAGE));
    private final PriorityQueue<Flight> inFlight = new PriorityQueue<>();
    private final ArrayDeque<Flight> pool = new ArrayDeque<>();
    private int stagingType;
    private int stagingLength;
    private long sequence;
    private long delivered;
    private long deferred;

    /** A message in flight. */
    private static final class Flight implements Comparable<Flight>
    {
        long deliverAt;
        long sequence;
        int dstCpu;
        int msgTypeId;
        int length;
        long reservedBytes;
        final UnsafeBuffer bytes = new UnsafeBuffer(new byte[MAX_MESSAGE]);

        public int compareTo(final Flight o)
        {
            final long d = deliverAt - o.deliverAt;
            return d != 0 ? (d < 0 ? -1 : 1) : Long.compare(sequence, o.sequence);
        }
    }

    public SimTransport(
        final Inbox[] inboxes, final VirtualClock clock, final DeterministicRandom random, final SimulationOptions options)
    {
        this.inboxes = inboxes;
        this.clock = clock;
        this.random = random;
        this.options = options;
        this.reserved = new long[inboxes.length];
    }

    private static long recordBytes(final int length)
    {
        return (length + RECORD_HEADER + 7) & ~7L;
    }

    public int tryClaim(final int dstCpu, final int msgTypeId, final int length)
    {
        final Inbox inbox = inboxes[dstCpu];
        final long need = recordBytes(length);
        if (length > MAX_MESSAGE || length > inbox.maxMessageLength() ||
            inbox.capacity() - inbox.size() - reserved[dstCpu] < need)
        {
            return BACK_PRESSURED;
        }
        stagingType = msgTypeId;
        stagingLength = length;
        return 0;
    }

    public MutableDirectBuffer buffer(final int dstCpu)
    {
        return staging;
    }

    public void commit(final int dstCpu, final int index)
    {
        final Flight f = pool.isEmpty() ? new Flight() : pool.poll();
        f.dstCpu = dstCpu;
        f.msgTypeId = stagingType;
        f.length = stagingLength;
        f.reservedBytes = recordBytes(stagingLength);
        f.bytes.putBytes(0, staging, 0, stagingLength);
        f.sequence = sequence++;
        f.deliverAt = clock.nanoTime() + random.nextLong(options.minFlightNanos(), options.maxFlightNanos());
        reserved[dstCpu] += f.reservedBytes;
        inFlight.add(f);
    }

    public void abort(final int dstCpu, final int index)
    {
        stagingLength = 0;
    }

    /** Deliver every message whose flight has ended by {@code now}, in (time, send order). */
    public void deliverDue(final long now)
    {
        while (!inFlight.isEmpty() && inFlight.peek().deliverAt - now <= 0)
        {
            final Flight f = inFlight.poll();
            if (inboxes[f.dstCpu].offer(f.msgTypeId, f.bytes, 0, f.length))
            {
                reserved[f.dstCpu] -= f.reservedBytes;
                delivered++;
                pool.add(f);
            }
            else
            {
                deferred++;
                f.deliverAt = now + Math.max(1, options.minFlightNanos());
                inFlight.add(f);
                return;
            }
        }
    }

    /** @return when the next flight ends, or {@link Long#MAX_VALUE}. */
    public long nextDelivery()
    {
        return inFlight.isEmpty() ? Long.MAX_VALUE : inFlight.peek().deliverAt;
    }

    /** @return messages still in flight. */
    public int inFlight()
    {
        return inFlight.size();
    }

    public long delivered()
    {
        return delivered;
    }

    /** @return deliveries postponed because the inbox still had no room. */
    public long deferred()
    {
        return deferred;
    }
}
