package org.tessera.kernel.service.cap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashSet;
import java.util.Set;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Attacks on the check: each test counts and prints its attempts, and fails on any acceptance of
 * a token the space did not issue for a live slot.
 */
class CapabilitySecurityTest
{
    private static final int HELD = 4000;

    private final CapabilityPagePool pool = CapTestSupport.pool(2 * CapabilitySpace.L1_ENTRIES);
    private final DerivationTree tree = new DerivationTree(4 * HELD);
    private final CapabilitySpace victim = new CapabilitySpace(1, 0x2A5A5, pool);
    private final CapabilitySpace attacker = new CapabilitySpace(2, 0x15A5A, pool);
    private final long[] victimTokens = new long[HELD];
    private final long[] attackerTokens = new long[HELD];
    private final Set<Long> issued = new HashSet<>();

    /** Both spaces hold the same shape: same slots, types, flags and generations. */
    private void populate(final long seed)
    {
        final SplittableRandom random = new SplittableRandom(seed);
        for (int i = 0; i < HELD; i++)
        {
            final int type = 1 + random.nextInt(CapabilityType.MAX);
            final int flags = random.nextInt(16);
            final int v = victim.create(i, type, CapTestSupport.allRights(type), flags, 0, tree);
            final int a = attacker.create(i, type, CapTestSupport.allRights(type), flags, 0, tree);
            assertEquals(v, a);
            victimTokens[i] = victim.token(v);
            attackerTokens[i] = attacker.token(a);
            issued.add(victimTokens[i]);
        }
    }

    @ParameterizedTest
    @ValueSource(longs = {1L, 0xDEADBEEFL})
    void shouldAcceptNoRandomToken(final long seed)
    {
        populate(seed);
        final SplittableRandom random = new SplittableRandom(seed ^ 0x5DEECE66DL);
        int attempts = 0;
        for (int i = 0; i < 1_000_000; i++)
        {
            final long token = random.nextLong();
            attempts++;
            // the most permissive request a forger could make: its own type, no rights
            final int result = victim.check(token, CapabilityToken.type(token), 0);
            if (result == CapabilityError.OK)
            {
                assertTrue(issued.contains(token), "forged token accepted: " + Long.toHexString(token));
            }
        }
        assertEquals(attempts, victim.totalFailures(), "every random token refused");
        System.out.printf("random tokens: %d attempts, %d accepted%n", attempts, attempts - victim.totalFailures());
    }

    @ParameterizedTest
    @ValueSource(longs = {2L, 3L})
    void shouldAcceptOnlyIssuedTokensEvenUnderTheRightKey(final long seed)
    {
        // A process knows its own key; it may name its own slots but gains nothing it was not given.
        populate(seed);
        final SplittableRandom random = new SplittableRandom(seed * 31);
        int attempts = 0;
        int genuine = 0;
        for (int i = 0; i < 1_000_000; i++)
        {
            final long token = CapabilityToken.rekey(random.nextLong(), victim.key());
            attempts++;
            final int result = victim.check(token, CapabilityToken.type(token), 0);
            if (result == CapabilityError.OK)
            {
                assertTrue(issued.contains(token), "forged token accepted: " + Long.toHexString(token));
                genuine++;
            }
        }
        System.out.printf("random tokens under the victim's key: %d attempts, %d hit a token actually issued, 0 forged%n",
            attempts, genuine);
    }

    @Test
    void shouldRefuseEveryTokenOfAnotherSpace()
    {
        populate(4);
        int attempts = 0;
        for (final long token : attackerTokens)
        {
            final int type = CapabilityToken.type(token);
            assertEquals(CapabilityError.NO_SUCH_SLOT, victim.check(token, type, 0));
            attempts++;
            // even when the attacker patches in the victim's space id but guesses the salt
            for (int salt = 1; salt < 64; salt++)
            {
                final long guess = CapabilityToken.rekey(token, CapabilityToken.spaceKey(victim.spaceId(), salt));
                assertEquals(CapabilityError.NO_SUCH_SLOT, victim.check(guess, type, 0));
                attempts++;
            }
        }
        System.out.printf("tokens of another space: %d attempts, 0 accepted%n", attempts);
    }

