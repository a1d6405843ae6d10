package org.tessera.boot.elf;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;

import static org.tessera.boot.elf.ElfFormatException.Reason;
import static org.tessera.boot.elf.ProgramHeader.PT_GNU_STACK;
import static org.tessera.boot.elf.ProgramHeader.PT_INTERP;
import static org.tessera.boot.elf.ProgramHeader.PT_LOAD;
import static org.tessera.boot.elf.ProgramHeader.PT_NULL;
import static org.tessera.boot.elf.ProgramHeader.PT_PHDR;
import static org.tessera.boot.elf.ProgramHeader.PT_TLS;

/**
 * A validated static ELF64 little-endian RISC-V executable: {@code ET_EXEC}, or {@code ET_DYN}
 * without an interpreter (static-pie). {@link #parse(byte[])} checks everything the loader
 * later relies on, so a loader holding an {@code ElfFile} can map its segments without
 * further checks; anything else is refused with an {@link ElfFormatException}.
 *
 * <p>The ELF header (64 bytes) as read here:
 * <pre>
 *   0               16     18     20       24               32               40
 *   +---------------+------+------+--------+----------------+----------------+
 *   |   e_ident     |e_type|e_mach|e_versn |    e_entry     |    e_phoff     |
 *   +---------------+------+------+--------+----------------+----------------+
 *   40               48       52     54        56      58       60      62    64
 *   +----------------+--------+------+---------+-------+--------+-------+------+
 *   |    e_shoff     |e_flags |ehsize|phentsize| phnum |shentsz | shnum |shstrx|
 *   +----------------+--------+------+---------+-------+--------+-------+------+
 *   e_ident: 7f 'E' 'L' 'F', class (2 = 64-bit), data (1 = little-endian), version (1), OS ABI, ...
 * </pre>
 * Section headers are not read: loading needs only the program headers.
 *
 * <p>Rules beyond what Linux itself checks, because Tessera maps each page with one set of
 * permissions and keeps the null page unmapped: two {@code PT_LOAD} segments may not share a
 * page, they must be sorted by address (as the ELF specification requires), and an {@code
 * ET_EXEC} may not map the page at address 0.
 */
public final class ElfFile
{
    /** e_type of a fixed-address executable. */
    public static final int ET_EXEC = 2;
    /** e_type of a position-independent executable (here: static-pie). */
    public static final int ET_DYN = 3;
    /** e_machine of RISC-V. */
    public static final int EM_RISCV = 243;
    /** e_flags: the program uses compressed instructions. */
    public static final int EF_RISCV_RVC = 0x1;
    /** e_flags: mask of the floating-point ABI. */
    public static final int EF_RISCV_FLOAT_ABI = 0x6;
    /** e_flags: double-precision floating-point ABI (lp64d). */
    public static final int EF_RISCV_FLOAT_ABI_DOUBLE = 0x4;
    /** e_flags: quad-precision floating-point ABI, which RV64GC cannot run. */
    public static final int EF_RISCV_FLOAT_ABI_QUAD = 0x6;
    /** e_flags: RV32E/RV64E register file, which the engine does not implement. */
    public static final int EF_RISCV_RVE = 0x8;
    /** Size of the ELF64 header. */
    public static final int HEADER_SIZE = 64;
    /** The page size segments are mapped with. */
    public static final long PAGE_SIZE = 4096;
    /** Most program headers accepted; real programs have about ten. */
    public static final int MAX_PROGRAM_HEADERS = 1024;
    /** First address past the user half of an Sv48 address space. */
    public static final long USER_SPACE_END = 1L << 47;

    private final byte[] image;
    private final int type;
    private final int flags;
    private final long entry;
    private final long programHeaderOffset;
    private final List<ProgramHeader> programHeaders;
    private final List<ProgramHeader> loadSegments;
    private final ProgramHeader phdrSegment;
    private final ProgramHeader tlsSegment;
    private final ProgramHeader gnuStackSegment;
    private final long programHeaderAddress;

    private ElfFile(
        final byte[] image,
        final int type,
        final int flags,
        final long entry,
        final long programHeaderOffset,
        final List<ProgramHeader> programHeaders,
        final List<ProgramHeader> loadSegments,
        final ProgramHeader phdrSegment,
        final ProgramHeader tlsSegment,
        final ProgramHeader gnuStackSegment,
        final long programHeaderAddress)
    {
        this.image = image;
        this.type = type;
        this.flags = flags;
        this.entry = entry;
        this.programHeaderOffset = programHeaderOffset;
        this.programHeaders = programHeaders;
        this.loadSegments = loadSegments;
        this.phdrSegment = phdrSegment;
        this.tlsSegment = tlsSegment;
        this.gnuStackSegment = gnuStackSegment;
        this.programHeaderAddress = programHeaderAddress;
    }

