package org.tessera.lockfree;

import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.MessageHandler;
import org.jetbrains.lincheck.datastructures.IntGen;
import org.jetbrains.lincheck.datastructures.ModelCheckingOptions;
import org.jetbrains.lincheck.datastructures.Operation;
import org.jetbrains.lincheck.datastructures.Param;
import org.jetbrains.lincheck.datastructures.StressOptions;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import static org.jetbrains.lincheck.datastructures.ManagedStrategyGuaranteeKt.forClasses;

/**
 * Linearizability of {@link Inbox} against a bounded FIFO queue: {@code offer} from any thread,
 * {@code poll} from one consumer thread, {@code isEmpty} from any thread. The inbox holds two
 * records, so full-inbox refusals (back-pressure) happen in most scenarios and must be
 * justified by the sequential model too.
 *
 * <p>Why {@code poll} waits while the inbox is non-empty: a record claimed but not yet committed
 * holds back the records claimed after it, so a raw drain can return nothing while an offer
 * that started later has already completed; an MPSC ring of this kind is not linearizable as a
 * queue on its own. Waiting for the oldest claimed record to be committed makes a claim the
 * linearization point of an offer, and that is the property the kernel relies on: claim order
 * is delivery order, nothing claimed is lost, nothing refused appears. Batched drain, whose
 * count depends on how many of the claimed records happen to be committed, is covered by
 * {@code InboxTest}, {@code InboxConcurrencyTest} and the jcstress tests instead.
 */
@Tag("slow")
@Param(name = "value", gen = IntGen.class, conf = "1:9")
public class InboxLincheckTest implements MessageHandler
{
    /** 16-byte records (8-byte header, 4-byte payload padded): two fit. */
    private static final int CAPACITY = 32;
    private static final int MSG_TYPE_ID = 1;

    /**
     * Agrona's ring and buffer operations are each one step for the model checker. Lincheck 3.7
     * cannot analyse inside them: its static-field snapshot looks up Agrona's
     * {@code DirectBuffer.SHOULD_BOUNDS_CHECK} on {@code AbstractMutableDirectBuffer}, walks only
     * superclasses, not interfaces, and fails with "Wow! You've caught a bug in Lincheck"
     * (NoSuchFieldException). Off-heap stores are invisible to it anyway; what it interleaves
     * is the claims, commits, reads and position loads the inbox is made of.
     */
    private static final String[] AGRONA_CLASSES = {
        "org.agrona.concurrent.ringbuffer.ManyToOneRingBuffer",
        "org.agrona.concurrent.UnsafeBuffer",
        "org.agrona.AbstractMutableDirectBuffer",
    };

    private final Inbox inbox = new Inbox(CAPACITY);
    private int polled;

    /**
     * Send one record by zero-copy claim and commit.
     *
     * @param value the payload.
     * @return false if refused because the inbox was full.
     */
    @Operation
    public boolean offer(@Param(name = "value") final int value)
    {
        final int index = inbox.tryClaim(MSG_TYPE_ID, Integer.BYTES);
        if (index == Inbox.BACK_PRESSURED)
        {
            return false;
        }
        inbox.buffer().putInt(index, value);
        inbox.commit(index);
        return true;
    }

    /**
     * Receive the oldest record, or null if nothing is claimed.
     *
     * @return the payload or null.
     */
    @Operation(nonParallelGroup = "consumer")
    public Integer poll()
    {
        while (!inbox.isEmpty())
        {
            if (inbox.drain(this, 1) == 1)
            {
                return polled;
            }
            Thread.onSpinWait();
        }
        return null;
    }

    /**
     * Emptiness as any thread sees it.
     *
     * @return true if nothing is claimed and undrained.
     */
    @Operation
    public boolean isEmpty()
    {
        return inbox.isEmpty();
    }

    @Override
    public void onMessage(final int msgTypeId, final MutableDirectBuffer buffer, final int index, final int length)
    {
        if (msgTypeId != MSG_TYPE_ID || length != Integer.BYTES)
        {
            throw new IllegalStateException("unexpected record");
        }
        polled = buffer.getInt(index);
    }

    @Test
    void shouldBeLinearizableUnderStress()
    {
        new StressOptions()
            .sequentialSpecification(BoundedQueue.class)
            .threads(3)
            .actorsPerThread(3)
            .actorsBefore(2)
            .actorsAfter(2)
            .iterations(20)
            .invocationsPerIteration(500)
            .check(InboxLincheckTest.class);
    }

    @Test
    void shouldBeLinearizableUnderModelChecking()
    {
        new ModelCheckingOptions()
            .sequentialSpecification(BoundedQueue.class)
            .addGuarantee(forClasses(AGRONA_CLASSES).allMethods().treatAsAtomic())
            .threads(3)
            .actorsPerThread(2)
            .actorsBefore(2)
            .actorsAfter(1)
            .iterations(20)
            .invocationsPerIteration(200)
            .check(InboxLincheckTest.class);
    }

    /** The sequential model: a FIFO queue of at most two values that refuses offers when full. */
    public static final class BoundedQueue
    {
        private final int[] values = new int[CAPACITY / 16];
        private int head;
        private int size;

        /**
         * @param value the value.
         * @return false when full.
         */
        public boolean offer(final int value)
        {
            if (size == values.length)
            {
                return false;
            }
            values[(head + size) % values.length] = value;
            size++;
            return true;
        }

        /** @return the oldest value or null. */
        public Integer poll()
        {
            if (size == 0)
            {
                return null;
            }
            final int value = values[head];
            head = (head + 1) % values.length;
            size--;
            return value;
        }

        /** @return true when empty. */
        public boolean isEmpty()
        {
            return size == 0;
        }
    }
}
