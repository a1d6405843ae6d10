package org.tessera.kernel.service.vm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.tessera.kernel.service.vm.VmRig.PAGE;
import static org.tessera.kernel.service.vm.VmRig.R;
import static org.tessera.kernel.service.vm.VmRig.RO;
import static org.tessera.kernel.service.vm.VmRig.RW;
import static org.tessera.kernel.service.vm.VmRig.U;
import static org.tessera.kernel.service.vm.VmRig.W;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.tessera.arch.spi.PageFlags;
import org.tessera.kernel.service.frame.PhysicalLayout;
import org.tessera.messages.vm.AccessKind;
import org.tessera.messages.vm.AddressSpaceDestroyReplyDecoder;
import org.tessera.messages.vm.AddressSpaceForkReplyDecoder;
import org.tessera.messages.vm.FaultReason;
import org.tessera.messages.vm.FaultResult;
import org.tessera.messages.vm.ImageSource;
import org.tessera.messages.vm.PageFaultReplyDecoder;
import org.tessera.messages.vm.RegionKind;
import org.tessera.messages.vm.RegionMapReplyDecoder;
import org.tessera.messages.vm.TranslateReplyDecoder;
import org.tessera.messages.vm.UnmapReplyDecoder;
import org.tessera.messages.vm.VmStatus;

/** The VM service by message, on each page-table format, with the accounting checked after every test. */
class VmServiceTest
{
    static final long BASE = 0x40_0000L;

    @ParameterizedTest
    @ValueSource(strings = {"x86_64", "aarch64", "riscv64"})
    void shouldMapTranslateUnmapAndDestroyReturningEveryFrame(final String arch)
    {
        try (VmRig rig = new VmRig(arch, 1))
        {
            final int asid = rig.create(0);
            assertTrue(asid >= 1);
            final RegionMapReplyDecoder mapped = rig.anonymous(asid, BASE, 4 * PAGE, RW, true);
            assertEquals(VmStatus.OK, mapped.status());
            assertEquals(4, mapped.pagesMapped());
            final TranslateReplyDecoder t = rig.translate(asid, BASE + PAGE + 0x123);
            assertEquals(VmStatus.OK, t.status());
            assertEquals(0x123, t.physicalAddress() & 0xFFF);
            assertEquals(PageFlags.READ | PageFlags.WRITE | PageFlags.USER, t.flags() & (R | W | PageFlags.EXECUTE | U));
            assertEquals(1, t.referenceCount());
            assertEquals(rig.vm.pagesReferenced() + rig.vm.tableFrames(), rig.frames.framesHeld());
            rig.checkAccounting();

            final UnmapReplyDecoder unmapped = rig.unmap(0, asid, BASE, 4 * PAGE);
            assertEquals(VmStatus.OK, unmapped.status());
            assertEquals(4, unmapped.pagesUnmapped());
            assertEquals(VmStatus.NOT_MAPPED, rig.translate(asid, BASE).status());
            assertEquals(0, rig.vm.pagesReferenced());
            rig.checkAccounting();

            final AddressSpaceDestroyReplyDecoder destroyed = rig.destroy(0, asid);
            assertEquals(VmStatus.OK, destroyed.status());
            assertEquals(4, destroyed.framesReleased(), "the four page tables of the emptied space");
            rig.checkAllReturned();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"x86_64", "aarch64", "riscv64"})
    void shouldPopulateAnonymousPagesOnDemandWithZeroedFrames(final String arch)
    {
        try (VmRig rig = new VmRig(arch, 1))
        {
            // Dirty a frame the allocator will hand out again, so zeroing is visible.
            final long dirty = rig.core.allocate(1, PhysicalLayout.ZONE_NORMAL, VmRig.HOG);
            rig.memory.fill(dirty, PAGE, (byte)0x5A);
            rig.core.free(dirty, 1, VmRig.HOG);

            final int asid = rig.create(0);
            assertEquals(0, rig.anonymous(asid, BASE, 16 * PAGE, RW, false).pagesMapped());
            assertEquals(VmStatus.NOT_MAPPED, rig.translate(asid, BASE + 3 * PAGE).status());
            rig.switchTo(0, asid);
            assertEquals(0, rig.load(0, BASE + 3 * PAGE + 8), "a first touch gives a zeroed page");
            rig.store(0, BASE + 3 * PAGE + 8, 42);
            assertEquals(42, rig.load(0, BASE + 3 * PAGE + 8));
            assertEquals(1, rig.vm.demandPages());
            assertEquals(VmStatus.OK, rig.translate(asid, BASE + 3 * PAGE).status());
            assertEquals(VmStatus.NOT_MAPPED, rig.translate(asid, BASE + 4 * PAGE).status(), "neighbours stay untouched");
            rig.checkAccounting();
            assertEquals(VmStatus.OK, rig.destroy(0, asid).status());
            rig.checkAllReturned();
        }
    }