    /**
     * Parses and validates an ELF file. The bytes are copied: later changes to {@code image}
     * do not affect the result.
     *
     * @param image the whole file.
     * @return the validated file.
     * @throws ElfFormatException naming the first rule the file breaks.
     */
    public static ElfFile parse(final byte[] image)
    {
        final byte[] bytes = image.clone();
        final ByteBuffer buffer = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        if (bytes.length < HEADER_SIZE)
        {
            throw new ElfFormatException(Reason.TRUNCATED,
                "file is " + bytes.length + " bytes, shorter than the " + HEADER_SIZE + "-byte ELF64 header");
        }
        if (bytes[0] != 0x7f || bytes[1] != 'E' || bytes[2] != 'L' || bytes[3] != 'F')
        {
            throw new ElfFormatException(Reason.BAD_MAGIC, String.format(
                "not an ELF file: starts with %02x %02x %02x %02x instead of 7f 45 4c 46",
                bytes[0], bytes[1], bytes[2], bytes[3]));
        }
        if (bytes[4] != 2)
        {
            throw new ElfFormatException(Reason.NOT_64_BIT, "EI_CLASS is " + bytes[4] +
                (bytes[4] == 1 ? " (ELFCLASS32)" : "") + ": only ELFCLASS64 (2) programs are loaded");
        }
        if (bytes[5] != 1)
        {
            throw new ElfFormatException(Reason.NOT_LITTLE_ENDIAN, "EI_DATA is " + bytes[5] +
                (bytes[5] == 2 ? " (big-endian)" : "") + ": RISC-V programs are little-endian (1)");
        }
        if (bytes[6] != 1)
        {
            throw new ElfFormatException(Reason.BAD_VERSION, "EI_VERSION is " + bytes[6] + ", not EV_CURRENT (1)");
        }

        final int type = Short.toUnsignedInt(buffer.getShort(16));
        final int machine = Short.toUnsignedInt(buffer.getShort(18));
        final int version = buffer.getInt(20);
        final long entry = buffer.getLong(24);
        final long phoff = buffer.getLong(32);
        final int flags = buffer.getInt(48);
        final int ehsize = Short.toUnsignedInt(buffer.getShort(52));
        final int phentsize = Short.toUnsignedInt(buffer.getShort(54));
        final int phnum = Short.toUnsignedInt(buffer.getShort(56));

        if (type != ET_EXEC && type != ET_DYN)
        {
            throw new ElfFormatException(Reason.NOT_EXECUTABLE, "e_type is " + type + " (" + typeName(type) +
                "): only ET_EXEC (2) and static-pie ET_DYN (3) programs are loaded");
        }
        if (machine != EM_RISCV)
        {
            throw new ElfFormatException(Reason.WRONG_MACHINE,
                "e_machine is " + machine + ", not EM_RISCV (" + EM_RISCV + ")");
        }
        if (version != 1)
        {
            throw new ElfFormatException(Reason.BAD_VERSION, "e_version is " + Integer.toUnsignedString(version) +
                ", not EV_CURRENT (1)");
        }
        if ((flags & EF_RISCV_RVE) != 0)
        {
            throw new ElfFormatException(Reason.UNSUPPORTED_ABI, String.format(
                "e_flags 0x%x has EF_RISCV_RVE: the engine runs RV64GC with 32 integer registers", flags));
        }
        if ((flags & EF_RISCV_FLOAT_ABI) == EF_RISCV_FLOAT_ABI_QUAD)
        {
            throw new ElfFormatException(Reason.UNSUPPORTED_ABI, String.format(
                "e_flags 0x%x asks for the quad-float ABI: RV64GC has no Q extension", flags));
        }
        if (ehsize != HEADER_SIZE)
        {
            throw new ElfFormatException(Reason.BAD_HEADER_SIZE,
                "e_ehsize is " + ehsize + ", not " + HEADER_SIZE);
        }
        if (phentsize != ProgramHeader.SIZE)
        {
            throw new ElfFormatException(Reason.BAD_HEADER_SIZE,
                "e_phentsize is " + phentsize + ", not " + ProgramHeader.SIZE);
        }
        if (phnum == 0 || phnum > MAX_PROGRAM_HEADERS)
        {
            throw new ElfFormatException(Reason.BAD_PROGRAM_HEADER_COUNT,
                "e_phnum is " + phnum + ", outside 1.." + MAX_PROGRAM_HEADERS);
        }
        final long tableSize = (long)phnum * ProgramHeader.SIZE;
        if (!inFile(phoff, tableSize, bytes.length))
        {
            throw new ElfFormatException(Reason.TRUNCATED, String.format(
                "the program header table (%d entries at offset 0x%x, %d bytes) runs past the end of the %d-byte file",
                phnum, phoff, tableSize, bytes.length));
        }

        final List<ProgramHeader> headers = new ArrayList<>(phnum);
        for (int i = 0; i < phnum; i++)
        {
            final int at = (int)phoff + i * ProgramHeader.SIZE;
            headers.add(new ProgramHeader(
                i,
                buffer.getInt(at),
                buffer.getInt(at + 4),
                buffer.getLong(at + 8),
                buffer.getLong(at + 16),
                buffer.getLong(at + 24),
                buffer.getLong(at + 32),
                buffer.getLong(at + 40),
                buffer.getLong(at + 48)));
        }

        final List<ProgramHeader> loads = new ArrayList<>();
        ProgramHeader phdr = null;
        ProgramHeader tls = null;
        ProgramHeader gnuStack = null;
        for (final ProgramHeader ph : headers)
        {
            checkSegmentAlone(ph, bytes.length, type);
            switch (ph.type())
            {
                case PT_LOAD -> loads.add(ph);
                case PT_PHDR -> phdr = single(phdr, ph);
                case PT_TLS -> tls = single(tls, ph);
                case PT_GNU_STACK -> gnuStack = single(gnuStack, ph);
                case PT_INTERP -> throw new ElfFormatException(Reason.DYNAMICALLY_LINKED, String.format(
                    "program header %d is PT_INTERP (%s): the program is dynamically linked; " +
                    "only static programs are loaded", ph.index(), interpreterName(bytes, ph)));
                default ->
                {
                    // Other types (PT_DYNAMIC, PT_NOTE, PT_GNU_RELRO, attributes) need nothing
                    // from the loader beyond lying inside the file, checked above.
                }
            }
        }
        if (loads.isEmpty())
        {
            throw new ElfFormatException(Reason.NO_LOADABLE_SEGMENT, "no PT_LOAD segment: nothing to map");
        }
        checkLoadsTogether(loads);

        final boolean entryOk = loads.stream().anyMatch(ph -> ph.executable() && ph.contains(entry));
        if (!entryOk)
        {
            throw new ElfFormatException(Reason.BAD_ENTRY, String.format(
                "entry point 0x%x is not inside an executable PT_LOAD segment", entry));
        }
        if ((entry & 1) != 0)
        {
            throw new ElfFormatException(Reason.BAD_ENTRY, String.format(
                "entry point 0x%x is not 2-byte aligned (instructions are at least 16 bits)", entry));
        }

        if (tls != null && !fileBacked(loads, tls.vaddr(), tls.filesz()))
        {
            throw new ElfFormatException(Reason.NOT_IN_LOADED_MEMORY, String.format(
                "the PT_TLS template (0x%x bytes at 0x%x) is not inside the file-backed part of a PT_LOAD segment",
                tls.filesz(), tls.vaddr()));
        }
        final long phdrAddress;
        if (phdr != null)
        {
            if (phdr.offset() != phoff || Long.compareUnsigned(phdr.filesz(), tableSize) < 0 ||
                !fileBacked(loads, phdr.vaddr(), tableSize))
            {
                throw new ElfFormatException(Reason.NOT_IN_LOADED_MEMORY, String.format(
                    "PT_PHDR (offset 0x%x, vaddr 0x%x) does not describe the program header table at " +
                    "offset 0x%x inside a PT_LOAD segment", phdr.offset(), phdr.vaddr(), phoff));
            }
            phdrAddress = phdr.vaddr();
        }
        else
        {
            // As Linux does without PT_PHDR: find the table through the segment that maps its bytes.
            phdrAddress = loads.stream()
                .filter(ph -> Long.compareUnsigned(ph.offset(), phoff) <= 0 &&
                    Long.compareUnsigned(phoff - ph.offset(), ph.filesz()) < 0 &&
                    Long.compareUnsigned(tableSize, ph.filesz() - (phoff - ph.offset())) <= 0)
                .mapToLong(ph -> ph.vaddr() + (phoff - ph.offset()))
                .findFirst()
                .orElse(-1L);
        }

        return new ElfFile(
            bytes, type, flags, entry, phoff, List.copyOf(headers), List.copyOf(loads), phdr, tls, gnuStack, phdrAddress);
    }

