package org.tessera.arch.spi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.stream.LongStream;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Behaviour every {@link PageTableFormat} must have, run once per format by a subclass in
 * the format's package (which adds the bit-exact checks of its own encoding).
 */
public abstract class PageTableFormatContractTest
{
    /** Size of the physical memory the tables live in. */
    protected static final long MEMORY_SIZE = 8L << 20;

    protected PhysicalMemory memory;
    protected PageTableFormat format;
    protected CountingFrames frames;
    protected long root;

    /** @return the format under test over {@code memory}. */
    protected abstract PageTableFormat create(PhysicalMemory memory);

    /** @return true when every mapping is readable whatever its READ flag (x86_64, AArch64). */
    protected abstract boolean alwaysReadable();

    /** @return true when {@link PageFlags#DEVICE} is encoded in entries. */
    protected abstract boolean encodesDevice();

    /** @return true when the format has a sign-extended upper half. */
    protected abstract boolean upperHalf();

    /** @return addresses the format must refuse as outside its range. */
    protected abstract long[] nonCanonicalAddresses();

    /** @return the largest page size the format supports. */
    protected abstract long largestPageSize();

    static LongStream seeds()
    {
        return LongStream.of(1, 7, 42, 1234, 0xC0FFEE);
    }

    @BeforeEach
    void setUp()
    {
        memory = new PhysicalMemory(MEMORY_SIZE);
        format = create(memory);
        frames = new CountingFrames(memory, 0x1000, MEMORY_SIZE);
        root = format.createRoot(frames);
        assertTrue(root > 0);
    }

    @AfterEach
    void tearDown()
    {
        memory.close();
    }

    /** @return the page sizes the format supports, smallest first. */
    protected final List<Long> pageSizes()
    {
        final List<Long> sizes = new ArrayList<>();
        for (long size = PageTableFormat.SIZE_4K; size <= largestPageSize(); size <<= 9)
        {
            sizes.add(size);
        }
        return sizes;
    }

    @Test
    void shouldMapTranslateAndUnmapEveryPageSize()
    {
        final int flags = PageFlags.READ | PageFlags.WRITE | PageFlags.USER;
        for (final long size : pageSizes())
        {
            final long va = 3 * size;
            final long pa = 5 * size;
            assertTrue(format.supportsPageSize(size));
            assertEquals(PageTableStatus.OK, format.map(root, va, pa, size, flags, frames), "map " + size);
            assertEquals(pa, format.translate(root, va, AccessKind.READ, true));
            assertEquals(pa + size / 2 + 8, format.translate(root, va + size / 2 + 8, AccessKind.WRITE, true));
            assertEquals(pa + size - 1, format.translate(root, va + size - 1, AccessKind.READ, false));
            assertEquals(PageTableStatus.NOT_MAPPED, format.translate(root, va + size, AccessKind.READ, false));
            assertEquals(PageTableStatus.NOT_MAPPED, format.translate(root, va - 1, AccessKind.READ, false));
            assertEquals(size, format.pageSize(root, va + size / 2));
            assertEquals(pa + size / 2, format.physicalAddress(root, va + size / 2));
            assertEquals(pa, format.unmap(root, va, size));
            assertEquals(PageTableStatus.NOT_MAPPED, format.translate(root, va, AccessKind.READ, false));
            assertEquals(PageTableStatus.NOT_MAPPED, format.unmap(root, va, 0));
        }
        assertEquals(format.tableCount(root), format.releaseAll(root, frames));
        assertEquals(0, frames.outstanding());
    }

    @Test
    void shouldRefuseUnsupportedPageSizes()
    {
        assertEquals(PageTableStatus.BAD_SIZE, format.map(root, 0, 0, 8192, PageFlags.READ, frames));
        assertEquals(PageTableStatus.BAD_SIZE, format.map(root, 0, 0, 0, PageFlags.READ, frames));
        final boolean tera = largestPageSize() == PageTableFormat.SIZE_512G;
        assertEquals(tera, format.supportsPageSize(PageTableFormat.SIZE_512G));
        if (!tera)
        {
            assertEquals(
                PageTableStatus.BAD_SIZE,
                format.map(root, 0, 0, PageTableFormat.SIZE_512G, PageFlags.READ, frames));
        }
    }

