package org.tessera.kernel.service.cap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class DerivationTreeTest
{
    @Test
    void shouldRefuseChildRightsBeyondTheParent()
    {
        final DerivationTree tree = new DerivationTree(8);
        final int root = tree.createRoot(1, 0, Rights.MEMORY_READ | Rights.MEMORY_WRITE);
        assertEquals(CapabilityError.RIGHTS_ESCALATION, tree.derive(root, 2, 0, Rights.MEMORY_EXECUTE));
        assertEquals(CapabilityError.RIGHTS_ESCALATION, tree.derive(root, 2, 0, Rights.MEMORY_ALL));
        final int child = tree.derive(root, 2, 0, Rights.MEMORY_READ);
        assertTrue(child >= 0);
        assertEquals(CapabilityError.RIGHTS_ESCALATION, tree.derive(child, 3, 0, Rights.MEMORY_WRITE),
            "a grandchild is bounded by its parent, not the root");
        assertEquals(3, tree.rejectedEscalations());
        assertEquals(2, tree.size());
    }

    @Test
    void shouldReportTreeFullAndDeadParents()
    {
        final DerivationTree tree = new DerivationTree(2);
        final int root = tree.createRoot(1, 0, 1);
        tree.derive(root, 1, 1, 1);
        assertEquals(CapabilityError.TREE_FULL, tree.derive(root, 1, 2, 1));
        assertEquals(CapabilityError.TREE_FULL, tree.createRoot(1, 3, 1));
        tree.revokeSubtree(root, new RevocationLog(2));
        assertEquals(CapabilityError.NOT_LIVE, tree.derive(root, 1, 2, 1));
        assertEquals(0, tree.size());
    }

    @Test
    void shouldRevokeAcrossThreeSpacesAtDepthOneHundred()
    {
        final CapabilityPagePool pool = CapTestSupport.pool(8);
        final DerivationTree tree = new DerivationTree(256);
        final CapabilitySpaceTable table = new CapabilitySpaceTable(3, tree);
        final CapabilitySpace[] spaces = new CapabilitySpace[3];
        for (int s = 0; s < 3; s++)
        {
            spaces[s] = new CapabilitySpace(s, 7, pool);
            table.register(spaces[s]);
        }
        final int flags = CapabilityToken.FLAG_GRANTABLE;
        final int[] spaceOf = new int[100];
        final int[] slotOf = new int[100];
        final long[] tokens = new long[100];
        slotOf[0] = spaces[0].create(42, CapabilityType.ENDPOINT, Rights.ENDPOINT_ALL, flags, 0, tree);
        tokens[0] = spaces[0].token(slotOf[0]);
        for (int depth = 1; depth < 100; depth++)
        {
            // each level grants to the next space, shedding MANAGE half way down
            spaceOf[depth] = depth % 3;
            final int rights = depth < 50 ? Rights.ENDPOINT_ALL : Rights.ENDPOINT_SEND | Rights.ENDPOINT_RECEIVE;
            slotOf[depth] = spaces[spaceOf[depth - 1]].grant(slotOf[depth - 1], spaces[spaceOf[depth]], rights, flags, tree);
            assertTrue(slotOf[depth] >= 0);
            tokens[depth] = spaces[spaceOf[depth]].token(slotOf[depth]);
        }
        assertEquals(100, tree.size());
        assertEquals(100, tree.subtreeSize(spaces[0].node(slotOf[0])));
        // a sideways grant from depth 30 to space 2 is also a descendant
        final int side = spaces[0].grant(slotOf[30], spaces[2], Rights.ENDPOINT_SEND, 0, tree);
        final long sideToken = spaces[2].token(side);

        final RevocationLog log = new RevocationLog(256);
        final int revoked = table.revoke(spaceOf[20], slotOf[20], log);
        assertEquals(81, revoked, "depth 20..99 plus the side grant");
        assertEquals(81, log.size());
        assertEquals(20, tree.size());
        final Set<Long> logged = new HashSet<>();
        for (int i = 0; i < log.size(); i++)
        {
            logged.add(log.entry(i));
        }
        assertEquals(((long)spaceOf[20] << 32) | slotOf[20], log.entry(log.size() - 1), "the revoked capability last");
        for (int depth = 0; depth < 100; depth++)
        {
            final int result = spaces[spaceOf[depth]].check(tokens[depth], CapabilityType.ENDPOINT, Rights.ENDPOINT_SEND);
            if (depth < 20)
            {
                assertEquals(CapabilityError.OK, result, "ancestor " + depth + " survives");
            }
            else
            {
                assertEquals(CapabilityError.REVOKED, result, "descendant " + depth + " revoked");
                assertTrue(logged.contains(((long)spaceOf[depth] << 32) | slotOf[depth]));
            }
        }
        assertEquals(CapabilityError.REVOKED, spaces[2].check(sideToken, CapabilityType.ENDPOINT, 0));
        System.out.printf("cascading revoke: %d capabilities across 3 spaces, chain depth 100%n", revoked);
    }

    @Test
    void shouldRevokeDescendantsButKeepTheCapabilityItself()
    {
        final CapabilityPagePool pool = CapTestSupport.pool(4);
        final DerivationTree tree = new DerivationTree(16);
        final CapabilitySpaceTable table = new CapabilitySpaceTable(3, tree);
        final CapabilitySpace owner = new CapabilitySpace(0, 1, pool);
        final CapabilitySpace other = new CapabilitySpace(1, 1, pool);
        table.register(owner);
        table.register(other);
        final int flags = CapabilityToken.FLAG_GRANTABLE | CapabilityToken.FLAG_DERIVABLE;
        final int slot = owner.create(1, CapabilityType.MEMORY, Rights.MEMORY_ALL, flags, 0, tree);
        final int derived = owner.derive(slot, Rights.MEMORY_READ, flags, tree);
        final int granted = owner.grant(derived, other, Rights.MEMORY_READ, 0, tree);
        final long derivedToken = owner.token(derived);
        final long grantedToken = other.token(granted);
        final RevocationLog log = new RevocationLog(16);
        assertEquals(2, table.revokeDescendants(0, slot, log));
        assertEquals(CapabilityError.OK, owner.check(owner.token(slot), CapabilityType.MEMORY, Rights.MEMORY_WRITE));
        assertEquals(CapabilityError.REVOKED, owner.check(derivedToken, CapabilityType.MEMORY, 0));
        assertEquals(CapabilityError.REVOKED, other.check(grantedToken, CapabilityType.MEMORY, 0));
        assertEquals(1, tree.size());
        assertEquals(CapabilityError.NO_SUCH_SPACE, table.revoke(2, slot, log));
        assertEquals(CapabilityError.NOT_LIVE, table.revoke(0, derived, log));
    }

    @ParameterizedTest
    @ValueSource(longs = {1L, 77L})
    void shouldRevokeAWholeTenThousandNodeTree(final long seed)
    {
        final SplittableRandom random = new SplittableRandom(seed);
        final DerivationTree tree = new DerivationTree(10_000);
        final int root = tree.createRoot(0, 0, 0xF);
        final List<Integer> nodes = new ArrayList<>();
        nodes.add(root);
        while (tree.size() < 10_000)
        {
            // bias toward recent nodes, for deep as well as wide shapes
            final int pick = random.nextInt(4) == 0 ? random.nextInt(nodes.size())
                : nodes.size() - 1 - random.nextInt(Math.min(nodes.size(), 8));
            final int node = tree.derive(nodes.get(pick), random.nextInt(100), nodes.size(), 0xF);
            assertTrue(node >= 0);
            nodes.add(node);
        }
        assertEquals(CapabilityError.TREE_FULL, tree.derive(root, 0, 0, 0));
        assertEquals(10_000, tree.subtreeSize(root));
        final RevocationLog log = new RevocationLog(10_000);
        assertEquals(10_000, tree.revokeSubtree(root, log));
        final Set<Integer> slots = new HashSet<>();
        for (int i = 0; i < log.size(); i++)
        {
            slots.add(log.slotIndex(i));
        }
        assertEquals(10_000, slots.size(), "every node reported exactly once");
        assertEquals(0, tree.size());
        for (final int node : nodes)
        {
            assertFalse(tree.isLive(node));
        }
        // every node is free again: a single chain 10000 deep reuses them all, and revoking it
        // needs no recursion
        final int first = tree.createRoot(0, 0, 1);
        int last = first;
        for (int i = 1; i < 10_000; i++)
        {
            last = tree.derive(last, 0, i, 1);
            assertTrue(last >= 0);
        }
        assertEquals(first, findRoot(tree, last));
        log.clear();
        assertEquals(10_000, tree.revokeSubtree(first, log));
        assertEquals(9_999, log.slotIndex(0), "post-order: the deepest node first");
        System.out.printf("10000-node tree (seed %d): revoked in one call, then a 10000-deep chain%n", seed);
    }

    private static int findRoot(final DerivationTree tree, final int node)
    {
        int current = node;
        while (tree.parent(current) != DerivationTree.NONE)
        {
            current = tree.parent(current);
        }
        return current;
    }

    /** Random derive/revoke/remove compared with a map-based model of the same forest. */
    @ParameterizedTest
    @ValueSource(longs = {3L, 4L, 5L})
    void shouldMatchAModelForest(final long seed)
    {
        final SplittableRandom random = new SplittableRandom(seed);
        final DerivationTree tree = new DerivationTree(2000);
        final Map<Integer, Integer> parentOf = new HashMap<>();
        final RevocationLog log = new RevocationLog(2000);
        for (int step = 0; step < 2000; step++)
        {
            final List<Integer> live = new ArrayList<>(parentOf.keySet());
            final int op = random.nextInt(10);
            if (live.isEmpty() || op < 2)
            {
                final int node = tree.createRoot(1, step, 3);
                if (node >= 0)
                {
                    parentOf.put(node, DerivationTree.NONE);
                }
            }
            else if (op < 7)
            {
                final int parent = live.get(random.nextInt(live.size()));
                final int node = tree.derive(parent, 1, step, 3);
                if (node >= 0)
                {
                    parentOf.put(node, parent);
                }
            }
            else if (op < 8)
            {
                final int victim = live.get(random.nextInt(live.size()));
                final Set<Integer> doomed = descendants(parentOf, victim);
                log.clear();
                assertEquals(doomed.size(), tree.revokeSubtree(victim, log));
                doomed.forEach(parentOf::remove);
            }
            else
            {
                final int victim = live.get(random.nextInt(live.size()));
                final int up = parentOf.remove(victim);
                parentOf.replaceAll((n, p) -> p == victim ? up : p);
                assertEquals(CapabilityError.OK, tree.remove(victim));
            }
            assertEquals(parentOf.size(), tree.size());
            for (final Map.Entry<Integer, Integer> e : parentOf.entrySet())
            {
                assertEquals(e.getValue(), tree.parent(e.getKey()));
            }
            if (!parentOf.isEmpty())
            {
                final List<Integer> now = new ArrayList<>(parentOf.keySet());
                final int probe = now.get(random.nextInt(now.size()));
                assertEquals(descendants(parentOf, probe).size(), tree.subtreeSize(probe));
            }
        }
    }

    private static Set<Integer> descendants(final Map<Integer, Integer> parentOf, final int root)
    {
        final Set<Integer> result = new HashSet<>();
        result.add(root);
        boolean grew = true;
        while (grew)
        {
            grew = false;
            for (final Map.Entry<Integer, Integer> e : parentOf.entrySet())
            {
                if (result.contains(e.getValue()) && result.add(e.getKey()))
                {
                    grew = true;
                }
            }
        }
        return result;
    }
}