    private static void checkSegmentAlone(final ProgramHeader ph, final int fileLength, final int type)
    {
        if (ph.type() == PT_NULL)
        {
            return;
        }
        if (!inFile(ph.offset(), ph.filesz(), fileLength))
        {
            throw new ElfFormatException(Reason.SEGMENT_OUTSIDE_FILE, String.format(
                "program header %d (%s): its 0x%x file bytes at offset 0x%x run past the end of the %d-byte file",
                ph.index(), ph.typeName(), ph.filesz(), ph.offset(), fileLength));
        }
        final long align = ph.align();
        if (align != 0 && Long.bitCount(align) != 1)
        {
            throw new ElfFormatException(Reason.MISALIGNED_SEGMENT, String.format(
                "program header %d (%s): p_align 0x%x is not a power of two", ph.index(), ph.typeName(), align));
        }
        if (ph.type() != PT_LOAD && ph.type() != PT_TLS)
        {
            return;
        }
        if (Long.compareUnsigned(ph.filesz(), ph.memsz()) > 0)
        {
            throw new ElfFormatException(Reason.FILESZ_EXCEEDS_MEMSZ, String.format(
                "program header %d (%s): p_filesz 0x%x is larger than p_memsz 0x%x",
                ph.index(), ph.typeName(), ph.filesz(), ph.memsz()));
        }
        if (ph.type() == PT_TLS)
        {
            return;
        }
        if (align > 1 && ((ph.vaddr() - ph.offset()) & (align - 1)) != 0)
        {
            throw new ElfFormatException(Reason.MISALIGNED_SEGMENT, String.format(
                "program header %d (LOAD): p_vaddr 0x%x and p_offset 0x%x differ modulo p_align 0x%x",
                ph.index(), ph.vaddr(), ph.offset(), align));
        }
        if (((ph.vaddr() - ph.offset()) & (PAGE_SIZE - 1)) != 0)
        {
            throw new ElfFormatException(Reason.MISALIGNED_SEGMENT, String.format(
                "program header %d (LOAD): p_vaddr 0x%x and p_offset 0x%x differ modulo the page size, " +
                "so the segment cannot be mapped page by page", ph.index(), ph.vaddr(), ph.offset()));
        }
        if (Long.compareUnsigned(ph.vaddr(), USER_SPACE_END) > 0 ||
            Long.compareUnsigned(ph.memsz(), USER_SPACE_END - ph.vaddr()) > 0)
        {
            throw new ElfFormatException(Reason.SEGMENT_OUTSIDE_USER_SPACE, String.format(
                "program header %d (LOAD): 0x%x bytes at 0x%x reach past the end of user space 0x%x",
                ph.index(), ph.memsz(), ph.vaddr(), USER_SPACE_END));
        }
        if (type == ET_EXEC && ph.memsz() != 0 && Long.compareUnsigned(ph.vaddr(), PAGE_SIZE) < 0)
        {
            throw new ElfFormatException(Reason.SEGMENT_OUTSIDE_USER_SPACE, String.format(
                "program header %d (LOAD): address 0x%x is in the null page, which stays unmapped " +
                "so that null pointers fault", ph.index(), ph.vaddr()));
        }
    }

