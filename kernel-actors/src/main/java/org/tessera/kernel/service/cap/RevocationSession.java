package org.tessera.kernel.service.cap;

import org.tessera.kernel.runtime.ActorContext;

/**
 * One invalidation in progress at an authority shard: a revoke, a delete, a revoke forwarded by
 * another shard, or a space destroy or exec. It lives from the moment the shard changed its
 * spaces until every CPU acknowledged the CacheInvalidate and every other shard reported its
 * share of the cascade; then the shard replies to the requester and frees the session.
 *
 * <pre>
 *   FREE --start--&gt; BROADCASTING --all sent--&gt; AWAITING --last ack / remote done--&gt; FREE (reply)
 *                    |  ^ back-pressure: retried from a timer, as a flush
 *                    +--+
 * </pre>
 */
final class RevocationSession
{
    /** States of a revocation. */
    enum State
    {
        /** Not in use. */
        FREE,
        /** CacheInvalidate or CapRevokeRemote messages remain to be sent. */
        BROADCASTING,
        /** Everything sent; waiting for acks and remote reports. */
        AWAITING
    }

    /** Reply CapRevokeComplete (revoke). */
    static final int KIND_REVOKE = 1;
    /** Reply CapRevokeComplete (delete). */
    static final int KIND_DELETE = 2;
    /** Reply CapRevokeRemoteDone to the shard that forwarded the cascade. */
    static final int KIND_REMOTE = 3;
    /** Reply SpaceReply (destroy, exec). */
    static final int KIND_SPACE = 4;

    /** State-change reasons for the trace. */
    static final int REASON_START = 1;
    static final int REASON_SENT = 2;
    static final int REASON_BACK_PRESSURE = 3;
    static final int REASON_DONE = 4;

    final int index;
    State state = State.FREE;
    long id;
    int kind;
    long requester;
    long requestCorrelation;
    int nextCpu;
    boolean flush;
    int pendingAcks;
    int pendingRemote;
    int remoteHead = CapabilitySpace.NONE;
    int count;
    int space;
    long key;

    RevocationSession(final int index)
    {
        this.index = index;
    }

    /** The single place a revocation changes state, so that the trace sees every step. */
    void state(final State next, final int reason, final ActorContext ctx)
    {
        state = next;
        ctx.traceState(next.ordinal(), reason);
    }
}