    @Test
    void shouldRefuseIssuedTokensWithAlteredTypeFlagsOrGeneration()
    {
        populate(5);
        int attempts = 0;
        for (final long token : victimTokens)
        {
            for (int type = 0; type < 16; type++)
            {
                if (type == CapabilityToken.type(token))
                {
                    continue;
                }
                final long altered = CapabilityToken.withType(token, type);
                assertEquals(CapabilityError.MALFORMED, victim.check(altered, type, 0));
                attempts++;
            }
            for (int flags = 0; flags < 16; flags++)
            {
                if (flags == CapabilityToken.flags(token))
                {
                    continue;
                }
                final long altered = CapabilityToken.withFlags(token, flags);
                assertEquals(CapabilityError.MALFORMED, victim.check(altered, CapabilityToken.type(token), 0));
                attempts++;
            }
            for (int generation = 0; generation < 256; generation++)
            {
                if (generation == CapabilityToken.generation(token))
                {
                    continue;
                }
                final long altered = CapabilityToken.withGeneration(token, generation);
                assertEquals(CapabilityError.STALE_GENERATION, victim.check(altered, CapabilityToken.type(token), 0));
                attempts++;
            }
            assertEquals(CapabilityError.OK, victim.check(token, CapabilityToken.type(token), 0));
        }
        System.out.printf("altered type/flags/generation: %d attempts, 0 accepted%n", attempts);
    }

    @Test
    void shouldRefuseRightsTheSlotDoesNotHold()
    {
        final CapabilitySpace space = new CapabilitySpace(3, 3, pool);
        int attempts = 0;
        for (int type = 1; type <= CapabilityType.MAX; type++)
        {
            final int all = Rights.validMask(type);
            for (int held = 0; held <= all; held++)
            {
                if ((held & ~all) != 0)
                {
                    continue;
                }
                final long token = space.token(space.insert(1, type, held, 0, 0));
                for (int wanted = 0; wanted < 16; wanted++)
                {
                    final int result = space.check(token, type, wanted);
                    attempts++;
                    if (Rights.isSubset(wanted, held))
                    {
                        assertEquals(CapabilityError.OK, result);
                    }
                    else
                    {
                        assertEquals(CapabilityError.INSUFFICIENT_RIGHTS, result);
                    }
                }
                for (int other = 0; other < 16; other++)
                {
                    if (other != type)
                    {
                        assertEquals(CapabilityError.WRONG_TYPE, space.check(token, other, 0));
                        attempts++;
                    }
                }
            }
        }
        System.out.printf("rights and type requirements: %d attempts checked%n", attempts);
    }

    @Test
    void shouldRefuseUseAfterRevoke()
    {
        populate(6);
        final CapabilitySpaceTable table = new CapabilitySpaceTable(4, tree);
        table.register(victim);
        table.register(attacker);
        final RevocationLog log = new RevocationLog(tree.capacity());
        int attempts = 0;
        for (int i = 0; i < HELD; i += 2)
        {
            log.clear();
            assertEquals(1, table.revoke(1, CapabilityToken.slotIndex(victimTokens[i]), log));
        }
        for (int i = 0; i < HELD; i++)
        {
            final long token = victimTokens[i];
            final int result = victim.check(token, CapabilityToken.type(token), 0);
            attempts++;
            assertEquals(i % 2 == 0 ? CapabilityError.REVOKED : CapabilityError.OK, result);
        }
        // holders delete the revoked slots; the slots are reused with new generations
        for (int i = 0; i < HELD; i += 2)
        {
            assertEquals(CapabilityError.OK, victim.delete(CapabilityToken.slotIndex(victimTokens[i]), tree));
        }
        for (int i = 0; i < HELD / 2; i++)
        {
            final int type = CapabilityToken.type(victimTokens[2 * i]);
            victim.insert(0, type, CapTestSupport.allRights(type), CapabilityToken.flags(victimTokens[2 * i]), 0);
        }
        for (int i = 0; i < HELD; i += 2)
        {
            final long token = victimTokens[i];
            final int result = victim.check(token, CapabilityToken.type(token), 0);
            attempts++;
            assertTrue(result == CapabilityError.STALE_GENERATION || result == CapabilityError.NO_SUCH_SLOT,
                CapabilityError.name(result));
        }
        assertEquals(HELD / 2, victim.failures(CapabilityError.REVOKED));
        System.out.printf("use after revoke: %d attempts, 0 revoked tokens accepted%n", attempts);
    }

