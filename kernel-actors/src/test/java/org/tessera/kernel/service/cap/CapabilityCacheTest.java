package org.tessera.kernel.service.cap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class CapabilityCacheTest
{
    private final CapabilityPagePool pool = CapTestSupport.pool(16);
    private final DerivationTree tree = new DerivationTree(1024);
    private final CapabilitySpaceTable table = new CapabilitySpaceTable(4, tree);
    private final CapabilitySpace a = new CapabilitySpace(1, 11, pool);
    private final CapabilitySpace b = new CapabilitySpace(2, 22, pool);

    CapabilityCacheTest()
    {
        table.register(a);
        table.register(b);
    }

    @Test
    void shouldMissThenHitAndCountBoth()
    {
        final CapabilityCache cache = new CapabilityCache(64);
        final long token = a.token(a.insert(5, CapabilityType.MEMORY, Rights.MEMORY_READ | Rights.MEMORY_MAP, 0, 0));
        assertEquals(CapabilityCache.MISS, cache.probe(1, token, CapabilityType.MEMORY, Rights.MEMORY_READ));
        assertEquals(CapabilityError.OK, cache.check(a, token, CapabilityType.MEMORY, Rights.MEMORY_READ));
        final long lookups = a.lookups();
        assertEquals(CapabilityError.OK, cache.check(a, token, CapabilityType.MEMORY, Rights.MEMORY_MAP));
        assertEquals(CapabilityError.INSUFFICIENT_RIGHTS, cache.check(a, token, CapabilityType.MEMORY, Rights.MEMORY_WRITE));
        assertEquals(CapabilityError.WRONG_TYPE, cache.check(a, token, CapabilityType.THREAD, 0));
        assertEquals(lookups, a.lookups(), "hits never reach the space");
        assertEquals(3, cache.hits());
        assertEquals(2, cache.misses());
    }

    @Test
    void shouldNotCacheFailuresNorConfuseSpaces()
    {
        final CapabilityCache cache = new CapabilityCache(64);
        final long token = a.token(a.insert(5, CapabilityType.MEMORY, Rights.MEMORY_READ, 0, 0));
        assertEquals(CapabilityError.OK, cache.check(a, token, CapabilityType.MEMORY, 0));
        assertEquals(CapabilityError.NO_SUCH_SLOT, cache.check(b, token, CapabilityType.MEMORY, 0),
            "a token cached for space 1 is not valid in space 2");
        final long forged = CapabilityToken.withFlags(token, 3);
        assertEquals(CapabilityError.MALFORMED, cache.check(a, forged, CapabilityType.MEMORY, 0));
        assertEquals(CapabilityError.MALFORMED, cache.check(a, forged, CapabilityType.MEMORY, 0));
        assertEquals(1, cache.occupancy());
    }

    @Test
    void shouldDropRevokedEntriesWhenTheRevocationIsBroadcast()
    {
        final CapabilityCache[] cpus = {new CapabilityCache(256), new CapabilityCache(256), new CapabilityCache(256)};
        final int flags = CapabilityToken.FLAG_GRANTABLE;
        final int root = a.create(1, CapabilityType.ENDPOINT, Rights.ENDPOINT_ALL, flags, 0, tree);
        final int child = a.grant(root, b, Rights.ENDPOINT_SEND, flags, tree);
        final int other = b.create(2, CapabilityType.ENDPOINT, Rights.ENDPOINT_ALL, flags, 0, tree);
        final long rootToken = a.token(root);
        final long childToken = b.token(child);
        final long otherToken = b.token(other);
        for (final CapabilityCache cache : cpus)
        {
            assertEquals(CapabilityError.OK, cache.check(a, rootToken, CapabilityType.ENDPOINT, 0));
            assertEquals(CapabilityError.OK, cache.check(b, childToken, CapabilityType.ENDPOINT, 0));
            assertEquals(CapabilityError.OK, cache.check(b, otherToken, CapabilityType.ENDPOINT, 0));
        }
        final RevocationLog log = new RevocationLog(16);
        assertEquals(2, table.revoke(1, root, log));
        // before the broadcast a CPU's cache still holds the stale validation: this is why the
        // authority waits for every acknowledgement before replying RevokeComplete
        assertEquals(CapabilityError.OK, cpus[0].probe(2, childToken, CapabilityType.ENDPOINT, 0));
        for (final CapabilityCache cache : cpus)
        {
            for (int i = 0; i < log.size(); i++)
            {
                assertTrue(cache.invalidate(log.spaceId(i), log.slotIndex(i)));
            }
        }
        for (final CapabilityCache cache : cpus)
        {
            assertEquals(CapabilityError.REVOKED, cache.check(a, rootToken, CapabilityType.ENDPOINT, 0));
            assertEquals(CapabilityError.REVOKED, cache.check(b, childToken, CapabilityType.ENDPOINT, 0));
            assertEquals(CapabilityError.OK, cache.check(b, otherToken, CapabilityType.ENDPOINT, 0), "unrelated entry kept");
            assertEquals(2, cache.invalidations());
        }
    }

    @Test
    void shouldInvalidateAnyGenerationOfASlotAndFlushEverything()
    {
        final CapabilityCache cache = new CapabilityCache(128);
        final int slot = a.insert(1, CapabilityType.THREAD, Rights.THREAD_ALL, 0, 0);
        final long first = a.token(slot);
        cache.check(a, first, CapabilityType.THREAD, 0);
        assertTrue(cache.invalidate(1, slot));
        assertFalse(cache.invalidate(1, slot), "nothing left to drop");
        assertFalse(cache.invalidate(2, slot), "another space's slot is a different entry");
        a.delete(slot, tree);
        final long second = a.token(a.insert(1, CapabilityType.THREAD, Rights.THREAD_ALL, 0, 0));
        assertEquals(CapabilityError.OK, cache.check(a, second, CapabilityType.THREAD, 0));
        assertEquals(CapabilityCache.MISS, cache.probe(1, first, CapabilityType.THREAD, 0), "old generation misses");
        for (int i = 0; i < 50; i++)
        {
            final long token = b.token(b.insert(i, CapabilityType.MEMORY, Rights.MEMORY_READ, 0, 0));
            cache.check(b, token, CapabilityType.MEMORY, 0);
        }
        assertTrue(cache.occupancy() > 1);
        cache.flush();
        assertEquals(0, cache.occupancy());
        assertEquals(1, cache.flushes());
        assertEquals(CapabilityCache.MISS, cache.probe(1, second, CapabilityType.THREAD, 0));
    }

    /** Random checks, revocations and broadcasts: the cache never accepts what the space refuses. */
    @ParameterizedTest
    @ValueSource(longs = {1L, 2L, 3L})
    void shouldAgreeWithTheSpaceAfterEveryBroadcast(final long seed)
    {
        final SplittableRandom random = new SplittableRandom(seed);
        final CapabilityCache cache = new CapabilityCache(64);
        final long[] tokens = new long[300];
        final int flags = CapabilityToken.FLAG_GRANTABLE;
        for (int i = 0; i < tokens.length; i++)
        {
            final CapabilitySpace space = i % 2 == 0 ? a : b;
            final int slot = i < 100 ? space.create(i, CapabilityType.ENDPOINT, Rights.ENDPOINT_ALL, flags, 0, tree)
                : (i % 2 == 0 ? b : a).grant(CapabilityToken.slotIndex(tokens[random.nextInt(i)]),
                    space, Rights.ENDPOINT_SEND, flags, tree);
            tokens[i] = slot >= 0 ? space.token(slot) : 0L;
        }
        final RevocationLog log = new RevocationLog(1024);
        int attempts = 0;
        for (int step = 0; step < 20_000; step++)
        {
            final long token = tokens[random.nextInt(tokens.length)];
            final CapabilitySpace space = CapabilityToken.spaceId(token) == 1 ? a : b;
            if (random.nextInt(50) == 0 && space.state(CapabilityToken.slotIndex(token)) == CapabilitySpace.LIVE
                && space.token(CapabilityToken.slotIndex(token)) == token)
            {
                log.clear();
                table.revoke(space.spaceId(), CapabilityToken.slotIndex(token), log);
                for (int i = 0; i < log.size(); i++)
                {
                    cache.invalidate(log.spaceId(i), log.slotIndex(i));
                }
            }
            final int viaCache = cache.check(space, token, CapabilityType.ENDPOINT, Rights.ENDPOINT_SEND);
            final int direct = space.check(token, CapabilityType.ENDPOINT, Rights.ENDPOINT_SEND);
            assertEquals(direct, viaCache);
            attempts++;
        }
        System.out.printf("cache vs space (seed %d): %d checks, hits %d, misses %d, invalidations %d%n",
            seed, attempts, cache.hits(), cache.misses(), cache.invalidations());
    }
}
