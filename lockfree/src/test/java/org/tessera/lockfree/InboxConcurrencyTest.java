package org.tessera.lockfree;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.MessageHandler;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Several producer threads and one consumer thread on one {@link Inbox}: every record arrives
 * exactly once, in order per producer, intact; full-inbox refusals are retried by the senders and
 * every counter adds up.
 */
class InboxConcurrencyTest
{
    private static final int PRODUCERS = 3;
    private static final int RECORDS_PER_PRODUCER = 20_000;
    private static final int HEADER = Integer.BYTES + Long.BYTES;
    private static final int ABORT_EVERY = 97;

    /** Payload: producer id, sequence, then filler whose length and bytes derive from the sequence. */
    private static int length(final long sequence)
    {
        return HEADER + (int)(sequence % 53);
    }

    private static byte filler(final long sequence, final int i)
    {
        return (byte)(sequence * 7 + i);
    }

    private static void encode(final MutableDirectBuffer buffer, final int index, final int producer, final long sequence)
    {
        buffer.putInt(index, producer);
        buffer.putLong(index + Integer.BYTES, sequence);
        for (int i = HEADER; i < length(sequence); i++)
        {
            buffer.putByte(index + i, filler(sequence, i));
        }
    }

    /** One sender: alternates zero-copy claim/commit with offer, aborts a claim now and then, retries when refused. */
    private static final class Producer implements Runnable
    {
        final Inbox inbox;
        final int id;
        final AtomicBoolean stop;
        final UnsafeBuffer scratch = new UnsafeBuffer(new byte[256]);
        long backPressured;
        long aborted;

        Producer(final Inbox inbox, final int id, final AtomicBoolean stop)
        {
            this.inbox = inbox;
            this.id = id;
            this.stop = stop;
        }

        @Override
        public void run()
        {
            for (long sequence = 0; sequence < RECORDS_PER_PRODUCER && !stop.get(); sequence++)
            {
                final int length = length(sequence);
                if (sequence % ABORT_EVERY == 0)
                {
                    final int index = claim(length);
                    encode(inbox.buffer(), index, id, -1);
                    inbox.abort(index);
                    aborted++;
                }

                if ((sequence & 1) == 0)
                {
                    final int index = claim(length);
                    encode(inbox.buffer(), index, id, sequence);
                    inbox.commit(index);
                }
                else
                {
                    encode(scratch, 0, id, sequence);
                    while (!inbox.offer(id + 1, scratch, 0, length))
                    {
                        backPressured++;
                        Thread.yield();
                    }
                }
            }
        }

        private int claim(final int length)
        {
            int index;
            while ((index = inbox.tryClaim(id + 1, length)) == Inbox.BACK_PRESSURED)
            {
                backPressured++;
                Thread.yield();
            }
            return index;
        }
    }

    /** The receiving side: checks every record against what its producer must have sent next. */
    private static final class Consumer implements MessageHandler, Runnable
    {
        final Inbox inbox;
        final AtomicBoolean stop;
        final long[] nextSequence = new long[PRODUCERS];
        final AtomicLong received = new AtomicLong();
        final AtomicReference<String> failure = new AtomicReference<>();

        Consumer(final Inbox inbox, final AtomicBoolean stop)
        {
            this.inbox = inbox;
            this.stop = stop;
        }

        @Override
        public void run()
        {
            // Let the producers fill the inbox before draining, so back-pressure certainly happens.
            while (inbox.backPressureEvents() == 0 && !stop.get())
            {
                Thread.onSpinWait();
            }
            while (!stop.get() && received.get() < (long)PRODUCERS * RECORDS_PER_PRODUCER)
            {
                if (inbox.drain(this, 32) == 0)
                {
                    Thread.yield();
                }
            }
        }

        @Override
        public void onMessage(final int msgTypeId, final MutableDirectBuffer buffer, final int index, final int length)
        {
            final int producer = buffer.getInt(index);
            final long sequence = buffer.getLong(index + Integer.BYTES);
            if (producer < 0 || producer >= PRODUCERS || msgTypeId != producer + 1)
            {
                fail("bad producer " + producer + " type " + msgTypeId);
                return;
            }
            if (sequence != nextSequence[producer])
            {
                fail("producer " + producer + " expected sequence " + nextSequence[producer] + " got " + sequence);
                return;
            }
            if (length != length(sequence))
            {
                fail("sequence " + sequence + " length " + length);
                return;
            }
            for (int i = HEADER; i < length; i++)
            {
                if (buffer.getByte(index + i) != filler(sequence, i))
                {
                    fail("sequence " + sequence + " torn at byte " + i);
                    return;
                }
            }
            nextSequence[producer]++;
            received.incrementAndGet();
        }

        private void fail(final String reason)
        {
            failure.compareAndSet(null, reason);
            stop.set(true);
        }
    }

    @Test
    void shouldDeliverEveryRecordExactlyOnceInProducerOrderUnderBackPressure() throws InterruptedException
    {
        final Inbox inbox = new Inbox(1024);
        final AtomicBoolean stop = new AtomicBoolean();
        final Consumer consumer = new Consumer(inbox, stop);
        final Producer[] producers = new Producer[PRODUCERS];
        final Thread[] threads = new Thread[PRODUCERS + 1];
        for (int p = 0; p < PRODUCERS; p++)
        {
            producers[p] = new Producer(inbox, p, stop);
            threads[p] = Thread.ofPlatform().daemon().name("producer-" + p).unstarted(producers[p]);
        }
        threads[PRODUCERS] = Thread.ofPlatform().daemon().name("consumer").unstarted(consumer);
        for (final Thread thread : threads)
        {
            thread.start();
        }

        final long total = (long)PRODUCERS * RECORDS_PER_PRODUCER;
        try
        {
            await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(10))
                .until(() -> consumer.received.get() == total || consumer.failure.get() != null);
        }
        finally
        {
            stop.set(consumer.received.get() != total);
            for (final Thread thread : threads)
            {
                thread.join(10_000);
            }
        }

        assertNull(consumer.failure.get());
        assertEquals(total, consumer.received.get());
        final long[] expectedNext = new long[PRODUCERS];
        java.util.Arrays.fill(expectedNext, RECORDS_PER_PRODUCER);
        assertArrayEquals(expectedNext, consumer.nextSequence);

        long backPressured = 0;
        long aborted = 0;
        for (final Producer producer : producers)
        {
            backPressured += producer.backPressured;
            aborted += producer.aborted;
        }
        assertTrue(backPressured > 0, "the consumer waits for a refusal before draining");
        assertEquals(backPressured, inbox.backPressureEvents());
        assertEquals(aborted, inbox.aborts());
        assertEquals(total + aborted, inbox.claims());
        assertEquals(total, inbox.messagesDrained());
        assertEquals(inbox.claims(), inbox.messagesDrained() + inbox.aborts());
        assertTrue(inbox.isEmpty());
    }
}
