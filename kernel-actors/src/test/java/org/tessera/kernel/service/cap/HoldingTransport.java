package org.tessera.kernel.service.cap;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.function.IntPredicate;

import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.tessera.kernel.runtime.Transport;
import org.tessera.lockfree.Inbox;

/**
 * A host transport that can hold back chosen cross-CPU messages and release them later: the
 * reordering a real interconnect (or the simulator) may produce, made on purpose.
 */
final class HoldingTransport implements Transport
{
    private final Inbox[] inboxes;
    private final UnsafeBuffer staging = new UnsafeBuffer(ByteBuffer.allocateDirect(64 * 1024));
    private final List<byte[]> held = new ArrayList<>();
    private final List<int[]> heldMeta = new ArrayList<>();
    private int stagedType;
    private int stagedLength;
    IntPredicate hold = type -> false;

    HoldingTransport(final Inbox[] inboxes)
    {
        this.inboxes = inboxes;
    }

    public int tryClaim(final int dstCpu, final int msgTypeId, final int length)
    {
        stagedType = msgTypeId;
        stagedLength = length;
        return 0;
    }

    public MutableDirectBuffer buffer(final int dstCpu)
    {
        return staging;
    }

    public void commit(final int dstCpu, final int index)
    {
        if (hold.test(stagedType))
        {
            final byte[] copy = new byte[stagedLength];
            staging.getBytes(0, copy);
            held.add(copy);
            heldMeta.add(new int[] {dstCpu, stagedType});
            return;
        }
        if (!inboxes[dstCpu].offer(stagedType, staging, 0, stagedLength))
        {
            throw new IllegalStateException("test inbox full");
        }
    }

    public void abort(final int dstCpu, final int index)
    {
    }

    int heldCount()
    {
        return held.size();
    }

    /** Deliver everything held, in the order it was sent. */
    void release()
    {
        for (int i = 0; i < held.size(); i++)
        {
            final byte[] bytes = held.get(i);
            inboxes[heldMeta.get(i)[0]].offer(heldMeta.get(i)[1], new UnsafeBuffer(bytes), 0, bytes.length);
        }
        held.clear();
        heldMeta.clear();
    }
}
