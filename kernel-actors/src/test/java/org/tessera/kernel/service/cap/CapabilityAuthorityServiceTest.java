package org.tessera.kernel.service.cap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.tessera.kernel.service.cap.CapRig.Reply;
import org.tessera.messages.cap.CapGrantEncoder;

/** The authority shards and cache services driven by message, stepped by hand. */
class CapabilityAuthorityServiceTest
{
    static final int MEM = CapabilityType.MEMORY;
    static final int RW = Rights.MEMORY_READ | Rights.MEMORY_WRITE;
    static final int ALL = CapabilityToken.FLAGS_MASK;

    @Test
    void shouldOpenASpaceWithItsInitialCapabilitiesInOneStep()
    {
        final CapRig rig = new CapRig(2, new int[] {0});
        final Reply opened = rig.openWith(7, 4, CapabilityType.PROCESS, Rights.PROCESS_ALL, CapabilityToken.FLAG_DERIVABLE);
        assertEquals(CapabilityError.OK, opened.status);
        assertEquals(4, opened.tokens.length);
        for (int i = 0; i < 4; i++)
        {
            final Reply v = rig.validate(7, opened.tokens[i], CapabilityType.PROCESS, Rights.PROCESS_SIGNAL);
            assertEquals(CapabilityError.OK, v.status, "token " + i);
            assertEquals(10L * i, v.badge, "badge of token " + i);
            assertEquals(opened.key, CapabilityToken.key(opened.tokens[i]), "tokens carry the new key");
        }
        assertEquals(CapabilityStatus.SPACE_EXISTS, rig.openWith(7, 1, MEM, Rights.MEMORY_READ, 0).status);
        // the initial capabilities are roots: a derived copy dies with its root
        final Reply copy = rig.derive(7, opened.tokens[2], Rights.PROCESS_SIGNAL, 0);
        assertEquals(CapabilityError.OK, copy.status);
        assertEquals(2, rig.revoke(7, opened.tokens[2]).count);
        assertEquals(CapabilityError.REVOKED, rig.validate(7, copy.token, CapabilityType.PROCESS, 0).status);
    }

    @Test
    void shouldLeaveTheSpaceClosedWhenAnInitialCapabilityIsRefused()
    {
        final CapRig rig = new CapRig(1, new int[] {0});
        // rights not valid for the type: the second create fails, so nothing may remain
        assertEquals(CapabilityError.INVALID_RIGHTS,
            rig.openWith(9, 2, CapabilityType.ENDPOINT, Rights.ENDPOINT_ALL << 4, 0).status);
        assertEquals(CapabilityError.INVALID_TYPE,
            rig.openWith(9, CapabilityAuthorityService.MAX_INITIAL_CAPS + 1, MEM, Rights.MEMORY_READ, 0).status,
            "more than four initial capabilities");
        assertEquals(CapabilityError.NO_SUCH_SPACE, rig.validate(9, 1, MEM, 0).status, "the space stayed closed");
        final Reply ok = rig.openWith(9, 1, MEM, Rights.MEMORY_READ, 0);
        assertEquals(CapabilityError.OK, ok.status, "and opens normally afterwards");
        assertEquals(1, rig.authorities[0].pool().pageCount() - rig.authorities[0].pool().freeCount(), "one L2 page for the one open space");
    }

    @Test
    void shouldCreateDeriveAndValidateThroughMessages()
    {
        final CapRig rig = new CapRig(2, new int[] {0});
        final Reply opened = rig.openSpace(3);
        assertEquals(CapabilityError.OK, opened.status);
        assertEquals(CapabilityToken.spaceKey(3, 2), opened.key, "first incarnation gets salt 2");
        final long token = rig.createOk(3, 77, MEM, Rights.MEMORY_ALL, ALL);
        assertEquals(opened.key, CapabilityToken.key(token));

        final Reply derived = rig.derive(3, token, Rights.MEMORY_READ, CapabilityToken.FLAG_GRANTABLE);
        assertEquals(CapabilityError.OK, derived.status);
        final Reply ok = rig.validate(3, derived.token, MEM, Rights.MEMORY_READ);
        assertEquals(CapabilityError.OK, ok.status);
        assertEquals(Rights.MEMORY_READ, ok.rights);
        assertEquals(770, ok.badge, "the badge travels with every copy");
        assertEquals(CapabilityError.INSUFFICIENT_RIGHTS, rig.validate(3, derived.token, MEM, RW).status);
        assertEquals(CapabilityError.WRONG_TYPE, rig.validate(3, derived.token, CapabilityType.ENDPOINT, 0).status);
        assertEquals(CapabilityError.NO_SUCH_SPACE, rig.validate(4, derived.token, MEM, 0).status, "space 4 is not open");
        rig.openSpace(4);
        assertEquals(CapabilityError.NO_SUCH_SLOT, rig.validate(4, derived.token, MEM, 0).status, "another space's token");
    }

