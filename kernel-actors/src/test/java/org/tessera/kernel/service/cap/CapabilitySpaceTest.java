package org.tessera.kernel.service.cap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.tessera.arch.spi.PhysicalMemory;

class CapabilitySpaceTest
{
    @Test
    void shouldDeriveTheBudgetFromHalfAMebibyte()
    {
        assertEquals(32, CapabilitySpace.SLOT_SIZE);
        assertEquals(128, CapabilitySpace.SLOTS_PER_PAGE);
        assertEquals(16256, CapabilitySpace.MAX_SLOTS);
        assertTrue(CapabilitySpace.MAX_TABLE_BYTES <= 512 * 1024, "table must fit 512 KiB");
        assertTrue(CapabilitySpace.MAX_SLOTS <= 1 << CapabilityToken.SLOT_BITS, "slot index must fit the token");
    }

    @Test
    void shouldInsertCheckAndReadBackASlot()
    {
        final CapabilityPagePool pool = CapTestSupport.pool(4);
        final CapabilitySpace space = new CapabilitySpace(7, 99, pool);
        final int slot = space.insert(0x1234L, CapabilityType.ENDPOINT,
            Rights.ENDPOINT_SEND | Rights.ENDPOINT_RECEIVE, CapabilityToken.FLAG_GRANTABLE, 0xBADL);
        assertTrue(slot >= 0);
        final long token = space.token(slot);
        assertEquals(slot, CapabilityToken.slotIndex(token));
        assertEquals(CapabilityType.ENDPOINT, CapabilityToken.type(token));
        assertEquals(CapabilityToken.FLAG_GRANTABLE, CapabilityToken.flags(token));
        assertEquals(1, CapabilityToken.generation(token));
        assertEquals(7, CapabilityToken.spaceId(token));
        assertEquals(0x1234L, space.objectId(slot));
        assertEquals(0xBADL, space.badge(slot));
        assertEquals(Rights.ENDPOINT_SEND | Rights.ENDPOINT_RECEIVE, space.rights(slot));
        assertEquals(CapabilitySpace.NONE, space.node(slot));
        assertEquals(slot, space.lookup(token));
        assertEquals(CapabilityError.OK, space.check(token, CapabilityType.ENDPOINT, Rights.ENDPOINT_SEND));
        assertEquals(CapabilityError.OK, space.check(token, CapabilityType.ENDPOINT, 0));
        assertEquals(CapabilityError.WRONG_TYPE, space.check(token, CapabilityType.MEMORY, 0));
        assertEquals(CapabilityError.INSUFFICIENT_RIGHTS,
            space.check(token, CapabilityType.ENDPOINT, Rights.ENDPOINT_MANAGE));
        assertEquals(5, space.lookups(), "lookup and four checks");
        assertEquals(1, space.failures(CapabilityError.WRONG_TYPE));
        assertEquals(1, space.failures(CapabilityError.INSUFFICIENT_RIGHTS));
        assertEquals(2, space.totalFailures());
        assertEquals(1, space.liveSlots());
        assertEquals(1, space.l2PagesUsed());
    }

    @Test
    void shouldRefuseInvalidTypesAndRights()
    {
        final CapabilitySpace space = new CapabilitySpace(1, 1, CapTestSupport.pool(1));
        assertEquals(CapabilityError.INVALID_TYPE, space.insert(1, CapabilityType.NONE, 0, 0, 0));
        assertEquals(CapabilityError.INVALID_TYPE, space.insert(1, 9, 0, 0, 0));
        assertEquals(CapabilityError.INVALID_RIGHTS, space.insert(1, CapabilityType.THREAD, 2, 0, 0));
        assertEquals(CapabilityError.INVALID_RIGHTS, space.insert(1, CapabilityType.ENDPOINT, 8, 0, 0));
        assertEquals(CapabilityError.INVALID_RIGHTS, space.insert(1, CapabilityType.MEMORY, 1, 16, 0));
        assertEquals(0, space.liveSlots());
        assertEquals(0, space.l2PagesUsed(), "refused inserts take no page");
    }

