package org.tessera.stress;

import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.MessageHandler;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Description;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.III_Result;
import org.tessera.lockfree.Inbox;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

/**
 * A producer encodes a 64-byte payload with plain stores between claim and commit while the
 * consumer drains: a consumer that receives the record sees every payload byte, never a stale
 * or half-written one.
 *
 * <p>Result: records drained, payload ints found intact (of 16), message type id seen.
 */
@JCStressTest
@Description("Payload stores made before Inbox.commit are visible to the consumer that receives the record")
@Outcome(id = "0, 0, 0", expect = ACCEPTABLE, desc = "Drained before the commit: nothing yet.")
@Outcome(id = "1, 16, 7", expect = ACCEPTABLE, desc = "Received the whole record.")
@Outcome(expect = FORBIDDEN, desc = "Received a record with stale or torn payload, or a phantom.")
@State
public class InboxPublicationStress implements MessageHandler
{
    private static final int MSG_TYPE_ID = 7;
    private static final int INTS = 16;

    private final Inbox inbox = new Inbox(1024);
    private int intactInts;
    private int seenType;

    @Actor
    public void producer()
    {
        final int index = inbox.tryClaim(MSG_TYPE_ID, INTS * Integer.BYTES);
        for (int i = 0; i < INTS; i++)
        {
            inbox.buffer().putInt(index + i * Integer.BYTES, value(i));
        }
        inbox.commit(index);
    }

    @Actor
    public void consumer(final III_Result r)
    {
        r.r1 = inbox.drain(this, 1);
        r.r2 = intactInts;
        r.r3 = seenType;
    }

    @Override
    public void onMessage(final int msgTypeId, final MutableDirectBuffer buffer, final int index, final int length)
    {
        seenType = msgTypeId;
        for (int i = 0; i < INTS && (i + 1) * Integer.BYTES <= length; i++)
        {
            if (buffer.getInt(index + i * Integer.BYTES) == value(i))
            {
                intactInts++;
            }
        }
    }

    private static int value(final int i)
    {
        return 0x5EED_0000 + i;
    }
}
