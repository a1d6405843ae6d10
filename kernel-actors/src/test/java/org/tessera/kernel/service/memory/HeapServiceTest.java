package org.tessera.kernel.service.memory;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.tessera.kernel.service.heap.FrameReserve;
import org.tessera.kernel.service.heap.HeapService;
import org.tessera.kernel.service.heap.HeapStatus;
import org.tessera.kernel.service.heap.SlabAllocator;

/** The heap services on hand-stepped CPUs, fed with frames by the frame service by message. */
class HeapServiceTest
{
    private MemoryRig rig;

    @AfterEach
    void checkAccountingInvariant()
    {
        rig.assertAccounting();
        rig.close();
    }

    private List<TestClient.Reply> send(final int cpu)
    {
        final TestClient client = rig.clients[cpu];
        final int before = client.replies.size();
        rig.run(cpu);
        return new ArrayList<>(client.replies.subList(before, client.replies.size()));
    }

    @Test
    void shouldAllocateASmallObjectAfterFetchingFramesByMessage()
    {
        rig = new MemoryRig(2, MemoryRig.oneNode(32));
        final HeapService heap = rig.services.heap(0);
        rig.clients[0].heapAlloc(MemoryRig.heap(0), 64);
        final TestClient.Reply reply = rig.runOne(0);

        assertTrue(reply.ok());
        assertEquals(64, reply.count(), "granted bytes: the size class");
        assertEquals(1, heap.parked(), "the first request waited for the reserve's first frames");
        assertEquals(HeapService.ownerIdFor(0), rig.services.frameService(0).core().ownerOf(reply.pa()),
            "the object lies in a frame the frame allocator records as the heap's");
        assertEquals(1, heap.slab().liveObjects(SlabAllocator.classOf(64)));

        rig.clients[0].heapFree(MemoryRig.heap(0), reply.pa());
        assertTrue(rig.runOne(0).ok());
        assertEquals(0, heap.slab().liveObjects(SlabAllocator.classOf(64)));
    }

    @Test
    void shouldStockTheReserveOnStartSoThatNoRequestWaits()
    {
        rig = new MemoryRig(2, MemoryRig.oneNode(32));
        assertTrue(MemoryServices.start(rig.cpus));
        rig.quiesce();
        for (int order = 0; order < FrameReserve.ORDERS; order++)
        {
            assertEquals(2, rig.services.heap(1).reserve().stock(order), "order " + order);
        }
        rig.clients[1].heapAlloc(MemoryRig.heap(1), 700);
        assertTrue(rig.runOne(1).ok());
        assertEquals(0, rig.services.heap(1).parked());
    }

    @Test
    void shouldServeFromTheReserveInPlaceOnceStocked()
    {
        rig = new MemoryRig(2, MemoryRig.oneNode(32));
        rig.clients[0].heapAlloc(MemoryRig.heap(0), 100);
        rig.runOne(0);
        final long parked = rig.services.heap(0).parked();
        final long handledByFrame = rig.cpus[0].handledBy(2, 0);
        rig.clients[0].heapAlloc(MemoryRig.heap(0), 120);
        final TestClient.Reply same = rig.runOne(0);
        assertTrue(same.ok());
        assertEquals(handledByFrame, rig.cpus[0].handledBy(2, 0), "an object of a class with a slab: no frame traffic");

        rig.clients[0].heapAlloc(MemoryRig.heap(0), 40);
        final TestClient.Reply other = rig.runOne(0);
        assertTrue(other.ok());
        assertEquals(48, other.count());
        assertEquals(parked, rig.services.heap(0).parked(), "a new slab from the stocked reserve: no waiting");
        assertEquals(0, rig.cpus[0].sentRemote());
    }

