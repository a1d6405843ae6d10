package org.tessera.kernel.service.cap;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class CapabilityTokenTest
{
    @Test
    void shouldSpendExactlySixtyFourBits()
    {
        assertEquals(64, CapabilityToken.OBJECT_ID_BITS + CapabilityToken.GENERATION_BITS +
            CapabilityToken.TYPE_BITS + CapabilityToken.FLAGS_BITS);
        assertEquals(CapabilityToken.OBJECT_ID_BITS,
            CapabilityToken.SPACE_ID_BITS + CapabilityToken.SALT_BITS + CapabilityToken.SLOT_BITS);
        assertEquals(64, CapabilityToken.OBJECT_ID_SHIFT + CapabilityToken.OBJECT_ID_BITS);
    }

    @Test
    void shouldPlaceFieldsAsDrawn()
    {
        final long token = CapabilityToken.pack(0xABCD_EF01_2345L, 0x67, 0x8, 0x9);
        assertEquals(0xABCD_EF01_2345_6789L, token);
        assertEquals(0xABCDL, token >>> 48, "space id in the top 16 bits");
    }

    @ParameterizedTest
    @ValueSource(longs = {1L, 42L, 0xC0FFEEL})
    void shouldRoundTripEveryField(final long seed)
    {
        final SplittableRandom random = new SplittableRandom(seed);
        for (int i = 0; i < 100_000; i++)
        {
            final long objectId = random.nextLong() & CapabilityToken.OBJECT_ID_MASK;
            final int generation = random.nextInt(256);
            final int type = random.nextInt(16);
            final int flags = random.nextInt(16);
            final long token = CapabilityToken.pack(objectId, generation, type, flags);
            assertEquals(objectId, CapabilityToken.objectId(token));
            assertEquals(generation, CapabilityToken.generation(token));
            assertEquals(type, CapabilityToken.type(token));
            assertEquals(flags, CapabilityToken.flags(token));
            assertEquals(token, CapabilityToken.pack(CapabilityToken.objectId(token), CapabilityToken.generation(token),
                CapabilityToken.type(token), CapabilityToken.flags(token)));
        }
    }

    @ParameterizedTest
    @ValueSource(longs = {7L, 99L})
    void shouldRoundTripAnyLongThroughUnpackAndPack(final long seed)
    {
        final SplittableRandom random = new SplittableRandom(seed);
        for (int i = 0; i < 100_000; i++)
        {
            final long token = random.nextLong();
            assertEquals(token, CapabilityToken.pack(CapabilityToken.objectId(token), CapabilityToken.generation(token),
                CapabilityToken.type(token), CapabilityToken.flags(token)));
        }
    }

    @ParameterizedTest
    @ValueSource(longs = {3L, 1234L})
    void shouldSplitObjectIdIntoKeyAndSlot(final long seed)
    {
        final SplittableRandom random = new SplittableRandom(seed);
        for (int i = 0; i < 50_000; i++)
        {
            final int spaceId = random.nextInt(1 << 16);
            final int salt = random.nextInt(1 << 18);
            final int slot = random.nextInt(1 << 14);
            final long key = CapabilityToken.spaceKey(spaceId, salt);
            final long token = CapabilityToken.pack(CapabilityToken.objectIdOf(key, slot), 5, 2, 3);
            assertEquals(key, CapabilityToken.key(token));
            assertEquals(slot, CapabilityToken.slotIndex(token));
            assertEquals(spaceId, CapabilityToken.spaceId(token));
        }
    }

    @ParameterizedTest
    @ValueSource(longs = {11L, 12L})
    void shouldReplaceOneFieldAndKeepTheOthers(final long seed)
    {
        final SplittableRandom random = new SplittableRandom(seed);
        for (int i = 0; i < 50_000; i++)
        {
            final long token = random.nextLong();
            final int value = random.nextInt(256);
            final long g = CapabilityToken.withGeneration(token, value);
            assertEquals(value, CapabilityToken.generation(g));
            assertEquals(token & ~0xFF00L, g & ~0xFF00L);
            final long t = CapabilityToken.withType(token, value & 15);
            assertEquals(value & 15, CapabilityToken.type(t));
            assertEquals(token & ~0xF0L, t & ~0xF0L);
            final long f = CapabilityToken.withFlags(token, value & 15);
            assertEquals(value & 15, CapabilityToken.flags(f));
            assertEquals(token & ~0xFL, f & ~0xFL);
            final long key = random.nextLong() & ((1L << 34) - 1);
            final long r = CapabilityToken.rekey(token, key);
            assertEquals(key, CapabilityToken.key(r));
            assertEquals(token & ((1L << 30) - 1), r & ((1L << 30) - 1));
        }
    }
}