    @Test
    void shouldSplitARegionWhenUnmappingItsMiddle()
    {
        try (VmRig rig = new VmRig("x86_64", 1))
        {
            final int asid = rig.create(0);
            rig.anonymous(asid, BASE, 8 * PAGE, RW, true);
            final UnmapReplyDecoder reply = rig.unmap(0, asid, BASE + 2 * PAGE, 2 * PAGE);
            assertEquals(VmStatus.OK, reply.status());
            assertEquals(2, reply.pagesUnmapped());
            assertEquals(2, rig.vm.regionCount(asid));
            assertEquals(VmStatus.OK, rig.translate(asid, BASE + PAGE).status());
            assertEquals(VmStatus.NOT_MAPPED, rig.translate(asid, BASE + 2 * PAGE).status());
            assertEquals(VmStatus.NOT_MAPPED, rig.translate(asid, BASE + 3 * PAGE).status());
            assertEquals(VmStatus.OK, rig.translate(asid, BASE + 4 * PAGE).status());
            final PageFaultReplyDecoder fault = rig.fault(0, asid, BASE + 2 * PAGE, AccessKind.READ);
            assertEquals(FaultResult.INVALID_ACCESS, fault.result());
            assertEquals(FaultReason.NO_REGION, fault.reason());
            assertEquals(-1, fault.physicalAddress());
            // A hole is ignored; the unmap covers what is there.
            assertEquals(6, rig.unmap(0, asid, BASE - 4 * PAGE, 16 * PAGE).pagesUnmapped());
            assertEquals(0, rig.vm.regionCount(asid));
            rig.checkAccounting();
            rig.destroy(0, asid);
            rig.checkAllReturned();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"x86_64", "aarch64", "riscv64"})
    void shouldProtectPagesAndRefuseAccessesTheProtectionForbids(final String arch)
    {
        try (VmRig rig = new VmRig(arch, 1))
        {
            final int asid = rig.create(0);
            rig.anonymous(asid, BASE, 4 * PAGE, RW, true);
            rig.switchTo(0, asid);
            rig.store(0, BASE + PAGE, 7);
            assertEquals(VmStatus.OK, rig.protect(0, asid, BASE + PAGE, PAGE, RO).status());
            assertEquals(0, rig.translate(asid, BASE + PAGE).flags() & W, "the entry lost write");
            assertEquals(W, rig.translate(asid, BASE).flags() & W, "outside the range nothing changed");
            assertEquals(3, rig.vm.regionCount(asid), "the region was split around the range");
            assertEquals(-1, rig.touch(0, BASE + PAGE, 1), "a write to a read-only page is refused");
            final PageFaultReplyDecoder fault = rig.fault(0, asid, BASE + PAGE, AccessKind.WRITE);
            assertEquals(FaultResult.INVALID_ACCESS, fault.result());
            assertEquals(FaultReason.PROTECTION, fault.reason());
            assertEquals(7, rig.load(0, BASE + PAGE), "reads still work");
            assertEquals(FaultReason.PROTECTION, rig.fault(0, asid, BASE, AccessKind.EXECUTE).reason());
            assertEquals(VmStatus.OK, rig.protect(0, asid, BASE, 4 * PAGE, RW).status());
            rig.store(0, BASE + PAGE, 8);
            assertEquals(8, rig.load(0, BASE + PAGE));
            assertEquals(VmStatus.NOT_MAPPED, rig.protect(0, asid, BASE, 8 * PAGE, RO).status(), "a hole in the range");
            rig.checkAccounting();
            rig.destroy(0, asid);
            rig.checkAllReturned();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"x86_64", "aarch64", "riscv64"})
    void shouldAnswerGuardPageAccessesWithInvalidAccess(final String arch)
    {
        try (VmRig rig = new VmRig(arch, 1))
        {
            final int asid = rig.create(0);
            rig.anonymous(asid, BASE, 4 * PAGE, RW, false);
            final RegionMapReplyDecoder guard = rig.map(0, asid, BASE + 4 * PAGE, PAGE, RegionKind.GUARD, 0, true,
                ImageSource.FRAMES, 0, 0, 0);
            assertEquals(VmStatus.OK, guard.status());
            assertEquals(0, guard.pagesMapped());
            rig.switchTo(0, asid);
            rig.store(0, BASE + 3 * PAGE, 1);
            assertEquals(-1, rig.touch(0, BASE + 4 * PAGE + 16, 1), "running off the end hits the guard");
            final PageFaultReplyDecoder fault = rig.fault(0, asid, BASE + 4 * PAGE, AccessKind.READ);
            assertEquals(FaultResult.INVALID_ACCESS, fault.result());
            assertEquals(FaultReason.GUARD, fault.reason());
            assertEquals(VmStatus.OVERLAP, rig.anonymous(asid, BASE + 4 * PAGE, PAGE, RW, true).status());
            assertEquals(VmStatus.GUARD, rig.protect(0, asid, BASE, 5 * PAGE, RW).status());
            assertEquals(VmStatus.NOT_MAPPED, rig.translate(asid, BASE + 4 * PAGE).status());
            rig.checkAccounting();
            rig.destroy(0, asid);
            rig.checkAllReturned();
        }
    }

