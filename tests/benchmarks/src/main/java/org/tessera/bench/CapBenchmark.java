package org.tessera.bench;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.concurrent.TimeUnit;

import org.agrona.concurrent.UnsafeBuffer;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.tessera.kernel.runtime.Actor;
import org.tessera.kernel.runtime.ActorAddress;
import org.tessera.kernel.runtime.ActorContext;
import org.tessera.kernel.runtime.CpuAgent;
import org.tessera.kernel.runtime.InboxTransport;
import org.tessera.kernel.runtime.Message;
import org.tessera.kernel.runtime.MessageLayout;
import org.tessera.kernel.runtime.ServiceIds;
import org.tessera.kernel.runtime.machine.HostRunner;
import org.tessera.kernel.service.cap.CapabilityAuthorityService;
import org.tessera.kernel.service.cap.CapabilityCache;
import org.tessera.kernel.service.cap.CapabilityCacheService;
import org.tessera.kernel.service.cap.CapabilityChecker;
import org.tessera.kernel.service.cap.CapabilityError;
import org.tessera.kernel.service.cap.CapabilityPagePool;
import org.tessera.kernel.service.cap.CapabilityShards;
import org.tessera.kernel.service.cap.CapabilitySpace;
import org.tessera.kernel.service.cap.CapabilitySpaceTable;
import org.tessera.kernel.service.cap.CapabilityToken;
import org.tessera.kernel.service.cap.CapabilityType;
import org.tessera.kernel.service.cap.DerivationTree;
import org.tessera.kernel.service.cap.Rights;
import org.tessera.lockfree.Inbox;
import org.tessera.messages.cap.CapRevokeCompleteDecoder;
import org.tessera.messages.cap.CapRevokeEncoder;
import org.tessera.messages.cap.MessageHeaderEncoder;

