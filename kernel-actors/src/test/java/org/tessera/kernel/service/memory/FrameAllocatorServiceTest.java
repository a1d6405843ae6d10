package org.tessera.kernel.service.memory;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.tessera.kernel.service.memory.MemoryRig.MIB;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.tessera.kernel.service.frame.FrameAllocatorService;
import org.tessera.kernel.service.frame.FrameStatus;
import org.tessera.kernel.service.frame.MemoryDescription;
import org.tessera.kernel.service.frame.PhysicalLayout;
import org.tessera.messages.memory.FrameStatusCode;
import org.tessera.messages.memory.ZoneClass;

/** The frame allocator services on hand-stepped CPUs, driven by message only. */
class FrameAllocatorServiceTest
{
    private static final int OWNER = 7;
    private static final int ANY = FrameAllocatorService.NODE_ANY;

    private MemoryRig rig;

    @AfterEach
    void checkAccountingInvariant()
    {
        rig.assertAccounting();
        rig.close();
    }

    private static int code(final FrameStatusCode c)
    {
        return c.value();
    }

    @Test
    void shouldServeALocalRequestInPlaceWithoutTouchingAnInbox()
    {
        rig = new MemoryRig(3, MemoryRig.threeNodes());
        rig.clients[0].allocFrames(rig.frameService(0), 1, ZoneClass.NORMAL, OWNER, ANY);
        final TestClient.Reply reply = rig.runOne(0);

        assertTrue(reply.ok());
        assertEquals(0, reply.node());
        assertEquals(1, reply.count());
        assertEquals(OWNER, rig.services.frameService(0).core().ownerOf(reply.pa()));
        assertEquals(0, rig.cpus[0].sentRemote(), "same-CPU request and reply stay on the local queue");
        assertEquals(0, rig.services.frameService(0).forwards());

        rig.clients[0].freeFrames(rig.frameService(0), reply.pa(), 1, OWNER);
        assertTrue(rig.runOne(0).ok());
    }

    @Test
    void shouldFallBackAcrossNodesByDistanceThroughMessages()
    {
        rig = new MemoryRig(3, MemoryRig.threeNodes());
        final PhysicalLayout layout = rig.services.layout();
        final List<String> visits = new ArrayList<>();
        final List<long[]> held = new ArrayList<>();
        TestClient.Reply reply;
        while (true)
        {
            // A request from CPU 1 to node 0's service: the walk starts at node 0 (its service's node).
            rig.clients[1].allocFrames(rig.frameService(0), 8, ZoneClass.NORMAL, OWNER, ANY);
            reply = rig.runOne(1);
            if (!reply.ok())
            {
                break;
            }
            assertEquals(layout.nodeOf(reply.pa()), reply.node(), "nodeServed names the node of the address");
            held.add(new long[]{reply.pa(), reply.count()});
            final String visit = reply.pa() < 16 * MIB ? "DMA" : Integer.toString(reply.node());
            if (visits.isEmpty() || !visits.get(visits.size() - 1).equals(visit))
            {
                visits.add(visit);
            }
        }

        // Exactly the single-threaded model's order (FrameAllocatorsTest): balanced pass over
        // 0, 2 (distance 20), 1 (30); then each drained in that order; DMA last.
        assertEquals(List.of("0", "2", "1", "0", "2", "1", "DMA"), visits);
        assertEquals(code(FrameStatusCode.NO_MEMORY), reply.status());
        final FrameAllocatorService origin = rig.services.frameService(0);
        assertEquals(1, origin.failures());
        assertTrue(origin.forwards() > 0 && origin.remoteAllocations() > 0);
        assertTrue(rig.services.frameService(1).servedForOtherNodes() > 0);
        assertTrue(rig.services.frameService(2).servedForOtherNodes() > 0);
        assertEquals(0, origin.sessionsInUse());
        rig.assertAccounting();

        // Free everything through node 1's service: frees of other nodes' frames are relayed,
        // each holding one of its 64 forwarding sessions until the holder answers.
        for (int i = 0; i < held.size(); i += 64)
        {
            for (final long[] run : held.subList(i, Math.min(held.size(), i + 64)))
            {
                rig.clients[2].freeFrames(rig.frameService(1), run[0], (int)run[1], OWNER);
            }
            rig.run(2);
        }
        assertEquals(held.size(), rig.clients[2].replies.size());
        assertTrue(rig.clients[2].replies.stream().allMatch(TestClient.Reply::ok));
        assertEquals(0, rig.services.framesOwnedBy(OWNER));
    }