    @Test
    void shouldRefuseDerivingOrGrantingMoreThanTheParentHolds()
    {
        final CapabilitySpace space = new CapabilitySpace(3, 3, pool);
        int attempts = 0;
        int allowed = 0;
        for (int type = 1; type <= CapabilityType.MAX; type++)
        {
            final int all = Rights.validMask(type);
            for (int held = 0; held <= all; held++)
            {
                if ((held & ~all) != 0)
                {
                    continue;
                }
                for (int parentFlags = 0; parentFlags < 16; parentFlags++)
                {
                    final int parent = space.create(1, type, held, parentFlags, 0, tree);
                    for (int wanted = 0; wanted < 16; wanted++)
                    {
                        final int childFlags = parentFlags & wanted;
                        final int derived = space.derive(parent, wanted, childFlags, tree);
                        final int granted = space.grant(parent, victim, wanted, childFlags, tree);
                        attempts += 2;
                        assertExpected(derived, held, wanted, parentFlags, CapabilityToken.FLAG_DERIVABLE,
                            CapabilityError.NOT_DERIVABLE);
                        assertExpected(granted, held, wanted, parentFlags, CapabilityToken.FLAG_GRANTABLE,
                            CapabilityError.NOT_GRANTABLE);
                        if (derived >= 0)
                        {
                            allowed++;
                            assertEquals(wanted, space.rights(derived));
                            space.delete(derived, tree);
                        }
                        if (granted >= 0)
                        {
                            allowed++;
                            assertEquals(wanted, victim.rights(granted));
                            victim.delete(granted, tree);
                        }
                    }
                    for (int extra = 1; extra < 16; extra++)
                    {
                        if ((extra & ~parentFlags) == 0)
                        {
                            continue;
                        }
                        final int derived = space.derive(parent, held, parentFlags | extra, tree);
                        attempts++;
                        assertTrue(derived < 0, "flag escalation accepted");
                        if ((parentFlags & CapabilityToken.FLAG_DERIVABLE) != 0)
                        {
                            assertEquals(CapabilityError.FLAGS_ESCALATION, derived);
                        }
                    }
                    space.delete(parent, tree);
                }
            }
        }
        assertEquals(0, tree.size());
        System.out.printf("derive/grant escalation: %d attempts, %d legitimate copies, 0 escalations%n", attempts, allowed);
    }

    private static void assertExpected(
        final int result, final int held, final int wanted, final int flags, final int needFlag, final int refusal)
    {
        if ((flags & needFlag) == 0)
        {
            assertEquals(refusal, result);
        }
        else if (!Rights.isSubset(wanted, held))
        {
            assertEquals(CapabilityError.RIGHTS_ESCALATION, result);
        }
        else
        {
            assertTrue(result >= 0, CapabilityError.name(result));
        }
    }

    @Test
    void shouldRetireASlotInsteadOfWrappingItsGeneration()
    {
        final CapabilitySpaceTable table = new CapabilitySpaceTable(4, tree);
        table.register(victim);
        final RevocationLog log = new RevocationLog(4);
        final long[] old = new long[255];
        int revokes = 0;
        for (int generation = 1; generation <= 255; generation++)
        {
            final int slot = victim.create(9, CapabilityType.ENDPOINT, Rights.ENDPOINT_ALL, 0, 0, tree);
            assertEquals(0, slot, "the same slot is reused each time");
            old[generation - 1] = victim.token(slot);
            assertEquals(generation, CapabilityToken.generation(old[generation - 1]));
            log.clear();
            assertEquals(1, table.revoke(1, slot, log));
            revokes++;
            if (generation < 255)
            {
                assertEquals(CapabilitySpace.REVOKED, victim.state(slot));
                assertEquals(CapabilityError.OK, victim.delete(slot, tree));
            }
        }
        assertEquals(CapabilitySpace.RETIRED, victim.state(0));
        assertEquals(1, victim.retiredSlots());
        assertEquals(CapabilityError.NOT_LIVE, victim.delete(0, tree));
        final int next = victim.create(9, CapabilityType.ENDPOINT, Rights.ENDPOINT_ALL, 0, 0, tree);
        assertNotEquals(0, next, "a retired slot is never reused");
        int attempts = 0;
        for (final long token : old)
        {
            assertEquals(CapabilityError.REVOKED, victim.check(token, CapabilityType.ENDPOINT, 0));
            // the generation a wrap would have produced (0) and every other one
            for (int generation = 0; generation < 256; generation++)
            {
                assertNotEquals(CapabilityError.OK,
                    victim.check(CapabilityToken.withGeneration(token, generation), CapabilityType.ENDPOINT, 0));
                attempts++;
            }
        }
        System.out.printf("generation wrap: retired after %d revokes; %d stale attempts, 0 accepted%n", revokes, attempts);
    }
}