    @Test
    void shouldRefuseMisalignedAddresses()
    {
        for (final long size : pageSizes())
        {
            assertEquals(PageTableStatus.MISALIGNED, format.map(root, size + size / 2, 0, size, PageFlags.READ, frames));
            assertEquals(PageTableStatus.MISALIGNED, format.map(root, size, size / 2, size, PageFlags.READ, frames));
            assertEquals(PageTableStatus.MISALIGNED, format.map(root, size, size - 1, size, PageFlags.READ, frames));
        }
        assertEquals(1, frames.outstanding(), "nothing allocated for refused maps");
    }

    @Test
    void shouldRefuseNonCanonicalAndOutOfRangeAddresses()
    {
        for (final long va : nonCanonicalAddresses())
        {
            assertTrue(!format.isCanonical(va));
            assertEquals(PageTableStatus.BAD_ADDRESS, format.map(root, va, 0, 4096, PageFlags.READ, frames));
            assertEquals(PageTableStatus.BAD_ADDRESS, format.translate(root, va, AccessKind.READ, false));
            assertEquals(PageTableStatus.BAD_ADDRESS, format.unmap(root, va, 0));
            assertEquals(PageTableStatus.BAD_ADDRESS, format.protect(root, va, PageFlags.READ));
        }
        final long tooFar = 1L << format.physicalAddressBits();
        assertEquals(PageTableStatus.BAD_ADDRESS, format.map(root, 0, tooFar, 4096, PageFlags.READ, frames));
        assertEquals(PageTableStatus.BAD_ADDRESS, format.map(root, 0, -4096, 4096, PageFlags.READ, frames));
    }

    @Test
    void shouldMapTheTopOfTheAddressSpace()
    {
        final long top = upperHalf() ? -4096L : (1L << 48) - 4096;
        final long bottomOfTop = upperHalf() ? 0xFFFF_8000_0000_0000L : 1L << 47;
        assertEquals(PageTableStatus.OK, format.map(root, top, 0x7000, 4096, PageFlags.READ, frames));
        assertEquals(PageTableStatus.OK, format.map(root, bottomOfTop, 0x8000, 4096, PageFlags.READ, frames));
        assertEquals(0x7FF8, format.translate(root, top + 0xFF8, AccessKind.READ, false));
        assertEquals(0x8010, format.translate(root, bottomOfTop + 0x10, AccessKind.READ, false));
        final List<Long> seen = new ArrayList<>();
        format.walk(root, (va, pa, size, flags) -> seen.add(va));
        assertEquals(List.of(bottomOfTop, top), seen);
    }

    @Test
    void shouldRefuseInvalidFlags()
    {
        assertEquals(PageTableStatus.BAD_FLAGS, format.map(root, 0, 0, 4096, 0, frames));
        assertEquals(PageTableStatus.BAD_FLAGS, format.map(root, 0, 0, 4096, PageFlags.USER, frames));
        assertEquals(PageTableStatus.BAD_FLAGS, format.map(root, 0, 0, 4096, PageFlags.WRITE, frames));
        assertEquals(PageTableStatus.BAD_FLAGS, format.map(root, 0, 0, 4096, PageFlags.READ | (1 << 12), frames));
        assertEquals(PageTableStatus.OK, format.map(root, 0, 0, 4096, PageFlags.READ, frames));
        assertEquals(PageTableStatus.BAD_FLAGS, format.protect(root, 0, PageFlags.WRITE | PageFlags.USER));
    }

    @Test
    void shouldRefuseOverlappingMaps()
    {
        final int flags = PageFlags.READ;
        final long big = PageTableFormat.SIZE_2M;
        assertEquals(PageTableStatus.OK, format.map(root, big, 0, big, flags, frames));
        assertEquals(PageTableStatus.ALREADY_MAPPED, format.map(root, big, 0, big, flags, frames));
        assertEquals(PageTableStatus.ALREADY_MAPPED, format.map(root, big + 8192, 0, 4096, flags, frames));
        assertEquals(PageTableStatus.OK, format.map(root, 2 * big + 4096, 0, 4096, flags, frames));
        assertEquals(PageTableStatus.ALREADY_MAPPED, format.map(root, 2 * big, 0, big, flags, frames));
        assertEquals(PageTableStatus.ALREADY_MAPPED, format.map(root, 0, 0, PageTableFormat.SIZE_1G, flags, frames));
        assertEquals(PageTableStatus.ALREADY_MAPPED, format.map(root, 2 * big + 4096, 0, 4096, flags, frames));
    }