    @Test
    void shouldRefuseInvalidRequestsWithStatusReplies()
    {
        try (VmRig rig = new VmRig("x86_64", 1))
        {
            final int asid = rig.create(0);
            assertEquals(VmStatus.INVALID_ARGUMENT, rig.anonymous(asid, BASE + 1, PAGE, RW, true).status());
            assertEquals(VmStatus.INVALID_ARGUMENT, rig.anonymous(asid, BASE, 0, RW, true).status());
            assertEquals(VmStatus.INVALID_ARGUMENT, rig.anonymous(asid, BASE, PAGE + 5, RW, true).status());
            assertEquals(VmStatus.INVALID_ARGUMENT, rig.anonymous(asid, BASE, PAGE, W | U, true).status(), "write without read");
            assertEquals(VmStatus.INVALID_ARGUMENT, rig.anonymous(asid, BASE, PAGE, 0, true).status(), "no right at all");
            assertEquals(VmStatus.INVALID_ARGUMENT, rig.anonymous(asid, BASE, PAGE, RW | PageFlags.GLOBAL, true).status());
            assertEquals(VmStatus.INVALID_ARGUMENT, rig.anonymous(asid, 0x0000_8000_0000_0000L, PAGE, RW, true).status(),
                "non-canonical");
            assertEquals(VmStatus.INVALID_ARGUMENT, rig.anonymous(asid, 0x0000_7FFF_FFFF_F000L, 2 * PAGE, RW, true).status(),
                "runs off the canonical half");
            assertEquals(VmStatus.NO_SUCH_SPACE, rig.anonymous(asid + 1, BASE, PAGE, RW, true).status());
            assertEquals(VmStatus.NO_SUCH_SPACE, rig.anonymous(0, BASE, PAGE, RW, true).status());
            assertEquals(VmStatus.NO_SUCH_SPACE, rig.unmap(0, 9, BASE, PAGE).status());
            assertEquals(VmStatus.NO_SUCH_SPACE, rig.protect(0, 9, BASE, PAGE, RO).status());
            assertEquals(VmStatus.NO_SUCH_SPACE, rig.destroy(0, 9).status());
            assertEquals(VmStatus.NO_SUCH_SPACE, rig.fork(0, 9).status());
            assertEquals(VmStatus.NO_SUCH_SPACE, rig.translate(9, BASE).status());
            assertEquals(FaultReason.NO_SUCH_SPACE, rig.fault(0, 9, BASE, AccessKind.READ).reason());
            assertEquals(FaultReason.BAD_ADDRESS, rig.fault(0, asid, 0x0000_8000_0000_0000L, AccessKind.READ).reason());
            assertEquals(VmStatus.INVALID_ARGUMENT,
                rig.map(0, asid, BASE, PAGE, RegionKind.IMAGE, RW, true, ImageSource.COPY, rig.memory.size(), 0, 0).status(),
                "copy source outside memory");
            assertEquals(VmStatus.NOT_MAPPED,
                rig.map(0, asid, BASE, PAGE, RegionKind.SHARED, RW, true, ImageSource.FRAMES, 0, asid, BASE + PAGE).status(),
                "a shared source range must lie in a shared region");
            assertEquals(0, rig.vm.regionCount(asid), "refused requests change nothing");
            rig.checkAccounting();
            rig.destroy(0, asid);
            rig.checkAllReturned();
        }
    }

