package org.tessera.arch.tools;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.tessera.arch.spi.PageFlags;
import org.tessera.arch.spi.PageTableFormat;
import org.tessera.arch.spi.RandomMappings;

/**
 * Export a seeded random mapping list per architecture and check every mapping with the
 * independent {@link ReferenceMmu}, plus the refusal of malformed lines.
 */
class PageTableExportTest
{
    private static final int LOAD = ReferenceMmu.LOAD;
    private static final int STORE = ReferenceMmu.STORE;
    private static final int FETCH = ReferenceMmu.FETCH;

    @TempDir
    Path dir;

    static Stream<Arguments> architecturesAndSeeds()
    {
        final List<Arguments> arguments = new ArrayList<>();
        for (final String arch : PageTableExport.ARCHITECTURES)
        {
            for (final long seed : new long[] {1, 17, 2026})
            {
                arguments.add(Arguments.of(arch, seed));
            }
        }
        return arguments.stream();
    }

    @ParameterizedTest(name = "{0} seed {1}")
    @MethodSource("architecturesAndSeeds")
    void shouldExportTablesAnIndependentWalkerTranslatesExactly(final String arch, final long seed) throws IOException
    {
        final boolean upperHalf = !arch.equals("aarch64");
        final List<RandomMappings.Mapping> mappings =
            RandomMappings.generate(seed, 250, upperHalf, PageTableFormat.SIZE_1G);
        final SplittableRandom random = new SplittableRandom(seed * 31 + arch.hashCode());
        final StringBuilder spec = new StringBuilder("# generated, seed ").append(seed).append('\n');
        for (final RandomMappings.Mapping mapping : mappings)
        {
            String line = mapping.toLine();
            if (random.nextBoolean())
            {
                line = "0x" + line;
            }
            spec.append(line).append(random.nextInt(5) == 0 ? "   # a comment\n\n" : "\n");
        }
        final Path mapFile = dir.resolve("map.txt");
        Files.writeString(mapFile, spec, StandardCharsets.UTF_8);
        final Path out = dir.resolve("out");

        final PageTableExport.Result result = PageTableExport.run(arch, mapFile, out);

        final byte[] image = Files.readAllBytes(out.resolve("memory.bin"));
        final String rootText = Files.readString(out.resolve("root.txt"), StandardCharsets.UTF_8).strip();
        assertTrue(rootText.startsWith("0x"), rootText);
        final long root = Long.parseUnsignedLong(rootText.substring(2), 16);
        assertEquals(result.root(), root);
        assertTrue(root > 0 && (root & 0xFFF) == 0 && root < image.length, "root inside memory.bin");
        assertEquals(result.memoryBytes(), image.length);
        assertEquals(0, image.length % 4096);
        assertEquals(mappings.size(), result.mappings());
        assertEquals(image.length / 4096 - 1, result.tableFrames(), "tables packed from the second frame on");

        final ReferenceMmu mmu = new ReferenceMmu(image);
        for (final RandomMappings.Mapping mapping : mappings)
        {
            final long[] offsets = {0, mapping.size() - 1, random.nextLong(mapping.size())};
            for (final long offset : offsets)
            {
                final long va = mapping.virtualAddress() + offset;
                for (final boolean user : new boolean[] {false, true})
                {
                    for (final int access : new int[] {LOAD, STORE, FETCH})
                    {
                        final ReferenceMmu.Walk walk = walk(mmu, arch, root, va, access, user);
                        final String where = arch + " " + mapping.toLine() + " offset " + Long.toHexString(offset) +
                            " access " + access + " user " + user;
                        assertNotNull(walk, where);
                        assertEquals(mapping.physicalAddress() + offset, walk.physicalAddress(), where);
                        assertEquals(PageTableFormat.levelOf(mapping.size()), walk.level(), where);
                        assertEquals(expectedPermitted(arch, mapping.flags(), access, user), walk.permitted(), where);
                        assertEquals((mapping.flags() & PageFlags.GLOBAL) != 0, global(arch, walk.leaf()), where);
                        if (arch.equals("aarch64"))
                        {
                            assertEquals(0, (walk.leaf() >>> 2) & 7, "AttrIndx 0: normal memory");
                            assertEquals(3, (walk.leaf() >>> 8) & 3, "inner shareable");
                        }
                        if (arch.equals("x86_64"))
                        {
                            assertEquals(0, walk.leaf() & 0x18, "write-back: PCD=PWT=0");
                        }
                    }
                }
            }
        }

        // Addresses nobody mapped do not translate.
        int probed = 0;
        while (probed < 500)
        {
            final long va = RandomMappings.randomVa(random, upperHalf);
            if (mappings.stream().noneMatch(m -> m.covers(va)))
            {
                assertNull(walk(mmu, arch, root, va, LOAD, false), Long.toHexString(va));
                probed++;
            }
        }
    }

    /** The documented meaning of the flag letters, the same on every architecture. */
    private static boolean expectedPermitted(final String arch, final int flags, final int access, final boolean user)
    {
        final boolean userPage = (flags & PageFlags.USER) != 0;
        if (user && !userPage)
        {
            return false;
        }
        return switch (access)
        {
            // x86_64 and AArch64 cannot make a page unreadable.
            case LOAD -> (flags & PageFlags.READ) != 0 || !arch.equals("riscv64");
            case STORE -> (flags & PageFlags.WRITE) != 0;
            default -> (flags & PageFlags.EXECUTE) != 0 && (user || !userPage);
        };
    }