    @Test
    void shouldReclaimAnEmptySubtreeWhenALargePageTakesItsPlace()
    {
        final long gig = PageTableFormat.SIZE_1G;
        assertEquals(PageTableStatus.OK, format.map(root, gig + 4096, 0, 4096, PageFlags.READ, frames));
        final int tablesWithSmallPage = frames.outstanding();
        assertEquals(0, format.unmap(root, gig + 4096, 4096));
        assertEquals(PageTableStatus.OK, format.map(root, gig, gig, gig, PageFlags.READ, frames));
        assertEquals(tablesWithSmallPage - 2, frames.outstanding(), "PD and PT under the 1 GiB slot freed");
        assertEquals(gig + 4096, format.translate(root, gig + 4096, AccessKind.READ, false));
        format.releaseAll(root, frames);
        assertEquals(0, frames.outstanding());
    }

    @Test
    void shouldUnmapOnlyWholePagesOfTheRightSize()
    {
        final long big = PageTableFormat.SIZE_2M;
        assertEquals(PageTableStatus.OK, format.map(root, big, 4 * big, big, PageFlags.READ, frames));
        assertEquals(PageTableStatus.SIZE_MISMATCH, format.unmap(root, big, 4096));
        assertEquals(PageTableStatus.MISALIGNED, format.unmap(root, big + 4096, 0));
        assertEquals(PageTableStatus.NOT_MAPPED, format.unmap(root, 3 * big, 0));
        assertEquals(4 * big, format.unmap(root, big, 0));
    }

    @ParameterizedTest
    @MethodSource("flagCombinations")
    void shouldEnforcePermissionsLikeTheHardware(final int flags)
    {
        final long va = 0x40_0000;
        final long pa = 0x1234_5000L;
        assertEquals(PageTableStatus.OK, format.map(root, va, pa, 4096, flags, frames));
        final boolean user = (flags & PageFlags.USER) != 0;
        final boolean read = (flags & PageFlags.READ) != 0 || alwaysReadable();
        final boolean write = (flags & PageFlags.WRITE) != 0;
        final boolean execute = (flags & PageFlags.EXECUTE) != 0;
        for (final boolean userMode : new boolean[] {false, true})
        {
            final boolean reachable = !userMode || user;
            check(va, AccessKind.READ, userMode, reachable && read);
            check(va, AccessKind.WRITE, userMode, reachable && write);
            // Privileged code never executes user pages (SMEP, RISC-V rule, PXN).
            check(va, AccessKind.EXECUTE, userMode, reachable && execute && (userMode || !user));
        }
    }

    static List<Integer> flagCombinations()
    {
        final List<Integer> combinations = new ArrayList<>();
        final int[] permissions = {
            PageFlags.READ, PageFlags.READ | PageFlags.WRITE, PageFlags.READ | PageFlags.EXECUTE,
            PageFlags.READ | PageFlags.WRITE | PageFlags.EXECUTE, PageFlags.EXECUTE};
        for (final int permission : permissions)
        {
            combinations.add(permission);
            combinations.add(permission | PageFlags.USER);
        }
        return combinations;
    }

    private void check(final long va, final int access, final boolean userMode, final boolean allowed)
    {
        final long result = format.translate(root, va + 0x10, access, userMode);
        if (allowed)
        {
            assertEquals(0x1234_5010L, result, "access " + access + " user " + userMode);
        }
        else
        {
            assertEquals(PageTableStatus.PERMISSION, result, "access " + access + " user " + userMode);
        }
    }

