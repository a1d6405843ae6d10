package org.tessera.kernel.service.cap;

import org.tessera.kernel.runtime.ActorContext;

/**
 * A grant to a space of another authority shard, in progress at the granting shard: the
 * derivation-tree child is recorded here first (so a revocation of the original racing with the
 * grant reaches the copy), then the owning shard is asked to install the copy, and its answer is
 * relayed to the requester.
 *
 * <pre>
 *   FREE --grant--&gt; SENDING --CapGrantInstall sent--&gt; AWAITING --CapGrantInstalled--&gt; FREE (CapReply)
 * </pre>
 */
final class GrantSession
{
    /** States of a cross-shard grant. */
    enum State
    {
        /** Not in use. */
        FREE,
        /** CapGrantInstall not yet sent (back-pressure). */
        SENDING,
        /** Waiting for CapGrantInstalled. */
        AWAITING
    }

    static final int REASON_START = 1;
    static final int REASON_SENT = 2;
    static final int REASON_DONE = 3;

    final int index;
    State state = State.FREE;
    long id;
    long requester;
    long requestCorrelation;
    int remote;
    int toSpace;
    long objectId;
    long badge;
    int type;
    int rights;
    int flags;

    GrantSession(final int index)
    {
        this.index = index;
    }

    /** The single place a grant changes state, so that the trace sees every step. */
    void state(final State next, final int reason, final ActorContext ctx)
    {
        state = next;
        ctx.traceState(next.ordinal(), reason);
    }
}
