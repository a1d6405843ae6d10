package org.tessera.kernel.service.proc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;

import javax.xml.parsers.DocumentBuilderFactory;

import org.junit.jupiter.api.Test;
import org.tessera.kernel.runtime.MessageLayout;
import org.tessera.messages.proc.SyscallTrapDecoder;
import org.tessera.messages.proc.SyscallTrapEncoder;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

/** proc.xml keeps the conventions every kernel schema keeps. */
class ProcSchemaTest
{
    static Document load(final String name) throws Exception
    {
        try (InputStream in = ProcSchemaTest.class.getClassLoader().getResourceAsStream(name))
        {
            assertNotNull(in, name + " on the class path");
            final DocumentBuilderFactory factory = DocumentBuilderFactory.newInstance();
            factory.setNamespaceAware(true);
            return factory.newDocumentBuilder().parse(in);
        }
    }

    static Element composite(final Document d, final String name)
    {
        final NodeList composites = d.getElementsByTagName("composite");
        for (int i = 0; i < composites.getLength(); i++)
        {
            final Element c = (Element)composites.item(i);
            if (c.getAttribute("name").equals(name))
            {
                return c;
            }
        }
        throw new AssertionError("no composite " + name);
    }

    @Test
    void shouldStartEveryMessageWithTheRuntimeEnvelope() throws Exception
    {
        final Document proc = load("proc.xml");
        final Document runtime = load("runtime.xml");
        assertEquals("6", proc.getDocumentElement().getAttribute("id"));
        for (final String c : new String[]{"envelope", "actorAddress", "messageHeader"})
        {
            assertTrue(composite(proc, c).isEqualNode(composite(runtime, c)), c + " laid out exactly as runtime.xml's");
        }
        final NodeList messages = proc.getElementsByTagNameNS("*", "message");
        assertTrue(messages.getLength() >= 18);
        for (int i = 0; i < messages.getLength(); i++)
        {
            final Element m = (Element)messages.item(i);
            assertFalse(m.getAttribute("description").isBlank(), m.getAttribute("name"));
            final NodeList fields = m.getElementsByTagName("field");
            final Element first = (Element)fields.item(0);
            assertEquals("envelope", first.getAttribute("name"), m.getAttribute("name"));
            assertEquals("envelope", first.getAttribute("type"), m.getAttribute("name"));
            for (int f = 0; f < fields.getLength(); f++)
            {
                assertFalse(((Element)fields.item(f)).getAttribute("description").isBlank(),
                    m.getAttribute("name") + "." + ((Element)fields.item(f)).getAttribute("name"));
            }
        }
    }

    @Test
    void shouldPlaceTheEnvelopeWhereTheRuntimeReadsIt()
    {
        assertEquals(0, SyscallTrapEncoder.envelopeEncodingOffset());
        assertEquals(MessageLayout.ENVELOPE_LENGTH, SyscallTrapDecoder.threadKeyEncodingOffset());
    }
}
