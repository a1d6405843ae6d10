package org.tessera.kernel.runtime;

import org.agrona.MutableDirectBuffer;

/**
 * How a CPU reaches another CPU's inbox. In host mode a claim is made directly in the
 * destination's lock-free inbox; in simulation the simulator holds the message in flight for a
 * seeded delay first. Both report a full destination as back-pressure.
 */
public interface Transport
{
    /** Result of {@link #tryClaim} when the destination has no room. */
    int BACK_PRESSURED = -2;

    /**
     * Claim room for one record of {@code length} bytes towards {@code dstCpu}.
     *
     * @return the index of the record in {@link #buffer(int)}, or {@link #BACK_PRESSURED}.
     */
    int tryClaim(int dstCpu, int msgTypeId, int length);

    /** @return the buffer that a claim towards {@code dstCpu} is written into. */
    MutableDirectBuffer buffer(int dstCpu);

    /** Publish a claimed record. */
    void commit(int dstCpu, int index);

    /** Give back a claimed record unpublished. */
    void abort(int dstCpu, int index);
}
