package org.tessera.kernel.service.memory;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;

import javax.xml.parsers.DocumentBuilderFactory;

import org.junit.jupiter.api.Test;
import org.tessera.kernel.runtime.MessageLayout;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

/** The memory schema keeps the message conventions the runtime relies on. */
class MemorySchemaTest
{
    private static Document load(final String name) throws Exception
    {
        try (InputStream in = MemorySchemaTest.class.getResourceAsStream("/" + name))
        {
            assertNotNull(in, name + " on the class path");
            final DocumentBuilderFactory factory = DocumentBuilderFactory.newInstance();
            factory.setNamespaceAware(true);
            return factory.newDocumentBuilder().parse(in);
        }
    }

    private static List<Element> elements(final Document doc, final String tag)
    {
        final List<Element> out = new ArrayList<>();
        final NodeList all = doc.getElementsByTagNameNS("*", tag);
        for (int i = 0; i < all.getLength(); i++)
        {
            out.add((Element)all.item(i));
        }
        return out;
    }

    @Test
    void shouldStartEveryMessageWithTheEnvelopeAndDescribeEverything() throws Exception
    {
        final Document doc = load("memory.xml");
        assertEquals("3", doc.getDocumentElement().getAttribute("id"));
        final List<Element> messages = elements(doc, "message");
        assertEquals(13, messages.size());
        for (final Element message : messages)
        {
            final String name = message.getAttribute("name");
            assertFalse(message.getAttribute("description").isBlank(), name);
            final Element first = (Element)message.getElementsByTagName("field").item(0);
            assertEquals("envelope", first.getAttribute("name"), name);
            assertEquals("envelope", first.getAttribute("type"), name);
            final String description = message.getAttribute("description");
            assertTrue(description.contains("Reply: ") || description.startsWith("Reply to "),
                name + " says which reply answers it, or which request it answers");
        }
        for (final String tag : List.of("field", "group", "type", "composite", "enum", "validValue"))
        {
            for (final Element e : elements(doc, tag))
            {
                assertFalse(e.getAttribute("description").isBlank(), tag + " " + e.getAttribute("name"));
            }
        }
    }

    @Test
    void shouldLayOutTheEnvelopeExactlyAsTheRuntimeSchema() throws Exception
    {
        final Element mine = envelope(load("memory.xml"));
        final Element runtime = envelope(load("runtime.xml"));
        final NodeList a = mine.getChildNodes();
        final NodeList b = runtime.getChildNodes();
        final List<String> layoutA = new ArrayList<>();
        final List<String> layoutB = new ArrayList<>();
        for (int i = 0; i < a.getLength(); i++)
        {
            if (a.item(i) instanceof Element e)
            {
                layoutA.add(e.getTagName() + " " + e.getAttribute("name") + " " + e.getAttribute("primitiveType") + e.getAttribute("type"));
            }
        }
        for (int i = 0; i < b.getLength(); i++)
        {
            if (b.item(i) instanceof Element e)
            {
                layoutB.add(e.getTagName() + " " + e.getAttribute("name") + " " + e.getAttribute("primitiveType") + e.getAttribute("type"));
            }
        }
        assertEquals(layoutB, layoutA);
        assertEquals(MessageLayout.ENVELOPE_LENGTH, org.tessera.messages.memory.EnvelopeEncoder.ENCODED_LENGTH);
        assertEquals(org.tessera.messages.runtime.MessageHeaderEncoder.ENCODED_LENGTH,
            org.tessera.messages.memory.MessageHeaderEncoder.ENCODED_LENGTH);
    }

    private static Element envelope(final Document doc)
    {
        for (final Element c : elements(doc, "composite"))
        {
            if (c.getAttribute("name").equals("envelope"))
            {
                return c;
            }
        }
        throw new AssertionError("no envelope composite");
    }
}
