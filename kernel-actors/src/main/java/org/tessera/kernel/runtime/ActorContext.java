package org.tessera.kernel.runtime;

import org.agrona.MutableDirectBuffer;
import org.agrona.sbe.MessageEncoderFlyweight;
import org.tessera.messages.runtime.ErrorCode;

/**
 * Everything an actor may touch besides its own state and the message it is handling: its
 * CPU's clock (read once per loop cycle), a seeded random source, sending (zero-copy
 * claim/commit), deterministic timers and the trace.
 *
 * <p>Sending: {@link #claim} reserves a record in the destination's queue (the local queue for
 * an actor on the same CPU, the destination CPU's inbox otherwise), writes the SBE header and
 * the envelope, and wraps the given encoder at the body; the actor sets the payload fields and
 * calls {@link #commit}. A negative result means nothing was sent: {@link #BACK_PRESSURED} when
 * the destination has no room (retry later, e.g. from a timer), {@link #NO_SUCH_CPU} when the
 * destination address names no CPU of this machine.
 */
public interface ActorContext
{
    /** Claim result: the destination queue is full. */
    int BACK_PRESSURED = -2;
    /** Claim result: the destination CPU does not exist. */
    int NO_SUCH_CPU = -3;
    /** Claim result: the message is longer than any queue takes (a sender bug, reported, not a panic). */
    int TOO_LARGE = -4;

    /** @return this CPU's index. */
    int cpu();

    /** @return CPUs in the machine. */
    int cpuCount();

    /** @return the address of the actor being run. */
    long self();

    /** @return the CPU's clock as read at the start of this loop cycle. */
    long nanoTime();

    /** @return 64 random bits from the CPU's seeded source. */
    long nextRandom();

    /** @return a correlation id unique within the run. */
    long nextCorrelationId();

    /**
     * Claim a record for a message to {@code destination} and wrap {@code encoder} on its body.
     *
     * @param destination   the receiving actor.
     * @param correlationId correlation id written in the envelope.
     * @param encoder       the generated encoder of the message type; wrapped on success.
     * @param varLength     bytes of groups and var-data after the root block (0 if none).
     * @return the body offset (&gt;= 0) or {@link #BACK_PRESSURED} / {@link #NO_SUCH_CPU} /
     * {@link #TOO_LARGE}.
     */
    int claim(long destination, long correlationId, MessageEncoderFlyweight encoder, int varLength);

    /** @return the buffer of the current claim. */
    MutableDirectBuffer claimedBuffer();

    /** Publish the current claim. */
    void commit();

    /** Drop the current claim unpublished. */
    void abort();

    /** Claim a reply to {@code request}: same correlation id, to its source. */
    int reply(Message request, MessageEncoderFlyweight encoder, int varLength);

    /**
     * Send an {@code ErrorReply} with {@code code} to the sender of {@code request}.
     *
     * @return 0 or a negative claim result.
     */
    int replyError(Message request, ErrorCode code);

    /**
     * Set a timer; when it expires the actor receives a {@code TimerFired} message carrying
     * {@code payload}.
     *
     * @return the timer id, or a negative value when the CPU's timer table is full.
     */
    long setTimer(long deadline, long payload);

    /** @return true if the timer was pending and is now cancelled. */
    boolean cancelTimer(long timerId);

    /** Record a state change of a multi-step operation in the trace. */
    void traceState(int state, int reason);

    /**
     * User execution only: handle the CPU's queued same-CPU messages now, in place, without
     * ending the slice (see {@link CpuAgent#handleLocalNow}).
     *
     * @param retiredInSlice user instructions retired so far in the slice.
     * @return messages handled; 0 when in-place handling is not possible here.
     */
    int handleLocalNow(long retiredInSlice);
}