    @Test
    void shouldSetAccessedAndDirtyAsTheMmuDoes()
    {
        final long va = 0x7000_0000L;
        final int flags = PageFlags.READ | PageFlags.WRITE | PageFlags.USER;
        assertEquals(PageTableStatus.OK, format.map(root, va, 0x9000, 4096, flags, frames));
        assertEquals(0, format.accessedDirty(root, va));
        format.translate(root, va, AccessKind.READ, true);
        assertEquals(PageFlags.ACCESSED, format.accessedDirty(root, va));
        format.translate(root, va + 8, AccessKind.WRITE, true);
        assertEquals(PageFlags.ACCESSED | PageFlags.DIRTY, format.accessedDirty(root, va));
        assertEquals(PageFlags.ACCESSED | PageFlags.DIRTY, format.clearAccessedDirty(root, va, PageFlags.ACCESSED));
        assertEquals(PageFlags.DIRTY, format.accessedDirty(root, va));
        assertEquals(PageFlags.DIRTY, format.clearAccessedDirty(root, va, PageFlags.DIRTY));
        assertEquals(0, format.accessedDirty(root, va));
        assertEquals(flags, format.flags(root, va), "permissions survive the clears");
        // A refused access sets nothing.
        assertEquals(PageTableStatus.PERMISSION, format.translate(root, va, AccessKind.EXECUTE, true));
        assertEquals(0, format.accessedDirty(root, va));
        assertEquals(PageTableStatus.NOT_MAPPED, format.accessedDirty(root, va + 4096));
    }

    @Test
    void shouldNotLoseBitsTheMmuSetsWhileTheOwnerChangesEntries() throws InterruptedException
    {
        final int pages = 512;
        final int rw = PageFlags.READ | PageFlags.WRITE;
        for (int i = 0; i < pages; i++)
        {
            assertEquals(PageTableStatus.OK, format.map(root, i * 4096L, i * 4096L, 4096, rw, frames));
        }
        // Another CPU's MMU writes every page once while the owner keeps re-protecting them:
        // a protect that stored a recomputed entry without compare-and-set would drop D.
        final Thread mmu = new Thread(() ->
        {
            for (int i = 0; i < pages; i++)
            {
                format.translate(root, i * 4096L, AccessKind.WRITE, false);
            }
        });
        mmu.start();
        int round = 0;
        while (mmu.isAlive() || round < 4)
        {
            final int flags = rw | ((round & 1) != 0 ? PageFlags.GLOBAL : 0);
            for (int i = 0; i < pages; i++)
            {
                assertEquals(PageTableStatus.OK, format.protect(root, i * 4096L, flags));
            }
            round++;
        }
        mmu.join();
        for (int i = 0; i < pages; i++)
        {
            assertEquals(PageFlags.ACCESSED | PageFlags.DIRTY, format.accessedDirty(root, i * 4096L), "page " + i);
        }
    }

    @Test
    void shouldPresetAccessedAndDirtyWhenAsked()
    {
        final int flags = PageFlags.READ | PageFlags.WRITE | PageFlags.ACCESSED | PageFlags.DIRTY;
        assertEquals(PageTableStatus.OK, format.map(root, 0x5000, 0x9000, 4096, flags, frames));
        assertEquals(PageFlags.ACCESSED | PageFlags.DIRTY, format.accessedDirty(root, 0x5000));
    }

    @Test
    void shouldProtectKeepingAddressAndDirtyState()
    {
        final long va = PageTableFormat.SIZE_2M * 7;
        final long pa = PageTableFormat.SIZE_2M * 3;
        assertEquals(
            PageTableStatus.OK,
            format.map(root, va, pa, PageTableFormat.SIZE_2M, PageFlags.READ | PageFlags.WRITE, frames));
        assertEquals(pa + 64, format.translate(root, va + 64, AccessKind.WRITE, false));
        assertEquals(PageTableStatus.OK, format.protect(root, va, PageFlags.READ));
        assertEquals(PageTableStatus.PERMISSION, format.translate(root, va, AccessKind.WRITE, false));
        assertEquals(PageFlags.ACCESSED | PageFlags.DIRTY, format.accessedDirty(root, va), "dirty survives protect");
        assertEquals(PageFlags.READ | PageFlags.ACCESSED | PageFlags.DIRTY, format.flags(root, va));

        // Making a kernel page user-accessible must work through every level (x86 U/S).
        assertEquals(PageTableStatus.PERMISSION, format.translate(root, va, AccessKind.READ, true));
        assertEquals(PageTableStatus.OK, format.protect(root, va, PageFlags.READ | PageFlags.EXECUTE | PageFlags.USER));
        assertEquals(pa + 4, format.translate(root, va + 4, AccessKind.READ, true));
        assertEquals(pa + 8, format.translate(root, va + 8, AccessKind.EXECUTE, true));
        assertEquals(PageTableStatus.PERMISSION, format.translate(root, va, AccessKind.EXECUTE, false));
        assertEquals(PageTableStatus.OK, format.protect(root, va, PageFlags.READ | PageFlags.WRITE | PageFlags.USER));
        assertEquals(PageFlags.ACCESSED | PageFlags.DIRTY, format.clearAccessedDirty(root, va, PageFlags.DIRTY));
        assertEquals(pa, format.translate(root, va, AccessKind.WRITE, true));
        assertEquals(PageFlags.ACCESSED | PageFlags.DIRTY, format.accessedDirty(root, va));

        assertEquals(PageTableStatus.MISALIGNED, format.protect(root, va + 4096, PageFlags.READ));
        assertEquals(PageTableStatus.NOT_MAPPED, format.protect(root, va + PageTableFormat.SIZE_2M, PageFlags.READ));
    }