    private static void checkLoadsTogether(final List<ProgramHeader> loads)
    {
        ProgramHeader previous = null;
        for (final ProgramHeader ph : loads)
        {
            if (ph.memsz() == 0)
            {
                continue;
            }
            if (previous != null)
            {
                if (Long.compareUnsigned(ph.vaddr(), previous.vaddr()) < 0)
                {
                    throw new ElfFormatException(Reason.UNSORTED_SEGMENTS, String.format(
                        "PT_LOAD segments are not sorted by address: header %d at 0x%x follows header %d at 0x%x",
                        ph.index(), ph.vaddr(), previous.index(), previous.vaddr()));
                }
                if (Long.compareUnsigned(ph.vaddr(), previous.endAddress()) < 0)
                {
                    throw new ElfFormatException(Reason.OVERLAPPING_SEGMENTS, String.format(
                        "PT_LOAD segments overlap: header %d [0x%x, 0x%x) and header %d [0x%x, 0x%x)",
                        previous.index(), previous.vaddr(), previous.endAddress(),
                        ph.index(), ph.vaddr(), ph.endAddress()));
                }
                if (Long.compareUnsigned(pageDown(ph.vaddr()), pageUp(previous.endAddress())) < 0)
                {
                    throw new ElfFormatException(Reason.OVERLAPPING_SEGMENTS, String.format(
                        "PT_LOAD segments %d (ends at 0x%x) and %d (starts at 0x%x) share the page at 0x%x, " +
                        "which can have only one set of permissions",
                        previous.index(), previous.endAddress(), ph.index(), ph.vaddr(), pageDown(ph.vaddr())));
                }
            }
            previous = ph;
        }
    }