    @Test
    void shouldReportDoubleFreeForeignAndInteriorFreesDistinctly()
    {
        rig = new MemoryRig(2, MemoryRig.oneNode(32));
        rig.clients[1].heapAlloc(MemoryRig.heap(1), 256);
        final long pa = rig.runOne(1).pa();

        rig.clients[1].heapFree(MemoryRig.heap(1), pa + 8);
        rig.clients[1].heapFree(MemoryRig.heap(1), pa);
        rig.clients[1].heapFree(MemoryRig.heap(1), pa);
        rig.clients[1].heapFree(MemoryRig.heap(1), 20L << 20);
        rig.clients[1].heapFree(MemoryRig.heap(1), -4096);
        final List<Integer> statuses = send(1).stream().map(TestClient.Reply::status).toList();

        assertEquals(List.of(-HeapStatus.INVALID, HeapStatus.OK, -HeapStatus.DOUBLE_FREE, -HeapStatus.NOT_HEAP,
            -HeapStatus.NOT_HEAP), statuses);
        assertEquals(1, rig.services.heap(1).doubleFrees());
        assertEquals(3, rig.services.heap(1).invalidFrees());
    }

    @Test
    void shouldServeAnotherCpusRequestAndRefuseAFreeSentToTheWrongHeap()
    {
        rig = new MemoryRig(2, MemoryRig.oneNode(32));
        rig.clients[1].heapAlloc(MemoryRig.heap(0), 512);
        final TestClient.Reply reply = rig.runOne(1);
        assertTrue(reply.ok());
        assertEquals(0, org.tessera.kernel.runtime.ActorAddress.cpu(reply.source()));

        rig.clients[1].heapFree(MemoryRig.heap(1), reply.pa());
        assertEquals(-HeapStatus.NOT_HEAP, rig.runOne(1).status(), "CPU 1's heap does not hold CPU 0's object");
        rig.clients[1].heapFree(MemoryRig.heap(0), reply.pa());
        assertTrue(rig.runOne(1).ok());
    }

    @Test
    void shouldTakeLargeObjectsAsWholeFramesAndGiveThemBack()
    {
        rig = new MemoryRig(2, MemoryRig.oneNode(32));
        final int owner = HeapService.ownerIdFor(0);
        rig.clients[0].heapAlloc(MemoryRig.heap(0), 10_000);
        final TestClient.Reply reply = rig.runOne(0);

        assertTrue(reply.ok());
        assertEquals(3 * 4096, reply.count());
        assertEquals(0, reply.pa() % 4096);
        for (int i = 0; i < 3; i++)
        {
            assertEquals(owner, rig.services.frameService(0).core().ownerOf(reply.pa() + i * 4096L));
        }
        assertEquals(3, rig.services.heap(0).largeFrames());
        rig.assertAccounting();

        rig.clients[0].heapFree(MemoryRig.heap(0), reply.pa());
        assertTrue(rig.runOne(0).ok());
        assertEquals(0, rig.services.heap(0).largeFrames());
        assertEquals(0, rig.services.frameService(0).core().ownerOf(reply.pa()), "frames are free again");
        rig.clients[0].heapFree(MemoryRig.heap(0), reply.pa());
        assertEquals(-HeapStatus.NOT_HEAP, rig.runOne(0).status(), "a large object freed twice is no longer the heap's");
    }

    @Test
    void shouldAnswerNoMemoryWhenTheNodeRunsOutAndRecoverAfterFrees()
    {
        rig = new MemoryRig(2, MemoryRig.oneNode(20));
        final List<Long> large = new ArrayList<>();
        while (true)
        {
            rig.clients[0].heapAlloc(MemoryRig.heap(0), 64 * 1024);
            final TestClient.Reply r = rig.runOne(0);
            if (!r.ok())
            {
                assertEquals(-HeapStatus.NO_MEMORY, r.status());
                break;
            }
            large.add(r.pa());
        }
        // Small objects: served while the slabs and the reserve last, then NO_MEMORY, never a crash.
        final Set<Long> small = new HashSet<>();
        int failures = 0;
        for (int round = 0; round < 200 && failures == 0; round++)
        {
            for (int i = 0; i < 16; i++)
            {
                rig.clients[0].heapAlloc(MemoryRig.heap(0), 2048);
            }
            for (final TestClient.Reply r : send(0))
            {
                if (r.ok())
                {
                    assertTrue(small.add(r.pa()), "an object handed out twice");
                }
                else
                {
                    assertEquals(-HeapStatus.NO_MEMORY, r.status());
                    failures++;
                }
            }
        }
        assertTrue(failures > 0, "memory ran out");
        assertTrue(rig.services.heap(0).reserve().starved(FrameReserve.orderOf(4)), "the 4-frame order is starved");
        rig.assertAccounting();

        for (int i = 0; i < large.size(); i += 32)
        {
            for (final long pa : large.subList(i, Math.min(large.size(), i + 32)))
            {
                rig.clients[0].heapFree(MemoryRig.heap(0), pa);
            }
            assertTrue(send(0).stream().allMatch(TestClient.Reply::ok));
        }
        rig.clients[0].heapAlloc(MemoryRig.heap(0), 2048);
        final List<TestClient.Reply> after = send(0);
        assertTrue(after.stream().allMatch(TestClient.Reply::ok), "memory is back: a fresh request asks again");
        small.add(after.get(after.size() - 1).pa());
        final List<Long> smallList = new ArrayList<>(small);
        for (int i = 0; i < smallList.size(); i += 32)
        {
            for (final long pa : smallList.subList(i, Math.min(smallList.size(), i + 32)))
            {
                rig.clients[0].heapFree(MemoryRig.heap(0), pa);
            }
            assertTrue(send(0).stream().allMatch(TestClient.Reply::ok));
        }
    }

