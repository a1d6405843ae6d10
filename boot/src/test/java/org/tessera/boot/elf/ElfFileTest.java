package org.tessera.boot.elf;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.Consumer;
import java.util.stream.IntStream;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.tessera.boot.elf.ElfFormatException.Reason;

class ElfFileTest
{
    /** auipc gp, ... : crt0's first instruction, so the entry must point at it. */
    private static final int AUIPC_GP_LOW_BITS = 0x197;

    static List<Path> programs()
    {
        return UserPrograms.all();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("programs")
    void shouldParseEveryCommittedProgram(final Path path) throws IOException
    {
        final byte[] image = Files.readAllBytes(path);
        final ElfFile elf = ElfFile.parse(image);

        assertEquals(ElfFile.EF_RISCV_RVC, elf.flags() & ElfFile.EF_RISCV_RVC, "built with compressed instructions");
        assertEquals(ElfFile.EF_RISCV_FLOAT_ABI_DOUBLE, elf.flags() & ElfFile.EF_RISCV_FLOAT_ABI, "lp64d");
        assertEquals(readShort(image, 56), elf.programHeaderCount());

        final List<ProgramHeader> loads = elf.loadSegments();
        assertEquals(1, loads.stream().filter(ProgramHeader::executable).count(), "one text segment");
        assertTrue(loads.stream().noneMatch(ph -> ph.writable() && ph.executable()), "no W+X segment");
        for (int i = 1; i < loads.size(); i++)
        {
            assertTrue(loads.get(i - 1).endAddress() <= loads.get(i).vaddr(), "sorted and disjoint");
        }

        final ProgramHeader text = loads.stream().filter(ph -> ph.contains(elf.entry())).findFirst().orElseThrow();
        final int entryOffset = (int)(text.offset() + elf.entry() - text.vaddr());
        assertEquals(AUIPC_GP_LOW_BITS, readInt(image, entryOffset) & 0xfff, "entry is _start: auipc gp");

        // The program headers are visible in memory where AT_PHDR will point.
        final long phdr = elf.programHeaderAddress().orElseThrow();
        final ProgramHeader holder = loads.stream().filter(ph -> ph.contains(phdr)).findFirst().orElseThrow();
        final byte[] inMemory = Arrays.copyOfRange(elf.fileBytes(holder),
            (int)(phdr - holder.vaddr()), (int)(phdr - holder.vaddr()) + elf.programHeaderCount() * ProgramHeader.SIZE);
        final int phoff = (int)elf.programHeaderOffset();
        assertArrayEquals(Arrays.copyOfRange(image, phoff, phoff + elf.programHeaderCount() * ProgramHeader.SIZE), inMemory);

        assertFalse(elf.stackExecutable());
        assertTrue(elf.gnuStackSegment().isPresent());
        // Only the tls program has thread-local variables; its template lies in the loaded data.
        assertEquals(path.getFileName().toString().equals("tls.elf"), elf.tlsSegment().isPresent());
        elf.tlsSegment().ifPresent(tls -> assertTrue(loads.stream().anyMatch(ph -> ph.writable() &&
            ph.vaddr() <= tls.vaddr() && tls.vaddr() + tls.filesz() <= ph.vaddr() + ph.filesz())));
        assertTrue(elf.toString().contains("LOAD"));
    }

    @Test
    void shouldParseFixedAddressExecutable()
    {
        final ElfFile elf = ElfFile.parse(UserPrograms.read("hello.elf"));

        assertEquals(ElfFile.ET_EXEC, elf.type());
        assertFalse(elf.positionIndependent());
        assertEquals(0, elf.loadBias(0x4000_0000L), "ET_EXEC runs where it was linked");
        assertTrue(elf.lowestAddress() >= ElfFile.PAGE_SIZE, "null page left unmapped");
        assertEquals(0, elf.highestAddress() % ElfFile.PAGE_SIZE);
        // The first PT_LOAD maps the file from offset 0, so the headers sit at its address + e_phoff.
        assertEquals(elf.loadSegments().get(0).vaddr() + elf.programHeaderOffset(), elf.programHeaderAddress().orElseThrow());
        final ProgramHeader bss = elf.loadSegments().get(elf.loadSegments().size() - 1);
        assertTrue(bss.writable() && bss.memsz() > bss.filesz(), "last segment is data with .bss");
    }

    @Test
    void shouldParseStaticPieWithLoadBias()
    {
        final ElfFile elf = ElfFile.parse(UserPrograms.read("hello-pie.elf"));

        assertEquals(ElfFile.ET_DYN, elf.type());
        assertTrue(elf.positionIndependent());
        assertEquals(0, elf.lowestAddress(), "a PIE is linked at 0");
        assertEquals(0x4000_0000L, elf.loadBias(0x4000_0000L));
        assertTrue(elf.programHeaders().stream().anyMatch(ph -> ph.type() == ProgramHeader.PT_DYNAMIC));
        // No PT_PHDR here: the address comes from the first PT_LOAD, which maps the file from offset 0.
        assertEquals(elf.programHeaderOffset(), elf.programHeaderAddress().orElseThrow());
        assertThrows(IllegalArgumentException.class, () -> elf.loadBias(0x4000_0010L), "unaligned base");
        assertThrows(IllegalArgumentException.class, () -> elf.loadBias(ElfFile.USER_SPACE_END - ElfFile.PAGE_SIZE));
    }

    @Test
    void shouldKeepItsOwnCopyOfTheImage()
    {
        final byte[] image = UserPrograms.read("hello.elf");
        final ElfFile elf = ElfFile.parse(image);
        final ProgramHeader text = elf.loadSegments().stream().filter(ProgramHeader::executable).findFirst().orElseThrow();
        final byte[] before = elf.fileBytes(text);
        Arrays.fill(image, (byte)0);

        assertArrayEquals(before, elf.fileBytes(text));
        final byte[] copy = new byte[(int)text.filesz() + 3];
        elf.copyFileBytes(text, copy, 3);
        assertArrayEquals(before, Arrays.copyOfRange(copy, 3, copy.length));
    }

    static Stream<Arguments> corruptions()
    {
        return Stream.of(
            corrupt("shorter than the header", Reason.TRUNCATED, "shorter than the 64-byte", e -> e.truncate(40)),
            corrupt("program header table cut", Reason.TRUNCATED, "program header table", e -> e.truncate(100)),
            corrupt("truncated to half", Reason.SEGMENT_OUTSIDE_FILE, "past the end", e -> e.truncate(e.length() / 2)),
            corrupt("bad magic", Reason.BAD_MAGIC, "not an ELF file", e -> e.putByte(1, 'X')),
            corrupt("32-bit class", Reason.NOT_64_BIT, "ELFCLASS32", e -> e.putByte(4, 1)),
            corrupt("big-endian", Reason.NOT_LITTLE_ENDIAN, "big-endian", e -> e.putByte(5, 2)),
            corrupt("ident version", Reason.BAD_VERSION, "EI_VERSION", e -> e.putByte(6, 0)),
            corrupt("relocatable object", Reason.NOT_EXECUTABLE, "ET_REL", e -> e.putShort(16, 1)),
            corrupt("x86-64 machine", Reason.WRONG_MACHINE, "e_machine is 62", e -> e.putShort(18, 62)),
            corrupt("e_version", Reason.BAD_VERSION, "e_version", e -> e.putInt(20, 0)),
            corrupt("RVE", Reason.UNSUPPORTED_ABI, "RVE", e -> e.putInt(48, e.getInt(48) | ElfFile.EF_RISCV_RVE)),
            corrupt("quad float ABI", Reason.UNSUPPORTED_ABI, "quad", e -> e.putInt(48, e.getInt(48) | 6)),
            corrupt("e_ehsize", Reason.BAD_HEADER_SIZE, "e_ehsize", e -> e.putShort(52, 52)),
            corrupt("e_phentsize", Reason.BAD_HEADER_SIZE, "e_phentsize is 32", e -> e.putShort(54, 32)),
            corrupt("no program headers", Reason.BAD_PROGRAM_HEADER_COUNT, "e_phnum is 0", e -> e.putShort(56, 0)),
            corrupt("phnum huge", Reason.BAD_PROGRAM_HEADER_COUNT, "e_phnum is 65520", e -> e.putShort(56, 0xfff0)),
            corrupt("phnum past the file", Reason.TRUNCATED, "program header table",
                e -> e.putShort(56, Math.min(ElfFile.MAX_PROGRAM_HEADERS, e.length() / ProgramHeader.SIZE + 1))),
            corrupt("phoff past the file", Reason.TRUNCATED, "program header table", e -> e.putLong(32, -8L)),
            corrupt("segment beyond file", Reason.SEGMENT_OUTSIDE_FILE, "past the end",
                e -> e.phdrLong(e.text(), 32, e.length())),
            corrupt("offset + filesz wraps around", Reason.SEGMENT_OUTSIDE_FILE, "past the end",
                e -> e.phdrLong(e.text(), 32, -e.phdrLong(e.text(), 8))),
            corrupt("filesz > memsz", Reason.FILESZ_EXCEEDS_MEMSZ, "larger than p_memsz",
                e -> e.phdrLong(e.data(), 32, e.phdrLong(e.data(), 40) + 8)),
            corrupt("align not a power of two", Reason.MISALIGNED_SEGMENT, "not a power of two",
                e -> e.phdrLong(e.text(), 48, 0x1001)),
            corrupt("vaddr not congruent with offset", Reason.MISALIGNED_SEGMENT, "modulo",
                e -> e.phdrLong(e.text(), 16, e.phdrLong(e.text(), 16) + 0x10)),
            corrupt("vaddr congruent to align but not to the page", Reason.MISALIGNED_SEGMENT, "page size",
                e -> {
                    e.phdrLong(e.text(), 48, 16);
                    e.phdrLong(e.text(), 16, e.phdrLong(e.text(), 16) + 0x10);
                }),
            corrupt("segments overlap", Reason.OVERLAPPING_SEGMENTS, "overlap",
                e -> {
                    // Move the segment after the text into the text's last page (same page offset as its file offset).
                    final int next = e.loadAfter(e.text());
                    e.phdrLong(next, 16, ((e.end(e.text()) - 1) & ~0xfffL) + (e.phdrLong(next, 8) & 0xfff));
                }),
            corrupt("segments share a page", Reason.OVERLAPPING_SEGMENTS, "share the page",
                e -> {
                    // Put the data right after the read-only data, in the same page: no byte overlaps.
                    final int rodata = e.loadAfter(e.text());
                    e.phdrLong(e.data(), 8, e.phdrLong(rodata, 8) + e.phdrLong(rodata, 32));
                    e.phdrLong(e.data(), 16, e.end(rodata));
                }),
            corrupt("segments out of order", Reason.UNSORTED_SEGMENTS, "not sorted",
                e -> e.phdrLong(e.data(), 16, 0x1000 + (e.phdrLong(e.data(), 8) & 0xfff))),
            corrupt("segment past user space", Reason.SEGMENT_OUTSIDE_USER_SPACE, "end of user space",
                e -> {
                    e.phdrLong(e.data(), 16, ElfFile.USER_SPACE_END - 0x1000 + (e.phdrLong(e.data(), 8) & 0xfff));
                    e.phdrLong(e.data(), 40, 0x1000);
                }),
            corrupt("segment in the null page", Reason.SEGMENT_OUTSIDE_USER_SPACE, "null page",
                e -> e.phdrLong(e.firstLoad(), 16, 0)),
            corrupt("entry in a data segment", Reason.BAD_ENTRY, "not inside an executable",
                e -> e.putLong(24, e.phdrLong(e.data(), 16))),
            corrupt("entry outside every segment", Reason.BAD_ENTRY, "not inside an executable",
                e -> e.putLong(24, 0x10)),
            corrupt("entry odd", Reason.BAD_ENTRY, "not 2-byte aligned", e -> e.putLong(24, e.getLong(24) + 1)),
            corrupt("interpreter", Reason.DYNAMICALLY_LINKED, "dynamically linked",
                e -> e.phdrInt(e.ofType(ProgramHeader.PT_GNU_STACK), 0, ProgramHeader.PT_INTERP)),
            corrupt("two PT_GNU_STACK", Reason.DUPLICATE_SEGMENT, "GNU_STACK",
                e -> e.phdrInt(e.ofType(ProgramHeader.PT_RISCV_ATTRIBUTES), 0, ProgramHeader.PT_GNU_STACK)),
            corrupt("PT_TLS outside every load", Reason.NOT_IN_LOADED_MEMORY, "PT_TLS",
                e -> {
                    final int i = e.ofType(ProgramHeader.PT_RISCV_ATTRIBUTES);
                    e.phdrInt(i, 0, ProgramHeader.PT_TLS);
                    e.phdrLong(i, 16, 0x10);
                    e.phdrLong(i, 40, e.phdrLong(i, 32));
                }),
            corrupt("no PT_LOAD", Reason.NO_LOADABLE_SEGMENT, "no PT_LOAD",
                e -> {
                    for (int i = 0; i < e.phnum(); i++)
                    {
                        if (e.phdrInt(i, 0) == ProgramHeader.PT_LOAD)
                        {
                            e.phdrInt(i, 0, ProgramHeader.PT_NULL);
                        }
                    }
                }));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("corruptions")
    void shouldRejectCorruptedProgram(
        final String name, final Reason reason, final String fragment, final Consumer<Editor> corruption)
    {
        final Editor editor = new Editor(UserPrograms.read("hello.elf"));
        corruption.accept(editor);

        final ElfFormatException ex = assertThrows(ElfFormatException.class, () -> ElfFile.parse(editor.bytes()));
        assertEquals(reason, ex.reason(), ex.getMessage());
        assertTrue(ex.getMessage().contains(fragment), "message \"" + ex.getMessage() + "\" should mention " + fragment);
    }

    @Test
    void shouldExposeTlsTemplate()
    {
        final Editor editor = new Editor(UserPrograms.read("hello.elf"));
        final int i = editor.ofType(ProgramHeader.PT_RISCV_ATTRIBUTES);
        final int rodata = editor.loadAfter(editor.text());
        editor.phdrInt(i, 0, ProgramHeader.PT_TLS);
        editor.phdrLong(i, 8, editor.phdrLong(rodata, 8));
        editor.phdrLong(i, 16, editor.phdrLong(rodata, 16));
        editor.phdrLong(i, 32, 8);
        editor.phdrLong(i, 40, 32);
        editor.phdrLong(i, 48, 8);

        final ProgramHeader tls = ElfFile.parse(editor.bytes()).tlsSegment().orElseThrow();
        assertEquals(8, tls.filesz());
        assertEquals(32, tls.memsz());
        assertEquals(editor.phdrLong(rodata, 16), tls.vaddr());

        editor.phdrLong(i, 32, 40);
        final ElfFormatException tooBig = assertThrows(ElfFormatException.class, () -> ElfFile.parse(editor.bytes()));
        assertEquals(Reason.FILESZ_EXCEEDS_MEMSZ, tooBig.reason());
    }

    @Test
    void shouldTakeProgramHeaderAddressFromPtPhdr()
    {
        final Editor editor = withPtPhdr(0);
        final ElfFile elf = ElfFile.parse(editor.bytes());

        assertEquals(editor.phdrLong(editor.ofType(ProgramHeader.PT_PHDR), 16), elf.programHeaderAddress().orElseThrow());
        assertTrue(elf.phdrSegment().isPresent());
    }

    @Test
    void shouldRejectPtPhdrThatIsNotTheTable()
    {
        final ElfFormatException moved = assertThrows(ElfFormatException.class, () -> ElfFile.parse(withPtPhdr(8).bytes()));
        assertEquals(Reason.NOT_IN_LOADED_MEMORY, moved.reason());

        final Editor unmapped = withPtPhdr(0);
        unmapped.phdrLong(unmapped.ofType(ProgramHeader.PT_PHDR), 16, 0x10);
        final ElfFormatException notLoaded = assertThrows(ElfFormatException.class, () -> ElfFile.parse(unmapped.bytes()));
        assertEquals(Reason.NOT_IN_LOADED_MEMORY, notLoaded.reason());
        assertTrue(notLoaded.getMessage().contains("PT_PHDR"));
    }

    /** hello.elf with its attributes entry turned into a PT_PHDR, whose offset is e_phoff + skew. */
    private static Editor withPtPhdr(final long skew)
    {
        final Editor editor = new Editor(UserPrograms.read("hello.elf"));
        final int i = editor.ofType(ProgramHeader.PT_RISCV_ATTRIBUTES);
        final long phoff = editor.getLong(32);
        final long size = (long)editor.phnum() * ProgramHeader.SIZE;
        final int first = editor.firstLoad();
        editor.phdrInt(i, 0, ProgramHeader.PT_PHDR);
        editor.phdrInt(i, 4, ProgramHeader.PF_R);
        editor.phdrLong(i, 8, phoff + skew);
        editor.phdrLong(i, 16, editor.phdrLong(first, 16) + phoff - editor.phdrLong(first, 8));
        editor.phdrLong(i, 32, size);
        editor.phdrLong(i, 40, size);
        editor.phdrLong(i, 48, 8);
        return editor;
    }

    static IntStream seeds()
    {
        return IntStream.range(0, 300);
    }

    /** Random damage to the headers is either harmless or refused with a reason: nothing else escapes. */
    @ParameterizedTest(name = "seed {0}")
    @MethodSource("seeds")
    void shouldRefuseRandomHeaderDamageOnlyWithElfFormatException(final int seed)
    {
        final SplittableRandom random = new SplittableRandom(seed);
        final List<Path> all = UserPrograms.all();
        final Editor editor = new Editor(UserPrograms.read(all.get(random.nextInt(all.size())).getFileName().toString()));
        final int headerEnd = 64 + editor.phnum() * ProgramHeader.SIZE;
        final int damage = 1 + random.nextInt(4);
        for (int i = 0; i < damage; i++)
        {
            final int at = random.nextInt(headerEnd);
            switch (random.nextInt(3))
            {
                case 0 -> editor.putByte(at, random.nextInt(256));
                case 1 -> editor.putByte(at, editor.bytes()[at] ^ (1 << random.nextInt(8)));
                default -> editor.putLong(Math.min(at & ~7, headerEnd - 8), random.nextLong());
            }
        }
        if (random.nextInt(4) == 0)
        {
            editor.truncate(random.nextInt(editor.length()));
        }

        try
        {
            final ElfFile elf = ElfFile.parse(editor.bytes());
            // Accepted: everything a loader relies on must then hold.
            assertTrue(elf.loadSegments().stream().anyMatch(ph -> ph.executable() && ph.contains(elf.entry())));
            for (final ProgramHeader ph : elf.loadSegments())
            {
                assertTrue(Long.compareUnsigned(ph.offset() + ph.filesz(), elf.fileSize()) <= 0);
                assertTrue(Long.compareUnsigned(ph.filesz(), ph.memsz()) <= 0);
                elf.fileBytes(ph);
            }
        }
        catch (final ElfFormatException ex)
        {
            assertFalse(ex.getMessage().isEmpty(), "seed " + seed);
        }
        catch (final RuntimeException ex)
        {
            fail("seed " + seed + ": parse threw " + ex, ex);
        }
    }

    private static Arguments corrupt(
        final String name, final Reason reason, final String fragment, final Consumer<Editor> corruption)
    {
        return Arguments.of(name, reason, fragment, corruption);
    }

    private static int readInt(final byte[] b, final int at)
    {
        return ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).getInt(at);
    }

    private static int readShort(final byte[] b, final int at)
    {
        return Short.toUnsignedInt(ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).getShort(at));
    }

