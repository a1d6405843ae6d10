package org.tessera.kernel.runtime;

import org.agrona.DirectBuffer;

/** Receives every message a CPU handles, and every traced state change, in handling order. */
public interface TraceSink
{
    /**
     * A message is about to be handled.
     *
     * @param cpu          the handling CPU.
     * @param sequence     the CPU's handling sequence number, from 1.
     * @param msgTypeId    (schemaId &lt;&lt; 16) | templateId.
     * @param buffer       the record (SBE header, envelope, payload).
     * @param offset       start of the record in {@code buffer}.
     * @param length       bytes in the record.
     * @param time         the CPU's clock when the message was handled.
     * @param instructions user instructions retired on this CPU so far.
     */
    void onHandled(int cpu, long sequence, int msgTypeId, DirectBuffer buffer, int offset, int length,
        long time, long instructions);

    /** An actor's multi-step operation changed state (see {@link ActorContext#traceState}). */
    void onState(int cpu, long sequence, long actor, int state, int reason, long time);

    /**
     * A claim was refused by back-pressure.
     *
     * @param cpu         the sending CPU.
     * @param sequence    sequence of the message being handled (0 before the first).
     * @param ordinal     which claim since that message began, from 0.
     * @param destination where the message was going.
     */
    void onRefused(int cpu, long sequence, int ordinal, long destination);
}