/**
 * Capability figures of issue 4 (group {@code caps}); one operation is one check, one
 * derivation or one whole revocation.
 *
 * <ul>
 * <li>{@code cap_check_hit_N}: {@link CapabilityChecker#check} hitting the per-CPU cache, the
 *     path every service runs for a request from outside the kernel.</li>
 * <li>{@code cap_check_space_hit_N}: {@link CapabilitySpace#check} itself, the authority's
 *     check (two-level table lookup, exact token compare, type and rights).</li>
 * <li>{@code cap_check_miss_N}: the line is dropped first, so the check misses the cache,
 *     falls back to the space and refills the line ({@link CapabilityCache#check}): the local
 *     part of a miss, without the CapValidate round trip to another CPU.</li>
 * <li>{@code cap_derive}: derive an attenuated copy (tree node included) and delete it again
 *     so the space stays the same size; every 2^20 operations the space is closed and reopened
 *     under a new salt, because each slot retires after 255 occupants.</li>
 * <li>{@code cap_revoke_tree_N}: the whole revocation of a tree of N nodes spread over four
 *     spaces, on a one-CPU machine of the real runtime: CapRevoke into the authority, cascading
 *     revoke, CacheInvalidate to the CPU's cache service (pairs up to 64, a flush above), its
 *     ack, CapRevokeComplete. The tree is rebuilt before each invocation, outside the timing.</li>
 * </ul>
 *
 * <p><b>N capabilities.</b> One space holds at most 16 256 capabilities (its 512 KiB budget), so
 * N capabilities are spread over ceil(N / 16 256) spaces sharing one page pool (62 spaces for a
 * million) and the checks run in the first of them, cycling over 64 of its tokens spread over its
 * slots (N = 10: its 10 tokens). The point of the three sizes is that the figure stays flat:
 * the check is O(1) in the number of capabilities.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class CapBenchmark
{
    static final int MEM = CapabilityType.MEMORY;
    static final int READ = Rights.MEMORY_READ;
    static final int PROBES = 64;

    /** N capabilities over as many spaces as needed, a checker and its cache. */
    public abstract static class Population
    {
        CapabilitySpace checked;
        CapabilityCache cache;
        CapabilityChecker checker;
        final long[] tokens = new long[PROBES];
        int next;

        abstract int capabilities();

        @Setup(Level.Trial)
        public void setUp()
        {
            EchoThread.pinBenchmarkThread();
            final int n = capabilities();
            final int spaces = (n + CapabilitySpace.MAX_SLOTS - 1) / CapabilitySpace.MAX_SLOTS;
            final CapabilityPagePool pool = new CapabilityPagePool(new UnsafeBuffer(ByteBuffer.allocateDirect(
                spaces * CapabilitySpace.L1_ENTRIES * CapabilityPagePool.PAGE_SIZE)));
            int left = n;
            for (int s = 0; s < spaces; s++)
            {
                final CapabilitySpace space = new CapabilitySpace(s, 2, pool);
                final int count = Math.min(left, CapabilitySpace.MAX_SLOTS);
                for (int i = 0; i < count; i++)
                {
                    if (space.insert(s * 100_000L + i, MEM, Rights.MEMORY_ALL, 0, i) < 0)
                    {
                        throw new IllegalStateException("population insert failed");
                    }
                }
                left -= count;
                if (s == 0)
                {
                    checked = space;
                }
            }
            cache = new CapabilityCache(4096);
            checker = new CapabilityChecker(cache, new CapabilityShards(1, new int[] {0}));
            // Probe tokens spread over the checked space, chosen so that no two share a cache line.
            final int live = checked.liveSlots();
            int chosen = 0;
            for (int k = 0; k < live && chosen < PROBES; k++)
            {
                final int slot = (int)((long)k * live / Math.min(live, PROBES * 4)) % live;
                final long token = checked.token(slot);
                if (token == 0L)
                {
                    continue;
                }
                cache.fill(0, token, checked.rights(slot), checked.badge(slot));
                boolean clash = false;
                for (int j = 0; j < chosen; j++)
                {
                    clash |= checker.check(0, tokens[j], MEM, READ) != CapabilityError.OK || tokens[j] == token;
                }
                if (!clash)
                {
                    tokens[chosen++] = token;
                }
            }
            for (int i = chosen; i < PROBES; i++)
            {
                tokens[i] = tokens[i % chosen];
            }
            for (final long token : tokens)
            {
                if (checker.check(0, token, MEM, READ) != CapabilityError.OK)
                {
                    throw new IllegalStateException("probe token does not hit");
                }
            }
        }

        final long nextToken()
        {
            next = (next + 1) & (PROBES - 1);
            return tokens[next];
        }

        final int hit()
        {
            return checker.check(0, nextToken(), MEM, READ);
        }

        final int spaceHit()
        {
            return checked.check(nextToken(), MEM, READ);
        }

        final int miss()
        {
            final long token = nextToken();
            cache.invalidate(0, CapabilityToken.slotIndex(token));
            return cache.check(checked, token, MEM, READ);
        }
    }

    /** Ten capabilities. */
    @State(Scope.Thread)
    public static class Caps10 extends Population
    {
        int capabilities()
        {
            return 10;
        }
    }

    /** A thousand capabilities. */
    @State(Scope.Thread)
    public static class Caps1000 extends Population
    {
        int capabilities()
        {
            return 1000;
        }
    }

    /** A million capabilities over 62 spaces. */
    @State(Scope.Thread)
    public static class Caps1000000 extends Population
    {
        int capabilities()
        {
            return 1_000_000;
        }
    }

    @Benchmark
    public int capCheckHit_10(final Caps10 s)
    {
        return s.hit();
    }

    @Benchmark
    public int capCheckHit_1000(final Caps1000 s)
    {
        return s.hit();
    }

    @Benchmark
    public int capCheckHit_1000000(final Caps1000000 s)
    {
        return s.hit();
    }

    @Benchmark
    public int capCheckSpaceHit_10(final Caps10 s)
    {
        return s.spaceHit();
    }

    @Benchmark
    public int capCheckSpaceHit_1000(final Caps1000 s)
    {
        return s.spaceHit();
    }

    @Benchmark
    public int capCheckSpaceHit_1000000(final Caps1000000 s)
    {
        return s.spaceHit();
    }

    @Benchmark
    public int capCheckMiss_10(final Caps10 s)
    {
        return s.miss();
    }

    @Benchmark
    public int capCheckMiss_1000(final Caps1000 s)
    {
        return s.miss();
    }

    @Benchmark
    public int capCheckMiss_1000000(final Caps1000000 s)
    {
        return s.miss();
    }

    /** One space with one derivable root; derive and delete. */
    @State(Scope.Thread)
    public static class DeriveRig
    {
        CapabilitySpace space;
        DerivationTree tree;
        int root;
        int salt = 2;
        int operations;

        @Setup(Level.Trial)
        public void setUp()
        {
            EchoThread.pinBenchmarkThread();
            tree = new DerivationTree(1024);
            space = new CapabilitySpace(0, salt, new CapabilityPagePool(new UnsafeBuffer(
                ByteBuffer.allocateDirect(CapabilitySpace.L1_ENTRIES * CapabilityPagePool.PAGE_SIZE))));
            seed();
        }

        void seed()
        {
            root = space.create(1, MEM, Rights.MEMORY_ALL, CapabilityToken.FLAGS_MASK, 7, tree);
            if (root < 0)
            {
                throw new IllegalStateException("derive rig: create failed");
            }
        }

        int derive()
        {
            if (++operations == 1 << 20)
            {
                operations = 0;
                space.destroy(tree, (s, slot) -> { });
                space.reopen(salt = nextSalt(salt));
                seed();
            }
            final int slot = space.derive(root, READ, 0, tree);
            space.delete(slot, tree);
            return slot;
        }
    }

    @Benchmark
    public int capDerive(final DeriveRig rig)
    {
        return rig.derive();
    }

    /** Receives CapRevokeComplete. */
    static final class Requester implements Actor
    {
        boolean completed;
        long revoked;
        final CapRevokeCompleteDecoder complete = new CapRevokeCompleteDecoder();

        public void onMessage(final Message m, final ActorContext ctx)
        {
            if (m.is(CapRevokeCompleteDecoder.SCHEMA_ID, CapRevokeCompleteDecoder.TEMPLATE_ID))
            {
                complete.wrap(m.buffer(), m.bodyOffset(), m.blockLength(), m.version());
                revoked = complete.revoked();
                completed = true;
            }
        }
    }

    /** A one-CPU machine with the authority, the cache service and a requester; a tree of N nodes. */
    public abstract static class RevokeRig
    {
        static final int SPACES = 4;
        CpuAgent cpu;
        Inbox inbox;
        CapabilitySpaceTable table;
        Requester requester;
        final UnsafeBuffer record = new UnsafeBuffer(ByteBuffer.allocateDirect(128));
        final CapRevokeEncoder revoke = new CapRevokeEncoder();
        final MessageHeaderEncoder header = new MessageHeaderEncoder();
        int[] nodeSpace;
        int[] nodeSlot;
        long rootToken;
        int salt = 1000;
        int built;

        abstract int nodes();

        @Setup(Level.Trial)
        public void setUp()
        {
            EchoThread.pinBenchmarkThread();
            inbox = new Inbox(64 * 1024);
            cpu = new CpuAgent(0, 1, inbox, 64 * 1024, new InboxTransport(new Inbox[] {inbox}),
                HostRunner.HOST_CLOCK, null, 1, 64);
            final CapabilityShards shards = new CapabilityShards(1, new int[] {0});
            final CapabilityAuthorityService authority = new CapabilityAuthorityService(
                shards, 0, SPACES, SPACES * CapabilitySpace.L1_ENTRIES, 16_384, 4, 64);
            cpu.register(ServiceIds.CAP, CapabilityShards.FIRST_AUTHORITY_INSTANCE, authority);
            cpu.register(ServiceIds.CAP, CapabilityShards.CACHE_INSTANCE,
                new CapabilityCacheService(new CapabilityChecker(new CapabilityCache(4096), shards), 16));
            requester = new Requester();
            cpu.register(ServiceIds.FIRST_USER_SERVICE, 0, requester);
            table = authority.table();
            for (int s = 0; s < SPACES; s++)
            {
                table.space(s).reopen(salt = nextSalt(salt));
            }
            nodeSpace = new int[nodes()];
            nodeSlot = new int[nodes()];
            header.wrap(record, 0).blockLength(CapRevokeEncoder.BLOCK_LENGTH).templateId(CapRevokeEncoder.TEMPLATE_ID)
                .schemaId(CapRevokeEncoder.SCHEMA_ID).version(CapRevokeEncoder.SCHEMA_VERSION);
            record.putLong(MessageLayout.SOURCE_OFFSET, ActorAddress.of(0, ServiceIds.FIRST_USER_SERVICE, 0),
                ByteOrder.LITTLE_ENDIAN);
            record.putLong(MessageLayout.DESTINATION_OFFSET,
                ActorAddress.of(0, ServiceIds.CAP, CapabilityShards.FIRST_AUTHORITY_INSTANCE), ByteOrder.LITTLE_ENDIAN);
        }

        /** Build a 4-ary tree of N nodes: node i's parent is node (i - 1) / 4, its space i mod 4. */
        @Setup(Level.Invocation)
        public void build()
        {
            if (++built % 200 == 0)
            {
                // Slots retire after 255 occupants: start the spaces afresh now and then.
                for (int s = 0; s < SPACES; s++)
                {
                    table.space(s).destroy(table.tree(), (space, slot) -> { });
                    table.space(s).reopen(salt = nextSalt(salt));
                }
            }
            else
            {
                for (int i = 0; i < nodeSpace.length; i++)
                {
                    final CapabilitySpace space = table.space(nodeSpace[i]);
                    if (space.state(nodeSlot[i]) == CapabilitySpace.REVOKED)
                    {
                        space.delete(nodeSlot[i], table.tree());
                    }
                }
            }
            final CapabilitySpace first = table.space(0);
            nodeSpace[0] = 0;
            nodeSlot[0] = first.create(1, MEM, Rights.MEMORY_ALL, CapabilityToken.FLAGS_MASK, 5, table.tree());
            for (int i = 1; i < nodeSpace.length; i++)
            {
                final int parent = (i - 1) / 4;
                final CapabilitySpace from = table.space(nodeSpace[parent]);
                final CapabilitySpace to = table.space(i % SPACES);
                final int slot = from == to ?
                    from.derive(nodeSlot[parent], READ, CapabilityToken.FLAGS_MASK, table.tree()) :
                    from.grant(nodeSlot[parent], to, READ, CapabilityToken.FLAGS_MASK, table.tree());
                if (slot < 0)
                {
                    throw new IllegalStateException("revoke rig: building the tree failed");
                }
                nodeSpace[i] = i % SPACES;
                nodeSlot[i] = slot;
            }
            rootToken = first.token(nodeSlot[0]);
            requester.completed = false;
        }

        long revoke()
        {
            revoke.wrap(record, MessageLayout.HEADER_LENGTH).space(0).token(rootToken);
            if (!inbox.offer(MessageLayout.msgTypeId(CapRevokeEncoder.SCHEMA_ID, CapRevokeEncoder.TEMPLATE_ID), record, 0,
                MessageLayout.HEADER_LENGTH + CapRevokeEncoder.BLOCK_LENGTH))
            {
                throw new IllegalStateException("revoke rig: inbox full");
            }
            while (!requester.completed)
            {
                cpu.doWork();
            }
            if (requester.revoked != nodeSpace.length)
            {
                throw new IllegalStateException("revoke rig: wrong number revoked");
            }
            return requester.revoked;
        }
    }

    /** A single capability. */
    @State(Scope.Thread)
    public static class Tree1 extends RevokeRig
    {
        int nodes()
        {
            return 1;
        }
    }

    /** A hundred nodes. */
    @State(Scope.Thread)
    public static class Tree100 extends RevokeRig
    {
        int nodes()
        {
            return 100;
        }
    }

    /** Ten thousand nodes. */
    @State(Scope.Thread)
    public static class Tree10000 extends RevokeRig
    {
        int nodes()
        {
            return 10_000;
        }
    }

    @Benchmark
    public long capRevokeTree_1(final Tree1 rig)
    {
        return rig.revoke();
    }

    @Benchmark
    public long capRevokeTree_100(final Tree100 rig)
    {
        return rig.revoke();
    }

    @Benchmark
    public long capRevokeTree_10000(final Tree10000 rig)
    {
        return rig.revoke();
    }

    /**
     * The next salt to reopen a space under, cycling through the 18-bit range: a long run reopens
     * spaces more than 2^18 times, and the benchmark keeps no token across a reopen, so a salt
     * may come round again.
     */
    static int nextSalt(final int salt)
    {
        return salt >= (1 << 18) - 2 ? 2 : salt + 1;
    }
}
