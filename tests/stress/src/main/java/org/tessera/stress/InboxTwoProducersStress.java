package org.tessera.stress;

import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.MessageHandler;
import org.agrona.concurrent.UnsafeBuffer;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.Description;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.III_Result;
import org.tessera.lockfree.Inbox;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

/**
 * Two producers send at once, one by zero-copy claim and commit, one by offer, into an inbox
 * whose tail sits 24 bytes before the end of its buffer: whichever claims first must pad to the
 * end and wrap, the other lands after it. Both records arrive, once each, each intact.
 *
 * <p>Result: records drained; type id of the first and of the second record, negated if its
 * payload was not exactly what its producer wrote.
 */
@JCStressTest
@Description("Concurrent claims get distinct room: both records arrive, whole, across the wrap")
@Outcome(id = "2, 1, 2", expect = ACCEPTABLE, desc = "Producer 1 claimed first.")
@Outcome(id = "2, 2, 1", expect = ACCEPTABLE, desc = "Producer 2 claimed first.")
@Outcome(expect = FORBIDDEN, desc = "A record lost, duplicated, overwritten or torn.")
@State
public class InboxTwoProducersStress implements MessageHandler
{
    private static final int CAPACITY = 256;
    private static final int PAYLOAD = 24;

    private static final MessageHandler DISCARD = (msgTypeId, buffer, index, length) -> { };

    private final Inbox inbox = new Inbox(CAPACITY);
    private final UnsafeBuffer source = new UnsafeBuffer(new byte[PAYLOAD]);
    private final int[] seen = new int[3];
    private int count;

    public InboxTwoProducersStress()
    {
        // Move both positions to 232: seven 32-byte records and one 8-byte record, drained.
        for (int i = 0; i < 7; i++)
        {
            inbox.commit(inbox.tryClaim(9, PAYLOAD));
        }
        inbox.commit(inbox.tryClaim(9, 0));
        inbox.drain(DISCARD, 8);
        fill(source, 0, 2);
    }

    @Actor
    public void producer1()
    {
        final int index = inbox.tryClaim(1, PAYLOAD);
        fill(inbox.buffer(), index, 1);
        inbox.commit(index);
    }

    @Actor
    public void producer2()
    {
        inbox.offer(2, source, 0, PAYLOAD);
    }

    @Arbiter
    public void arbiter(final III_Result r)
    {
        r.r1 = inbox.drain(this, 10);
        r.r2 = seen[0];
        r.r3 = seen[1];
    }

    @Override
    public void onMessage(final int msgTypeId, final MutableDirectBuffer buffer, final int index, final int length)
    {
        boolean intact = length == PAYLOAD;
        for (int i = 0; intact && i < PAYLOAD; i++)
        {
            intact = buffer.getByte(index + i) == pattern(msgTypeId, i);
        }
        if (count < seen.length)
        {
            seen[count] = intact ? msgTypeId : -msgTypeId;
        }
        count++;
    }

    private static void fill(final MutableDirectBuffer buffer, final int index, final int msgTypeId)
    {
        for (int i = 0; i < PAYLOAD; i++)
        {
            buffer.putByte(index + i, pattern(msgTypeId, i));
        }
    }

    private static byte pattern(final int msgTypeId, final int i)
    {
        return (byte)(msgTypeId * 0x40 + i);
    }
}
