package org.tessera.lockfree;

import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import org.agrona.BufferUtil;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.MessageHandler;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Single-threaded behaviour of {@link Inbox}: order, variable sizes, wraparound, abort, drain
 * limits, back-pressure and limits on message length.
 */
class InboxTest
{
    /** A record as the handler saw it, copied out of the inbox. */
    private record Received(int msgTypeId, byte[] payload)
    {
    }

    /** Copies every record it is handed. */
    private static final class Collector implements MessageHandler
    {
        final List<Received> received = new ArrayList<>();

        @Override
        public void onMessage(final int msgTypeId, final MutableDirectBuffer buffer, final int index, final int length)
        {
            final byte[] payload = new byte[length];
            buffer.getBytes(index, payload);
            received.add(new Received(msgTypeId, payload));
        }
    }

    private static byte[] payload(final int seed, final int length)
    {
        final byte[] bytes = new byte[length];
        for (int i = 0; i < length; i++)
        {
            bytes[i] = (byte)(seed * 31 + i);
        }
        return bytes;
    }

    private static void send(final Inbox inbox, final int msgTypeId, final byte[] payload)
    {
        final int index = inbox.tryClaim(msgTypeId, payload.length);
        assertTrue(index >= 0, "claim refused");
        inbox.buffer().putBytes(index, payload);
        inbox.commit(index);
    }

    @Test
    void shouldDeliverCommittedRecordsInClaimOrder()
    {
        final Inbox inbox = new Inbox(1024);
        final Collector collector = new Collector();

        final int first = inbox.tryClaim(1, 4);
        final int second = inbox.tryClaim(2, 4);
        final int third = inbox.tryClaim(3, 4);
        inbox.buffer().putInt(third, 33);
        inbox.buffer().putInt(first, 11);
        inbox.buffer().putInt(second, 22);
        inbox.commit(third);
        inbox.commit(second);

        assertEquals(0, inbox.drain(collector, 10), "the first claim is not committed yet");
        inbox.commit(first);

        assertEquals(3, inbox.drain(collector, 10));
        assertEquals(List.of(1, 2, 3), collector.received.stream().map(Received::msgTypeId).toList());
        assertEquals(11, new UnsafeBuffer(collector.received.get(0).payload()).getInt(0));
        assertEquals(22, new UnsafeBuffer(collector.received.get(1).payload()).getInt(0));
        assertEquals(33, new UnsafeBuffer(collector.received.get(2).payload()).getInt(0));
        assertTrue(inbox.isEmpty());
    }

    @Test
    void shouldCarryEveryLengthFromZeroToMaxIntact()
    {
        final Inbox inbox = new Inbox(4096);
        final Collector collector = new Collector();

        for (int length = 0; length <= inbox.maxMessageLength(); length++)
        {
            send(inbox, 1 + length, payload(length, length));
            assertEquals(1, inbox.drain(collector, 1));
        }

        assertEquals(inbox.maxMessageLength() + 1, collector.received.size());
        for (int length = 0; length <= inbox.maxMessageLength(); length++)
        {
            final Received received = collector.received.get(length);
            assertEquals(1 + length, received.msgTypeId());
            assertArrayEquals(payload(length, length), received.payload());
        }
    }

    @ParameterizedTest(name = "seed {0}")
    @ValueSource(longs = {1L, 42L, 20261125L})
    void shouldWrapAroundManyTimesWithoutLossOrReordering(final long seed)
    {
        final Random random = new Random(seed);
        final Inbox inbox = new Inbox(256);
        final Collector collector = new Collector();
        final ArrayDeque<Received> expected = new ArrayDeque<>();
        long bytesSent = 0;
        int sequence = 0;

        while (bytesSent < 200L * inbox.capacity())
        {
            final int burst = 1 + random.nextInt(6);
            for (int i = 0; i < burst; i++)
            {
                final int length = random.nextInt(inbox.maxMessageLength() + 1);
                final int msgTypeId = 1 + (sequence++ & 0xFFFF);
                final byte[] payload = payload(sequence, length);
                final int index = inbox.tryClaim(msgTypeId, length);
                if (index == Inbox.BACK_PRESSURED)
                {
                    break;
                }
                inbox.buffer().putBytes(index, payload);
                inbox.commit(index);
                expected.add(new Received(msgTypeId, payload));
                bytesSent += length;
            }

            collector.received.clear();
            final int limit = 1 + random.nextInt(4);
            final int drained = inbox.drain(collector, limit);
            assertTrue(drained <= limit);
            assertEquals(Math.min(limit, expected.size()), drained, "drain stops short of committed records");
            for (final Received received : collector.received)
            {
                final Received next = expected.poll();
                assertEquals(next.msgTypeId(), received.msgTypeId(), "seed " + seed);
                assertArrayEquals(next.payload(), received.payload(), "seed " + seed);
            }
        }

        collector.received.clear();
        inbox.drain(collector, Integer.MAX_VALUE);
        assertEquals(expected.size(), collector.received.size());
        assertTrue(inbox.isEmpty());
        assertEquals(inbox.claims(), inbox.messagesDrained());
    }

