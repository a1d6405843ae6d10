package org.tessera.kernel.service.cap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.tessera.kernel.runtime.ActorAddress;
import org.tessera.kernel.runtime.MessageLayout;
import org.tessera.kernel.runtime.ServiceIds;
import org.tessera.messages.cap.CacheInvalidateEncoder;
import org.tessera.messages.cap.CapValidateReplyEncoder;
import org.tessera.messages.runtime.PingRequestEncoder;

/** The per-CPU check every service uses: cache hits, misses through the authority, coherence. */
class CapabilityCheckerTest
{
    static final int GATE = ServiceIds.FIRST_USER_SERVICE + 1;
    static final int MEM = CapabilityType.MEMORY;

    private static Gate gate(final CapRig rig, final int cpu)
    {
        final Gate gate = new Gate(rig.checkers[cpu]);
        rig.cpus[cpu].register(GATE, 0, gate);
        return gate;
    }

    private static void trigger(final CapRig rig, final int cpu, final int request)
    {
        rig.post(rig.request(cpu, ActorAddress.of(cpu, GATE, 0), rig.nextCorrelation++, new PingRequestEncoder())
            .sequence(request).value(request));
    }

    @Test
    void shouldMissThenHitTheFilledCacheWithTheBadge()
    {
        final CapRig rig = new CapRig(2, new int[] {0});
        final Gate gate = gate(rig, 1);
        rig.openSpace(3);
        final long token = rig.createOk(3, 8, MEM, Rights.MEMORY_READ | Rights.MEMORY_MAP, 0);
        gate.presented.add(new Gate.Presented(3, token, MEM, Rights.MEMORY_READ));
        gate.presented.add(new Gate.Presented(3, token, MEM, Rights.MEMORY_WRITE));
        gate.presented.add(new Gate.Presented(3, token, CapabilityType.ENDPOINT, 0));
        trigger(rig, 1, 0);
        rig.settle();
        trigger(rig, 1, 0);
        trigger(rig, 1, 1);
        trigger(rig, 1, 2);
        rig.settle();
        assertEquals(new Gate.Outcome(0, CapabilityError.OK, gate.outcomes.get(0).sequence(), false), gate.outcomes.get(0));
        assertEquals(CapabilityError.OK, gate.outcomes.get(1).code());
        assertTrue(gate.outcomes.get(1).cached(), "the second check hits the cache");
        assertEquals(80, rig.checkers[1].badge());
        assertEquals(CapabilityError.INSUFFICIENT_RIGHTS, gate.outcomes.get(2).code());
        assertTrue(gate.outcomes.get(2).cached(), "the cached line knows every right of the slot");
        assertEquals(CapabilityError.WRONG_TYPE, gate.outcomes.get(3).code());
        assertEquals(1, rig.checkers[1].validationsSent());
    }

    @Test
    void shouldRefuseOnEveryCpuOnceTheRevocationCompleted()
    {
        final CapRig rig = new CapRig(3, new int[] {0});
        final Gate[] gates = {gate(rig, 0), gate(rig, 1), gate(rig, 2)};
        rig.openSpace(1);
        final long token = rig.createOk(1, 8, MEM, Rights.MEMORY_READ, 0);
        for (int cpu = 0; cpu < 3; cpu++)
        {
            gates[cpu].presented.add(new Gate.Presented(1, token, MEM, Rights.MEMORY_READ));
            trigger(rig, cpu, 0);
        }
        rig.settle();
        for (int cpu = 0; cpu < 3; cpu++)
        {
            assertEquals(CapabilityError.OK, gates[cpu].outcomes.get(0).code());
            assertEquals(CapabilityError.OK, rig.checkers[cpu].check(1, token, MEM, Rights.MEMORY_READ));
        }
        assertEquals(CapabilityError.OK, rig.revoke(1, token).status);
        for (int cpu = 0; cpu < 3; cpu++)
        {
            assertEquals(CapabilityChecker.MISS, rig.checkers[cpu].check(1, token, MEM, Rights.MEMORY_READ));
            trigger(rig, cpu, 0);
        }
        rig.settle();
        for (int cpu = 0; cpu < 3; cpu++)
        {
            assertEquals(CapabilityError.REVOKED, gates[cpu].outcomes.get(1).code());
        }
    }