    @Test
    void shouldRefuseDerivingMoreRightsOrFlagsThanHeld()
    {
        final CapRig rig = new CapRig(1, new int[] {0});
        rig.openSpace(1);
        final long token = rig.createOk(1, 5, MEM, Rights.MEMORY_READ, CapabilityToken.FLAG_DERIVABLE);
        assertEquals(CapabilityError.RIGHTS_ESCALATION, rig.derive(1, token, RW, 0).status);
        assertEquals(CapabilityError.FLAGS_ESCALATION,
            rig.derive(1, token, Rights.MEMORY_READ, CapabilityToken.FLAG_DERIVABLE | CapabilityToken.FLAG_GRANTABLE).status);
        assertEquals(CapabilityError.NOT_GRANTABLE, rig.grant(1, token, 1, Rights.MEMORY_READ, 0).status);
    }

    @Test
    void shouldRefuseSpacesOfAnotherShardAndReopenUnderANewSalt()
    {
        final CapRig rig = new CapRig(2, new int[] {0, 1});
        final long c = rig.nextCorrelation++;
        rig.post(rig.request(0, rig.shards.authority(0), c, new org.tessera.messages.cap.SpaceCreateEncoder()).space(5));
        assertEquals(CapabilityStatus.WRONG_SHARD, rig.await(0, c).status, "space 5 belongs to shard 1");
        final Reply first = rig.openSpace(5);
        assertEquals(CapabilityError.OK, first.status);
        assertEquals(CapabilityStatus.SPACE_EXISTS, rig.openSpace(5).status);
        final long token = rig.createOk(5, 1, MEM, Rights.MEMORY_READ, 0);
        assertEquals(CapabilityError.OK, rig.destroy(5).status);
        final Reply second = rig.openSpace(5);
        assertNotEquals(first.key, second.key, "a new incarnation has a new key");
        assertEquals(CapabilityError.NO_SUCH_SLOT, rig.validate(5, token, MEM, 0).status, "old tokens name nothing");
    }

    @Test
    void shouldReplyRevokeCompleteOnlyAfterEveryCpuAcknowledged()
    {
        final CapRig rig = new CapRig(3, new int[] {0});
        rig.openSpace(0);
        final long token = rig.createOk(0, 9, MEM, Rights.MEMORY_ALL, ALL);
        final long c = rig.sendRevoke(0, token);
        rig.cpus[0].doWork();
        rig.cpus[0].doWork();
        assertNull(rig.clients[0].replies.get(c), "CPUs 1 and 2 have not acknowledged");
        assertEquals(1, rig.caches[0].invalidationsHandled(), "the authority's own CPU dropped its lines");
        rig.cpus[1].doWork();
        rig.cpus[0].doWork();
        assertNull(rig.clients[0].replies.get(c), "CPU 2 has not acknowledged");
        rig.cpus[2].doWork();
        rig.cpus[0].doWork();
        rig.cpus[0].doWork();
        final Reply done = rig.clients[0].replies.get(c);
        assertEquals(CapabilityError.OK, done.status);
        assertEquals(1, done.count);
        for (final CapabilityCacheService cache : rig.caches)
        {
            assertEquals(1, cache.invalidationsHandled());
            assertEquals(1, cache.pairsDropped());
        }
        assertEquals(CapabilityError.REVOKED, rig.validate(0, token, MEM, 0).status);
    }