    @Test
    void shouldRunOutOfRegionsAndSpacesWithErrorReplies()
    {
        try (VmRig rig = new VmRig("riscv64", 1))
        {
            final int asid = rig.create(0);
            for (int i = 0; i < 16; i++)
            {
                assertEquals(VmStatus.OK, rig.anonymous(asid, BASE + i * 4 * PAGE, 2 * PAGE, RW, false).status());
            }
            assertEquals(VmStatus.TOO_MANY_REGIONS, rig.anonymous(asid, BASE + 100 * PAGE, PAGE, RW, false).status());
            assertEquals(VmStatus.TOO_MANY_REGIONS, rig.unmap(0, asid, BASE + PAGE, PAGE).status(), "a split needs a slot");
            final UnmapReplyDecoder whole = rig.unmap(0, asid, BASE, 4 * PAGE);
            assertEquals(VmStatus.OK, whole.status(), "removing whole regions needs no slot");
            assertEquals(0, whole.pagesUnmapped(), "nothing was touched yet");
            assertEquals(15, rig.vm.regionCount(asid));
            for (int i = 2; i <= 16; i++)
            {
                rig.create(0);
            }
            final AddressSpaceForkReplyDecoder fork = rig.fork(0, asid);
            assertEquals(VmStatus.TOO_MANY_SPACES, fork.status());
            assertEquals(0, fork.childAsid());
            rig.checkAccounting();
            for (int i = 1; i <= 16; i++)
            {
                assertEquals(VmStatus.OK, rig.destroy(0, i).status());
            }
            rig.checkAllReturned();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"x86_64", "aarch64", "riscv64"})
    void shouldMapImageFramesWithoutOwningThemAndCopyImagesIntoOwnFrames(final String arch)
    {
        try (VmRig rig = new VmRig(arch, 1))
        {
            final long image = rig.core.allocate(2, PhysicalLayout.ZONE_NORMAL, VmRig.HOG);
            rig.memory.putLong(image, 0x1111);
            rig.memory.putLong(image + PAGE, 0x2222);
            final int asid = rig.create(0);
            assertEquals(VmStatus.OK,
                rig.map(0, asid, BASE, 2 * PAGE, RegionKind.IMAGE, RW, false, ImageSource.FRAMES, image, 0, 0).status());
            assertEquals(VmStatus.OK,
                rig.map(0, asid, BASE + 8 * PAGE, 2 * PAGE, RegionKind.IMAGE, RW, true, ImageSource.COPY, image, 0, 0).status());
            rig.switchTo(0, asid);
            assertEquals(image + PAGE, rig.touch(0, BASE + PAGE, 0), "FRAMES maps the given frame itself");
            assertEquals(0, rig.translate(asid, BASE + PAGE).referenceCount(), "not the VM's frame");
            assertEquals(0x2222, rig.load(0, BASE + 8 * PAGE + PAGE), "COPY starts as a copy");
            assertNotEquals(image + PAGE, rig.translate(asid, BASE + 9 * PAGE).physicalAddress() & -PAGE);
            rig.store(0, BASE + 8 * PAGE, 0x3333);
            assertEquals(0x1111, rig.memory.getLong(image), "the copy is private");
            rig.store(0, BASE, 0x4444);
            assertEquals(0x4444, rig.memory.getLong(image), "FRAMES writes reach the given frame");
            assertEquals(VmStatus.INVALID_ARGUMENT,
                rig.map(0, asid, BASE + 20 * PAGE, PAGE, RegionKind.IMAGE, RW, true, ImageSource.FRAMES,
                    rig.translate(asid, BASE + 8 * PAGE).physicalAddress() & -PAGE, 0, 0).status(),
                "a frame the VM owns cannot be mapped as a given frame");
            rig.checkAccounting();
            rig.destroy(0, asid);
            assertEquals(VmRig.HOG, rig.core.ownerOf(image), "given frames are never freed by the VM");
            assertEquals(0, rig.frames.framesHeld());
            rig.core.free(image, 2, VmRig.HOG);
            rig.checkAllReturned();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"x86_64", "aarch64", "riscv64"})
    void shouldReplyNoMemoryAndTakeBackAPartlyPopulatedEagerMap(final String arch)
    {
        try (VmRig rig = new VmRig(arch, 1))
        {
            final int asid = rig.create(0);
            rig.anonymous(asid, BASE, PAGE, RW, true);
            // Hog every frame, then give back three: the region needs eight.
            final java.util.List<Long> hog = new java.util.ArrayList<>();
            long pa;
            while ((pa = rig.core.allocate(1, PhysicalLayout.ZONE_NORMAL, VmRig.HOG)) >= 0)
            {
                hog.add(pa);
            }
            for (int i = 0; i < 3; i++)
            {
                rig.core.free(hog.remove(hog.size() - 1), 1, VmRig.HOG);
            }
            final RegionMapReplyDecoder reply = rig.anonymous(asid, BASE + 16 * PAGE, 8 * PAGE, RW, true);
            assertEquals(VmStatus.NO_MEMORY, reply.status());
            assertEquals(0, reply.pagesMapped());
            assertEquals(1, rig.vm.regionCount(asid), "the region is gone again");
            assertEquals(1, rig.vm.pagesReferenced());
            rig.checkAccounting();

            rig.anonymous(asid, BASE + 32 * PAGE, 64 * PAGE, RW, false);
            PageFaultReplyDecoder fault = null;
            for (int i = 0; i < 64; i++)
            {
                fault = rig.fault(0, asid, BASE + (32 + i) * PAGE, AccessKind.WRITE);
                if (fault.result() != FaultResult.RESOLVED)
                {
                    break;
                }
            }
            assertEquals(FaultResult.NO_MEMORY, fault.result(), "demand paging runs out: an error reply, no crash");
            rig.checkAccounting();
            for (final long h : hog)
            {
                rig.core.free(h, 1, VmRig.HOG);
            }
            final AddressSpaceForkReplyDecoder fork = rig.fork(0, asid);
            assertEquals(VmStatus.OK, fork.status());
            rig.destroy(0, fork.childAsid());
            rig.destroy(0, asid);
            rig.checkAllReturned();
        }
    }

