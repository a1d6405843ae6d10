package org.tessera.kernel.service.vm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.tessera.kernel.service.vm.VmRig.PAGE;
import static org.tessera.kernel.service.vm.VmRig.RW;
import static org.tessera.kernel.service.vm.VmRig.W;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.tessera.messages.vm.AddressSpaceForkReplyDecoder;
import org.tessera.messages.vm.ImageSource;
import org.tessera.messages.vm.RegionKind;
import org.tessera.messages.vm.TranslateReplyDecoder;
import org.tessera.messages.vm.VmStatus;

/** Fork-style sharing: copy-on-write of private pages, sharing of SHARED pages, reference counts, frames returned. */
class CopyOnWriteTest
{
    static final long BASE = 0x1000_0000L;

    @ParameterizedTest
    @ValueSource(strings = {"x86_64", "aarch64", "riscv64"})
    void shouldCopyOnWriteSoThatParentAndChildNeverSeeEachOthersWrites(final String arch)
    {
        try (VmRig rig = new VmRig(arch, 2))
        {
            final int parent = rig.create(0);
            rig.anonymous(parent, BASE, 4 * PAGE, RW, true);
            rig.switchTo(0, parent);
            for (int i = 0; i < 4; i++)
            {
                rig.store(0, BASE + i * PAGE, 100 + i);
            }
            final long framesBefore = rig.frames.framesHeld();
            final AddressSpaceForkReplyDecoder fork = rig.fork(0, parent);
            assertEquals(VmStatus.OK, fork.status());
            final int child = fork.childAsid();
            assertEquals(4, fork.pagesShared());
            assertEquals(framesBefore + 4, rig.frames.framesHeld(), "the child costs only its four page tables");
            for (int i = 0; i < 4; i++)
            {
                final TranslateReplyDecoder p = rig.translate(parent, BASE + i * PAGE);
                final long parentFrame = p.physicalAddress();
                final int parentFlags = p.flags();
                final TranslateReplyDecoder c = rig.translate(child, BASE + i * PAGE);
                assertEquals(parentFrame, c.physicalAddress(), "shared frame");
                assertEquals(2, c.referenceCount());
                assertEquals(0, parentFlags & W, "parent read-only");
                assertEquals(0, c.flags() & W, "child read-only");
            }
            rig.checkAccounting();

            rig.switchTo(1, child);
            assertEquals(101, rig.load(1, BASE + PAGE), "the child reads the parent's data");
            rig.store(1, BASE + PAGE, 999);
            assertEquals(1, rig.vm.copyOnWriteCopies());
            assertEquals(999, rig.load(1, BASE + PAGE));
            assertEquals(101, rig.load(0, BASE + PAGE), "the child's write does not reach the parent");
            assertNotEquals(rig.translate(parent, BASE + PAGE).physicalAddress(), rig.translate(child, BASE + PAGE).physicalAddress());
            assertEquals(1, rig.translate(parent, BASE + PAGE).referenceCount(), "the count dropped");

            rig.store(0, BASE + PAGE, 555);
            assertEquals(1, rig.vm.copyOnWriteCopies(), "at count 1 the parent's write makes the page writable, no copy");
            assertEquals(1, rig.vm.copyOnWriteReuses());
            rig.store(0, BASE + 2 * PAGE, 777);
            assertEquals(2, rig.vm.copyOnWriteCopies());
            assertEquals(102, rig.load(1, BASE + 2 * PAGE), "the parent's write does not reach the child");
            assertEquals(999, rig.load(1, BASE + PAGE));
            assertEquals(555, rig.load(0, BASE + PAGE));
            rig.checkAccounting();

            assertEquals(VmStatus.OK, rig.destroy(0, child).status());
            assertEquals(1, rig.translate(parent, BASE + 3 * PAGE).referenceCount(), "the child's references are gone");
            rig.checkAccounting();
            assertEquals(VmStatus.OK, rig.destroy(0, parent).status());
            rig.checkAllReturned();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"x86_64", "aarch64", "riscv64"})
    void shouldShareSharedRegionsWritablyAcrossSpacesAndForks(final String arch)
    {
        try (VmRig rig = new VmRig(arch, 2))
        {
            final int a = rig.create(0);
            final int b = rig.create(0);
            assertEquals(VmStatus.OK, rig.map(0, a, BASE, 2 * PAGE, RegionKind.SHARED, RW, false, ImageSource.FRAMES, 0, 0, 0).status());
            assertEquals(VmStatus.OK,
                rig.map(0, b, 0x7000_0000L, 2 * PAGE, RegionKind.SHARED, RW, false, ImageSource.FRAMES, 0, a, BASE).status());
            assertEquals(2, rig.translate(a, BASE).referenceCount());
            rig.switchTo(0, a);
            rig.switchTo(1, b);
            rig.store(1, 0x7000_0000L + PAGE + 8, 31);
            assertEquals(31, rig.load(0, BASE + PAGE + 8), "a write in one space is seen in the other");
            final int child = rig.fork(0, a).childAsid();
            assertEquals(3, rig.translate(a, BASE).referenceCount(), "a fork shares, never copies, shared pages");
            assertEquals(W, rig.translate(child, BASE).flags() & W, "still writable after the fork");
            rig.switchTo(0, child);
            rig.store(0, BASE + PAGE + 8, 32);
            assertEquals(32, rig.load(1, 0x7000_0000L + PAGE + 8));
            assertEquals(0, rig.vm.copyOnWriteCopies());
            rig.checkAccounting();
            rig.destroy(0, a);
            assertEquals(32, rig.load(1, 0x7000_0000L + PAGE + 8), "the frames live while any space maps them");
            rig.destroy(0, child);
            rig.destroy(0, b);
            rig.checkAllReturned();
        }
    }

