package org.tessera.kernel.service.syscall;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashSet;
import java.util.Set;

import org.junit.jupiter.api.Test;
import org.tessera.kernel.service.cap.CapabilityError;
import org.tessera.kernel.service.cap.CapabilityShards;
import org.tessera.kernel.service.cap.CapabilityStatus;

class HandleTableTest
{
    @Test
    void shouldGiveEverySlotOfEveryCpuItsOwnSpaceOnItsNodesShard()
    {
        final int cpus = 4;
        final int shards = 2;
        final CapabilityShards topology = new CapabilityShards(cpus, new int[] {0, 2});
        final Set<Integer> seen = new HashSet<>();
        for (int cpu = 0; cpu < cpus; cpu++)
        {
            final int node = cpu / 2;
            final HandleTable t = new HandleTable(cpu, 128, 16, 256, shards, node);
            for (int slot = 0; slot < 128; slot++)
            {
                final int space = t.spaceOf(slot);
                assertTrue(seen.add(space), "space " + space + " used twice");
                assertTrue(space >= 256 && space < HandleTable.spacesNeeded(cpus, 128, 256, shards));
                assertEquals(node, topology.shardOf(space), "cpu " + cpu + " slot " + slot);
            }
        }
    }

    @Test
    void shouldBindLookUpAndForgetHandlesAndChildCapabilities()
    {
        final HandleTable t = new HandleTable(0, 8, 2, 256, 1, 0);
        assertFalse(t.isOpen(3, 7));
        t.open(3, 7, 11, 12, 13, 14);
        assertTrue(t.isOpen(3, 7));
        assertFalse(t.isOpen(3, 8), "another pid in the same slot");
        assertEquals(HandleTable.NONE, t.token(3, HandleTable.FD_0));
        assertEquals(11, t.token(3, HandleTable.FD_1));
        assertEquals(14, t.token(3, HandleTable.ASPACE));
        t.bind(3, HandleTable.FD_1, 99);
        assertEquals(99, t.token(3, HandleTable.FD_1));
        assertTrue(t.addChild(7, 20, 21));
        assertTrue(t.addChild(7, 30, 31));
        assertFalse(t.addChild(7, 40, 41), "table full");
        assertEquals(21, t.childToken(7, 20));
        assertEquals(HandleTable.NONE, t.childToken(8, 20), "only the parent holds it");
        assertTrue(t.bindChild(7, 30, 5));
        assertEquals(5, t.removeChild(7, 30));
        assertEquals(HandleTable.NONE, t.childToken(7, 30));
        t.close(3);
        assertFalse(t.isOpen(3, 7));
        assertEquals(0, t.children(), "a closed process's child capabilities go too");
    }

    @Test
    void shouldFindChildRecordsAboveFreedOnesAndReuseTheHoles()
    {
        final HandleTable t = new HandleTable(0, 8, 6, 256, 1, 0);
        t.open(1, 7, 11, 12, 13, 14);
        t.open(2, 9, 11, 12, 13, 14);
        for (int c = 0; c < 6; c++)
        {
            assertTrue(t.addChild(c % 2 == 0 ? 7 : 9, 100 + c, 200 + c));
        }
        assertFalse(t.addChild(7, 999, 1), "table full");
        // free records low in the table: those above stay found
        assertEquals(200, t.removeChild(7, 100));
        assertEquals(201, t.removeChild(9, 101));
        assertEquals(205, t.childToken(9, 105));
        assertEquals(204, t.childToken(7, 104));
        assertEquals(4, t.children());
        // the holes are reused before the table counts as full
        assertTrue(t.addChild(7, 106, 206));
        assertTrue(t.addChild(9, 107, 207));
        assertFalse(t.addChild(9, 108, 208));
        assertEquals(207, t.childToken(9, 107));
        // the top record goes, then a process's close takes all of its own, wherever they are
        assertEquals(205, t.removeChild(9, 105));
        t.close(1);
        assertEquals(2, t.children(), "only process 9's records 103 and 107 are left");
        assertEquals(203, t.childToken(9, 103));
        assertEquals(207, t.childToken(9, 107));
        assertEquals(HandleTable.NONE, t.childToken(7, 104));
        t.close(2);
        assertEquals(0, t.children());
        assertTrue(t.addChild(9, 1, 2));
        assertEquals(2, t.childToken(9, 1));
    }

    @Test
    void shouldMapCapabilityRefusalsToErrnos()
    {
        assertEquals(Errno.EBADF, Errno.ofCapability(CapabilityError.NO_SUCH_SLOT));
        assertEquals(Errno.EBADF, Errno.ofCapability(CapabilityError.REVOKED));
        assertEquals(Errno.EBADF, Errno.ofCapability(CapabilityError.STALE_GENERATION));
        assertEquals(Errno.EINVAL, Errno.ofCapability(CapabilityError.WRONG_TYPE));
        assertEquals(Errno.EPERM, Errno.ofCapability(CapabilityError.RIGHTS_ESCALATION));
        assertEquals(Errno.EPERM, Errno.ofCapability(CapabilityError.NOT_DERIVABLE));
        assertEquals(Errno.ENOSPC, Errno.ofCapability(CapabilityError.SPACE_FULL));
        assertEquals(Errno.EAGAIN, Errno.ofCapability(CapabilityStatus.BUSY));
    }
}