    @ParameterizedTest
    @ValueSource(ints = {10, 1000, 100_000})
    void shouldResolveEveryTokenWithOneDirectoryStep(final int capabilities)
    {
        // 100000 capabilities exceed one space's 16256-slot budget, so they spread over spaces
        // sharing one pool, each filled as far as it goes.
        final int spacesNeeded = (capabilities + CapabilitySpace.MAX_SLOTS - 1) / CapabilitySpace.MAX_SLOTS;
        final int pages = spacesNeeded * CapabilitySpace.L1_ENTRIES;
        final CapabilityPagePool pool = CapTestSupport.pool(pages);
        final CapabilitySpace[] spaces = new CapabilitySpace[spacesNeeded];
        final long[] tokens = new long[capabilities];
        final SplittableRandom random = new SplittableRandom(capabilities);
        for (int s = 0; s < spacesNeeded; s++)
        {
            spaces[s] = new CapabilitySpace(s, 1 + s, pool);
        }
        for (int i = 0; i < capabilities; i++)
        {
            final CapabilitySpace space = spaces[i / CapabilitySpace.MAX_SLOTS];
            final int type = 1 + random.nextInt(CapabilityType.MAX);
            final int slot = space.insert(i, type, CapTestSupport.allRights(type), random.nextInt(16), i);
            assertTrue(slot >= 0, "insert failed");
            tokens[i] = space.token(slot);
        }
        for (int i = 0; i < capabilities; i++)
        {
            final CapabilitySpace space = spaces[i / CapabilitySpace.MAX_SLOTS];
            final long before = space.lookups();
            assertEquals(CapabilityError.OK,
                space.check(tokens[i], CapabilityToken.type(tokens[i]), CapTestSupport.allRights(CapabilityToken.type(tokens[i]))));
            assertEquals(before + 1, space.lookups());
            assertEquals(i, space.objectId(CapabilityToken.slotIndex(tokens[i])));
        }
        int total = 0;
        for (final CapabilitySpace space : spaces)
        {
            total += space.liveSlots();
            assertEquals((space.liveSlots() + 127) / 128, space.l2PagesUsed(), "pages allocated on demand only");
            assertTrue(space.tableBytes() <= 512 * 1024);
            assertEquals(0, space.totalFailures());
        }
        assertEquals(capabilities, total);
        System.out.printf("capability lookups: %d tokens over %d spaces all resolved%n", capabilities, spacesNeeded);
    }

    @Test
    void shouldStopAtTheSlotBudget()
    {
        final CapabilityPagePool pool = CapTestSupport.pool(CapabilitySpace.L1_ENTRIES + 1);
        final CapabilitySpace space = new CapabilitySpace(3, 3, pool);
        for (int i = 0; i < CapabilitySpace.MAX_SLOTS; i++)
        {
            assertEquals(i, space.insert(i, CapabilityType.MEMORY, Rights.MEMORY_READ, 0, 0));
        }
        assertEquals(CapabilityError.SPACE_FULL, space.insert(1, CapabilityType.MEMORY, Rights.MEMORY_READ, 0, 0));
        assertEquals(CapabilitySpace.L1_ENTRIES, space.l2PagesUsed());
        assertEquals(CapabilitySpace.MAX_TABLE_BYTES, space.tableBytes());
        assertEquals(1, pool.freeCount(), "one space never takes more than 127 pages");
    }

    @Test
    void shouldReportPoolExhaustion()
    {
        final CapabilityPagePool pool = CapTestSupport.pool(1);
        final CapabilitySpace a = new CapabilitySpace(1, 1, pool);
        final CapabilitySpace b = new CapabilitySpace(2, 1, pool);
        assertTrue(a.insert(1, CapabilityType.THREAD, Rights.THREAD_CONTROL, 0, 0) >= 0);
        assertEquals(CapabilityError.POOL_EXHAUSTED, b.insert(1, CapabilityType.THREAD, Rights.THREAD_CONTROL, 0, 0));
    }

