package org.tessera.arch.spi;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.SplittableRandom;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class PhysicalMemoryTest
{
    /** The vectorised scan finds what a word-by-word scan finds, at every start and in every table shape. */
    @ParameterizedTest
    @ValueSource(longs = {1, 2, 3, 4})
    void shouldFindTheNextNonZeroWordAsAPlainScanDoes(final long seed)
    {
        final SplittableRandom random = new SplittableRandom(seed);
        final PhysicalMemory memory = new PhysicalMemory(1 << 20);
        try
        {
            for (int round = 0; round < 200; round++)
            {
                final long table = 4096L * random.nextInt(255);
                memory.fill(table, 4096, (byte)0);
                final int words = random.nextInt(4) == 0 ? 0 : random.nextInt(1, 16);
                for (int w = 0; w < words; w++)
                {
                    // a single set bit anywhere in the word counts
                    memory.putLong(table + 8L * random.nextInt(512), 1L << random.nextInt(64));
                }
                final int from = random.nextInt(513);
                int expected = 512;
                for (int i = from; i < 512; i++)
                {
                    if (memory.getLong(table + 8L * i) != 0)
                    {
                        expected = i;
                        break;
                    }
                }
                assertEquals(expected, memory.nextNonZeroLong(table, from, 512), "round " + round + " from " + from);
            }
        }
        finally
        {
            memory.close();
        }
    }
}
