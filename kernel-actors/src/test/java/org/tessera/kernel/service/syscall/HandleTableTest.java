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