    @Test
    void shouldLiveInPhysicalMemory()
    {
        final PhysicalMemory memory = new PhysicalMemory(1 << 20);
        try
        {
            final UnsafeBuffer region = new UnsafeBuffer(0, 0);
            memory.wrap(region, 64 * 1024, 16 * CapabilityPagePool.PAGE_SIZE);
            final CapabilitySpace space = new CapabilitySpace(5, 5, new CapabilityPagePool(region));
            final int slot = space.insert(77, CapabilityType.MMIO_REGION, Rights.HARDWARE_USE, 0, 0);
            final long token = space.token(slot);
            assertEquals(token, memory.getLong(64 * 1024 + (long)slot * CapabilitySpace.SLOT_SIZE),
                "slot 0 of the first page sits at the start of the region, token first");
            assertEquals(CapabilityError.OK, space.check(token, CapabilityType.MMIO_REGION, Rights.HARDWARE_USE));
        }
        finally
        {
            memory.close();
        }
    }

    @Test
    void shouldBumpGenerationOnDeleteAndRefuseTheOldToken()
    {
        final CapabilityPagePool pool = CapTestSupport.pool(2);
        final DerivationTree tree = new DerivationTree(16);
        final CapabilitySpace space = new CapabilitySpace(1, 2, pool);
        final int slot = space.insert(1, CapabilityType.MEMORY, Rights.MEMORY_ALL, 0, 0);
        final int keep = space.insert(2, CapabilityType.MEMORY, Rights.MEMORY_ALL, 0, 0);
        final long old = space.token(slot);
        assertEquals(CapabilityError.OK, space.delete(slot, tree));
        assertEquals(CapabilityError.NOT_LIVE, space.delete(slot, tree));
        assertEquals(CapabilityError.NO_SUCH_SLOT, space.check(old, CapabilityType.MEMORY, 0));
        final int again = space.insert(3, CapabilityType.MEMORY, Rights.MEMORY_ALL, 0, 0);
        assertEquals(slot, again, "free list is LIFO");
        assertEquals(2, CapabilityToken.generation(space.token(again)));
        assertEquals(CapabilityError.STALE_GENERATION, space.check(old, CapabilityType.MEMORY, 0));
        assertEquals(CapabilityError.OK, space.check(space.token(keep), CapabilityType.MEMORY, 0));
    }

    @Test
    void shouldNotReviveTokensWhenAPageIsReleasedAndMappedAgain()
    {
        final CapabilityPagePool pool = CapTestSupport.pool(2);
        final DerivationTree tree = new DerivationTree(4);
        final CapabilitySpace space = new CapabilitySpace(1, 2, pool);
        final long[] old = new long[10];
        for (int round = 0; round < 10; round++)
        {
            final int slot = space.insert(round, CapabilityType.PROCESS, Rights.PROCESS_ALL, 0, 0);
            assertEquals(0, slot);
            old[round] = space.token(slot);
            space.delete(slot, tree);
            assertEquals(0, space.l2PagesUsed(), "the last delete releases the page");
        }
        final int slot = space.insert(99, CapabilityType.PROCESS, Rights.PROCESS_ALL, 0, 0);
        assertEquals(11, space.generation(slot));
        for (final long token : old)
        {
            assertNotEquals(CapabilityError.OK, space.check(token, CapabilityType.PROCESS, 0));
        }
    }

