package org.tessera.kernel.service.vm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.tessera.kernel.service.vm.VmRig.PAGE;
import static org.tessera.kernel.service.vm.VmRig.RO;
import static org.tessera.kernel.service.vm.VmRig.RW;
import static org.tessera.kernel.service.vm.VmRig.W;
import static org.tessera.kernel.service.vm.VmRig.X;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.tessera.arch.spi.PageFlags;
import org.tessera.arch.spi.Tlb;
import org.tessera.messages.vm.InvalidateScope;
import org.tessera.messages.vm.ProtectReplyDecoder;
import org.tessera.messages.vm.SpaceSwitchEncoder;
import org.tessera.messages.vm.SpaceSwitchReplyDecoder;
import org.tessera.messages.vm.TlbInvalidateEncoder;
import org.tessera.messages.vm.UnmapEncoder;
import org.tessera.messages.vm.UnmapReplyDecoder;
import org.tessera.messages.vm.VmStatus;

/** TLB shootdown, CPUs stepped by hand: who is asked, when the answer comes, what the TLBs hold after. */
class ShootdownTest
{
    static final long BASE = 0x2000_0000L;

    /**
     * @return true when {@code cpu}'s TLB returns a translation of {@code va} that the page
     * tables no longer allow: another frame, or rights the entry has lost.
     */
    static boolean stale(final VmRig rig, final int cpu, final int asid, final long va)
    {
        final Tlb tlb = rig.tlbs[cpu].tlb();
        final int entry = tlb.lookup(asid, va);
        if (entry == Tlb.MISS)
        {
            return false;
        }
        final long root = rig.vm.root(asid);
        if (root < 0)
        {
            return true;
        }
        final long pa = rig.format.physicalAddress(root, va);
        final int flags = rig.format.flags(root, va);
        final int rights = PageFlags.READ | PageFlags.WRITE | PageFlags.EXECUTE | PageFlags.USER;
        return pa < 0 || pa != tlb.physicalAddress(entry, va) || (tlb.flags(entry) & rights & ~flags) != 0;
    }

    static boolean cached(final VmRig rig, final int cpu, final int asid, final long va)
    {
        return rig.tlbs[cpu].tlb().lookup(asid, va) != Tlb.MISS;
    }

    static void postUnmap(final VmRig rig, final int asid, final long va, final long length)
    {
        rig.post(0, ctx ->
        {
            final UnmapEncoder e = new UnmapEncoder();
            VmRig.send(ctx, rig.clients[0], VmRig.vmAddress(), e);
            e.asid(asid).virtualAddress(va).length(length);
            ctx.commit();
        });
    }

    @ParameterizedTest
    @ValueSource(strings = {"x86_64", "aarch64", "riscv64"})
    void shouldInvalidateExactlyTheCpusThatActivatedTheSpace(final String arch)
    {
        try (VmRig rig = new VmRig(arch, 4))
        {
            final int a = rig.create(0);
            final int b = rig.create(0);
            rig.anonymous(a, BASE, 4 * PAGE, RW, true);
            rig.anonymous(b, BASE, 4 * PAGE, RW, true);
            rig.switchTo(1, a);
            rig.switchTo(2, a);
            rig.switchTo(3, b);
            for (int i = 0; i < 4; i++)
            {
                rig.load(1, BASE + i * PAGE);
                rig.load(2, BASE + i * PAGE);
                rig.load(3, BASE + i * PAGE);
            }
            assertEquals(0b0110, rig.vm.cpuMask(a));
            assertEquals(0b1000, rig.vm.cpuMask(b));
            assertTrue(cached(rig, 1, a, BASE) && cached(rig, 2, a, BASE) && cached(rig, 3, b, BASE));

            final UnmapReplyDecoder reply = rig.unmap(0, a, BASE, 2 * PAGE);
            assertEquals(VmStatus.OK, reply.status());
            assertEquals(2, reply.cpusInvalidated());
            assertEquals(0, rig.tlbs[0].invalidationsHandled(), "CPU 0 never ran the space");
            assertEquals(1, rig.tlbs[1].invalidationsHandled());
            assertEquals(1, rig.tlbs[2].invalidationsHandled());
            assertEquals(0, rig.tlbs[3].invalidationsHandled(), "CPU 3 runs another space");
            for (int cpu = 0; cpu < 4; cpu++)
            {
                for (int i = 0; i < 4; i++)
                {
                    assertFalse(stale(rig, cpu, a, BASE + i * PAGE), "cpu " + cpu + " page " + i);
                }
            }
            assertTrue(cached(rig, 1, a, BASE + 2 * PAGE), "a range invalidation keeps the rest of the space");
            assertTrue(cached(rig, 3, b, BASE), "the other space's entries stay");
            rig.checkAccounting();
            rig.destroy(0, a);
            rig.destroy(0, b);
            rig.checkAllReturned();
        }
    }