    @Test
    void shouldStartTheWalkAtTheNodeHint()
    {
        rig = new MemoryRig(3, MemoryRig.threeNodes());
        rig.clients[0].allocFrames(rig.frameService(0), 600, ZoneClass.NORMAL, OWNER, 2);
        final TestClient.Reply reply = rig.runOne(0);

        assertTrue(reply.ok());
        assertEquals(2, reply.node());
        assertEquals(0, reply.pa() % (1024 * 4096), "a 600-frame run is aligned to 1024 frames");
        assertEquals(OWNER, rig.services.frameService(2).core().ownerOf(reply.pa()));

        rig.clients[0].freeFrames(rig.frameService(0), reply.pa(), 600, OWNER);
        final TestClient.Reply freed = rig.runOne(0);
        assertTrue(freed.ok());
        assertEquals(2, freed.node(), "the free was relayed to the node holding the address");
    }

    @Test
    void shouldReportEachKindOfBadFreeDistinctlyAndChangeNothing()
    {
        rig = new MemoryRig(3, MemoryRig.threeNodes());
        rig.clients[0].allocFrames(rig.frameService(0), 4, ZoneClass.NORMAL, OWNER, 1);
        final long pa = rig.runOne(0).pa();
        final long freeBefore = rig.services.frameService(1).core().freeFrames();

        final long service = rig.frameService(0);
        rig.clients[0].freeFrames(service, pa, 4, OWNER + 1);
        rig.clients[0].freeFrames(service, pa, 2, OWNER);
        rig.clients[0].freeFrames(service, pa + 4096, 3, OWNER);
        rig.clients[0].freeFrames(service, 0, 1, OWNER);
        rig.clients[0].freeFrames(service, 200 * MIB, 1, OWNER);
        rig.clients[0].freeFrames(service, pa + 12, 4, OWNER);
        rig.clients[0].freeFrames(service, pa, 4, OWNER);
        rig.clients[0].freeFrames(service, pa, 4, OWNER);
        rig.run(0);

        // Replies come back in completion order (relayed frees take longer): match by correlation.
        final TestClient client = rig.clients[0];
        final List<Integer> statuses = client.sentCorrelations.subList(1, 9).stream()
            .map(c -> client.replies.stream().filter(r -> r.correlationId() == c).findFirst().orElseThrow().status())
            .toList();
        assertEquals(List.of(
            -FrameStatus.WRONG_OWNER, -FrameStatus.RUN_MISMATCH, -FrameStatus.RUN_MISMATCH, -FrameStatus.NOT_MANAGED,
            -FrameStatus.NOT_MANAGED, -FrameStatus.INVALID, FrameStatus.OK, -FrameStatus.DOUBLE_FREE), statuses);
        assertEquals(freeBefore + 4, rig.services.frameService(1).core().freeFrames(), "only the good free changed anything");
        assertEquals(5, rig.services.frameService(1).core().rejectedFrees(), "all but NOT_MANAGED were relayed to node 1");
    }

    @Test
    void shouldServeDmaRequestsOnlyFromDmaAndAnswerNoMemoryWhenItRunsOut()
    {
        rig = new MemoryRig(3, MemoryRig.threeNodes());
        final long dmaManaged = rig.services.frameService(0).core().zone(PhysicalLayout.ZONE_DMA).managedFrames();
        long served = 0;
        TestClient.Reply reply;
        // From node 1, which has no DMA zone: every DMA frame comes from node 0 by message.
        while (true)
        {
            for (int i = 0; i < 64; i++)
            {
                rig.clients[1].allocFrames(rig.frameService(1), 1, ZoneClass.DMA, OWNER, ANY);
            }
            final int before = rig.clients[1].replies.size();
            rig.run(1);
            boolean failed = false;
            for (final TestClient.Reply r : rig.clients[1].replies.subList(before, rig.clients[1].replies.size()))
            {
                if (r.ok())
                {
                    assertTrue(r.pa() < 16 * MIB, "a DMA request served above 16 MiB");
                    assertEquals(0, r.node());
                    served++;
                }
                else
                {
                    assertEquals(-FrameStatus.NO_MEMORY, r.status());
                    failed = true;
                }
            }
            if (failed)
            {
                break;
            }
        }
        reply = rig.clients[1].last();
        assertEquals(-FrameStatus.NO_MEMORY, reply.status());
        assertEquals(dmaManaged, served, "every DMA frame, and only those");
        assertEquals(0, rig.services.frameService(0).core().freeFrames(PhysicalLayout.ZONE_DMA));

        // Normal requests still succeed, from Normal memory.
        rig.clients[1].allocFrames(rig.frameService(1), 1, ZoneClass.NORMAL, OWNER, ANY);
        final TestClient.Reply normal = rig.runOne(1);
        assertTrue(normal.ok());
        assertTrue(normal.pa() >= 16 * MIB);
    }

