package org.tessera.kernel.service.vm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.tessera.kernel.service.vm.VmRig.PAGE;
import static org.tessera.kernel.service.vm.VmRig.RO;
import static org.tessera.kernel.service.vm.VmRig.RW;
import static org.tessera.kernel.service.vm.VmRig.U;
import static org.tessera.kernel.service.vm.VmRig.W;
import static org.tessera.kernel.service.vm.VmRig.X;

import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.tessera.arch.spi.PageFlags;
import org.tessera.kernel.service.frame.PhysicalLayout;
import org.tessera.kernel.service.vm.VmRig.Initial;
import org.tessera.messages.vm.AccessKind;
import org.tessera.messages.vm.AddressSpaceCreateReplyDecoder;
import org.tessera.messages.vm.AddressSpaceCreateReplyEncoder;
import org.tessera.messages.vm.FaultReason;
import org.tessera.messages.vm.FaultResult;
import org.tessera.messages.vm.PageFaultReplyDecoder;
import org.tessera.messages.vm.RegionKind;
import org.tessera.messages.vm.VmStatus;

/**
 * What processes need of the VM service (vm.xml version 1): a space built with its regions in
 * one request, its root in the reply, leaves filled accessed (and dirty when writable) for an
 * MMU that faults instead of setting them, faults of an unknown access kind, and adjacent
 * anonymous regions kept as one.
 */
class ProcessSpaceTest
{
    static final long BASE = 0x40_0000L;
    static final long STACK = 0x7FFF_FFFF_F000L;
    static final int RX = RO | X;
    static final int A = PageFlags.ACCESSED;
    static final int D = PageFlags.DIRTY;

    @ParameterizedTest
    @ValueSource(strings = {"x86_64", "aarch64", "riscv64"})
    void shouldBuildASpaceWithItsRegionsInOneRequest(final String arch)
    {
        try (VmRig rig = new VmRig(arch, 1))
        {
            final AddressSpaceCreateReplyDecoder reply = rig.build(0,
                new Initial(BASE, 2 * PAGE, RegionKind.ANONYMOUS, RX, true),
                new Initial(BASE + 2 * PAGE, PAGE, RegionKind.ANONYMOUS, RW, true),
                new Initial(STACK - 2 * PAGE, 2 * PAGE, RegionKind.ANONYMOUS, RW, true),
                new Initial(STACK - 64 * PAGE, 62 * PAGE, RegionKind.ANONYMOUS, RW, false),
                new Initial(STACK - 65 * PAGE, PAGE, RegionKind.GUARD, 0, false));
            assertEquals(VmStatus.OK, reply.status());
            final int asid = reply.asid();
            assertEquals(rig.vm.root(asid), reply.root(), "the reply names the root a CPU loads");
            assertEquals(4, rig.vm.regionCount(asid), "the stack's eager top and demand reserve are one region");
            assertEquals(5, rig.vm.pagesReferenced(), "eager regions populated, the reserve not");
            assertEquals(RX | A, rig.translate(asid, BASE + PAGE).flags() & (RW | X | A | D));
            final PageFaultReplyDecoder growth = rig.fault(0, asid, STACK - 10 * PAGE, AccessKind.WRITE);
            assertEquals(FaultResult.RESOLVED, growth.result());
            assertEquals(FaultReason.GUARD, rig.fault(0, asid, STACK - 65 * PAGE, AccessKind.READ).reason());
            rig.checkAccounting();
            assertEquals(VmStatus.OK, rig.destroy(0, asid).status());
            rig.checkAllReturned();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"x86_64", "aarch64", "riscv64"})
    void shouldBuildNothingWhenARegionCannotBeAdded(final String arch)
    {
        try (VmRig rig = new VmRig(arch, 1))
        {
            final AddressSpaceCreateReplyDecoder overlap = rig.build(0,
                new Initial(BASE, 4 * PAGE, RegionKind.ANONYMOUS, RW, true),
                new Initial(BASE + 3 * PAGE, 4 * PAGE, RegionKind.ANONYMOUS, RW, true));
            assertEquals(VmStatus.OVERLAP, overlap.status());
            assertEquals(0, overlap.asid());
            assertEquals(-1, overlap.root());
            rig.checkAllReturned();

            assertEquals(VmStatus.INVALID_ARGUMENT, rig.build(0,
                new Initial(BASE, PAGE, RegionKind.ANONYMOUS, RW, true),
                new Initial(BASE + PAGE, PAGE, RegionKind.SHARED, RW, true)).status(), "shared needs a RegionMap");
            assertEquals(VmStatus.INVALID_ARGUMENT, rig.build(0,
                new Initial(BASE + 1, PAGE, RegionKind.ANONYMOUS, RW, true)).status());
            rig.checkAllReturned();

            // out of frames part way through the second region: the first one's pages go back too
            final java.util.List<Long> hog = new java.util.ArrayList<>();
            long pa;
            while ((pa = rig.core.allocate(1, PhysicalLayout.ZONE_NORMAL, VmRig.HOG)) >= 0)
            {
                hog.add(pa);
            }
            for (int i = 0; i < 12; i++)
            {
                rig.core.free(hog.remove(hog.size() - 1), 1, VmRig.HOG);
            }
            final long free = rig.core.freeFrames();
            assertEquals(VmStatus.NO_MEMORY, rig.build(0,
                new Initial(BASE, 4 * PAGE, RegionKind.ANONYMOUS, RW, true),
                new Initial(STACK - 16 * PAGE, 16 * PAGE, RegionKind.ANONYMOUS, RW, true)).status());
            assertEquals(free, rig.core.freeFrames(), "every page and table of the half-built space is back");
            for (final long h : hog)
            {
                rig.core.free(h, 1, VmRig.HOG);
            }
            rig.checkAllReturned();
        }
    }