    @Test
    void shouldAnswerOnlyAfterEveryCpuAcknowledgedAndFreeFramesThen()
    {
        try (VmRig rig = new VmRig("x86_64", 3))
        {
            final int a = rig.create(0);
            rig.anonymous(a, BASE, PAGE, RW, true);
            rig.switchTo(1, a);
            rig.switchTo(2, a);
            rig.store(1, BASE, 1);
            rig.load(2, BASE);
            final long held = rig.frames.framesHeld();
            final int replies = rig.clients[0].replies.size();

            postUnmap(rig, a, BASE, PAGE);
            rig.cpus[0].doWork();
            assertEquals(replies, rig.clients[0].replies.size(), "no answer before the acknowledgements");
            assertEquals(1, rig.vm.sessionsInUse());
            assertTrue(cached(rig, 1, a, BASE) && cached(rig, 2, a, BASE), "both CPUs still hold the old entry");
            assertEquals(held, rig.frames.framesHeld(), "the frame is not freed while a CPU may still reach it");

            rig.cpus[1].doWork();
            assertFalse(cached(rig, 1, a, BASE));
            rig.cpus[0].doWork();
            assertEquals(replies, rig.clients[0].replies.size(), "CPU 2 has not acknowledged yet");
            assertEquals(held, rig.frames.framesHeld());

            rig.cpus[2].doWork();
            rig.cpus[0].doWork();
            rig.cpus[0].doWork();
            assertEquals(replies + 1, rig.clients[0].replies.size(), "answered after the last acknowledgement");
            assertEquals(held - 1, rig.frames.framesHeld(), "and the frame went back");
            assertFalse(cached(rig, 2, a, BASE));
            assertEquals(0, rig.vm.sessionsInUse());
            rig.checkAccounting();
            rig.destroy(0, a);
            rig.checkAllReturned();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"x86_64", "aarch64", "riscv64"})
    void shouldFlushTheWholeSpaceAboveTheThreshold(final String arch)
    {
        try (VmRig rig = new VmRig(arch, 2))
        {
            final int a = rig.create(0);
            rig.anonymous(a, BASE, 128 * PAGE, RW, true);
            rig.switchTo(1, a);
            rig.load(1, BASE);
            rig.load(1, BASE + 100 * PAGE);

            rig.unmap(0, a, BASE, 32 * PAGE);
            assertEquals(0, rig.vm.wholeSpaceFlushes(), "32 pages: still a range");
            assertTrue(cached(rig, 1, a, BASE + 100 * PAGE));

            rig.unmap(0, a, BASE + 32 * PAGE, 33 * PAGE);
            assertEquals(1, rig.vm.wholeSpaceFlushes(), "33 pages: the whole space");
            assertFalse(cached(rig, 1, a, BASE + 100 * PAGE), "a whole-space flush drops every entry of the space");

            rig.load(1, BASE + 100 * PAGE);
            rig.unmap(0, a, BASE + 65 * PAGE, 2 * PAGE);
            assertEquals(1, rig.vm.wholeSpaceFlushes());
            assertTrue(cached(rig, 1, a, BASE + 100 * PAGE));
            assertEquals(3, rig.tlbs[1].invalidationsHandled(), "one message per shootdown per CPU");
            rig.checkAccounting();
            rig.destroy(0, a);
            rig.checkAllReturned();
        }
    }

