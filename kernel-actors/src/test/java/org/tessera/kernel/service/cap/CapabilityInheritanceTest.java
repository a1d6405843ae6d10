package org.tessera.kernel.service.cap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class CapabilityInheritanceTest
{
    private final CapabilityPagePool pool = CapTestSupport.pool(64);
    private final DerivationTree tree = new DerivationTree(4096);
    private final CapabilitySpaceTable table = new CapabilitySpaceTable(8, tree);
    private final CapabilitySpace parent = new CapabilitySpace(1, 5, pool);
    private final CapabilitySpace child = new CapabilitySpace(2, 6, pool);

    CapabilityInheritanceTest()
    {
        table.register(parent);
        table.register(child);
    }

    @ParameterizedTest
    @ValueSource(longs = {1L, 2L, 3L})
    void shouldCopyExactlyTheInheritableCapabilitiesOnFork(final long seed)
    {
        final SplittableRandom random = new SplittableRandom(seed);
        final long[] tokens = new long[1000];
        for (int i = 0; i < tokens.length; i++)
        {
            final int type = 1 + random.nextInt(CapabilityType.MAX);
            final int slot = parent.create(i, type, CapTestSupport.allRights(type), random.nextInt(16), 100 + i, tree);
            tokens[i] = parent.token(slot);
            if (random.nextInt(5) == 0)
            {
                // holes and older generations in the parent
                parent.delete(slot, tree);
                tokens[i] = 0L;
            }
        }
        int inheritable = 0;
        for (final long token : tokens)
        {
            if (token != 0L && (CapabilityToken.flags(token) & CapabilityToken.FLAG_INHERITABLE) != 0)
            {
                inheritable++;
            }
        }
        assertEquals(inheritable, parent.copyInheritable(child, tree));
        assertEquals(inheritable, child.liveSlots());
        int refused = 0;
        for (final long token : tokens)
        {
            if (token == 0L)
            {
                continue;
            }
            final int slot = CapabilityToken.slotIndex(token);
            final int type = CapabilityToken.type(token);
            assertEquals(CapabilityError.NO_SUCH_SLOT, child.check(token, type, 0), "the parent's token itself is foreign");
            refused++;
            final long rekeyed = CapabilityToken.rekey(token, child.key());
            if ((CapabilityToken.flags(token) & CapabilityToken.FLAG_INHERITABLE) != 0)
            {
                assertEquals(rekeyed, child.token(slot), "same slot, generation, type and flags; child's key");
                assertEquals(CapabilityError.OK, child.check(rekeyed, type, CapTestSupport.allRights(type)));
                assertEquals(parent.objectId(slot), child.objectId(slot));
                assertEquals(parent.badge(slot), child.badge(slot));
                assertEquals(parent.node(slot), tree.parent(child.node(slot)), "the copy is a derivation child");
            }
            else
            {
                assertEquals(CapabilityError.NO_SUCH_SLOT, child.check(rekeyed, type, 0));
                refused++;
            }
        }
        System.out.printf("fork (seed %d): %d inherited, %d attempts with non-inherited or foreign tokens refused%n",
            seed, inheritable, refused);
    }

    @Test
    void shouldRevokeTheChildCopyWithTheParentCapability()
    {
        final int slot = parent.create(1, CapabilityType.MEMORY, Rights.MEMORY_ALL, CapabilityToken.FLAG_INHERITABLE, 0, tree);
        assertEquals(1, parent.copyInheritable(child, tree));
        final long childToken = child.token(slot);
        final RevocationLog log = new RevocationLog(8);
        assertEquals(2, table.revoke(1, slot, log));
        assertEquals(CapabilityError.REVOKED, child.check(childToken, CapabilityType.MEMORY, 0));
    }

    @Test
    void shouldKeepOnlySurvivingCapabilitiesOnExec()
    {
        final int[] slots = new int[16];
        for (int flags = 0; flags < 16; flags++)
        {
            slots[flags] = parent.create(flags, CapabilityType.PROCESS, Rights.PROCESS_ALL, flags, 0, tree);
        }
        // a derived copy survives its parent's removal on exec and moves up the tree
        final int derived = parent.derive(slots[CapabilityToken.FLAG_DERIVABLE],
            Rights.PROCESS_SIGNAL, 0, tree);
        final int revoked = parent.create(99, CapabilityType.PROCESS, Rights.PROCESS_ALL, CapabilityToken.FLAG_SURVIVES_EXEC, 0, tree);
        table.revoke(1, revoked, new RevocationLog(4));
        final RevocationLog dropped = new RevocationLog(64);
        final int count = parent.retainOnExec(tree, dropped);
        assertEquals(8 + 1, count, "8 of 16 flag combinations lack SURVIVES_EXEC, plus the derived copy");
        assertEquals(count, dropped.size());
        for (int flags = 0; flags < 16; flags++)
        {
            final boolean survives = (flags & CapabilityToken.FLAG_SURVIVES_EXEC) != 0;
            assertEquals(survives ? CapabilitySpace.LIVE : CapabilitySpace.FREE, parent.state(slots[flags]));
        }
        assertEquals(CapabilitySpace.FREE, parent.state(derived));
        assertEquals(CapabilitySpace.FREE, parent.state(revoked), "revoked slots are cleared by exec too");
        assertEquals(8, parent.liveSlots());
        assertEquals(8, tree.size());
    }

    @Test
    void shouldLetAForkedChildForkAgainButNotReachItsParentsNonInheritables()
    {
        final CapabilitySpace grandchild = new CapabilitySpace(3, 7, pool);
        table.register(grandchild);
        final int both = parent.create(1, CapabilityType.ENDPOINT, Rights.ENDPOINT_ALL,
            CapabilityToken.FLAG_INHERITABLE | CapabilityToken.FLAG_SURVIVES_EXEC, 0, tree);
        final int once = parent.create(2, CapabilityType.ENDPOINT, Rights.ENDPOINT_ALL, 0, 0, tree);
        assertEquals(1, parent.copyInheritable(child, tree));
        assertEquals(1, child.copyInheritable(grandchild, tree));
        assertEquals(CapabilitySpace.LIVE, grandchild.state(both));
        assertEquals(CapabilitySpace.FREE, grandchild.state(once));
        assertEquals(3, tree.subtreeSize(parent.node(both)));
        final RevocationLog log = new RevocationLog(8);
        assertEquals(3, table.revoke(1, both, log), "revoking the original reaches child and grandchild");
        assertTrue(grandchild.state(both) == CapabilitySpace.REVOKED);
    }
}
