package org.tessera.kernel.runtime;

import static java.nio.ByteOrder.LITTLE_ENDIAN;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.ByteBuffer;
import java.util.Random;
import java.util.stream.LongStream;

import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.tessera.messages.runtime.EnvelopeEncoder;
import org.tessera.messages.runtime.MessageHeaderDecoder;
import org.tessera.messages.runtime.MessageHeaderEncoder;

/** The runtime writes the SBE header and the envelope as whole words: the same bytes as their encoders. */
class MessageLayoutTest
{
    static LongStream seeds()
    {
        return LongStream.of(1, 2, 3, 42);
    }

    @ParameterizedTest
    @MethodSource("seeds")
    void shouldWriteTheHeaderTheEncoderWrites(final long seed)
    {
        final Random random = new Random(seed);
        final UnsafeBuffer byEncoder = new UnsafeBuffer(ByteBuffer.allocateDirect(64));
        final UnsafeBuffer byWord = new UnsafeBuffer(ByteBuffer.allocateDirect(64));
        final MessageHeaderEncoder encoder = new MessageHeaderEncoder();
        final MessageHeaderDecoder decoder = new MessageHeaderDecoder();
        for (int i = 0; i < 1000; i++)
        {
            final int blockLength = random.nextInt(0x10000);
            final int templateId = random.nextInt(0x10000);
            final int schemaId = random.nextInt(0x10000);
            final int version = random.nextInt(0x10000);
            encoder.wrap(byEncoder, 0).blockLength(blockLength).templateId(templateId).schemaId(schemaId)
                .version(version);
            final long header = MessageLayout.header(blockLength, templateId, schemaId, version);
            byWord.putLong(0, header, LITTLE_ENDIAN);
            assertEquals(byEncoder.getLong(0), byWord.getLong(0), "seed " + seed);
            decoder.wrap(byWord, 0);
            assertEquals(blockLength, decoder.blockLength());
            assertEquals(templateId, decoder.templateId());
            assertEquals(schemaId, decoder.schemaId());
            assertEquals(version, decoder.version());
            assertEquals(MessageLayout.msgTypeId(schemaId, templateId), (int)(header >>> 16),
                "the record type id is the header's middle 32 bits");
        }
    }

    @ParameterizedTest
    @MethodSource("seeds")
    void shouldPlaceTheEnvelopeWhereTheEncoderPutsIt(final long seed)
    {
        final Random random = new Random(seed);
        final UnsafeBuffer byEncoder = new UnsafeBuffer(ByteBuffer.allocateDirect(64));
        final UnsafeBuffer byWord = new UnsafeBuffer(ByteBuffer.allocateDirect(64));
        final EnvelopeEncoder envelope = new EnvelopeEncoder();
        final long correlationId = random.nextLong();
        final long timestamp = random.nextLong();
        final int cpu = random.nextInt(1 << 16);
        final int service = random.nextInt(1 << 16);
        final int instance = random.nextInt();
        envelope.wrap(byEncoder, MessageLayout.HEADER_LENGTH).correlationId(correlationId).timestamp(timestamp);
        envelope.source().cpu(cpu).service(service).instance(instance & 0xFFFF_FFFFL);
        envelope.destination().cpu(service).service(cpu).instance(~instance & 0xFFFF_FFFFL);
        byWord.putLong(MessageLayout.CORRELATION_ID_OFFSET, correlationId, LITTLE_ENDIAN);
        byWord.putLong(MessageLayout.SOURCE_OFFSET, ActorAddress.of(cpu, service, instance), LITTLE_ENDIAN);
        byWord.putLong(MessageLayout.DESTINATION_OFFSET, ActorAddress.of(service, cpu, ~instance), LITTLE_ENDIAN);
        byWord.putLong(MessageLayout.TIMESTAMP_OFFSET, timestamp, LITTLE_ENDIAN);
        for (int i = MessageLayout.HEADER_LENGTH; i < MessageLayout.MIN_RECORD_LENGTH; i += 8)
        {
            assertEquals(byEncoder.getLong(i), byWord.getLong(i), "seed " + seed + " offset " + i);
        }
    }
}