    @Test
    void shouldBatchManyChangedRangesIntoOneMessageOrAWholeSpaceFlush()
    {
        try (VmRig rig = new VmRig("riscv64", 2))
        {
            final int a = rig.create(0);
            // Ten one-page regions with holes between them: a fork changes ten separate ranges.
            for (int i = 0; i < 10; i++)
            {
                assertEquals(VmStatus.OK, rig.anonymous(a, BASE + 2 * i * PAGE, PAGE, RW, true).status());
            }
            rig.switchTo(1, a);
            rig.load(1, BASE);
            final long before = rig.tlbs[1].invalidationsHandled();
            final int child = rig.fork(0, a).childAsid();
            assertEquals(before + 1, rig.tlbs[1].invalidationsHandled(), "a fork changing ten ranges: one message");
            assertEquals(1, rig.vm.wholeSpaceFlushes(), "more ranges than a message carries: the whole space");
            rig.load(1, BASE + 18 * PAGE);
            final UnmapReplyDecoder unmapped = rig.unmap(0, a, BASE, 20 * PAGE);
            assertEquals(10, unmapped.pagesUnmapped());
            assertEquals(before + 2, rig.tlbs[1].invalidationsHandled(), "one unmap over ten regions: one message");
            assertEquals(1, rig.vm.wholeSpaceFlushes(), "19 pages in one range stay below the threshold");
            assertFalse(cached(rig, 1, a, BASE + 18 * PAGE));
            rig.checkAccounting();
            rig.destroy(0, child);
            rig.destroy(0, a);
            rig.checkAllReturned();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"x86_64", "aarch64", "riscv64"})
    void shouldInvalidateOnlyWhenProtectTakesRightsAway(final String arch)
    {
        try (VmRig rig = new VmRig(arch, 2))
        {
            final int a = rig.create(0);
            rig.anonymous(a, BASE, 2 * PAGE, RW, true);
            rig.switchTo(1, a);
            rig.store(1, BASE, 5);
            final ProtectReplyDecoder down = rig.protect(0, a, BASE, 2 * PAGE, RO);
            assertEquals(VmStatus.OK, down.status());
            assertEquals(1, down.cpusInvalidated());
            assertFalse(stale(rig, 1, a, BASE));
            assertEquals(-1, rig.touch(1, BASE, 1), "the write is refused at once: no stale writable entry");
            final long shootdowns = rig.vm.shootdowns();
            assertEquals(0, rig.protect(0, a, BASE, 2 * PAGE, RW).cpusInvalidated(), "adding rights needs no shootdown");
            assertEquals(0, rig.protect(0, a, BASE, 2 * PAGE, RW | X).cpusInvalidated());
            assertEquals(shootdowns, rig.vm.shootdowns());
            rig.store(1, BASE, 6);
            assertEquals(1, rig.protect(0, a, BASE, 2 * PAGE, RW).cpusInvalidated(), "taking execute away does");
            rig.checkAccounting();
            rig.destroy(0, a);
            rig.checkAllReturned();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"x86_64", "aarch64", "riscv64"})
    void shouldInvalidateTheOldFrameEverywhereWhenCopyOnWriteBreaks(final String arch)
    {
        try (VmRig rig = new VmRig(arch, 3))
        {
            final int a = rig.create(0);
            rig.anonymous(a, BASE, PAGE, RW, true);
            rig.switchTo(1, a);
            rig.switchTo(2, a);
            rig.store(1, BASE, 5);
            final int child = rig.fork(0, a).childAsid();
            assertFalse(stale(rig, 1, a, BASE) || stale(rig, 2, a, BASE), "the fork's read-only change reached both CPUs");
            assertEquals(5, rig.load(1, BASE));
            assertEquals(5, rig.load(2, BASE));
            final long old = rig.tlbs[2].access(BASE, 0);
            rig.store(1, BASE, 6);
            assertEquals(1, rig.vm.copyOnWriteCopies());
            assertNotEquals(old, rig.tlbs[2].access(BASE, 0), "CPU 2 lost its entry to the old frame");
            assertEquals(6, rig.load(2, BASE), "and sees CPU 1's write");
            rig.switchTo(0, child);
            assertEquals(5, rig.load(0, BASE), "the child keeps the old frame");
            rig.checkAccounting();
            rig.destroy(0, child);
            rig.destroy(0, a);
            rig.checkAllReturned();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"x86_64", "aarch64", "riscv64"})
    void shouldForgetADestroyedSpaceOnEveryCpuBeforeFreeingItsFrames(final String arch)
    {
        try (VmRig rig = new VmRig(arch, 2))
        {
            final int a = rig.create(0);
            rig.anonymous(a, BASE, 4 * PAGE, RW, true);
            rig.switchTo(1, a);
            rig.load(1, BASE);
            final long held = rig.frames.framesHeld();
            rig.post(0, ctx ->
            {
                final org.tessera.messages.vm.AddressSpaceDestroyEncoder e =
                    new org.tessera.messages.vm.AddressSpaceDestroyEncoder();
                VmRig.send(ctx, rig.clients[0], VmRig.vmAddress(), e);
                e.asid(a);
                ctx.commit();
            });
            rig.cpus[0].doWork();
            assertEquals(held, rig.frames.framesHeld(), "pages and tables stay until CPU 1 acknowledged");
            assertEquals(-1, rig.vm.root(a), "but the space is gone for requests");
            rig.cpus[1].doWork();
            rig.cpus[0].doWork();
            assertEquals(0, rig.frames.framesHeld());
            assertEquals(0, rig.tlbs[1].currentAsid());
            assertFalse(rig.tlbs[1].isActive(a));
            assertEquals(TlbService.NO_SPACE, rig.tlbs[1].access(BASE, 0));
            assertFalse(cached(rig, 1, a, BASE));
            rig.checkAllReturned();
        }
    }

