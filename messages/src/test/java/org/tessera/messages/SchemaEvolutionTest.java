package org.tessera.messages;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.nio.ByteBuffer;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.tessera.messages.runtime.ErrorCode;
import org.tessera.messages.runtime.ErrorReplyDecoder;
import org.tessera.messages.runtime.ErrorReplyEncoder;
import org.tessera.messages.runtime.MessageHeaderDecoder;
import org.tessera.messages.runtime.MessageHeaderEncoder;
import uk.co.real_logic.sbe.ir.Ir;
import uk.co.real_logic.sbe.ir.Token;
import uk.co.real_logic.sbe.otf.AbstractTokenListener;
import uk.co.real_logic.sbe.otf.OtfMessageDecoder;
import uk.co.real_logic.sbe.xml.IrGenerator;
import uk.co.real_logic.sbe.xml.ParserOptions;
import uk.co.real_logic.sbe.xml.XmlSchemaParser;

/**
 * Messages keep decoding across schema versions. The runtime schema's version 0 is kept in test
 * resources; version 1 added {@code ErrorReply.detail}. A version-0 reader decodes what version 1
 * writes (it skips the longer block), and the version-1 codec decodes what version 0 wrote (the
 * new field reads as its null value).
 */
class SchemaEvolutionTest
{
    private static final int V0 = 0;

    private static Ir oldSchema() throws Exception
    {
        try (InputStream in = SchemaEvolutionTest.class.getResourceAsStream("/schemas/runtime-v0.xml"))
        {
            return new IrGenerator().generate(XmlSchemaParser.parse(in, ParserOptions.DEFAULT));
        }
    }

    private static int encodeV1(final UnsafeBuffer buffer)
    {
        final ErrorReplyEncoder e = new ErrorReplyEncoder();
        e.wrapAndApplyHeader(buffer, 0, new MessageHeaderEncoder())
            .code(ErrorCode.BACK_PRESSURED).schemaId(3).templateId(7).detail(-42);
        e.envelope().correlationId(99).timestamp(1234);
        return MessageHeaderEncoder.ENCODED_LENGTH + e.encodedLength();
    }

    @Test
    void shouldDecodeTheCurrentVersionWithTheOldSchema() throws Exception
    {
        final Ir ir = oldSchema();
        assertEquals(V0, ir.version());
        final UnsafeBuffer buffer = new UnsafeBuffer(ByteBuffer.allocate(256));
        encodeV1(buffer);
        final MessageHeaderDecoder header = new MessageHeaderDecoder().wrap(buffer, 0);
        assertEquals(1, header.version());
        final List<Token> tokens = ir.getMessage(header.templateId());
        final Map<String, Long> fields = new HashMap<>();
        OtfMessageDecoder.decode(buffer, MessageHeaderDecoder.ENCODED_LENGTH, header.version(), header.blockLength(),
            tokens, new AbstractTokenListener()
            {
                public void onEncoding(final Token fieldToken, final DirectBuffer b, final int index,
                    final Token typeToken, final int actingVersion)
                {
                    final long value = switch (typeToken.encoding().primitiveType())
                    {
                        case UINT16 -> b.getShort(index, typeToken.encoding().byteOrder()) & 0xFFFFL;
                        case UINT64, INT64 -> b.getLong(index, typeToken.encoding().byteOrder());
                        case UINT32, INT32 -> b.getInt(index, typeToken.encoding().byteOrder());
                        default -> b.getByte(index);
                    };
                    fields.put(fieldToken.name(), value);
                }

                public void onEnum(final Token fieldToken, final DirectBuffer b, final int index,
                    final List<Token> tokens, final int fromIndex, final int toIndex, final int actingVersion)
                {
                    fields.put(fieldToken.name(), (long)(b.getShort(index, tokens.get(fromIndex).encoding().byteOrder()) &
                        0xFFFF));
                }
            });
        assertEquals((long)ErrorCode.BACK_PRESSURED.value(), fields.get("code"));
        assertEquals(3L, fields.get("schemaId"));
        assertEquals(7L, fields.get("templateId"));
        assertEquals(99L, fields.get("correlationId"), fields::toString);
        assertEquals(1234L, fields.get("timestamp"), fields::toString);
        assertTrue(fields.keySet().stream().noneMatch(k -> k.startsWith("detail")), "version 0 knows no detail");
    }

    @Test
    void shouldDecodeAnOldVersionMessageWithTheCurrentCodec() throws Exception
    {
        final Ir ir = oldSchema();
        final int v0BlockLength = ir.getMessage(ErrorReplyDecoder.TEMPLATE_ID).get(0).encodedLength();
        assertTrue(v0BlockLength < ErrorReplyDecoder.BLOCK_LENGTH, "version 1 appended a field");

        // what a version-0 writer produced: the same leading fields, a shorter block, version 0
        final UnsafeBuffer buffer = new UnsafeBuffer(ByteBuffer.allocate(256));
        encodeV1(buffer);
        new MessageHeaderEncoder().wrap(buffer, 0).blockLength(v0BlockLength).version(V0);
        final UnsafeBuffer old = new UnsafeBuffer(ByteBuffer.allocate(MessageHeaderEncoder.ENCODED_LENGTH + v0BlockLength));
        old.putBytes(0, buffer, 0, old.capacity());

        final MessageHeaderDecoder header = new MessageHeaderDecoder().wrap(old, 0);
        final ErrorReplyDecoder d = new ErrorReplyDecoder()
            .wrap(old, MessageHeaderDecoder.ENCODED_LENGTH, header.blockLength(), header.version());
        assertEquals(ErrorCode.BACK_PRESSURED, d.code());
        assertEquals(3, d.schemaId());
        assertEquals(7, d.templateId());
        assertEquals(99, d.envelope().correlationId());
        assertEquals(ErrorReplyDecoder.detailNullValue(), d.detail(), "a field newer than the message reads as null");
    }
}
