package org.tessera.kernel.runtime;

import org.tessera.messages.runtime.EnvelopeEncoder;
import org.tessera.messages.runtime.MessageHeaderEncoder;

/**
 * Offsets of a kernel message record. Every message of every schema begins its body with the
 * 32-byte envelope; the runtime routes on it without knowing the message type.
 * <pre>
 *   0        2          4        6         8                16         24             32            40
 *   +--------+----------+--------+---------+----------------+----------+--------------+-------------+---
 *   | block  | template | schema | version | correlationId  | source   | destination  | timestamp   | payload
 *   | length | id       | id     |         |   uint64       | address  | address      | nanos       |
 *   +--------+----------+--------+---------+----------------+----------+--------------+-------------+---
 * </pre>
 */
public final class MessageLayout
{
    public static final int HEADER_LENGTH = MessageHeaderEncoder.ENCODED_LENGTH;
    public static final int ENVELOPE_LENGTH = EnvelopeEncoder.ENCODED_LENGTH;
    /** The smallest well-formed record. */
    public static final int MIN_RECORD_LENGTH = HEADER_LENGTH + ENVELOPE_LENGTH;
    public static final int BLOCK_LENGTH_OFFSET = 0;
    public static final int TEMPLATE_ID_OFFSET = 2;
    public static final int SCHEMA_ID_OFFSET = 4;
    public static final int VERSION_OFFSET = 6;
    public static final int CORRELATION_ID_OFFSET = HEADER_LENGTH;
    public static final int SOURCE_OFFSET = HEADER_LENGTH + 8;
    public static final int DESTINATION_OFFSET = HEADER_LENGTH + 16;
    public static final int TIMESTAMP_OFFSET = HEADER_LENGTH + 24;

    private MessageLayout()
    {
    }

    /** @return the record type id used in inboxes: (schemaId &lt;&lt; 16) | templateId, never 0. */
    public static int msgTypeId(final int schemaId, final int templateId)
    {
        return (schemaId << 16) | templateId;
    }

    /**
     * @return the 8-byte SBE message header as one little-endian word: what the generated
     * header encoder writes field by field, written (and read) in one access.
     */
    public static long header(final int blockLength, final int templateId, final int schemaId, final int version)
    {
        return (blockLength & 0xFFFFL) | (templateId & 0xFFFFL) << 16 | (schemaId & 0xFFFFL) << 32 |
            (version & 0xFFFFL) << 48;
    }
}
