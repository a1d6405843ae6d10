package org.tessera.kernel.runtime;

import org.agrona.DirectBuffer;

/**
 * A 64-bit running digest of handled messages. Not cryptographic: it detects divergence
 * between runs (replay, determinism checks), word at a time, with no allocation.
 */
public final class Digest
{
    /** Starting value of every digest. */
    public static final long SEED = 0x9E37_79B9_7F4A_7C15L;
    private static final long PRIME = 0xFF51_AFD7_ED55_8CCDL;

    private Digest()
    {
    }

    /** Fold one value into a digest. */
    public static long mix(final long digest, final long value)
    {
        long h = (digest ^ value) * PRIME;
        h ^= h >>> 32;
        return Long.rotateLeft(h, 27) * 5 + 0x52DC_E729L;
    }

    /** Fold {@code length} bytes of {@code buffer} from {@code offset} into a digest. */
    public static long mix(final long digest, final DirectBuffer buffer, final int offset, final int length)
    {
        // one multiply per word on the hot path (every handled message is digested); the
        // final mix avalanches the result
        long h = digest ^ (length * PRIME);
        int i = 0;
        for (; i + 8 <= length; i += 8)
        {
            h = Long.rotateLeft((h ^ buffer.getLong(offset + i)) * PRIME, 29);
        }
        long tail = 0;
        for (int shift = 0; i < length; i++, shift += 8)
        {
            tail |= (buffer.getByte(offset + i) & 0xFFL) << shift;
        }
        return mix(h, tail);
    }

    /** Final avalanche of a digest (fmix64). */
    public static long finish(final long digest)
    {
        long h = digest;
        h ^= h >>> 33;
        h *= 0xFF51_AFD7_ED55_8CCDL;
        h ^= h >>> 33;
        h *= 0xC4CE_B9FE_1A85_EC53L;
        h ^= h >>> 33;
        return h;
    }
}
