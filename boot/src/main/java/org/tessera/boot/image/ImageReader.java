package org.tessera.boot.image;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.CRC32C;

/**
 * Reads a boot image, refusing anything truncated, corrupt or inconsistent with an
 * {@link ImageFormatException} that says what and at which offset.
 */
public final class ImageReader
{
    private ImageReader()
    {
    }

    /** Read and check an image file. */
    public static BootImage read(final Path file) throws IOException, ImageFormatException
    {
        final long size = Files.size(file);
        if (size > ImageFormat.MAX_LENGTH)
        {
            throw new ImageFormatException("image is " + size + " bytes, more than the 1 GiB limit");
        }
        return fromBytes(Files.readAllBytes(file));
    }

    /** Check and decode image bytes. */
    public static BootImage fromBytes(final byte[] bytes) throws ImageFormatException
    {
        if (bytes.length < ImageFormat.MAGIC.length ||
            !Arrays.equals(bytes, 0, ImageFormat.MAGIC.length, ImageFormat.MAGIC, 0, ImageFormat.MAGIC.length))
        {
            throw new ImageFormatException("not a Tessera boot image (bad magic)");
        }
        if (bytes.length < ImageFormat.HEADER_LENGTH + ImageFormat.CRC_LENGTH)
        {
            throw new ImageFormatException("image truncated: " + bytes.length + " bytes, shorter than its header");
        }
        final ByteBuffer in = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        final int version = in.getShort(ImageFormat.VERSION_OFFSET) & 0xFFFF;
        if (version != ImageFormat.VERSION)
        {
            throw new ImageFormatException("image format version " + version + " is not supported (this tessera " +
                "reads version " + ImageFormat.VERSION + ")");
        }
        final long total = in.getLong(ImageFormat.TOTAL_LENGTH_OFFSET);
        if (total > bytes.length)
        {
            throw new ImageFormatException("image truncated: header says " + total + " bytes, file has " +
                bytes.length);
        }
        if (total != bytes.length)
        {
            throw new ImageFormatException("image corrupt: header says " + total + " bytes, file has " + bytes.length);
        }
        final int crcOffset = bytes.length - ImageFormat.CRC_LENGTH;
        final CRC32C crc = new CRC32C();
        crc.update(bytes, 0, crcOffset);
        final int stored = in.getInt(crcOffset);
        if (stored != (int)crc.getValue())
        {
            throw new ImageFormatException(String.format(
                "image corrupt: CRC-32C mismatch (stored %08x, computed %08x)", stored, (int)crc.getValue()));
        }
        final MachineSpec machine;
        try
        {
            machine = new MachineSpec(in.getShort(ImageFormat.ARCH_OFFSET) & 0xFFFF,
                in.getInt(ImageFormat.CPUS_OFFSET), in.getLong(ImageFormat.MEMORY_OFFSET),
                in.getShort(ImageFormat.NUMA_OFFSET) & 0xFFFF, in.getLong(ImageFormat.TICK_OFFSET),
                in.getShort(ImageFormat.POLICY_OFFSET) & 0xFFFF);
        }
        catch (final IllegalArgumentException e)
        {
            throw new ImageFormatException("image machine description invalid: " + e.getMessage());
        }
        final int count = in.getInt(ImageFormat.PROGRAM_COUNT_OFFSET);
        if (count < 1 || count > BootImage.MAX_PROGRAMS)
        {
            throw new ImageFormatException("image corrupt: program count " + count);
        }
        in.position(ImageFormat.HEADER_LENGTH);
        in.limit(crcOffset);
        final String initName = string(in, 2, "init name");
        final long argc = uint(in, "init argc");
        if (argc < 1 || argc > 65536)
        {
            throw new ImageFormatException("image corrupt: init argc " + argc + " at offset " + (in.position() - 4));
        }
        final List<String> argv = new ArrayList<>();
        for (int i = 0; i < argc; i++)
        {
            argv.add(string(in, 4, "init argv[" + i + "]"));
        }
        final Map<String, byte[]> programs = new LinkedHashMap<>();
        String previous = null;
        for (int i = 0; i < count; i++)
        {
            final int at = in.position();
            final String name = string(in, 2, "program " + i + " name");
            if (previous != null && name.compareTo(previous) <= 0)
            {
                throw new ImageFormatException("image corrupt: program '" + name + "' at offset " + at +
                    " out of order or duplicated");
            }
            previous = name;
            final long length = uint(in, "program '" + name + "' length");
            if (length > in.remaining())
            {
                throw new ImageFormatException("image corrupt: program '" + name + "' says " + length +
                    " bytes at offset " + (in.position() - 4) + ", only " + in.remaining() + " left");
            }
            final byte[] elf = new byte[(int)length];
            in.get(elf);
            programs.put(name, elf);
        }
        if (in.remaining() != 0)
        {
            throw new ImageFormatException("image corrupt: " + in.remaining() + " unexplained bytes before the CRC");
        }
        try
        {
            return new BootImage(machine, programs, initName, argv);
        }
        catch (final IllegalArgumentException e)
        {
            throw new ImageFormatException("image invalid: " + e.getMessage());
        }
    }

    private static long uint(final ByteBuffer in, final String what) throws ImageFormatException
    {
        if (in.remaining() < 4)
        {
            throw new ImageFormatException("image corrupt: " + what + " runs past the end at offset " + in.position());
        }
        return in.getInt() & 0xFFFF_FFFFL;
    }

    private static String string(final ByteBuffer in, final int lengthBytes, final String what)
        throws ImageFormatException
    {
        if (in.remaining() < lengthBytes)
        {
            throw new ImageFormatException("image corrupt: " + what + " runs past the end at offset " + in.position());
        }
        final long length = lengthBytes == 2 ? in.getShort() & 0xFFFF : in.getInt() & 0xFFFF_FFFFL;
        if (length > in.remaining())
        {
            throw new ImageFormatException("image corrupt: " + what + " of " + length + " bytes at offset " +
                (in.position() - lengthBytes) + " runs past the end");
        }
        final byte[] b = new byte[(int)length];
        in.get(b);
        return new String(b, StandardCharsets.UTF_8);
    }
}