    private static ProgramHeader single(final ProgramHeader seen, final ProgramHeader ph)
    {
        if (seen != null)
        {
            throw new ElfFormatException(Reason.DUPLICATE_SEGMENT, String.format(
                "program headers %d and %d are both %s, which may appear only once",
                seen.index(), ph.index(), ph.typeName()));
        }
        return ph;
    }

    private static boolean inFile(final long offset, final long length, final int fileLength)
    {
        return Long.compareUnsigned(offset, fileLength) <= 0 && Long.compareUnsigned(length, fileLength - offset) <= 0;
    }

    private static boolean fileBacked(final List<ProgramHeader> loads, final long vaddr, final long length)
    {
        for (final ProgramHeader ph : loads)
        {
            if (Long.compareUnsigned(vaddr, ph.vaddr()) >= 0 &&
                Long.compareUnsigned(vaddr - ph.vaddr(), ph.filesz()) <= 0 &&
                Long.compareUnsigned(length, ph.filesz() - (vaddr - ph.vaddr())) <= 0)
            {
                return true;
            }
        }
        return false;
    }

    private static String interpreterName(final byte[] bytes, final ProgramHeader ph)
    {
        int end = (int)ph.offset();
        final int limit = (int)(ph.offset() + Math.min(ph.filesz(), 256));
        while (end < limit && bytes[end] != 0)
        {
            end++;
        }
        final StringBuilder name = new StringBuilder();
        for (int i = (int)ph.offset(); i < end; i++)
        {
            final int c = bytes[i] & 0xff;
            name.append(c >= 0x20 && c < 0x7f ? (char)c : '?');
        }
        return name.toString();
    }

    private static String typeName(final int type)
    {
        return switch (type)
        {
            case 0 -> "ET_NONE";
            case 1 -> "ET_REL, a relocatable object";
            case ET_EXEC -> "ET_EXEC";
            case ET_DYN -> "ET_DYN";
            case 4 -> "ET_CORE, a core dump";
            default -> "unknown";
        };
    }

    private static long pageDown(final long address)
    {
        return address & -PAGE_SIZE;
    }

    private static long pageUp(final long address)
    {
        return (address + PAGE_SIZE - 1) & -PAGE_SIZE;
    }

    /**
     * @return e_type: {@link #ET_EXEC} or {@link #ET_DYN}.
     */
    public int type()
    {
        return type;
    }

    /**
     * @return true for a static-pie ({@code ET_DYN}), which is loaded at a bias and relocates itself.
     */
    public boolean positionIndependent()
    {
        return type == ET_DYN;
    }

    /**
     * @return e_flags (RVC, floating-point ABI).
     */
    public int flags()
    {
        return flags;
    }

    /**
     * @return the link-time entry point (add the load bias for {@code ET_DYN}).
     */
    public long entry()
    {
        return entry;
    }

    /**
     * @return e_phoff, where the program header table starts in the file.
     */
    public long programHeaderOffset()
    {
        return programHeaderOffset;
    }

    /**
     * @return e_phnum, the AT_PHNUM value.
     */
    public int programHeaderCount()
    {
        return programHeaders.size();
    }

    /**
     * @return e_phentsize, the AT_PHENT value (always {@link ProgramHeader#SIZE}).
     */
    public int programHeaderEntrySize()
    {
        return ProgramHeader.SIZE;
    }

    /**
     * @return every program header, in file order.
     */
    public List<ProgramHeader> programHeaders()
    {
        return programHeaders;
    }

    /**
     * @return the PT_LOAD segments, sorted by address, none sharing a page with another.
     */
    public List<ProgramHeader> loadSegments()
    {
        return loadSegments;
    }

    /**
     * @return the PT_PHDR entry, if the file has one.
     */
    public Optional<ProgramHeader> phdrSegment()
    {
        return Optional.ofNullable(phdrSegment);
    }

