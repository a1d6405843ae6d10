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
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.tessera.messages.runtime.ErrorCode;
import org.tessera.messages.runtime.ErrorReplyDecoder;
import org.tessera.messages.runtime.ErrorReplyEncoder;
import org.tessera.messages.runtime.MessageHeaderDecoder;
import org.tessera.messages.runtime.MessageHeaderEncoder;
import uk.co.real_logic.sbe.ir.Ir;
import uk.co.real_logic.sbe.ir.Signal;
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
 * new field reads as its null value). The capability, VM and process schemas' version 0 are kept too: for
 * every schema with a later version, every message, field and group of version 0 keeps its id,
 * offset, size and type, and everything added carries a later {@code sinceVersion}.
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

    private static Ir parse(final String resource) throws Exception
    {
        try (InputStream in = SchemaEvolutionTest.class.getResourceAsStream(resource))
        {
            return new IrGenerator().generate(XmlSchemaParser.parse(in, ParserOptions.DEFAULT));
        }
    }

    /** Field and group tokens at every nesting level, keyed by their path of names. */
    private static Map<String, Token> members(final List<Token> message)
    {
        final Map<String, Token> members = new HashMap<>();
        final java.util.ArrayDeque<String> path = new java.util.ArrayDeque<>();
        int depth = 0;
        for (final Token t : message)
        {
            switch (t.signal())
            {
                case BEGIN_FIELD, BEGIN_VAR_DATA ->
                {
                    if (depth == 0)
                    {
                        members.put(String.join("/", path) + "/" + t.name(), t);
                    }
                }
                case BEGIN_GROUP ->
                {
                    members.put(String.join("/", path) + "/" + t.name(), t);
                    path.addLast(t.name());
                }
                case END_GROUP -> path.removeLast();
                case BEGIN_COMPOSITE -> depth++;
                case END_COMPOSITE -> depth--;
                default ->
                {
                }
            }
        }
        return members;
    }

    @ParameterizedTest
    @CsvSource({"/schemas/runtime-v0.xml, /runtime.xml", "/schemas/cap-v0.xml, /cap.xml", "/schemas/vm-v0.xml, /vm.xml",
        "/schemas/proc-v0.xml, /proc.xml"})
    void shouldKeepEveryVersionZeroMemberWhereVersionZeroPutIt(final String old, final String current) throws Exception
    {
        final Ir before = parse(old);
        final Ir now = parse(current);
        assertEquals(before.id(), now.id());
        assertTrue(now.version() > before.version(), "a changed schema has a later version");
        int checked = 0;
        for (final List<Token> message : before.messages())
        {
            final Token head = message.get(0);
            final List<Token> same = now.getMessage(head.id());
            assertTrue(same != null && same.get(0).name().equals(head.name()), head.name() + " keeps its id");
            assertEquals(head.encodedLength(), same.get(0).encodedLength() - addedBlockBytes(same, before.version()),
                head.name() + ": version-0 block length plus what later versions appended");
            final Map<String, Token> was = members(message);
            final Map<String, Token> is = members(same);
            for (final Map.Entry<String, Token> e : was.entrySet())
            {
                final Token a = e.getValue();
                final Token b = is.get(e.getKey());
                assertTrue(b != null, head.name() + e.getKey() + " still exists");
                assertEquals(a.id(), b.id(), head.name() + e.getKey() + " id");
                assertEquals(a.offset(), b.offset(), head.name() + e.getKey() + " offset");
                assertEquals(a.signal(), b.signal(), head.name() + e.getKey() + " kind");
                checked++;
            }
            for (final Map.Entry<String, Token> e : is.entrySet())
            {
                if (!was.containsKey(e.getKey()))
                {
                    assertTrue(e.getValue().version() > before.version(),
                        head.name() + e.getKey() + " is new, so it needs a sinceVersion");
                }
            }
        }
        for (final List<Token> message : now.messages())
        {
            if (before.getMessage(message.get(0).id()) == null)
            {
                assertTrue(message.get(0).version() > before.version(), message.get(0).name() + " is new");
            }
        }
        assertTrue(checked > 10, "members compared: " + checked);
    }

    /** Bytes of the root block that fields newer than {@code version} take. */
    private static int addedBlockBytes(final List<Token> message, final int version)
    {
        int bytes = 0;
        int depth = 0;
        boolean inGroup = false;
        for (final Token t : message)
        {
            if (t.signal() == Signal.BEGIN_GROUP || t.signal() == Signal.BEGIN_VAR_DATA)
            {
                inGroup = true;
            }
            if (!inGroup && t.signal() == Signal.BEGIN_FIELD && t.version() > version)
            {
                // the field's encoding follows its BEGIN_FIELD token
                bytes += message.get(message.indexOf(t) + 1).encodedLength();
            }
            depth += t.signal() == Signal.BEGIN_COMPOSITE ? 1 : t.signal() == Signal.END_COMPOSITE ? -1 : 0;
        }
        return depth == 0 ? bytes : -1;
    }
}
