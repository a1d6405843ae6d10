package org.tessera.kernel.service.cap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.tessera.kernel.service.cap.CapRig.Reply;
import org.tessera.messages.cap.CapDeriveEncoder;
import org.tessera.messages.cap.CapGrantEncoder;
import org.tessera.messages.cap.CapRevokeEncoder;
import org.tessera.messages.cap.CapValidateEncoder;

/**
 * Attacks through the message path: every forged or stale token goes to the authority shards as
 * a user request would (CapValidate, CapDerive, CapGrant, CapRevoke) and must be refused. Two
 * shards, four processes; each test prints how many attempts it made.
 */
class CapabilityMessageSecurityTest
{
    static final int MEM = CapabilityType.MEMORY;
    static final int SPACES = 4;
    static final int BATCH = 300;

    /** Four open spaces (two per shard), each with capabilities of every type. */
    private static CapRig machine(final List<long[]> tokens)
    {
        final CapRig rig = new CapRig(2, new int[] {0, 1});
        for (int s = 0; s < SPACES; s++)
        {
            rig.openSpace(s);
            final long[] own = new long[CapabilityType.MAX];
            for (int type = 1; type <= CapabilityType.MAX; type++)
            {
                own[type - 1] = rig.createOk(s, 100 * s + type, type, Rights.validMask(type), CapabilityToken.FLAGS_MASK);
            }
            tokens.add(own);
        }
        return rig;
    }

    /** Validate each (space, token) pair through the authority; return how many were accepted. */
    private static int acceptedValidations(final CapRig rig, final int[] spaces, final long[] forged)
    {
        int accepted = 0;
        for (int start = 0; start < forged.length; start += BATCH)
        {
            final long first = rig.nextCorrelation;
            final int end = Math.min(forged.length, start + BATCH);
            for (int i = start; i < end; i++)
            {
                final long token = forged[i];
                final int type = Math.max(1, CapabilityToken.type(token));
                rig.post(rig.request(0, rig.authorityOf(spaces[i]), rig.nextCorrelation++, new CapValidateEncoder())
                    .space(spaces[i]).token(token).capType((short)type).rights(0).cacheEpoch(0));
            }
            rig.settle();
            for (long c = first; c < rig.nextCorrelation; c++)
            {
                final Reply r = rig.clients[0].replies.remove(c);
                if (r == null || r.status == CapabilityError.OK)
                {
                    accepted++;
                }
            }
        }
        return accepted;
    }

    /** Try derive, grant and revoke with each forged token; return how many were accepted. */
    private static int acceptedOperations(final CapRig rig, final int[] spaces, final long[] forged)
    {
        int accepted = 0;
        for (int start = 0; start < forged.length; start += BATCH / 3)
        {
            final long first = rig.nextCorrelation;
            final int end = Math.min(forged.length, start + BATCH / 3);
            for (int i = start; i < end; i++)
            {
                final int s = spaces[i];
                rig.post(rig.request(0, rig.authorityOf(s), rig.nextCorrelation++, new CapDeriveEncoder())
                    .space(s).token(forged[i]).rights(0).flags((short)0));
                rig.post(rig.request(0, rig.authorityOf(s), rig.nextCorrelation++, new CapGrantEncoder())
                    .fromSpace(s).token(forged[i]).toSpace((s + 1) % SPACES).rights(0).flags((short)0));
                rig.post(rig.request(0, rig.authorityOf(s), rig.nextCorrelation++, new CapRevokeEncoder())
                    .space(s).token(forged[i]));
            }
            rig.settle();
            for (long c = first; c < rig.nextCorrelation; c++)
            {
                final Reply r = rig.clients[0].replies.remove(c);
                if (r == null || r.status == CapabilityError.OK)
                {
                    accepted++;
                }
            }
        }
        return accepted;
    }

    @ParameterizedTest(name = "seed {0}")
    @ValueSource(longs = {1, 2, 3})
    void shouldAcceptNoRandomTokenThroughTheMessagePath(final long seed)
    {
        final List<long[]> tokens = new ArrayList<>();
        final CapRig rig = machine(tokens);
        final SplittableRandom random = new SplittableRandom(seed);
        final int n = 6_000;
        final int[] spaces = new int[n];
        final long[] forged = new long[n];
        for (int i = 0; i < n; i++)
        {
            spaces[i] = random.nextInt(SPACES);
            final long key = rig.authorities[spaces[i] % 2].table().space(spaces[i]).key();
            // Half fully random, half under the caller's own key (random slot, generation, type, flags).
            forged[i] = i % 2 == 0 ? random.nextLong() :
                CapabilityToken.rekey(random.nextLong(), key);
            if (contains(tokens, forged[i]))
            {
                forged[i] ^= 1L << 8;
            }
        }
        assertEquals(0, acceptedValidations(rig, spaces, forged));
        assertEquals(0, acceptedOperations(rig, spaces, java.util.Arrays.copyOf(forged, 900)));
        System.out.printf("seed %d: %d random tokens validated and 2700 forged operations, none accepted%n", seed, n);
    }