    @Test
    void shouldRevokeCascadingAcrossSpacesAndShards()
    {
        final CapRig rig = new CapRig(2, new int[] {0, 1});
        rig.openSpace(0);
        rig.openSpace(1);
        rig.openSpace(2);
        final long root = rig.createOk(0, 42, MEM, Rights.MEMORY_ALL, ALL);
        final Reply local = rig.grant(0, root, 2, RW, ALL);
        assertEquals(CapabilityError.OK, local.status, "space 2 is on the same shard as 0");
        final Reply remote = rig.grant(0, root, 1, RW, ALL);
        assertEquals(CapabilityError.OK, remote.status, "space 1 is on shard 1");
        assertEquals(CapabilityToken.spaceId(remote.token), 1);
        final Reply grandchild = rig.derive(1, remote.token, Rights.MEMORY_READ, 0);
        assertEquals(CapabilityError.OK, grandchild.status);
        final Reply onward = rig.grant(1, remote.token, 0, Rights.MEMORY_READ, 0);
        assertEquals(CapabilityError.OK, onward.status, "back across to shard 0");
        assertEquals(CapabilityError.OK, rig.validate(1, grandchild.token, MEM, Rights.MEMORY_READ).status);

        final Reply done = rig.revoke(0, root);
        assertEquals(CapabilityError.OK, done.status);
        assertEquals(5, done.count, "root, local grant, remote grant, its derivation and its onward grant");
        assertEquals(CapabilityError.REVOKED, rig.validate(0, root, MEM, 0).status);
        assertEquals(CapabilityError.REVOKED, rig.validate(2, local.token, MEM, 0).status);
        assertEquals(CapabilityError.REVOKED, rig.validate(1, remote.token, MEM, 0).status);
        assertEquals(CapabilityError.REVOKED, rig.validate(1, grandchild.token, MEM, 0).status);
        assertEquals(CapabilityError.REVOKED, rig.validate(0, onward.token, MEM, 0).status);
        assertEquals(0, rig.authorities[0].revocationsInProgress());
        assertEquals(0, rig.authorities[1].revocationsInProgress());
    }

    @Test
    void shouldRevokeACrossShardGrantThatRacesItsInstall()
    {
        final CapRig rig = new CapRig(2, new int[] {0, 1});
        rig.openSpace(0);
        rig.openSpace(1);
        final long root = rig.createOk(0, 42, MEM, Rights.MEMORY_ALL, ALL);
        final long g = rig.nextCorrelation++;
        rig.post(rig.request(0, rig.authorityOf(0), g, new CapGrantEncoder()).fromSpace(0).token(root).toSpace(1)
            .rights(RW).flags((short)0));
        rig.cpus[0].doWork();
        final long r = rig.sendRevoke(0, root);
        rig.cpus[0].doWork();
        assertNull(rig.clients[0].replies.get(r), "the copy being installed on shard 1 is still to revoke");
        rig.settle();
        final Reply grant = rig.clients[0].replies.get(g);
        assertEquals(CapabilityError.REVOKED, grant.status, "the grant lost the race");
        assertEquals(0, grant.token);
        final Reply revoked = rig.clients[0].replies.get(r);
        assertEquals(CapabilityError.OK, revoked.status);
        assertEquals(2, revoked.count, "the original and the installed copy");
        assertEquals(0, rig.authorities[1].table().space(1).liveSlots(), "nothing survived on shard 1");
    }

    @Test
    void shouldInheritOnForkAndKeepOnlySurvivorsOnExec()
    {
        final CapRig rig = new CapRig(2, new int[] {0});
        rig.openSpace(1);
        final long both = rig.createOk(1, 1, MEM, Rights.MEMORY_READ,
            CapabilityToken.FLAG_INHERITABLE | CapabilityToken.FLAG_SURVIVES_EXEC);
        final long forkOnly = rig.createOk(1, 2, MEM, Rights.MEMORY_READ, CapabilityToken.FLAG_INHERITABLE);
        final long neither = rig.createOk(1, 3, MEM, Rights.MEMORY_READ, 0);
        final Reply fork = rig.fork(1, 2);
        assertEquals(CapabilityError.OK, fork.status);
        assertEquals(2, fork.count);
        final long childBoth = CapabilityToken.rekey(both, fork.key);
        final long childForkOnly = CapabilityToken.rekey(forkOnly, fork.key);
        assertEquals(CapabilityError.OK, rig.validate(2, childBoth, MEM, Rights.MEMORY_READ).status);
        assertEquals(CapabilityError.OK, rig.validate(2, childForkOnly, MEM, Rights.MEMORY_READ).status);
        assertEquals(CapabilityError.NO_SUCH_SLOT, rig.validate(2, CapabilityToken.rekey(neither, fork.key), MEM, 0).status);
        assertEquals(CapabilityError.NO_SUCH_SLOT, rig.validate(2, both, MEM, 0).status, "the parent's token is foreign");

        final Reply exec = rig.exec(2);
        assertEquals(CapabilityError.OK, exec.status);
        assertEquals(1, exec.count);
        assertEquals(CapabilityError.OK, rig.validate(2, childBoth, MEM, Rights.MEMORY_READ).status);
        assertEquals(CapabilityError.NO_SUCH_SLOT, rig.validate(2, childForkOnly, MEM, 0).status);

        assertEquals(2, rig.revoke(1, both).count, "revoking the parent's capability revokes the inherited copy");
        assertEquals(CapabilityError.REVOKED, rig.validate(2, childBoth, MEM, 0).status);
        assertEquals(CapabilityStatus.SPACE_EXISTS, rig.fork(1, 2).status);
    }

