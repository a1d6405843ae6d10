package org.tessera.kernel.service.cap;

import org.tessera.messages.cap.CapStatus;

/**
 * Conversions between {@link CapabilityError} codes (what the data structures return) and the
 * wire {@link CapStatus} (what replies carry): a negative error {@code e} travels as status
 * {@code -e}; the service-level statuses from 32 up have codes of their own here.
 */
public final class CapabilityStatus
{
    /** The shard had no free session for a multi-step request. */
    public static final int BUSY = -32;
    /** The request reached a shard that does not own the space. */
    public static final int WRONG_SHARD = -33;
    /** The space is already open. */
    public static final int SPACE_EXISTS = -34;
    /** The space id used up its salts. */
    public static final int SPACE_RETIRED = -35;

    private CapabilityStatus()
    {
    }

    /**
     * @param code {@link CapabilityError#OK}, a negative {@link CapabilityError} or one of this
     *             class's codes.
     * @return the wire status.
     */
    public static CapStatus toStatus(final int code)
    {
        final CapStatus status = CapStatus.get((short)(code > 0 ? 0 : -code));
        if (status == CapStatus.NULL_VAL)
        {
            throw new IllegalStateException("capability code without a wire status");
        }
        return status;
    }

    /**
     * @param raw the raw value of a {@link CapStatus} field.
     * @return the code: {@link CapabilityError#OK} or negative.
     */
    public static int toCode(final short raw)
    {
        return -raw;
    }
}
