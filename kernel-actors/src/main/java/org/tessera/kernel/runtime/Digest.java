package org.tessera.kernel.runtime;

import java.nio.ByteOrder;

import org.agrona.DirectBuffer;
import org.agrona.UnsafeApi;

/**
 * A 64-bit running digest of handled messages. Not cryptographic: it detects divergence
 * between runs (replay, determinism checks), word at a time, with no allocation.
 */
public final class Digest
{
    /** Starting value of every digest. */
    public static final long SEED = 0x9E37_79B9_7F4A_7C15L;
    private static final long PRIME = 0xFF51_AFD7_ED55_8CCDL;
    private static final boolean NATIVE_LITTLE_ENDIAN = ByteOrder.nativeOrder() == ByteOrder.LITTLE_ENDIAN;
    private static final long LANE1 = 0x6A09_E667_F3BC_C908L;
    private static final long LANE2 = 0xBB67_AE85_84CA_A73BL;
    private static final long LANE3 = 0x3C6E_F372_FE94_F82BL;

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
        // Every handled message is digested, so this is on the hot path of every message.
        // Four independent lanes of one xor-multiply round each: the lanes' multiplies overlap
        // in the pipeline instead of waiting on one chain. Each round is a bijection of the
        // lane for a given word and of the word for a given lane, so a message that differs
        // from another in one word always gives a different digest. The lanes start apart and
        // are combined with distinct rotations, so words are position sensitive within and
        // across lanes; the final mix avalanches.
        //
        // One bounds check for the whole range, then plain loads: a check per word cost about
        // a quarter of the digest.
        buffer.boundsCheck(offset, length);
        final byte[] array = buffer.byteArray();
        final long address = buffer.addressOffset() + offset;
        long h0 = digest ^ (length * PRIME);
        long h1 = LANE1;
        long h2 = LANE2;
        long h3 = LANE3;
        int i = 0;
        for (; i + 32 <= length; i += 32)
        {
            final long at = address + i;
            h0 = (h0 ^ UnsafeApi.getLong(array, at)) * PRIME;
            h1 = (h1 ^ UnsafeApi.getLong(array, at + 8)) * PRIME;
            h2 = (h2 ^ UnsafeApi.getLong(array, at + 16)) * PRIME;
            h3 = (h3 ^ UnsafeApi.getLong(array, at + 24)) * PRIME;
        }
        if (i + 8 <= length)
        {
            h0 = (h0 ^ UnsafeApi.getLong(array, address + i)) * PRIME;
            i += 8;
            if (i + 8 <= length)
            {
                h1 = (h1 ^ UnsafeApi.getLong(array, address + i)) * PRIME;
                i += 8;
                if (i + 8 <= length)
                {
                    h2 = (h2 ^ UnsafeApi.getLong(array, address + i)) * PRIME;
                    i += 8;
                }
            }
        }
        long tail = 0;
        final int rest = length - i;
        if (rest > 0)
        {
            if (length >= 8)
            {
                // the last eight bytes, of which the first 8 - rest were folded already: one
                // load instead of a byte loop (native order, as the words above)
                final long last = UnsafeApi.getLong(array, address + length - 8);
                tail = NATIVE_LITTLE_ENDIAN ? last >>> ((8 - rest) << 3) : last & (-1L >>> ((8 - rest) << 3));
            }
            else
            {
                for (int shift = 0; i < length; i++, shift += 8)
                {
                    tail |= (UnsafeApi.getByte(array, address + i) & 0xFFL) << shift;
                }
            }
        }
        // distinct rotations keep the lanes from cancelling each other
        return mix(h0 ^ Long.rotateLeft(h1, 17) ^ Long.rotateLeft(h2, 31) ^ Long.rotateLeft(h3, 47), tail);
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