    @Test
    void shouldDeleteBroadcastAndFreeRevokedSlots()
    {
        final CapRig rig = new CapRig(2, new int[] {0});
        rig.openSpace(0);
        final long a = rig.createOk(0, 1, MEM, Rights.MEMORY_READ, ALL);
        final long b = rig.derive(0, a, Rights.MEMORY_READ, 0).token;
        final Reply deleted = rig.delete(0, a);
        assertEquals(CapabilityError.OK, deleted.status);
        assertEquals(1, deleted.count);
        assertEquals(1, rig.caches[1].invalidationsHandled());
        assertEquals(CapabilityError.OK, rig.validate(0, b, MEM, Rights.MEMORY_READ).status, "the derived copy stays");
        assertEquals(CapabilityError.OK, rig.revoke(0, b).status);
        final int revokedBefore = rig.authorities[0].table().space(0).revokedSlots();
        assertTrue(revokedBefore <= 1);
        assertEquals(CapabilityError.OK, rig.delete(0, b).status, "a revoked slot can be freed by its holder");
        assertEquals(CapabilityError.NO_SUCH_SLOT, rig.delete(0, b).status);
    }

    @Test
    void shouldFlushCachesWhenABatchIsLarge()
    {
        final CapRig rig = new CapRig(2, new int[] {0});
        rig.openSpace(0);
        final long root = rig.createOk(0, 1, MEM, Rights.MEMORY_READ, ALL);
        for (int i = 0; i < CapabilityAuthorityService.MAX_BATCH_PAIRS + 10; i++)
        {
            assertEquals(CapabilityError.OK, rig.derive(0, root, Rights.MEMORY_READ, ALL).status);
        }
        rig.checkers[1].cache().fill(0, root, Rights.MEMORY_READ);
        final Reply done = rig.revoke(0, root);
        assertEquals(CapabilityAuthorityService.MAX_BATCH_PAIRS + 11, done.count);
        assertEquals(1, rig.caches[1].flushes());
        assertEquals(CapabilityChecker.MISS, rig.checkers[1].check(0, root, MEM, 0));
        assertFalse(rig.authorities[0].flushesSent() == 0);
    }

    @Test
    void shouldUndoACrossShardGrantTheOtherShardRefused()
    {
        final CapRig rig = new CapRig(2, new int[] {0, 1});
        rig.openSpace(0);
        final long root = rig.createOk(0, 42, MEM, Rights.MEMORY_ALL, ALL);
        final int nodes = rig.authorities[0].table().tree().size();
        assertEquals(CapabilityError.NO_SUCH_SPACE, rig.grant(0, root, 3, RW, 0).status, "space 3 (shard 1) is not open");
        assertEquals(nodes, rig.authorities[0].table().tree().size(), "the pending tree child was removed");
        assertEquals(1, rig.revoke(0, root).count);
    }

    @Test
    void shouldKeepEveryReplyAndAckThroughBackPressure()
    {
        final CapRig rig = new CapRig(2, new int[] {0}, org.tessera.kernel.runtime.InboxTransport::new, 1024);
        rig.openSpace(0);
        final long token = rig.createOk(0, 1, MEM, Rights.MEMORY_READ, ALL);
        final java.util.List<Long> sent = new java.util.ArrayList<>();
        for (int round = 0; round < 4; round++)
        {
            for (int i = 0; i < 8; i++)
            {
                final long c = rig.nextCorrelation++;
                rig.post(rig.request(1, rig.authorityOf(0), c, new org.tessera.messages.cap.CapValidateEncoder())
                    .space(0).token(token).capType((short)MEM).rights(0).cacheEpoch(0));
                sent.add(c);
            }
            rig.cpus[0].drainLimits(1000, 1000, 10);
            rig.cpus[0].doWork();
        }
        final long revoke = rig.sendRevoke(0, token);
        rig.cpus[0].doWork();
        assertTrue(rig.authorities[0].repliesDeferred() > 0, "CPU 1's small inbox pushed back");
        rig.settle();
        for (final long c : sent)
        {
            assertEquals(CapabilityError.OK, rig.clients[1].replies.get(c).status, "every validation answered in order");
        }
        assertEquals(CapabilityError.OK, rig.clients[0].replies.get(revoke).status);
        assertEquals(CapabilityError.REVOKED, rig.validate(0, token, MEM, 0).status);
    }
}