    @Test
    void shouldDrainAcrossTheEndOfTheBufferInOneCall()
    {
        final Inbox inbox = new Inbox(64);
        final Collector collector = new Collector();

        // Three 16-byte records, drained, leave the head 16 bytes before the end.
        for (int i = 0; i < 3; i++)
        {
            send(inbox, 1, payload(i, 8));
        }
        assertEquals(3, inbox.drain(collector, 10));

        send(inbox, 2, payload(2, 8));
        send(inbox, 3, payload(3, 8));
        collector.received.clear();

        assertEquals(2, inbox.drain(collector, 10), "records on both sides of the wrap");
        assertEquals(2, collector.received.get(0).msgTypeId());
        assertEquals(3, collector.received.get(1).msgTypeId());
    }

    @Test
    void shouldDrainPastAnAbortedClaimAndPaddingAtTheHead()
    {
        final Inbox inbox = new Inbox(128);
        final Collector collector = new Collector();

        // an aborted claim at the head is committed padding: the drain goes past it
        final int aborted = inbox.tryClaim(9, 8);
        inbox.abort(aborted);
        send(inbox, 1, payload(1, 8));
        assertEquals(1, inbox.drain(collector, 10));
        assertEquals(1, collector.received.get(0).msgTypeId());

        // five 16-byte records leave the head 16 bytes before the end; a 24-byte record does
        // not fit there, so the end is padded and the record goes to the start: the padding
        // is at the head
        for (int i = 0; i < 5; i++)
        {
            send(inbox, 2, payload(i, 8));
        }
        assertEquals(5, inbox.drain(collector, 10));
        send(inbox, 3, payload(3, 16));
        assertEquals(1, inbox.drain(collector, 10), "the record after the padding at the head");
        assertEquals(3, collector.received.get(6).msgTypeId());
        assertTrue(inbox.isEmpty());
    }

    @Test
    void shouldSkipAbortedRecords()
    {
        final Inbox inbox = new Inbox(1024);
        final Collector collector = new Collector();

        send(inbox, 1, payload(1, 10));
        final int aborted = inbox.tryClaim(2, 20);
        inbox.buffer().putBytes(aborted, payload(2, 20));
        send(inbox, 3, payload(3, 30));
        inbox.abort(aborted);

        assertEquals(2, inbox.drain(collector, 10));
        assertEquals(1, collector.received.get(0).msgTypeId());
        assertEquals(3, collector.received.get(1).msgTypeId());
        assertArrayEquals(payload(3, 30), collector.received.get(1).payload());
        assertTrue(inbox.isEmpty());
        assertEquals(3, inbox.claims());
        assertEquals(1, inbox.aborts());
        assertEquals(2, inbox.messagesDrained());
    }

    @Test
    void shouldHonourDrainLimit()
    {
        final Inbox inbox = new Inbox(1024);
        final Collector collector = new Collector();
        for (int i = 1; i <= 10; i++)
        {
            send(inbox, i, payload(i, i));
        }

        assertEquals(0, inbox.drain(collector, 0));
        assertEquals(3, inbox.drain(collector, 3));
        assertEquals(List.of(1, 2, 3), collector.received.stream().map(Received::msgTypeId).toList());
        assertEquals(1, inbox.drain(collector, 1));
        assertEquals(6, inbox.drain(collector, 100));
        assertEquals(0, inbox.drain(collector, 100));
        assertEquals(List.of(1, 2, 3, 4, 5, 6, 7, 8, 9, 10),
            collector.received.stream().map(Received::msgTypeId).toList());
    }

