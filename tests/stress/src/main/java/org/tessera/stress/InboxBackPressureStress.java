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
 * A full inbox (eight 16-byte records in 128 bytes): a producer offers one more record while the
 * consumer drains one. Either the producer is told it was refused and the record never shows up,
 * or it was accepted and the record is drained later, intact. Never lost, never a phantom.
 *
 * <p>Result: offer accepted (1) or back-pressured (0); records drained in total; the new
 * record's appearances (100 added if its payload was wrong).
 */
@JCStressTest
@Description("A send racing with a drain on a full inbox is either refused or delivered, never lost")
@Outcome(id = "0, 8, 0", expect = ACCEPTABLE, desc = "Refused before the drain made room: back-pressure reported.")
@Outcome(id = "1, 9, 1", expect = ACCEPTABLE, desc = "Accepted into the room the drain made, delivered once.")
@Outcome(expect = FORBIDDEN, desc = "Lost, duplicated, phantom or torn record, or a miscount.")
@State
public class InboxBackPressureStress implements MessageHandler
{
    private static final int FILLER_TYPE = 1;
    private static final int NEW_TYPE = 2;
    private static final long NEW_PAYLOAD = 0x0123_4567_89AB_CDEFL;

    private final Inbox inbox = new Inbox(128);
    private final UnsafeBuffer source = new UnsafeBuffer(new byte[Long.BYTES]);
    private int drained;
    private int newSeen;

    public InboxBackPressureStress()
    {
        while (inbox.offer(FILLER_TYPE, source, 0, Long.BYTES))
        {
            // fill to the brim: the ninth offer is refused
        }
        source.putLong(0, NEW_PAYLOAD);
    }

    @Actor
    public void producer(final III_Result r)
    {
        r.r1 = inbox.offer(NEW_TYPE, source, 0, Long.BYTES) ? 1 : 0;
    }

    @Actor
    public void consumer()
    {
        drained += inbox.drain(this, 1);
    }

    @Arbiter
    public void arbiter(final III_Result r)
    {
        drained += inbox.drain(this, 100);
        r.r2 = drained;
        r.r3 = newSeen;
    }

    @Override
    public void onMessage(final int msgTypeId, final MutableDirectBuffer buffer, final int index, final int length)
    {
        if (msgTypeId == NEW_TYPE)
        {
            newSeen += length == Long.BYTES && buffer.getLong(index) == NEW_PAYLOAD ? 1 : 101;
        }
    }
}