    /** Edits a copy of an ELF file in place; program headers are found by role, not by index. */
    static final class Editor
    {
        private byte[] bytes;
        private final int phoff;
        private final int phnum;

        Editor(final byte[] original)
        {
            bytes = original.clone();
            phoff = (int)getLong(32);
            phnum = Short.toUnsignedInt(buffer().getShort(56));
        }

        byte[] bytes()
        {
            return bytes;
        }

        int length()
        {
            return bytes.length;
        }

        int phnum()
        {
            return phnum;
        }

        private ByteBuffer buffer()
        {
            return ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        }

        void truncate(final int length)
        {
            bytes = Arrays.copyOf(bytes, length);
        }

        void putByte(final int at, final int value)
        {
            bytes[at] = (byte)value;
        }

        void putShort(final int at, final int value)
        {
            buffer().putShort(at, (short)value);
        }

        int getInt(final int at)
        {
            return buffer().getInt(at);
        }

        void putInt(final int at, final int value)
        {
            buffer().putInt(at, value);
        }

        long getLong(final int at)
        {
            return buffer().getLong(at);
        }

        void putLong(final int at, final long value)
        {
            buffer().putLong(at, value);
        }

        int phdrInt(final int index, final int field)
        {
            return getInt(phoff + index * ProgramHeader.SIZE + field);
        }