    @Test
    void shouldCancelAnActivationOvertakenByTheSpacesDestruction()
    {
        try (VmRig rig = new VmRig("aarch64", 3))
        {
            final int a = rig.create(0);
            final SpaceSwitchReplyDecoder switched = new SpaceSwitchReplyDecoder();
            rig.post(1, ctx ->
            {
                final SpaceSwitchEncoder e = new SpaceSwitchEncoder();
                VmRig.send(ctx, rig.clients[1], TlbService.address(1), e);
                e.asid(a);
                ctx.commit();
            });
            rig.cpus[1].doWork();
            // The destruction's invalidation reaches CPU 1 before the activation's answer.
            rig.post(2, ctx ->
            {
                final TlbInvalidateEncoder e = new TlbInvalidateEncoder();
                VmRig.send(ctx, rig.clients[2], TlbService.address(1), e);
                e.asid(a).scope(InvalidateScope.SPACE_DESTROYED).batchId(0).rangesCount(0);
                ctx.commit();
            });
            rig.cpus[2].doWork();
            rig.cpus[1].doWork();
            rig.cpus[0].doWork();
            rig.cpus[1].doWork();
            rig.cpus[1].doWork();
            final VmRig.Reply r = rig.clients[1].replies.get(rig.clients[1].replies.size() - 1);
            switched.wrap(r.body(), 0, r.blockLength(), r.version());
            assertEquals(VmStatus.NO_SUCH_SPACE, switched.status(), "a cancelled activation is refused");
            assertFalse(rig.tlbs[1].isActive(a));
            assertEquals(TlbService.NO_SPACE, rig.tlbs[1].access(BASE, 0));
            rig.runUntilQuiet();
            rig.switchTo(1, a);
            assertTrue(rig.tlbs[1].isActive(a), "a later switch activates it again");
            rig.destroy(0, a);
            rig.checkAllReturned();
        }
    }