    @Test
    void shouldAnswerTheRootOfACreatedSpace()
    {
        try (VmRig rig = new VmRig("riscv64", 1))
        {
            final AddressSpaceCreateReplyDecoder reply = rig.createReply(0);
            assertEquals(VmStatus.OK, reply.status());
            assertTrue(reply.root() >= 0);
            assertEquals(rig.vm.root(reply.asid()), reply.root());
            rig.destroy(0, reply.asid());
            rig.checkAllReturned();
        }
    }

    @Test
    void shouldDecodeAVersionZeroCreateReplyAsHavingNoRoot()
    {
        final UnsafeBuffer buffer = new UnsafeBuffer(new byte[64]);
        new AddressSpaceCreateReplyEncoder().wrap(buffer, 0).status(VmStatus.OK).asid(3).root(0x1000);
        // version 0 ends before the root: a version-0 sender's reply is read without one
        final int v0BlockLength = AddressSpaceCreateReplyEncoder.BLOCK_LENGTH - 8;
        final AddressSpaceCreateReplyDecoder old = new AddressSpaceCreateReplyDecoder().wrap(buffer, 0, v0BlockLength, 0);
        assertEquals(3, old.asid());
        assertEquals(AddressSpaceCreateReplyDecoder.rootNullValue(), old.root());
        final AddressSpaceCreateReplyDecoder now = new AddressSpaceCreateReplyDecoder()
            .wrap(buffer, 0, AddressSpaceCreateReplyEncoder.BLOCK_LENGTH, 1);
        assertEquals(0x1000, now.root());
    }