    /**
     * Random operations on several spaces, compared with a plain model after every step: every
     * token ever issued must check exactly as the model says.
     */
    @ParameterizedTest
    @ValueSource(longs = {1L, 2L, 3L, 20261125L})
    void shouldAgreeWithAModelUnderRandomOperations(final long seed)
    {
        final SplittableRandom random = new SplittableRandom(seed);
        final CapabilityPagePool pool = CapTestSupport.pool(64);
        final DerivationTree tree = new DerivationTree(4096);
        final CapabilitySpaceTable table = new CapabilitySpaceTable(4, tree);
        final CapabilitySpace[] spaces = new CapabilitySpace[4];
        for (int s = 0; s < 4; s++)
        {
            spaces[s] = new CapabilitySpace(s, 100 + s, pool);
            table.register(spaces[s]);
        }
        // model: token -> expected check result with its own type and no rights
        final Map<Long, Integer> expected = new HashMap<>();
        final List<long[]> live = new ArrayList<>(); // {space, slot, token}
        final RevocationLog log = new RevocationLog(4096);
        int checks = 0;
        for (int step = 0; step < 2000; step++)
        {
            final int op = random.nextInt(10);
            if (op < 4 || live.isEmpty())
            {
                final int s = random.nextInt(4);
                final int type = 1 + random.nextInt(CapabilityType.MAX);
                final int slot = spaces[s].create(step, type, CapTestSupport.allRights(type), CapTestSupport.ALL_FLAGS, 0, tree);
                assertTrue(slot >= 0);
                final long token = spaces[s].token(slot);
                assertEquals(null, expected.put(token, CapabilityError.OK), "token issued twice");
                live.add(new long[] {s, slot, token});
            }
            else if (op < 7)
            {
                final long[] parent = live.get(random.nextInt(live.size()));
                final int s = random.nextInt(4);
                final CapabilitySpace from = spaces[(int)parent[0]];
                final int rights = from.rights((int)parent[1]) & random.nextInt(16);
                final int slot = from.grant((int)parent[1], spaces[s], rights, CapTestSupport.ALL_FLAGS, tree);
                assertTrue(slot >= 0);
                final long token = spaces[s].token(slot);
                assertEquals(null, expected.put(token, CapabilityError.OK), "token issued twice");
                live.add(new long[] {s, slot, token});
            }
            else if (op < 8)
            {
                final long[] victim = live.get(random.nextInt(live.size()));
                log.clear();
                final int revoked = table.revoke((int)victim[0], (int)victim[1], log);
                assertEquals(log.size(), revoked);
                for (int i = 0; i < log.size(); i++)
                {
                    final int sp = log.spaceId(i);
                    final int sl = log.slotIndex(i);
                    final long[] entry = find(live, sp, sl);
                    live.remove(entry);
                    expected.put(entry[2], CapabilityError.REVOKED);
                }
            }
            else
            {
                final long[] victim = live.remove(random.nextInt(live.size()));
                assertEquals(CapabilityError.OK, spaces[(int)victim[0]].delete((int)victim[1], tree));
                expected.put(victim[2], null);
            }
            // a deleted slot that was revoked earlier is released too, to exercise reuse
            if (step % 50 == 49)
            {
                for (final CapabilitySpace space : spaces)
                {
                    for (int slot = 0; slot < CapabilitySpace.MAX_SLOTS; slot++)
                    {
                        if (space.state(slot) == CapabilitySpace.REVOKED)
                        {
                            space.delete(slot, tree);
                        }
                    }
                }
            }
            // every token ever issued, every few steps (and after every revoke)
            for (final Map.Entry<Long, Integer> e : step % 5 == 0 || op == 7 ? expected.entrySet() : Map.<Long, Integer>of().entrySet())
            {
                final long token = e.getKey();
                final CapabilitySpace space = spaces[CapabilityToken.spaceId(token)];
                final int result = space.check(token, CapabilityToken.type(token), 0);
                checks++;
                if (e.getValue() == null || e.getValue() != CapabilityError.OK)
                {
                    assertNotEquals(CapabilityError.OK, result, "dead token accepted at step " + step);
                }
                else
                {
                    assertEquals(CapabilityError.OK, result, "live token refused at step " + step);
                }
            }
            int liveCount = 0;
            for (final CapabilitySpace space : spaces)
            {
                liveCount += space.liveSlots();
            }
            assertEquals(live.size(), liveCount);
        }
        System.out.printf("model test seed %d: %d checks against the model%n", seed, checks);
    }