    private static boolean global(final String arch, final long leaf)
    {
        return switch (arch)
        {
            case "x86_64" -> ((leaf >>> 8) & 1) != 0;
            case "aarch64" -> ((leaf >>> 11) & 1) == 0;
            default -> ((leaf >>> 5) & 1) != 0;
        };
    }

    private static ReferenceMmu.Walk walk(
        final ReferenceMmu mmu, final String arch, final long root, final long va, final int access, final boolean user)
    {
        return switch (arch)
        {
            case "x86_64" -> mmu.x86(root, va, access, user);
            case "aarch64" -> mmu.aarch64(root, va, access, user);
            default -> mmu.sv48(root >>> 12, va, access, user);
        };
    }

    @Test
    void shouldAcceptCommentsBlankLinesAndBothHexForms() throws IOException
    {
        final Path mapFile = dir.resolve("map.txt");
        Files.writeString(mapFile, String.join("\n",
            "# kernel text",
            "",
            "  0xFFFFFFFF80000000  0x200000  2M  rxg   # kernel",
            "400000 fee00000 4k RW", // upper-case flags are not letters of the format
            ""));
        final PageTableExport.SpecException refused =
            assertThrows(PageTableExport.SpecException.class, () -> PageTableExport.run("x86_64", mapFile, dir.resolve("o")));
        assertEquals(4, refused.lineNumber());

        Files.writeString(mapFile, String.join("\n",
            "# kernel text",
            "",
            "  0xFFFFFFFF80000000  0x200000  2M  rxg   # kernel",
            "400000 FEE00000 4k rwu",
            "\t7f0000000000\t0x0\t1G\tr"));
        final PageTableExport.Result result = PageTableExport.run("x86_64", mapFile, dir.resolve("o"));
        assertEquals(3, result.mappings());
        final ReferenceMmu mmu = new ReferenceMmu(Files.readAllBytes(dir.resolve("o/memory.bin")));
        assertEquals(0x20_0010L, mmu.x86(result.root(), 0xFFFF_FFFF_8000_0010L, FETCH, false).physicalAddress());
        assertEquals(0xFEE0_0008L, mmu.x86(result.root(), 0x40_0008L, STORE, true).physicalAddress());
        assertEquals(0x1234L, mmu.x86(result.root(), 0x7F00_0000_1234L, LOAD, false).physicalAddress());
    }

    static Stream<Arguments> malformedLines()
    {
        return Stream.of(
            Arguments.of("1000 2000 4K", "expected 4 fields"),
            Arguments.of("1000 2000 4K rw extra", "expected 4 fields"),
            Arguments.of("10g0 2000 4K r", "virtual address '10g0' is not a hex number"),
            Arguments.of("1000 0x 4K r", "physical address '0x' is not a 64-bit hex number"),
            Arguments.of("1000 2000 8K r", "size '8K' is not one of 4K, 2M, 1G"),
            Arguments.of("1000 2000 4K rq", "flag 'q'"),
            Arguments.of("1000 2000 4K rr", "flag 'r' repeated"),
            Arguments.of("1000 2000 4K ug", "grant none of r, w, x"),
            Arguments.of("1000 2000 4K w", "write-only"),
            Arguments.of("1000 10000000000 4K r", "is not below 2^40"),
            Arguments.of("1800 2000 4K r", "virtual address 1800 is not aligned to 4K"),
            Arguments.of("200000 201000 2M r", "physical address 201000 is not aligned to 2M"),
            Arguments.of("0000800000000000 0 4K r", "non-canonical"),
            Arguments.of("1000 3000 4K r", "overlaps an earlier mapping"));
    }

    @ParameterizedTest
    @MethodSource("malformedLines")
    void shouldRefuseAMalformedLineNamingItsNumberAndReason(final String line, final String reason) throws IOException
    {
        final Path mapFile = dir.resolve("bad.txt");
        Files.writeString(mapFile, "# header\n1000 5000 4K r\n\n" + line + "\n2000 6000 4K r\n");
        final PageTableExport.SpecException refused = assertThrows(
            PageTableExport.SpecException.class, () -> PageTableExport.run("x86_64", mapFile, dir.resolve("o")));
        assertEquals(4, refused.lineNumber());
        assertTrue(refused.getMessage().startsWith("line 4: "), refused.getMessage());
        assertTrue(refused.getMessage().contains(reason), refused.getMessage());
        assertTrue(Files.notExists(dir.resolve("o/memory.bin")), "nothing written for a refused list");
    }

    @Test
    void shouldRefuseUpperHalfAddressesOnAarch64AndUnknownArchitectures() throws IOException
    {
        final Path mapFile = dir.resolve("map.txt");
        Files.writeString(mapFile, "ffff800000000000 0 4K r\n");
        assertEquals(0x1000L, PageTableExport.run("riscv64", mapFile, dir.resolve("rv")).root());
        final PageTableExport.SpecException refused = assertThrows(
            PageTableExport.SpecException.class, () -> PageTableExport.run("aarch64", mapFile, dir.resolve("a")));
        assertTrue(refused.getMessage().contains("outside the aarch64 range"), refused.getMessage());
        assertThrows(IllegalArgumentException.class, () -> PageTableExport.run("mips", mapFile, dir.resolve("m")));
    }
}
