package org.tessera.boot.image;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ImageReaderTest
{
    static Path bin()
    {
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent())
        {
            if (Files.isRegularFile(dir.resolve("user/Makefile")))
            {
                return dir.resolve("user/bin");
            }
        }
        throw new IllegalStateException("no user/bin above the working directory");
    }

    static BootImage sample() throws IOException
    {
        return new BootImage(MachineSpec.DEFAULT.withCpus(4), Map.of(
            "hello", Files.readAllBytes(bin().resolve("hello.elf")),
            "workers", Files.readAllBytes(bin().resolve("workers.elf"))), "workers", List.of("workers", "3"));
    }

    @Test
    void shouldRoundTripAnImage() throws Exception
    {
        final BootImage image = sample();
        final byte[] bytes = ImageWriter.toBytes(image);
        final BootImage back = ImageReader.fromBytes(bytes);
        assertEquals(image.machine(), back.machine());
        assertEquals(image.initName(), back.initName());
        assertEquals(image.initArgv(), back.initArgv());
        assertEquals(image.programNames(), back.programNames());
        for (final String name : image.programNames())
        {
            assertArrayEquals(image.program(name), back.program(name));
        }
        assertArrayEquals(bytes, ImageWriter.toBytes(back), "same image, same bytes");
    }

    @Test
    void shouldRefuseEveryTruncation() throws Exception
    {
        final byte[] bytes = ImageWriter.toBytes(sample());
        final Random random = new Random(42);
        for (int i = 0; i < 200; i++)
        {
            final int length = i < 60 ? i : random.nextInt(bytes.length);
            final byte[] cut = java.util.Arrays.copyOf(bytes, length);
            final ImageFormatException e = assertThrows(ImageFormatException.class, () -> ImageReader.fromBytes(cut));
            assertTrue(e.getMessage().contains("truncated") || e.getMessage().contains("magic"),
                "length " + length + ": " + e.getMessage());
        }
    }

    @ParameterizedTest
    @ValueSource(longs = {1, 2, 3, 4, 5})
    void shouldRefuseAnyFlippedBit(final long seed) throws Exception
    {
        final byte[] bytes = ImageWriter.toBytes(sample());
        final Random random = new Random(seed);
        for (int i = 0; i < 50; i++)
        {
            final byte[] bad = bytes.clone();
            final int at = ImageFormat.MAGIC.length + random.nextInt(bytes.length - ImageFormat.MAGIC.length);
            bad[at] ^= (byte)(1 << random.nextInt(8));
            final ImageFormatException e = assertThrows(ImageFormatException.class, () -> ImageReader.fromBytes(bad),
                "seed " + seed + " byte " + at);
            assertTrue(e.getMessage().startsWith("image"), e.getMessage());
        }
    }

    @Test
    void shouldRefuseBadMagicAndVersion() throws Exception
    {
        final byte[] bytes = ImageWriter.toBytes(sample());
        final byte[] magic = bytes.clone();
        magic[0] = 'X';
        assertTrue(assertThrows(ImageFormatException.class, () -> ImageReader.fromBytes(magic)).getMessage()
            .contains("magic"));
        final byte[] version = bytes.clone();
        version[ImageFormat.VERSION_OFFSET] = 9;
        assertTrue(assertThrows(ImageFormatException.class, () -> ImageReader.fromBytes(version)).getMessage()
            .contains("version 9"));
    }

    @Test
    void shouldRefuseAProgramThatIsNotElf()
    {
        assertThrows(IllegalArgumentException.class, () -> new BootImage(MachineSpec.DEFAULT,
            Map.of("junk", new byte[]{1, 2, 3}), "junk", List.of("junk")));
        assertThrows(IllegalArgumentException.class, () -> new BootImage(MachineSpec.DEFAULT,
            Map.of("hello", Files.readAllBytes(bin().resolve("hello.elf"))), "other", List.of("other")));
    }
}