    @Test
    void shouldReportBackPressureWhenFullAndLoseNothing()
    {
        final Inbox inbox = new Inbox(128);
        final Collector collector = new Collector();

        // 8-byte payloads make 16-byte records: exactly eight fit.
        for (int i = 1; i <= 8; i++)
        {
            send(inbox, i, payload(i, 8));
        }
        assertEquals(inbox.capacity(), inbox.size());
        assertEquals(Inbox.BACK_PRESSURED, inbox.tryClaim(9, 8));
        assertFalse(inbox.offer(9, new UnsafeBuffer(payload(9, 8)), 0, 8));
        assertEquals(2, inbox.backPressureEvents());
        assertEquals(8, inbox.claims());

        assertEquals(1, inbox.drain(collector, 1));
        send(inbox, 9, payload(9, 8));
        assertEquals(Inbox.BACK_PRESSURED, inbox.tryClaim(10, 8));

        assertEquals(8, inbox.drain(collector, 100));
        assertEquals(List.of(1, 2, 3, 4, 5, 6, 7, 8, 9), collector.received.stream().map(Received::msgTypeId).toList());
        for (final Received received : collector.received)
        {
            assertArrayEquals(payload(received.msgTypeId(), 8), received.payload());
        }
        assertEquals(3, inbox.backPressureEvents());
        assertEquals(9, inbox.messagesDrained());
    }

    @Test
    void shouldAcceptMaxMessageLengthAndRejectLonger()
    {
        final Inbox inbox = new Inbox(1024);
        assertEquals(1024 / 8, inbox.maxMessageLength());
        final Collector collector = new Collector();

        send(inbox, 7, payload(7, inbox.maxMessageLength()));
        assertEquals(1, inbox.drain(collector, 1));
        assertArrayEquals(payload(7, inbox.maxMessageLength()), collector.received.getFirst().payload());

        assertThrows(IllegalArgumentException.class, () -> inbox.tryClaim(1, inbox.maxMessageLength() + 1));
        assertThrows(IllegalArgumentException.class, () -> inbox.tryClaim(1, -1));
        assertThrows(IllegalArgumentException.class, () -> inbox.tryClaim(0, 4));
        assertThrows(IllegalArgumentException.class, () -> inbox.tryClaim(-1, 4));
        assertEquals(1, inbox.claims());
        assertEquals(0, inbox.backPressureEvents());
        assertTrue(inbox.isEmpty());
    }

    @Test
    void shouldOfferByCopy()
    {
        final Inbox inbox = new Inbox(1024);
        final Collector collector = new Collector();
        final UnsafeBuffer src = new UnsafeBuffer(new byte[64]);
        src.putBytes(0, payload(5, 64));

        assertTrue(inbox.offer(5, src, 16, 40));
        src.setMemory(0, 64, (byte)0);

        assertEquals(1, inbox.drain(collector, 1));
        final byte[] expected = new byte[40];
        System.arraycopy(payload(5, 64), 16, expected, 0, 40);
        assertArrayEquals(expected, collector.received.getFirst().payload());
    }

    @Test
    void shouldReportSizeAndEmptiness()
    {
        final Inbox inbox = new Inbox(1024);
        final Collector collector = new Collector();
        assertTrue(inbox.isEmpty());
        assertEquals(0, inbox.size());

        final int index = inbox.tryClaim(1, 5);
        assertFalse(inbox.isEmpty(), "a claimed record counts before it is committed");
        assertEquals(16, inbox.size(), "8-byte header plus 5 bytes, aligned to 8");
        assertEquals(0, inbox.drain(collector, 1));

        inbox.commit(index);
        send(inbox, 2, payload(2, 24));
        assertEquals(16 + 32, inbox.size());

        assertEquals(2, inbox.drain(collector, 10));
        assertTrue(inbox.isEmpty());
        assertEquals(0, inbox.size());
    }

    @Test
    void shouldWorkOverCallerProvidedMemory()
    {
        final int length = InboxDescriptor.bufferLength(256);
        final ByteBuffer memory = BufferUtil.allocateDirectAligned(length, InboxDescriptor.BUFFER_ALIGNMENT);
        final Inbox inbox = new Inbox(new UnsafeBuffer(memory));
        final Collector collector = new Collector();
        assertEquals(256, inbox.capacity());

        send(inbox, 4, payload(4, 12));
        assertEquals(1, inbox.drain(collector, 1));
        assertArrayEquals(payload(4, 12), collector.received.getFirst().payload());
        assertEquals(1, new UnsafeBuffer(memory).getLongVolatile(256 + InboxDescriptor.RING_TRAILER_LENGTH +
            InboxDescriptor.DRAINED_COUNTER_OFFSET), "counters live in the region, readable by any tool");
    }

    @Test
    void shouldRejectCapacityThatIsNotAPowerOfTwoOrTooSmall()
    {
        assertThrows(IllegalArgumentException.class, () -> new Inbox(1000));
        assertThrows(IllegalArgumentException.class, () -> new Inbox(16));
        assertThrows(IllegalArgumentException.class, () -> new Inbox(0));
        assertThrows(IllegalArgumentException.class, () -> new Inbox(new UnsafeBuffer(new byte[100])));
    }
}