    @Test
    void shouldNotLetAValidationReplyOvertakenByTheRevocationRefillTheCache()
    {
        final HoldingTransport[] holder = new HoldingTransport[1];
        final CapRig rig = new CapRig(2, new int[] {0}, inboxes -> holder[0] = new HoldingTransport(inboxes));
        final HoldingTransport transport = holder[0];
        final Gate gate = gate(rig, 1);
        rig.openSpace(1);
        final long token = rig.createOk(1, 8, MEM, Rights.MEMORY_READ, 0);
        gate.presented.add(new Gate.Presented(1, token, MEM, Rights.MEMORY_READ));

        final int validateReplyType = MessageLayout.msgTypeId(CapValidateReplyEncoder.SCHEMA_ID, CapValidateReplyEncoder.TEMPLATE_ID);
        transport.hold = type -> type == validateReplyType;
        trigger(rig, 1, 0);
        rig.cpus[1].doWork();
        rig.cpus[1].doWork();
        rig.cpus[0].doWork();
        assertEquals(1, transport.heldCount(), "the authority validated the token; its answer is delayed");
        transport.hold = type -> false;

        final long revoke = rig.sendRevoke(1, token);
        rig.settle();
        assertEquals(CapabilityError.OK, rig.clients[0].replies.get(revoke).status, "revocation completed");
        assertTrue(gate.outcomes.isEmpty());

        transport.release();
        rig.settle();
        assertEquals(1, gate.stale, "the late answer predates an invalidation this CPU acknowledged");
        assertEquals(1, gate.outcomes.size());
        assertEquals(CapabilityError.REVOKED, gate.outcomes.get(0).code(), "asked again, the authority refuses");
        assertEquals(CapabilityChecker.MISS, rig.checkers[1].check(1, token, MEM, Rights.MEMORY_READ),
            "the cache was not refilled");
        assertEquals(0, rig.checkers[1].cache().occupancy());
    }

    @Test
    void shouldFillFromAReplyThatArrivesBeforeTheInvalidationAndDropItThen()
    {
        final HoldingTransport[] holder = new HoldingTransport[1];
        final CapRig rig = new CapRig(2, new int[] {0}, inboxes -> holder[0] = new HoldingTransport(inboxes));
        final HoldingTransport transport = holder[0];
        final Gate gate = gate(rig, 1);
        rig.openSpace(1);
        final long token = rig.createOk(1, 8, MEM, Rights.MEMORY_READ, 0);
        gate.presented.add(new Gate.Presented(1, token, MEM, Rights.MEMORY_READ));
        final int invalidateType = MessageLayout.msgTypeId(CacheInvalidateEncoder.SCHEMA_ID, CacheInvalidateEncoder.TEMPLATE_ID);

        trigger(rig, 1, 0);
        rig.cpus[1].doWork();
        rig.cpus[1].doWork();
        final long revoke = rig.sendRevoke(1, token);
        transport.hold = type -> type == invalidateType;
        rig.cpus[0].doWork();
        rig.cpus[0].doWork();
        transport.hold = type -> false;
        rig.settle();
        assertNull(rig.clients[0].replies.get(revoke), "CPU 1 has not acknowledged: the revocation is not complete");
        assertEquals(CapabilityError.OK, gate.outcomes.get(0).code(), "validated before the revocation, used before completion");
        assertEquals(1, rig.checkers[1].cache().occupancy());

        transport.release();
        rig.settle();
        assertEquals(CapabilityError.OK, rig.clients[0].replies.get(revoke).status);
        assertEquals(0, rig.checkers[1].cache().occupancy(), "the invalidation dropped the filled line");
        assertFalse(rig.checkers[1].check(1, token, MEM, Rights.MEMORY_READ) == CapabilityError.OK);
    }
}