    @Test
    void shouldRetryAnInvalidationRefusedByBackPressureAndStillAnswerOnce()
    {
        try (VmRig rig = new VmRig("riscv64", 2))
        {
            final int a = rig.create(0);
            rig.anonymous(a, BASE, PAGE, RW, true);
            rig.switchTo(1, a);
            rig.load(1, BASE);
            final org.agrona.concurrent.UnsafeBuffer junk =
                new org.agrona.concurrent.UnsafeBuffer(java.nio.ByteBuffer.allocateDirect(256));
            int filled = 0;
            while (rig.cpus[1].inbox().offer(12345, junk, 0, 256))
            {
                filled++;
            }
            assertTrue(filled > 0);
            final int replies = rig.clients[0].replies.size();
            postUnmap(rig, a, BASE, PAGE);
            rig.cpus[0].doWork();
            assertEquals(1, rig.vm.sessionsInUse(), "the invalidation waits for room");
            assertEquals(0, rig.vm.invalidationsSent());
            rig.runUntilQuiet();
            assertEquals(replies + 1, rig.clients[0].replies.size(), "answered exactly once");
            assertEquals(1, rig.vm.invalidationsSent(), "sent once room was made");
            assertEquals(1, rig.tlbs[1].invalidationsHandled());
            assertFalse(cached(rig, 1, a, BASE));
            assertTrue(rig.cpus[1].malformed() > 0, "the junk was drained as malformed records");
            rig.checkAccounting();
            rig.destroy(0, a);
            rig.checkAllReturned();
        }
    }

    @Test
    void shouldCountAnUnknownDestinationAsTheAcknowledgementOfACpuWithoutTlbService()
    {
        // CPU 2 has no TLB service; an actor there activates the space anyway.
        try (VmRig rig = new VmRig("x86_64", 3, 32 * VmRig.MIB, 32, 8, 0b011))
        {
            final int a = rig.create(0);
            rig.anonymous(a, BASE, PAGE, RW, true);
            rig.switchTo(1, a);
            rig.call(2, ctx ->
            {
                final org.tessera.messages.vm.SpaceActivateEncoder e = new org.tessera.messages.vm.SpaceActivateEncoder();
                VmRig.send(ctx, rig.clients[2], VmRig.vmAddress(), e);
                e.asid(a);
                ctx.commit();
            });
            assertEquals(0b110, rig.vm.cpuMask(a));
            final UnmapReplyDecoder reply = rig.unmap(0, a, BASE, PAGE);
            assertEquals(VmStatus.OK, reply.status());
            assertEquals(2, reply.cpusInvalidated(), "CPU 2's runtime answered for it");
            assertEquals(1, rig.cpus[2].unknownDestination());
            assertEquals(0, rig.vm.sessionsInUse());
            rig.destroy(0, a);
            rig.checkAllReturned();
        }
    }

    @Test
    void shouldRefuseAccessesBeforeAnySpaceRunsAndKeepTheWritableBitHonest()
    {
        try (VmRig rig = new VmRig("x86_64", 1))
        {
            assertEquals(TlbService.NO_SPACE, rig.tlbs[0].access(BASE, 0));
            final int a = rig.create(0);
            rig.anonymous(a, BASE, PAGE, RO, true);
            rig.switchTo(0, a);
            rig.load(0, BASE);
            assertEquals(0, rig.tlbs[0].tlb().flags(rig.tlbs[0].tlb().lookup(a, BASE)) & W);
            assertTrue(rig.tlbs[0].access(BASE, 1) < 0, "a write through a read-only entry faults");
            assertFalse(cached(rig, 0, a, BASE), "and the fault discards the entry");
            rig.destroy(0, a);
            rig.checkAllReturned();
        }
    }
}