    @Test
    void shouldAnswerBusyWhenEverySessionIsTakenAndChangeNothing()
    {
        // One session, and a shootdown that cannot complete until CPU 1 runs.
        try (VmRig rig = new VmRig("aarch64", 2, 32 * VmRig.MIB, 32, 1))
        {
            final int asid = rig.create(0);
            rig.anonymous(asid, BASE, 2 * PAGE, RW, true);
            rig.switchTo(1, asid);
            rig.post(0, ctx ->
            {
                final org.tessera.messages.vm.UnmapEncoder e = new org.tessera.messages.vm.UnmapEncoder();
                VmRig.send(ctx, rig.clients[0], VmRig.vmAddress(), e);
                e.asid(asid).virtualAddress(BASE).length(PAGE);
                ctx.commit();
            });
            rig.cpus[0].doWork();
            assertEquals(1, rig.vm.sessionsInUse());
            final int before = rig.clients[0].replies.size();
            final org.tessera.messages.vm.TranslateReplyDecoder busy = new org.tessera.messages.vm.TranslateReplyDecoder();
            rig.post(0, ctx ->
            {
                final org.tessera.messages.vm.TranslateEncoder e = new org.tessera.messages.vm.TranslateEncoder();
                VmRig.send(ctx, rig.clients[0], VmRig.vmAddress(), e);
                e.asid(asid).virtualAddress(BASE + PAGE);
                ctx.commit();
            });
            rig.cpus[0].doWork();
            assertEquals(before + 1, rig.clients[0].replies.size(), "only the BUSY reply so far");
            final VmRig.Reply r = rig.clients[0].replies.get(before);
            busy.wrap(r.body(), 0, r.blockLength(), r.version());
            assertEquals(VmStatus.BUSY, busy.status());
            assertEquals(1, rig.vm.busyReplies());
            rig.runUntilQuiet();
            assertEquals(before + 2, rig.clients[0].replies.size(), "the unmap completes once CPU 1 acknowledged");
            rig.checkAccounting();
            rig.destroy(0, asid);
            rig.checkAllReturned();
        }
    }

    @Test
    void shouldMatchTheSchemaValuesTheServiceRelies()
    {
        assertEquals(org.tessera.arch.spi.AccessKind.READ, AccessKind.READ.value());
        assertEquals(org.tessera.arch.spi.AccessKind.WRITE, AccessKind.WRITE.value());
        assertEquals(org.tessera.arch.spi.AccessKind.EXECUTE, AccessKind.EXECUTE.value());
        assertEquals(VmService.PROTECTION_BITS, PageFlags.READ | PageFlags.WRITE | PageFlags.EXECUTE | PageFlags.USER);
    }
}