    @Test
    void shouldRoundTripGlobalAndDeviceAttributes()
    {
        final int flags = PageFlags.READ | PageFlags.WRITE | PageFlags.GLOBAL | PageFlags.DEVICE;
        assertEquals(PageTableStatus.OK, format.map(root, 0x10_0000, 0xFEE0_0000L, 4096, flags, frames));
        final int expected = encodesDevice() ? flags : flags & ~PageFlags.DEVICE;
        assertEquals(expected, format.flags(root, 0x10_0000));
        assertEquals(PageTableStatus.OK, format.protect(root, 0x10_0000, PageFlags.READ));
        assertEquals(PageFlags.READ, format.flags(root, 0x10_0000));
    }

    @Test
    void shouldReportNoMemoryAndStillReleaseEverything()
    {
        frames.budget(2);
        assertEquals(PageTableStatus.NO_MEMORY, format.map(root, 0x40_0000, 0, 4096, PageFlags.READ, frames));
        assertEquals(PageTableStatus.NOT_MAPPED, format.translate(root, 0x40_0000, AccessKind.READ, false));
        assertEquals(3, format.releaseAll(root, frames));
        assertEquals(0, frames.outstanding());
    }

    @ParameterizedTest
    @MethodSource("seeds")
    void shouldWalkExactlyWhatWasMappedAndReleaseWithoutLeak(final long seed)
    {
        final SplittableRandom random = new SplittableRandom(seed);
        final List<RandomMappings.Mapping> mappings =
            RandomMappings.generate(seed, 300, upperHalf(), largestPageSize());
        final TreeMap<Long, String> expected = new TreeMap<>(Long::compareUnsigned);
        for (final RandomMappings.Mapping mapping : mappings)
        {
            final int flags = mapping.flags() | (random.nextBoolean() ? PageFlags.ACCESSED : 0);
            assertEquals(
                PageTableStatus.OK,
                format.map(root, mapping.virtualAddress(), mapping.physicalAddress(), mapping.size(), flags, frames),
                mapping.toLine());
            final int decoded = flags | (alwaysReadable() ? PageFlags.READ : 0);
            expected.put(mapping.virtualAddress(), describe(mapping.physicalAddress(), mapping.size(), decoded));
        }
        final TreeMap<Long, String> walked = new TreeMap<>(Long::compareUnsigned);
        final int leaves = format.walk(root, (va, pa, size, flags) -> walked.put(va, describe(pa, size, flags)));
        assertEquals(mappings.size(), leaves);
        assertEquals(expected, walked);

        for (final RandomMappings.Mapping mapping : mappings)
        {
            final long offset = random.nextLong(mapping.size());
            assertEquals(
                mapping.physicalAddress() + offset,
                format.physicalAddress(root, mapping.virtualAddress() + offset));
        }

        // Unmap a random half; the rest must still walk exactly.
        for (final RandomMappings.Mapping mapping : mappings)
        {
            if (random.nextBoolean())
            {
                assertEquals(mapping.physicalAddress(), format.unmap(root, mapping.virtualAddress(), mapping.size()));
                expected.remove(mapping.virtualAddress());
            }
        }
        walked.clear();
        format.walk(root, (va, pa, size, flags) -> walked.put(va, describe(pa, size, flags)));
        assertEquals(expected, walked);

        final int tables = format.tableCount(root);
        assertEquals(frames.outstanding(), tables);
        assertEquals(tables, format.releaseAll(root, frames));
        assertEquals(0, frames.outstanding(), "every table frame returned");
    }

    private static String describe(final long pa, final long size, final int flags)
    {
        return Long.toHexString(pa) + "/" + Long.toHexString(size) + "/" + PageFlags.toString(flags);
    }
}