    @Test
    void shouldGiveSurplusFramesBackToTheFrameService()
    {
        rig = new MemoryRig(2, MemoryRig.oneNode(32));
        final List<Long> objects = new ArrayList<>();
        for (int round = 0; round < 8; round++)
        {
            for (int i = 0; i < 64; i++)
            {
                rig.clients[0].heapAlloc(MemoryRig.heap(0), 64);
            }
            send(0).forEach(r -> objects.add(r.pa()));
        }
        assertEquals(512, new HashSet<>(objects).size());
        final long peak = rig.services.framesOwnedBy(HeapService.ownerIdFor(0));
        for (int i = 0; i < objects.size(); i += 64)
        {
            for (final long pa : objects.subList(i, i + 64))
            {
                rig.clients[0].heapFree(MemoryRig.heap(0), pa);
            }
            assertTrue(send(0).stream().allMatch(TestClient.Reply::ok));
        }
        final long after = rig.services.framesOwnedBy(HeapService.ownerIdFor(0));
        assertTrue(after < peak, "freed slabs went back: " + after + " < " + peak);
        // Objects in the magazine keep up to two slabs, plus one empty slab kept per class.
        assertTrue(rig.services.heap(0).slab().framesHeld() <= 3, "slabs kept: " + rig.services.heap(0).slab().framesHeld());
        assertEquals(after, rig.services.heap(0).framesHeld());
    }

    @Test
    void shouldAnswerStatisticsByMessage()
    {
        rig = new MemoryRig(2, MemoryRig.oneNode(32));
        rig.clients[1].heapAlloc(MemoryRig.heap(1), 16);
        rig.clients[1].heapAlloc(MemoryRig.heap(1), 16);
        rig.clients[1].heapAlloc(MemoryRig.heap(1), 1000);
        rig.clients[1].heapAlloc(MemoryRig.heap(1), 5000);
        final List<TestClient.Reply> replies = send(1);
        rig.clients[1].heapStats(MemoryRig.heap(1));
        replies.addAll(send(1));

        final TestClient.Reply stats = replies.stream().filter(r -> r.type().equals("heapStats")).findFirst().orElseThrow();
        assertEquals(1, stats.node(), "the cpu field");
        assertEquals(MemoryReport.heapCpu(rig.services.heap(1)), stats.lines());
        assertTrue(stats.lines().get(1).contains(" 16B=2 "), stats.lines().get(1));
        assertTrue(stats.lines().get(1).contains(" 1024B=1 "), stats.lines().get(1));
        assertTrue(stats.lines().get(0).contains("live large 1"), stats.lines().get(0));
        for (final TestClient.Reply r : replies)
        {
            if (r.type().equals("heapAlloc"))
            {
                rig.clients[1].heapFree(MemoryRig.heap(1), r.pa());
            }
        }
        assertTrue(send(1).stream().allMatch(TestClient.Reply::ok));
    }
}
