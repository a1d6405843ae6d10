package org.tessera.kernel.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.ByteBuffer;
import java.util.HashSet;
import java.util.Random;
import java.util.Set;
import java.util.stream.LongStream;

import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** The byte digest covers every byte of a message, in order, wherever the message lies. */
class DigestTest
{
    static LongStream seeds()
    {
        return LongStream.of(1, 2, 3, 0x5EED, 0xDEAD_BEEFL);
    }

    private static UnsafeBuffer randomBuffer(final Random random, final int length)
    {
        final UnsafeBuffer b = new UnsafeBuffer(ByteBuffer.allocateDirect(length));
        for (int i = 0; i < length; i++)
        {
            b.putByte(i, (byte)random.nextInt());
        }
        return b;
    }

    @ParameterizedTest
    @MethodSource("seeds")
    void shouldChangeWhenAnyBitOfAnyByteChanges(final long seed)
    {
        final Random random = new Random(seed);
        for (int length = 0; length <= 200; length++)
        {
            final UnsafeBuffer b = randomBuffer(random, length);
            final long before = Digest.mix(Digest.SEED, b, 0, length);
            for (int i = 0; i < length; i++)
            {
                final int bit = random.nextInt(8);
                b.putByte(i, (byte)(b.getByte(i) ^ (1 << bit)));
                assertNotEquals(before, Digest.mix(Digest.SEED, b, 0, length),
                    "seed " + seed + ": bit " + bit + " of byte " + i + " of " + length + " is not covered");
                b.putByte(i, (byte)(b.getByte(i) ^ (1 << bit)));
            }
            assertEquals(before, Digest.mix(Digest.SEED, b, 0, length), "seed " + seed);
        }
    }

    @ParameterizedTest
    @MethodSource("seeds")
    void shouldDependOnTheOrderOfWords(final long seed)
    {
        final Random random = new Random(seed);
        for (int length = 16; length <= 160; length += 8)
        {
            final UnsafeBuffer b = randomBuffer(random, length);
            final long before = Digest.mix(Digest.SEED, b, 0, length);
            final int i = random.nextInt(length / 8) * 8;
            int j = random.nextInt(length / 8) * 8;
            if (j == i)
            {
                j = (i + 8) % length;
            }
            final long wi = b.getLong(i);
            final long wj = b.getLong(j);
            if (wi != wj)
            {
                b.putLong(i, wj);
                b.putLong(j, wi);
                assertNotEquals(before, Digest.mix(Digest.SEED, b, 0, length),
                    "seed " + seed + ": words " + i + " and " + j + " swapped in " + length + " bytes");
            }
        }
    }

    @ParameterizedTest
    @MethodSource("seeds")
    void shouldNotDependOnWhereTheBytesLie(final long seed)
    {
        final Random random = new Random(seed);
        final UnsafeBuffer b = randomBuffer(random, 512);
        final UnsafeBuffer moved = new UnsafeBuffer(ByteBuffer.allocateDirect(1024));
        for (int length = 0; length <= 200; length++)
        {
            final int at = random.nextInt(400);
            moved.putBytes(at, b, 0, length);
            assertEquals(Digest.mix(7, b, 0, length), Digest.mix(7, moved, at, length),
                "seed " + seed + ": " + length + " bytes at offset " + at);
        }
    }

    @Test
    void shouldTellLengthsAndStartingDigestsApart()
    {
        final UnsafeBuffer zeros = new UnsafeBuffer(ByteBuffer.allocateDirect(256));
        final Set<Long> seen = new HashSet<>();
        for (int length = 0; length <= 256; length++)
        {
            assertEquals(true, seen.add(Digest.mix(Digest.SEED, zeros, 0, length)), "zeros of length " + length);
        }
        assertNotEquals(Digest.mix(1, zeros, 0, 64), Digest.mix(2, zeros, 0, 64));
    }

    @ParameterizedTest
    @MethodSource("seeds")
    void shouldGiveTheSameDigestOnHeapAndOffHeap(final long seed)
    {
        final Random random = new Random(seed);
        final UnsafeBuffer direct = randomBuffer(random, 300);
        final byte[] bytes = new byte[300];
        direct.getBytes(0, bytes);
        final UnsafeBuffer heap = new UnsafeBuffer(bytes);
        for (int length = 0; length <= 200; length++)
        {
            final int at = random.nextInt(100);
            assertEquals(Digest.mix(3, direct, at, length), Digest.mix(3, heap, at, length),
                "seed " + seed + ": " + length + " bytes at " + at);
        }
    }

    @Test
    void shouldRefuseARangeOutsideTheBuffer()
    {
        final UnsafeBuffer b = new UnsafeBuffer(ByteBuffer.allocateDirect(64));
        assertThrows(IndexOutOfBoundsException.class, () -> Digest.mix(1, b, 60, 8));
        assertThrows(IndexOutOfBoundsException.class, () -> Digest.mix(1, b, -8, 8));
        assertThrows(IndexOutOfBoundsException.class, () -> Digest.mix(1, b, 0, 65));
        assertEquals(Digest.mix(1, b, 0, 64), Digest.mix(1, b, 0, 64));
    }
}