    @ParameterizedTest
    @ValueSource(longs = {5L, 6L})
    void shouldReturnEveryPageToThePoolWhenEverythingIsDeleted(final long seed)
    {
        final SplittableRandom random = new SplittableRandom(seed);
        final CapabilityPagePool pool = CapTestSupport.pool(3 * CapabilitySpace.L1_ENTRIES);
        final DerivationTree tree = new DerivationTree(50_000);
        final CapabilitySpace[] spaces = new CapabilitySpace[3];
        for (int s = 0; s < 3; s++)
        {
            spaces[s] = new CapabilitySpace(10 + s, 1, pool);
        }
        final List<int[]> held = new ArrayList<>();
        for (int i = 0; i < 20_000; i++)
        {
            final int s = random.nextInt(3);
            final int slot;
            if (held.isEmpty() || random.nextInt(3) == 0)
            {
                slot = spaces[s].create(i, CapabilityType.MEMORY, Rights.MEMORY_ALL, CapTestSupport.ALL_FLAGS, 0, tree);
            }
            else
            {
                final int[] parent = held.get(random.nextInt(held.size()));
                slot = spaces[parent[0]].grant(parent[1], spaces[s], Rights.MEMORY_READ, CapTestSupport.ALL_FLAGS, tree);
            }
            if (slot >= 0)
            {
                held.add(new int[] {s, slot});
            }
            else
            {
                assertEquals(CapabilityError.SPACE_FULL, slot);
            }
        }
        assertTrue(pool.freeCount() < pool.pageCount());
        // delete in random order: children move up the tree as parents go
        while (!held.isEmpty())
        {
            final int[] victim = held.remove(random.nextInt(held.size()));
            assertEquals(CapabilityError.OK, spaces[victim[0]].delete(victim[1], tree));
        }
        for (final CapabilitySpace space : spaces)
        {
            assertEquals(0, space.liveSlots());
            assertEquals(0, space.retiredSlots());
            assertEquals(0, space.l2PagesUsed());
        }
        assertEquals(pool.pageCount(), pool.freeCount(), "no L2 page leaked");
        assertEquals(0, tree.size(), "no tree node leaked");
    }

    @Test
    void shouldReturnPagesPinnedByRetiredSlotsOnDestroy()
    {
        final CapabilityPagePool pool = CapTestSupport.pool(4);
        final DerivationTree tree = new DerivationTree(4);
        final CapabilitySpace space = new CapabilitySpace(2, 1, pool);
        space.insert(1, CapabilityType.THREAD, Rights.THREAD_ALL, 0, 0);
        for (int i = 0; i < 255; i++)
        {
            final int slot = space.insert(1, CapabilityType.THREAD, Rights.THREAD_ALL, 0, 0);
            space.delete(slot, tree);
        }
        final long survivor = space.token(0);
        assertEquals(1, space.retiredSlots());
        final RevocationLog dropped = new RevocationLog(16);
        assertEquals(1, space.destroy(tree, dropped));
        assertEquals(1, dropped.size());
        assertEquals(pool.pageCount(), pool.freeCount());
        assertEquals(CapabilityError.NO_SUCH_SLOT, space.check(survivor, CapabilityType.THREAD, 0));
        space.reopen(2);
        final int slot = space.insert(1, CapabilityType.THREAD, Rights.THREAD_ALL, 0, 0);
        assertEquals(0, slot);
        assertEquals(CapabilityError.NO_SUCH_SLOT, space.check(survivor, CapabilityType.THREAD, 0),
            "a token of the previous incarnation carries the old salt");
    }

    private static long[] find(final List<long[]> live, final int space, final int slot)
    {
        for (final long[] entry : live)
        {
            if (entry[0] == space && entry[1] == slot)
            {
                return entry;
            }
        }
        throw new AssertionError("revoked slot not in model: " + space + "/" + slot);
    }
}