    static List<Arguments> seeds()
    {
        final List<Arguments> list = new ArrayList<>();
        for (final String arch : new String[]{"x86_64", "aarch64", "riscv64"})
        {
            for (long seed = 1; seed <= 4; seed++)
            {
                list.add(Arguments.of(arch, seed * 0x9E3779B97F4A7C15L));
            }
        }
        return list;
    }

    /**
     * A random history of forks, writes, reads, unmaps and destroys over a family of spaces,
     * checked against a model in which every space has its own copy of every page.
     */
    @ParameterizedTest(name = "{0} seed {1}")
    @MethodSource("seeds")
    void shouldKeepEverySpacesViewPrivateThroughRandomForkHistories(final String arch, final long seed)
    {
        System.out.println("CopyOnWriteTest seed " + seed + " arch " + arch);
        final Random random = new Random(seed);
        final int pages = 8;
        try (VmRig rig = new VmRig(arch, 2))
        {
            final Map<Integer, long[]> model = new HashMap<>();
            final int first = rig.create(0);
            rig.anonymous(first, BASE, pages * PAGE, RW, random.nextBoolean());
            model.put(first, new long[pages]);
            for (int step = 0; step < 120; step++)
            {
                final List<Integer> live = new ArrayList<>(model.keySet());
                final int asid = live.get(random.nextInt(live.size()));
                final int cpu = random.nextInt(2);
                final int page = random.nextInt(pages);
                final int action = random.nextInt(10);
                if (action < 4)
                {
                    final long value = random.nextLong();
                    rig.switchTo(cpu, asid);
                    rig.store(cpu, BASE + page * PAGE, value);
                    model.get(asid)[page] = value;
                }
                else if (action < 7)
                {
                    rig.switchTo(cpu, asid);
                    assertEquals(model.get(asid)[page], rig.load(cpu, BASE + page * PAGE), "space " + asid + " page " + page);
                }
                else if (action < 9 && live.size() < 8)
                {
                    final AddressSpaceForkReplyDecoder fork = rig.fork(cpu, asid);
                    assertEquals(VmStatus.OK, fork.status());
                    model.put(fork.childAsid(), model.get(asid).clone());
                }
                else if (live.size() > 1)
                {
                    assertEquals(VmStatus.OK, rig.destroy(cpu, asid).status());
                    model.remove(asid);
                }
                rig.checkAccounting();
            }
            for (final Map.Entry<Integer, long[]> e : model.entrySet())
            {
                rig.switchTo(0, e.getKey());
                for (int page = 0; page < pages; page++)
                {
                    assertEquals(e.getValue()[page], rig.load(0, BASE + page * PAGE));
                }
            }
            for (final int asid : model.keySet())
            {
                rig.destroy(0, asid);
            }
            rig.checkAllReturned();
        }
    }
}
