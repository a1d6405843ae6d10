package org.tessera.kernel.runtime;

import org.agrona.MutableDirectBuffer;
import org.tessera.lockfree.Inbox;

/** Host-mode transport: a claim goes straight into the destination CPU's lock-free inbox. */
public final class InboxTransport implements Transport
{
    private final Inbox[] inboxes;

    public InboxTransport(final Inbox[] inboxes)
    {
        this.inboxes = inboxes;
    }

    public int tryClaim(final int dstCpu, final int msgTypeId, final int length)
    {
        final int index = inboxes[dstCpu].tryClaim(msgTypeId, length);
        return index < 0 ? BACK_PRESSURED : index;
    }

    public MutableDirectBuffer buffer(final int dstCpu)
    {
        return inboxes[dstCpu].buffer();
    }

    public void commit(final int dstCpu, final int index)
    {
        inboxes[dstCpu].commit(index);
    }

    public void abort(final int dstCpu, final int index)
    {
        inboxes[dstCpu].abort(index);
    }
}
