package org.tessera.kernel.service.proc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.tessera.arch.spi.PhysicalMemory;

class ElfImageTest
{
    static final long BASE = 8192;

    private final PhysicalMemory memory = new PhysicalMemory(1 << 20);

    @AfterEach
    void close()
    {
        memory.close();
    }

    static byte[] program(final String name) throws Exception
    {
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent())
        {
            final Path elf = dir.resolve("user/bin/" + name + ".elf");
            if (Files.isRegularFile(elf))
            {
                return Files.readAllBytes(elf);
            }
        }
        throw new IllegalStateException("user/bin not found");
    }

    @ParameterizedTest
    @ValueSource(strings = {"hello", "hello-pie", "workers", "tls"})
    void shouldAcceptTheSamplePrograms(final String name) throws Exception
    {
        final byte[] elf = program(name);
        {
            memory.write(BASE, elf, 0, elf.length);
            final ElfImage image = new ElfImage();
            assertTrue(image.wrap(memory, BASE, elf.length));
            assertEquals(name.equals("hello-pie") ? ElfImage.ET_DYN : ElfImage.ET_EXEC, image.type());
            assertTrue(image.phdrAddress() >= 0);
            int loads = 0;
            for (int i = 0; i < image.phnum(); i++)
            {
                loads += image.segmentType(i) == ElfImage.PT_LOAD ? 1 : 0;
            }
            assertTrue(loads >= 2);
        }
    }

    @Test
    void shouldRefuseTruncatedFiles() throws Exception
    {
        final byte[] elf = program("hello");
        {
            memory.write(BASE, elf, 0, elf.length);
            final ElfImage image = new ElfImage();
            for (final int length : new int[]{0, 10, 63, 64, 100, 64 + 56 * 2, elf.length / 2})
            {
                assertFalse(image.wrap(memory, BASE, length), "length " + length);
            }
        }
    }

    /** Whatever the header bytes say, wrap never reads outside the file and never throws. */
    @ParameterizedTest
    @ValueSource(longs = {1, 2, 3, 4, 5, 6, 7, 8})
    void shouldSurviveCorruptHeaders(final long seed) throws Exception
    {
        final byte[] original = program("hello");
        final Random random = new Random(seed);
        {
            final ElfImage image = new ElfImage();
            for (int round = 0; round < 500; round++)
            {
                final byte[] elf = original.clone();
                final int flips = 1 + random.nextInt(8);
                for (int f = 0; f < flips; f++)
                {
                    // the headers: ELF header and program headers
                    elf[random.nextInt(64 + 56 * 8)] = (byte)random.nextInt(256);
                }
                memory.write(BASE, elf, 0, elf.length);
                if (image.wrap(memory, BASE, elf.length))
                {
                    for (int i = 0; i < image.phnum(); i++)
                    {
                        if (image.segmentType(i) == ElfImage.PT_LOAD)
                        {
                            assertTrue(image.offset(i) + image.fileSize(i) <= elf.length, "seed " + seed);
                            assertTrue(image.fileSize(i) <= image.memorySize(i));
                        }
                    }
                }
            }
        }
    }
}