        void phdrInt(final int index, final int field, final int value)
        {
            putInt(phoff + index * ProgramHeader.SIZE + field, value);
        }

        long phdrLong(final int index, final int field)
        {
            return getLong(phoff + index * ProgramHeader.SIZE + field);
        }

        void phdrLong(final int index, final int field, final long value)
        {
            putLong(phoff + index * ProgramHeader.SIZE + field, value);
        }

        int ofType(final int type)
        {
            for (int i = 0; i < phnum; i++)
            {
                if (phdrInt(i, 0) == type)
                {
                    return i;
                }
            }
            throw new IllegalStateException("no program header of type " + type);
        }

        int firstLoad()
        {
            return ofType(ProgramHeader.PT_LOAD);
        }

        /** The executable PT_LOAD. */
        int text()
        {
            for (int i = 0; i < phnum; i++)
            {
                if (phdrInt(i, 0) == ProgramHeader.PT_LOAD && (phdrInt(i, 4) & ProgramHeader.PF_X) != 0)
                {
                    return i;
                }
            }
            throw new IllegalStateException("no text segment");
        }

        /** The writable PT_LOAD (data and .bss), which follows the text. */
        int data()
        {
            for (int i = 0; i < phnum; i++)
            {
                if (phdrInt(i, 0) == ProgramHeader.PT_LOAD && (phdrInt(i, 4) & ProgramHeader.PF_W) != 0)
                {
                    return i;
                }
            }
            throw new IllegalStateException("no data segment");
        }

        /** End of segment index in memory. */
        long end(final int index)
        {
            return phdrLong(index, 16) + phdrLong(index, 40);
        }

        /** The next PT_LOAD after index. */
        int loadAfter(final int index)
        {
            for (int i = index + 1; i < phnum; i++)
            {
                if (phdrInt(i, 0) == ProgramHeader.PT_LOAD)
                {
                    return i;
                }
            }
            throw new IllegalStateException("no PT_LOAD after " + index);
        }
    }
}
