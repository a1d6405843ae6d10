package org.tessera.boot.image;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.zip.CRC32C;

/** Writes a {@link BootImage} in the {@link ImageFormat} layout; the same image gives the same bytes. */
public final class ImageWriter
{
    private ImageWriter()
    {
    }

    /** @return the image's bytes. */
    public static byte[] toBytes(final BootImage image)
    {
        final ByteArrayOutputStream body = new ByteArrayOutputStream();
        putString16(body, image.initName());
        putInt(body, image.initArgv().size());
        for (final String arg : image.initArgv())
        {
            final byte[] b = arg.getBytes(StandardCharsets.UTF_8);
            putInt(body, b.length);
            body.writeBytes(b);
        }
        for (final Map.Entry<String, byte[]> e : image.programs().entrySet())
        {
            putString16(body, e.getKey());
            putInt(body, e.getValue().length);
            body.writeBytes(e.getValue());
        }
        final long total = ImageFormat.HEADER_LENGTH + (long)body.size() + ImageFormat.CRC_LENGTH;
        if (total > ImageFormat.MAX_LENGTH)
        {
            throw new IllegalArgumentException("image would be " + total + " bytes, more than the 1 GiB limit");
        }
        final ByteBuffer out = ByteBuffer.allocate((int)total).order(ByteOrder.LITTLE_ENDIAN);
        final MachineSpec m = image.machine();
        out.put(ImageFormat.MAGIC)
            .putShort((short)ImageFormat.VERSION)
            .putShort((short)m.architecture())
            .putInt(m.cpus())
            .putLong(total)
            .putLong(m.memoryBytes())
            .putLong(m.tickInstructions())
            .putShort((short)m.numaNodes())
            .putShort((short)m.schedulerPolicy())
            .putInt(image.programs().size());
        out.put(body.toByteArray());
        final CRC32C crc = new CRC32C();
        crc.update(out.array(), 0, out.position());
        out.putInt((int)crc.getValue());
        return out.array();
    }

    /** Write the image to a file (replacing it). */
    public static void write(final BootImage image, final Path file) throws IOException
    {
        Files.write(file, toBytes(image));
    }

    private static void putString16(final ByteArrayOutputStream out, final String s)
    {
        final byte[] b = s.getBytes(StandardCharsets.UTF_8);
        out.write(b.length & 0xFF);
        out.write((b.length >>> 8) & 0xFF);
        out.writeBytes(b);
    }

    private static void putInt(final ByteArrayOutputStream out, final int v)
    {
        out.write(v & 0xFF);
        out.write((v >>> 8) & 0xFF);
        out.write((v >>> 16) & 0xFF);
        out.write((v >>> 24) & 0xFF);
    }
}