    /**
     * The link-time address where the program header table is visible in memory, the AT_PHDR
     * value before the load bias: PT_PHDR's address, or else the address of the loaded bytes
     * holding the table, as Linux computes it.
     *
     * @return the address, or empty when no segment loads the table.
     */
    public OptionalLong programHeaderAddress()
    {
        return programHeaderAddress == -1L ? OptionalLong.empty() : OptionalLong.of(programHeaderAddress);
    }

    /**
     * @return the PT_TLS template, if the program has thread-local storage.
     */
    public Optional<ProgramHeader> tlsSegment()
    {
        return Optional.ofNullable(tlsSegment);
    }

    /**
     * @return the PT_GNU_STACK entry, if present.
     */
    public Optional<ProgramHeader> gnuStackSegment()
    {
        return Optional.ofNullable(gnuStackSegment);
    }

    /**
     * @return true when the stack must be executable: PT_GNU_STACK asks for it. Without
     * PT_GNU_STACK Linux on RISC-V gives a non-executable stack, and so do we.
     */
    public boolean stackExecutable()
    {
        return gnuStackSegment != null && gnuStackSegment.executable();
    }

    /**
     * @return the page-aligned start of the lowest PT_LOAD segment (link-time).
     */
    public long lowestAddress()
    {
        long lowest = -1L;
        for (final ProgramHeader ph : loadSegments)
        {
            if (ph.memsz() != 0 && Long.compareUnsigned(ph.vaddr(), lowest) < 0)
            {
                lowest = ph.vaddr();
            }
        }
        return pageDown(lowest);
    }

    /**
     * @return the page-aligned end of the highest PT_LOAD segment (link-time); the program
     * break starts here.
     */
    public long highestAddress()
    {
        long highest = 0;
        for (final ProgramHeader ph : loadSegments)
        {
            if (Long.compareUnsigned(ph.endAddress(), highest) > 0)
            {
                highest = ph.endAddress();
            }
        }
        return pageUp(highest);
    }

    /**
     * The value added to every link-time address: 0 for {@code ET_EXEC}; for {@code ET_DYN}
     * what moves its lowest page to {@code base}.
     *
     * @param base where a static-pie's lowest page should go; page-aligned; ignored for ET_EXEC.
     * @return the load bias.
     * @throws IllegalArgumentException when a static-pie would not fit in user space at base.
     */
    public long loadBias(final long base)
    {
        if (type == ET_EXEC)
        {
            return 0;
        }
        if ((base & (PAGE_SIZE - 1)) != 0 || Long.compareUnsigned(base, PAGE_SIZE) < 0)
        {
            throw new IllegalArgumentException(String.format("load base 0x%x is not a page-aligned user address", base));
        }
        final long bias = base - lowestAddress();
        final long span = highestAddress() - lowestAddress();
        if (Long.compareUnsigned(base, USER_SPACE_END) > 0 || Long.compareUnsigned(span, USER_SPACE_END - base) > 0)
        {
            throw new IllegalArgumentException(String.format(
                "0x%x bytes of program do not fit in user space at 0x%x", span, base));
        }
        return bias;
    }

    /**
     * @return the size of the file in bytes.
     */
    public int fileSize()
    {
        return image.length;
    }

    /**
     * Copies the file bytes of a segment (its first {@code filesz} bytes in memory; the rest
     * up to {@code memsz} is zero).
     *
     * @param segment   one of {@link #programHeaders()}.
     * @param dst       destination.
     * @param dstOffset where in dst.
     */
    public void copyFileBytes(final ProgramHeader segment, final byte[] dst, final int dstOffset)
    {
        System.arraycopy(image, (int)segment.offset(), dst, dstOffset, (int)segment.filesz());
    }

    /**
     * @param segment one of {@link #programHeaders()}.
     * @return a copy of its file bytes.
     */
    public byte[] fileBytes(final ProgramHeader segment)
    {
        return Arrays.copyOfRange(image, (int)segment.offset(), (int)(segment.offset() + segment.filesz()));
    }

    @Override
    public String toString()
    {
        final StringBuilder text = new StringBuilder(String.format(
            "ELF64 RISC-V %s, entry 0x%x, flags 0x%x, %d program headers%n",
            type == ET_EXEC ? "ET_EXEC" : "ET_DYN (static-pie)", entry, flags, programHeaders.size()));
        for (final ProgramHeader ph : programHeaders)
        {
            text.append("  ").append(ph).append(System.lineSeparator());
        }
        return text.toString();
    }
}