    @ParameterizedTest
    @ValueSource(strings = {"x86_64", "aarch64", "riscv64"})
    void shouldFillLeavesAccessedAndWritableOnesDirty(final String arch)
    {
        try (VmRig rig = new VmRig(arch, 1))
        {
            final int asid = rig.create(0);
            rig.anonymous(asid, BASE, PAGE, RW, true);
            rig.anonymous(asid, BASE + 2 * PAGE, PAGE, RO, true);
            rig.anonymous(asid, BASE + 4 * PAGE, PAGE, RW, false);
            assertEquals(A | D, rig.translate(asid, BASE).flags() & (A | D));
            assertEquals(A, rig.translate(asid, BASE + 2 * PAGE).flags() & (A | D));
            assertEquals(FaultResult.RESOLVED, rig.fault(0, asid, BASE + 4 * PAGE, AccessKind.READ).result());
            assertEquals(A | D, rig.translate(asid, BASE + 4 * PAGE).flags() & (A | D), "a demand page too");
            rig.destroy(0, asid);
            rig.checkAllReturned();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"x86_64", "aarch64", "riscv64"})
    void shouldSetTheDirtyStateOnAWriteFaultToAPageMadeWritable(final String arch)
    {
        try (VmRig rig = new VmRig(arch, 1))
        {
            final int asid = rig.create(0);
            rig.anonymous(asid, BASE, 2 * PAGE, RO, true);
            assertEquals(VmStatus.OK, rig.protect(0, asid, BASE, 2 * PAGE, RW).status());
            assertEquals(W | A, rig.translate(asid, BASE).flags() & (W | A | D), "protect keeps the state bits");
            // an MMU that does not set D faults on the first store: the VM sets it
            assertEquals(FaultResult.RESOLVED, rig.fault(0, asid, BASE + 8, AccessKind.WRITE).result());
            assertEquals(W | A | D, rig.translate(asid, BASE).flags() & (W | A | D));
            assertEquals(FaultResult.RESOLVED, rig.fault(0, asid, BASE + PAGE, AccessKind.UNKNOWN).result());
            assertEquals(W | A | D, rig.translate(asid, BASE + PAGE).flags() & (W | A | D), "unknown: all it may get");
            rig.destroy(0, asid);
            rig.checkAllReturned();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"x86_64", "aarch64", "riscv64"})
    void shouldRefuseAFaultOfUnknownKindOnlyWhenThePageLackedNothing(final String arch)
    {
        try (VmRig rig = new VmRig(arch, 1))
        {
            final int asid = rig.create(0);
            rig.anonymous(asid, BASE, 4 * PAGE, RW, false);
            rig.anonymous(asid, BASE + 8 * PAGE, PAGE, RO | U, true);
            PageFaultReplyDecoder f = rig.fault(0, asid, BASE + 16, AccessKind.UNKNOWN);
            assertEquals(FaultResult.RESOLVED, f.result(), "not there yet: populated");
            assertEquals(1, rig.vm.demandPages());
            f = rig.fault(0, asid, BASE + 16, AccessKind.UNKNOWN);
            assertEquals(FaultResult.INVALID_ACCESS, f.result(), "there with all it may have: the access was wrong");
            assertEquals(FaultReason.PROTECTION, f.reason());
            assertEquals(FaultReason.PROTECTION, rig.fault(0, asid, BASE + 8 * PAGE, AccessKind.UNKNOWN).reason());
            assertEquals(FaultReason.NO_REGION, rig.fault(0, asid, BASE + 32 * PAGE, AccessKind.UNKNOWN).reason());

            // a copy-on-write page lacks write access its region allows: an unknown fault breaks the share
            rig.anonymous(asid, BASE + 16 * PAGE, PAGE, RW, true);
            final int child = rig.fork(0, asid).childAsid();
            assertEquals(FaultResult.RESOLVED, rig.fault(0, child, BASE + 16 * PAGE, AccessKind.UNKNOWN).result());
            assertEquals(1, rig.vm.copyOnWriteCopies());
            assertEquals(W, rig.translate(child, BASE + 16 * PAGE).flags() & W);
            rig.checkAccounting();
            rig.destroy(0, child);
            rig.destroy(0, asid);
            rig.checkAllReturned();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"x86_64", "aarch64", "riscv64"})
    void shouldKeepAdjacentAnonymousRegionsOfOneProtectionAsOne(final String arch)
    {
        try (VmRig rig = new VmRig(arch, 1))
        {
            final int asid = rig.create(0);
            rig.anonymous(asid, BASE, 2 * PAGE, RW, true);
            rig.anonymous(asid, BASE + 2 * PAGE, 2 * PAGE, RW, true);
            assertEquals(1, rig.vm.regionCount(asid), "a heap growing up");
            rig.anonymous(asid, BASE - 2 * PAGE, 2 * PAGE, RW, false);
            assertEquals(1, rig.vm.regionCount(asid), "mappings growing down");
            rig.anonymous(asid, BASE + 4 * PAGE, PAGE, RO, true);
            assertEquals(2, rig.vm.regionCount(asid), "another protection stays apart");
            rig.anonymous(asid, BASE + 6 * PAGE, PAGE, RW, true);
            rig.anonymous(asid, BASE + 5 * PAGE, PAGE, RW, true);
            assertEquals(3, rig.vm.regionCount(asid), "a page next to one of its protection joins it");
            assertEquals(VmStatus.OK, rig.unmap(0, asid, BASE + PAGE, PAGE).status());
            assertEquals(4, rig.vm.regionCount(asid));
            assertEquals(VmStatus.NOT_MAPPED, rig.translate(asid, BASE + PAGE).status());
            assertEquals(VmStatus.OK, rig.translate(asid, BASE + 2 * PAGE).status());
            assertEquals(FaultResult.RESOLVED, rig.fault(0, asid, BASE - PAGE, AccessKind.WRITE).result(),
                "the merged demand part still pages in");
            rig.checkAccounting();
            rig.destroy(0, asid);
            rig.checkAllReturned();
        }
    }
}
