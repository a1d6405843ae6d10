package org.tessera.kernel.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.LongStream;

import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.MessageHandler;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.ringbuffer.OneToOneRingBuffer;
import org.agrona.concurrent.ringbuffer.RingBuffer;
import org.agrona.concurrent.ringbuffer.RingBufferDescriptor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The local queue against the ring buffer it replaced (Agrona's one-to-one ring buffer, used
 * single-threaded the way the CPU loop used it): random claims, commits, aborts and reads,
 * including claims made by the handlers during a read, must give the same claim results, the
 * same back-pressure and the same messages in the same reads.
 */
class LocalQueueTest
{
    static LongStream seeds()
    {
        return LongStream.rangeClosed(1, 12);
    }

    /** One side of the comparison: what a handler saw, and claims it makes while reading. */
    private abstract static class Side implements MessageHandler
    {
        final List<String> seen = new ArrayList<>();
        Random random;
        int nestedClaims;
        int maxLength;

        abstract int claim(int type, int length);

        abstract MutableDirectBuffer buffer();

        abstract void commit(int index);

        abstract void abort(int index);

        abstract int read(int limit);

        abstract int size();

        /** Claim, fill and commit or abort a message; @return a description of what happened. */
        String send(final int type, final int length, final boolean abort)
        {
            final int index = claim(type, length);
            if (index < 0)
            {
                return "refused " + index;
            }
            for (int i = 0; i < length; i++)
            {
                buffer().putByte(index + i, (byte)(type * 31 + i));
            }
            if (abort)
            {
                abort(index);
                return "aborted at " + index;
            }
            commit(index);
            return "sent at " + index;
        }

        public void onMessage(final int type, final MutableDirectBuffer b, final int index, final int length)
        {
            final StringBuilder s = new StringBuilder().append(type).append('/').append(length).append('@')
                .append(index).append(':');
            for (int i = 0; i < length; i++)
            {
                s.append(b.getByte(index + i)).append(',');
            }
            seen.add(s.toString());
            // a handler sends too, as actors do: the same pseudo-random choices on both sides
            if (nestedClaims > 0 && random.nextInt(3) == 0)
            {
                nestedClaims--;
                seen.add("nested " + send(1 + random.nextInt(50), random.nextInt(maxLength + 1), random.nextInt(8) == 0));
            }
        }
    }

    private static final class Agrona extends Side
    {
        final OneToOneRingBuffer ring;

        Agrona(final int capacity)
        {
            ring = new OneToOneRingBuffer(new UnsafeBuffer(
                ByteBuffer.allocateDirect(capacity + RingBufferDescriptor.TRAILER_LENGTH)));
        }

        int claim(final int type, final int length)
        {
            return ring.tryClaim(type, length);
        }

        MutableDirectBuffer buffer()
        {
            return ring.buffer();
        }

        void commit(final int index)
        {
            ring.commit(index);
        }

        void abort(final int index)
        {
            ring.abort(index);
        }

        int read(final int limit)
        {
            return ring.read(this, limit);
        }

        int size()
        {
            return ring.size();
        }
    }

    private static final class Local extends Side
    {
        final LocalQueue queue;

        Local(final int capacity)
        {
            queue = new LocalQueue(capacity);
        }

        int claim(final int type, final int length)
        {
            return queue.tryClaim(type, length);
        }

        MutableDirectBuffer buffer()
        {
            return queue.buffer();
        }

        void commit(final int index)
        {
            queue.commit(index);
        }

        void abort(final int index)
        {
            queue.abort(index);
        }

        int read(final int limit)
        {
            return queue.read(this, limit);
        }

        int size()
        {
            return queue.size();
        }
    }

    @ParameterizedTest
    @MethodSource("seeds")
    void shouldBehaveAsTheRingBufferItReplaced(final long seed)
    {
        final Random choices = new Random(seed);
        final int capacity = 256 << choices.nextInt(4);
        final Agrona agrona = new Agrona(capacity);
        final Local local = new Local(capacity);
        assertEquals(agrona.ring.maxMsgLength(), local.queue.maxMsgLength());
        agrona.maxLength = local.queue.maxMsgLength();
        local.maxLength = local.queue.maxMsgLength();
        agrona.random = new Random(seed * 7919);
        local.random = new Random(seed * 7919);
        int refused = 0;
        for (int step = 0; step < 20_000; step++)
        {
            final int op = choices.nextInt(10);
            if (op < 6)
            {
                final int type = 1 + choices.nextInt(1000);
                final int length = choices.nextInt(local.queue.maxMsgLength() + 1);
                final boolean abort = choices.nextInt(10) == 0;
                final String a = agrona.send(type, length, abort);
                assertEquals(a, local.send(type, length, abort), "seed " + seed + " step " + step);
                refused += a.startsWith("refused") ? 1 : 0;
            }
            else
            {
                final int limit = 1 + choices.nextInt(8);
                final int nested = choices.nextInt(4);
                agrona.nestedClaims = nested;
                local.nestedClaims = nested;
                assertEquals(agrona.read(limit), local.read(limit), "seed " + seed + " step " + step);
                assertEquals(agrona.seen, local.seen, "seed " + seed + " step " + step);
                agrona.seen.clear();
                local.seen.clear();
            }
            assertEquals(agrona.size(), local.size(), "seed " + seed + " step " + step);
        }
        assertEquals(true, refused > 0, "seed " + seed + ": the run never filled the queue");
    }

    @Test
    void shouldRefuseWhenFullAndTakeAgainOnceRead()
    {
        final LocalQueue q = new LocalQueue(256);
        final List<Integer> types = new ArrayList<>();
        final MessageHandler handler = (type, b, index, length) -> types.add(type);
        int sent = 0;
        int index;
        while ((index = q.tryClaim(1 + sent, 24)) >= 0)
        {
            q.commit(index);
            sent++;
        }
        assertEquals(LocalQueue.INSUFFICIENT_CAPACITY, index);
        assertEquals(256 / 32 - 1, sent, "32-byte records in a 256-byte ring, a header's room kept free");
        assertEquals(3, q.read(handler, 3));
        assertEquals(List.of(1, 2, 3), types);
        final int again = q.tryClaim(99, 24);
        assertEquals(true, again >= 0, "room read is free again");
        q.commit(again);
        int total = 0;
        int n;
        while ((n = q.read(handler, 100)) > 0)
        {
            total += n;
        }
        assertEquals(sent - 3 + 1, total);
        assertEquals(99, types.get(types.size() - 1));
        assertEquals(0, q.size());
    }

    @Test
    void shouldNotReadAClaimBeforeItIsCommitted()
    {
        final LocalQueue q = new LocalQueue(256);
        final List<Integer> types = new ArrayList<>();
        final MessageHandler handler = (type, b, index, length) -> types.add(type);
        final int index = q.tryClaim(5, 16);
        assertEquals(0, q.read(handler, 10));
        q.commit(index);
        assertEquals(1, q.read(handler, 10));
        assertEquals(List.of(5), types);
    }

    @Test
    void shouldRejectBadClaimsAndCapacities()
    {
        final LocalQueue q = new LocalQueue(256);
        assertThrows(IllegalArgumentException.class, () -> q.tryClaim(0, 8));
        assertThrows(IllegalArgumentException.class, () -> q.tryClaim(1, q.maxMsgLength() + 1));
        assertThrows(IllegalArgumentException.class, () -> q.tryClaim(1, -1));
        assertThrows(IllegalArgumentException.class, () -> new LocalQueue(300));
        assertEquals(RingBuffer.INSUFFICIENT_CAPACITY, LocalQueue.INSUFFICIENT_CAPACITY);
    }
}