    private static boolean contains(final List<long[]> tokens, final long token)
    {
        for (final long[] own : tokens)
        {
            for (final long t : own)
            {
                if (t == token)
                {
                    return true;
                }
            }
        }
        return false;
    }

    @ParameterizedTest(name = "seed {0}")
    @ValueSource(longs = {4})
    void shouldRefuseTokensOfOtherProcessesAndAlteredTokens(final long seed)
    {
        final List<long[]> tokens = new ArrayList<>();
        final CapRig rig = machine(tokens);
        final List<Integer> spaces = new ArrayList<>();
        final List<Long> forged = new ArrayList<>();
        for (int holder = 0; holder < SPACES; holder++)
        {
            final long key = rig.authorities[holder % 2].table().space(holder).key();
            for (int owner = 0; owner < SPACES; owner++)
            {
                for (final long t : tokens.get(owner))
                {
                    if (owner != holder)
                    {
                        spaces.add(holder);
                        forged.add(t);
                        spaces.add(holder);
                        forged.add(CapabilityToken.rekey(t, key) ^ (1L << CapabilityToken.GENERATION_SHIFT));
                    }
                    else
                    {
                        for (int type = 0; type < 16; type++)
                        {
                            if (type != CapabilityToken.type(t))
                            {
                                spaces.add(holder);
                                forged.add(CapabilityToken.withType(t, type));
                            }
                        }
                        for (int flags = 0; flags < 16; flags++)
                        {
                            if (flags != CapabilityToken.flags(t))
                            {
                                spaces.add(holder);
                                forged.add(CapabilityToken.withFlags(t, flags));
                            }
                        }
                        for (int generation = 0; generation < 256; generation++)
                        {
                            if (generation != CapabilityToken.generation(t))
                            {
                                spaces.add(holder);
                                forged.add(CapabilityToken.withGeneration(t, generation));
                            }
                        }
                    }
                }
            }
        }
        final int[] s = spaces.stream().mapToInt(Integer::intValue).toArray();
        final long[] f = forged.stream().mapToLong(Long::longValue).toArray();
        assertEquals(0, acceptedValidations(rig, s, f));
        assertEquals(0, acceptedOperations(rig, s, java.util.Arrays.copyOf(f, 600)));
        // The genuine tokens still work: the refusals were not a broken authority.
        for (int holder = 0; holder < SPACES; holder++)
        {
            for (final long t : tokens.get(holder))
            {
                assertEquals(CapabilityError.OK, rig.validate(holder, t, CapabilityToken.type(t), 0).status);
            }
        }
        System.out.printf("seed %d: %d foreign or altered tokens validated and 1800 forged operations, none accepted%n",
            seed, f.length);
    }

    @ParameterizedTest(name = "seed {0}")
    @ValueSource(longs = {5})
    void shouldRefuseUseAfterRevokeAndDerivingMoreRights(final long seed)
    {
        final List<long[]> tokens = new ArrayList<>();
        final CapRig rig = machine(tokens);
        int attempts = 0;
        for (int s = 0; s < SPACES; s++)
        {
            for (final long t : tokens.get(s))
            {
                final int type = CapabilityToken.type(t);
                final int held = Rights.validMask(type) & ~1;
                final Reply child = rig.derive(s, t, held, CapabilityToken.FLAGS_MASK);
                assertEquals(CapabilityError.OK, child.status);
                for (int rights = 0; rights < 1 << 16; rights += rights < 64 ? 1 : 4099)
                {
                    if ((rights & ~held) != 0)
                    {
                        assertNotEquals(CapabilityError.OK, rig.derive(s, child.token, rights, 0).status);
                        attempts++;
                    }
                }
                assertEquals(CapabilityError.OK, rig.revoke(s, t).status);
                assertEquals(CapabilityError.REVOKED, rig.validate(s, t, type, 0).status);
                assertEquals(CapabilityError.REVOKED, rig.validate(s, child.token, type, 0).status);
                assertNotEquals(CapabilityError.OK, rig.derive(s, t, 0, 0).status);
                assertNotEquals(CapabilityError.OK, rig.grant(s, child.token, (s + 1) % SPACES, 0, 0).status);
                assertNotEquals(CapabilityError.OK, rig.revoke(s, t).status);
                attempts += 5;
            }
        }
        System.out.printf("seed %d: %d escalating derivations and uses after revoke, none accepted%n", seed, attempts);
    }
}
