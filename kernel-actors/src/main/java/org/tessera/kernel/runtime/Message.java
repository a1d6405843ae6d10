package org.tessera.kernel.runtime;

import org.agrona.DirectBuffer;

/**
 * A received message as seen by an actor: a flyweight over the record in its inbox, with the
 * SBE header and the envelope decoded. Valid only during {@link Actor#onMessage}.
 * <pre>
 *  record: +--------------------+--------------------------------------------+
 *          | SBE header (8)     | body: envelope (32) | payload ... | var ... |
 *          +--------------------+--------------------------------------------+
 *                               ^ bodyOffset (wrap the generated decoder here)
 * </pre>
 */
public final class Message
{
    DirectBuffer buffer;
    int recordOffset;
    int length;
    int schemaId;
    int templateId;
    int blockLength;
    int version;
    long correlationId;
    long source;
    long destination;
    long timestamp;
    long sequence;

    /** @return the buffer the record lies in. */
    public DirectBuffer buffer()
    {
        return buffer;
    }

    /** @return offset of the message body (where a generated decoder is wrapped). */
    public int bodyOffset()
    {
        return recordOffset + MessageLayout.HEADER_LENGTH;
    }

    /** @return offset of the whole record (SBE header first). */
    public int recordOffset()
    {
        return recordOffset;
    }

    /** @return length of the whole record, header included. */
    public int length()
    {
        return length;
    }

    public int schemaId()
    {
        return schemaId;
    }

    public int templateId()
    {
        return templateId;
    }

    public int blockLength()
    {
        return blockLength;
    }

    public int version()
    {
        return version;
    }

    public long correlationId()
    {
        return correlationId;
    }

    public long source()
    {
        return source;
    }

    public long destination()
    {
        return destination;
    }

    /** @return the sender's clock when it sent the message. */
    public long timestamp()
    {
        return timestamp;
    }

    /** @return the handling CPU's sequence number of this message. */
    public long sequence()
    {
        return sequence;
    }

    /** @return true when the message is the given schema and template. */
    public boolean is(final int schemaId, final int templateId)
    {
        return this.schemaId == schemaId && this.templateId == templateId;
    }
}
