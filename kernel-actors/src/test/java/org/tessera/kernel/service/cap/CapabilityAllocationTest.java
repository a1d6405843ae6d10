package org.tessera.kernel.service.cap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.management.ManagementFactory;

import org.junit.jupiter.api.Test;

/**
 * Steady-state operations allocate nothing on the Java heap: measured with the JVM's per-thread
 * allocation counter over many operations (a single allocation per operation would show as
 * megabytes). JMH with -prof gc remains the authoritative figure.
 */
class CapabilityAllocationTest
{
    private static final int ROUNDS = 20_000;

    @Test
    void shouldNotAllocateWhileCheckingDerivingRevokingAndCaching()
    {
        final com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean)ManagementFactory.getThreadMXBean();
        final CapabilityPagePool pool = CapTestSupport.pool(16);
        final DerivationTree tree = new DerivationTree(1024);
        final CapabilitySpaceTable table = new CapabilitySpaceTable(4, tree);
        final CapabilitySpace a = new CapabilitySpace(1, 1, pool);
        final CapabilitySpace b = new CapabilitySpace(2, 2, pool);
        table.register(a);
        table.register(b);
        final CapabilityCache cache = new CapabilityCache(256);
        final RevocationLog log = new RevocationLog(1024);
        final int flags = CapabilityToken.FLAG_GRANTABLE | CapabilityToken.FLAG_DERIVABLE;

        exercise(a, b, table, tree, cache, log, flags);
        final long before = threads.getCurrentThreadAllocatedBytes();
        final long work = exercise(a, b, table, tree, cache, log, flags);
        final long allocated = threads.getCurrentThreadAllocatedBytes() - before;

        assertEquals(0, tree.size());
        assertEquals(pool.pageCount(), pool.freeCount());
        assertTrue(allocated < 4096, "allocated " + allocated + " bytes over " + work + " operations");
        System.out.printf("allocation: %d bytes over %d capability operations%n", allocated, work);
    }

    private static long exercise(
        final CapabilitySpace a, final CapabilitySpace b, final CapabilitySpaceTable table, final DerivationTree tree,
        final CapabilityCache cache, final RevocationLog log, final int flags)
    {
        long work = 0;
        for (int i = 0; i < ROUNDS; i++)
        {
            final int root = a.create(i, CapabilityType.ENDPOINT, Rights.ENDPOINT_ALL, flags, i, tree);
            final int derived = a.derive(root, Rights.ENDPOINT_SEND | Rights.ENDPOINT_RECEIVE, flags, tree);
            final int granted = a.grant(derived, b, Rights.ENDPOINT_SEND, flags, tree);
            final long token = b.token(granted);
            work += cache.check(b, token, CapabilityType.ENDPOINT, Rights.ENDPOINT_SEND) == CapabilityError.OK ? 1 : 0;
            work += cache.check(b, token, CapabilityType.ENDPOINT, Rights.ENDPOINT_SEND) == CapabilityError.OK ? 1 : 0;
            work += a.check(a.token(root), CapabilityType.ENDPOINT, Rights.ENDPOINT_MANAGE) == CapabilityError.OK ? 1 : 0;
            work += a.check(token, CapabilityType.ENDPOINT, 0) != CapabilityError.OK ? 1 : 0;
            log.clear();
            work += table.revoke(1, root, log);
            for (int j = 0; j < log.size(); j++)
            {
                cache.invalidate(log.spaceId(j), log.slotIndex(j));
            }
            work += b.check(token, CapabilityType.ENDPOINT, 0) == CapabilityError.REVOKED ? 1 : 0;
            a.delete(root, tree);
            a.delete(derived, tree);
            b.delete(granted, tree);
            if (a.retiredSlots() > 0 || b.retiredSlots() > 0)
            {
                // keep the run going past generation exhaustion of the hot slots
                a.destroy(tree, log);
                b.destroy(tree, log);
                log.clear();
                a.reopen(1 + (i & 0x3FFF) * 2 + 1);
                b.reopen(2 + (i & 0x3FFF) * 2 + 1);
            }
        }
        return work;
    }
}