    @Test
    void shouldAnswerOutOfMemoryWithAReplyAndKeepServing()
    {
        rig = new MemoryRig(2, MemoryRig.oneNode(24));
        final long free = rig.services.frameService(0).core().freeFrames();
        rig.clients[1].allocFrames(rig.frameService(0), (int)free + 1, ZoneClass.NORMAL, OWNER, ANY);
        rig.clients[1].allocFrames(rig.frameService(0), 1 << 19, ZoneClass.NORMAL, OWNER, ANY);
        rig.clients[1].allocFrames(rig.frameService(0), 0, ZoneClass.NORMAL, OWNER, ANY);
        rig.clients[1].allocFrames(rig.frameService(0), 1, ZoneClass.NORMAL, 0, ANY);
        rig.clients[1].allocFrames(rig.frameService(0), 1, ZoneClass.NORMAL, OWNER, 5);
        rig.clients[1].allocFrames(rig.frameService(0), 1, ZoneClass.NORMAL, OWNER, ANY);
        rig.run(1);

        final List<Integer> statuses = rig.clients[1].replies.stream().map(TestClient.Reply::status).toList();
        assertEquals(List.of(-FrameStatus.NO_MEMORY, -FrameStatus.INVALID, -FrameStatus.INVALID, -FrameStatus.INVALID,
            -FrameStatus.INVALID, FrameStatus.OK), statuses);
        assertEquals(1, rig.services.frameService(0).failures());
        rig.clients[1].freeFrames(rig.frameService(0), rig.clients[1].last().pa(), 1, OWNER);
        assertTrue(rig.runOne(1).ok());
    }

    @Test
    void shouldServeALargeContiguousRequestOnceFragmentationIsUndone()
    {
        // 64 MiB of Normal memory only (node at 16 MiB): 32 chunks of 2 MiB.
        rig = new MemoryRig(2, new MemoryDescription(80 * MIB, new long[]{16 * MIB}, new long[]{64 * MIB},
            new int[]{10}, new long[0], new long[0], 0));
        final List<Long> runs = new ArrayList<>();
        while (true)
        {
            for (int i = 0; i < 256; i++)
            {
                rig.clients[0].allocFrames(rig.frameService(0), 16, ZoneClass.NORMAL, OWNER, ANY);
            }
            final int before = rig.clients[0].replies.size();
            rig.run(0);
            final List<TestClient.Reply> got = rig.clients[0].replies.subList(before, rig.clients[0].replies.size());
            got.stream().filter(TestClient.Reply::ok).forEach(r -> runs.add(r.pa()));
            if (got.stream().anyMatch(r -> !r.ok()))
            {
                break;
            }
        }
        assertEquals(0, rig.services.frameService(0).core().freeFrames(), "16-frame runs tile 64 MiB exactly");

        // Free every other run: half the memory is free, in 64 KiB holes, no 2 MiB block.
        for (int i = 0; i < runs.size(); i += 2)
        {
            rig.clients[0].freeFrames(rig.frameService(0), runs.get(i), 16, OWNER);
        }
        rig.clients[0].allocFrames(rig.frameService(0), 512, ZoneClass.NORMAL, OWNER, ANY);
        rig.clients[0].frameStats(rig.frameService(0));
        rig.clients[0].replies.clear();
        rig.run(0);
        final List<TestClient.Reply> replies = rig.clients[0].replies;
        final TestClient.Reply large = replies.get(replies.size() - 2);
        final TestClient.Reply stats = replies.get(replies.size() - 1);
        assertEquals(-FrameStatus.NO_MEMORY, large.status(), "no 2 MiB run although half the memory is free");
        assertEquals(8192, stats.count(), "free frames reported by message");
        assertTrue(stats.lines().get(0).contains("fragmentation 1000 permille"), stats.lines().get(0));

        // Free the other half: chunks merge back into buddy blocks; a 2 MiB run is aligned.
        for (int i = 1; i < runs.size(); i += 2)
        {
            rig.clients[0].freeFrames(rig.frameService(0), runs.get(i), 16, OWNER);
        }
        rig.clients[0].allocFrames(rig.frameService(0), 512, ZoneClass.NORMAL, OWNER, ANY);
        rig.run(0);
        final TestClient.Reply ok = rig.clients[0].last();
        assertTrue(ok.ok());
        assertEquals(0, ok.pa() % (2 * MIB));
        rig.clients[0].freeFrames(rig.frameService(0), ok.pa(), 512, OWNER);
        assertTrue(rig.runOne(0).ok());
    }

