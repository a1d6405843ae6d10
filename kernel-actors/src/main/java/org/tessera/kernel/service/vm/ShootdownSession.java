package org.tessera.kernel.service.vm;

import org.tessera.kernel.runtime.ActorContext;

/**
 * One VM request in progress, from a preallocated pool: what to answer and to whom, the
 * translations that must be invalidated before answering (a batch of ranges, or the whole
 * space), the CPUs still owing an acknowledgement, and the frames that may be freed only once
 * no CPU can reach them any more (kept as a list linked through the VM's per-frame array, never
 * through the frames themselves, which a CPU with a stale translation could still write).
 *
 * <pre>
 *   FREE --acquire--> OPEN --begin: no CPU to ask--------------------------+
 *                       |                                                  v
 *                       +--begin--> AWAITING_ACKS --last ack--> (free frames) REPLYING --sent--> FREE
 *                                      ^   |  back-pressure:                   |  back-pressure:
 *                                      +---+  retry from a timer               +  retry from a timer
 * </pre>
 */
final class ShootdownSession
{
    /** Where a session is in its life. */
    enum State
    {
        /** In the pool. */
        FREE,
        /** Taken by a request that is being handled. */
        OPEN,
        /** Invalidations sent (or being retried); waiting for acknowledgements. */
        AWAITING_ACKS,
        /** Ready to answer; the answer was refused by back-pressure and is retried. */
        REPLYING
    }

    /** Reasons recorded with state changes in the trace. */
    static final int REASON_ACQUIRED = 1;
    static final int REASON_INVALIDATIONS_SENT = 2;
    static final int REASON_NOTHING_TO_INVALIDATE = 3;
    static final int REASON_ALL_ACKED = 4;
    static final int REASON_REPLY_BACK_PRESSURED = 5;
    static final int REASON_REPLIED = 6;

    /** Most ranges a batch carries before it becomes a whole-space flush. */
    static final int MAX_RANGES = 8;

    final int index;
    State state = State.FREE;
    int generation;

    /** Address-space id named by the request (echoed in the reply). */
    int asid;
    /** Space index (asid - 1) whose CPUs get the invalidations; -1 when none. */
    int space;
    long requester;
    long correlationId;
    /** Template id of the reply to send. */
    int replyTemplate;
    short status;
    /** Reply values; their meaning depends on the reply template. */
    long value0;
    long value1;
    long value2;
    short faultResult;
    short faultReason;

    /** Invalidation batch. */
    final long[] rangeStart = new long[MAX_RANGES];
    final long[] rangeLength = new long[MAX_RANGES];
    int rangeCount;
    long rangePages;
    boolean wholeSpace;
    boolean destroyed;

    long unsentMask;
    long pendingMask;
    int cpusInvalidated;
    boolean timerArmed;

    /** Frames to free after the last acknowledgement: frame number + 1 of the head, 0 when none. */
    int deferredHead;
    int deferredCount;

    ShootdownSession(final int index)
    {
        this.index = index;
    }

    /** @return the batch id naming this use of the session in invalidations and acks. */
    int batchId()
    {
        return ((generation & 0xFFFF) << 16) | index;
    }

    void reset()
    {
        asid = 0;
        space = -1;
        requester = 0;
        correlationId = 0;
        replyTemplate = 0;
        status = 0;
        value0 = 0;
        value1 = 0;
        value2 = 0;
        faultResult = 0;
        faultReason = 0;
        rangeCount = 0;
        rangePages = 0;
        wholeSpace = false;
        destroyed = false;
        unsentMask = 0;
        pendingMask = 0;
        cpusInvalidated = 0;
        timerArmed = false;
        deferredHead = 0;
        deferredCount = 0;
    }

    /**
     * Add a range to the batch, merging it with the previous one when they touch; past
     * {@link #MAX_RANGES} ranges or {@code threshold} pages the batch becomes a whole-space flush.
     */
    void addRange(final long start, final long length, final int threshold)
    {
        rangePages += length >>> 12;
        if (wholeSpace)
        {
            return;
        }
        if (rangePages > threshold)
        {
            wholeSpace = true;
            return;
        }
        if (rangeCount > 0 && rangeStart[rangeCount - 1] + rangeLength[rangeCount - 1] == start)
        {
            rangeLength[rangeCount - 1] += length;
            return;
        }
        if (rangeCount == MAX_RANGES)
        {
            wholeSpace = true;
            return;
        }
        rangeStart[rangeCount] = start;
        rangeLength[rangeCount] = length;
        rangeCount++;
    }

    /** @return true when the batch asks for any invalidation. */
    boolean hasInvalidation()
    {
        return destroyed || wholeSpace || rangeCount > 0;
    }

    /** The one place a session changes state: traced with the reason. */
    void state(final State next, final int reason, final ActorContext ctx)
    {
        state = next;
        ctx.traceState((index << 8) | next.ordinal(), reason);
    }
}