    @Test
    void shouldAnswerBusyWhenEveryForwardingSessionIsTakenAndChangeNothing()
    {
        rig = new MemoryRig(3, MemoryRig.threeNodes());
        final int n = FrameAllocatorService.DEFAULT_SESSIONS + 6;
        for (int i = 0; i < n; i++)
        {
            // Hint node 2: every request needs a message to node 2's service, hence a session.
            rig.clients[0].allocFrames(rig.frameService(0), 1, ZoneClass.NORMAL, OWNER, 2);
        }
        rig.run(0);
        final List<TestClient.Reply> replies = rig.clients[0].replies;
        assertEquals(n, replies.size());
        assertEquals(6, replies.stream().filter(r -> r.status() == -FrameStatus.BUSY).count());
        assertEquals(FrameAllocatorService.DEFAULT_SESSIONS, replies.stream().filter(TestClient.Reply::ok).count());
        assertEquals(FrameAllocatorService.DEFAULT_SESSIONS, rig.services.framesOwnedBy(OWNER));
        assertEquals(6, rig.services.frameService(0).busy());
        assertEquals(0, rig.services.frameService(0).sessionsInUse());
    }

    @Test
    void shouldAnswerStatisticsByMessage()
    {
        rig = new MemoryRig(3, MemoryRig.threeNodes());
        rig.clients[2].allocFrames(rig.frameService(1), 3, ZoneClass.NORMAL, OWNER, ANY);
        rig.clients[2].frameStats(rig.frameService(1));
        rig.run(2);

        final TestClient.Reply stats = rig.clients[2].last();
        assertEquals(1, stats.node());
        assertEquals(rig.services.frameService(1).core().freeFrames(), stats.count());
        assertEquals(MemoryReport.frameNode(rig.services.frameService(1)), stats.lines(),
            "the reply carries what the service holds");
        assertEquals(5, stats.lines().size(), "node line, three zones, free blocks");
        assertTrue(stats.lines().get(4).startsWith("node 1 free blocks: o9="), stats.lines().get(4));
        rig.clients[2].freeFrames(rig.frameService(1), rig.clients[2].replies.get(0).pa(), 3, OWNER);
        assertTrue(rig.runOne(2).ok());
    }

    @Test
    void shouldKeepRepliesThatMeetAFullInboxAndDeliverThemLater()
    {
        // Tiny inboxes: CPU 1's 50 requests get 50 replies that cannot all fit at once.
        rig = new MemoryRig(2, MemoryRig.oneNode(32), 1024, 18);
        final int n = 50;
        for (int i = 0; i < n; i++)
        {
            rig.clients[1].allocFrames(rig.frameService(0), 1, ZoneClass.NORMAL, OWNER, ANY);
        }
        // Send in batches the small inbox takes while CPU 1 reads nothing, so that replies pile up.
        final TestClient client = rig.clients[1];
        final List<TestClient.Command> all = new ArrayList<>(client.pending);
        client.pending.clear();
        rig.cpus[1].drainLimits(0, 1000, 64);
        for (int i = 0; i < n; i += 10)
        {
            client.pending.addAll(all.subList(i, Math.min(n, i + 10)));
            rig.kick(1);
            rig.cpus[1].doWork();
            rig.cpus[0].doWork();
        }
        assertTrue(rig.services.frameService(0).outbox().waiting() > 0, "some replies met a full inbox and wait");
        rig.cpus[1].drainLimits(64, 64, 64);
        rig.quiesce();
        assertEquals(0, rig.services.frameService(0).outbox().waiting());
        assertEquals(n, client.replies.size());
        assertTrue(client.replies.stream().allMatch(TestClient.Reply::ok));
        assertEquals(n, client.replies.stream().map(TestClient.Reply::correlationId).distinct().count());
        final List<TestClient.Reply> allocated = new ArrayList<>(client.replies);
        client.replies.clear();
        for (int i = 0; i < n; i += 10)
        {
            for (final TestClient.Reply r : allocated.subList(i, Math.min(n, i + 10)))
            {
                client.freeFrames(rig.frameService(0), r.pa(), 1, OWNER);
            }
            rig.run(1);
        }
        assertEquals(n, client.replies.size());
        assertEquals(0, rig.services.framesOwnedBy(OWNER));
    }
}
