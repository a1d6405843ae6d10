package org.tessera.arch.tools;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import org.tessera.arch.aarch64.Aarch64PageTableFormat;
import org.tessera.arch.riscv64.paging.Sv48PageTableFormat;
import org.tessera.arch.spi.FrameSource;
import org.tessera.arch.spi.PageFlags;
import org.tessera.arch.spi.PageTableFormat;
import org.tessera.arch.spi.PageTableStatus;
import org.tessera.arch.spi.PhysicalMemory;
import org.tessera.arch.x86_64.X86_64PageTableFormat;

/**
 * Builds an address space from a mapping list and writes its page tables as raw physical
 * memory, so any independent MMU model can walk them (see {@code docs/pagetable-export.md}).
 *
 * <pre>
 * # virt            phys          size  flags
 * 0x400000          0x80000000    4K    rx
 * ffff800000000000  1000000       2M    rwg
 * </pre>
 * One mapping per line: virtual address and physical address in hex (with or without
 * {@code 0x}), a size of {@code 4K}, {@code 2M} or {@code 1G}, and flags made of the letters
 * {@code r w x u g} (each at most once; at least one of r, w, x; w needs r). {@code #} starts
 * a comment; blank lines are ignored. Physical targets may be anywhere below 2^40 and need
 * not be RAM. Mappings are made accessed (and writable ones dirty), so a walker that does
 * not model hardware A/D updates sees final permissions.
 *
 * <p>Tables are taken from a RAM that starts at {@link #TABLE_BASE} (the frame at address 0
 * is never used). {@code memory.bin} holds physical memory from address 0 up to the end of
 * the last table frame; {@code root.txt} holds the root table's address in hex.
 */
public final class PageTableExport
{
    /** Physical address of the first table frame. */
    public static final long TABLE_BASE = 0x1000;
    /** Physical targets must lie below this. */
    public static final long PHYSICAL_LIMIT = 1L << 40;
    /** Supported architecture names. */
    public static final List<String> ARCHITECTURES = List.of("x86_64", "aarch64", "riscv64");

    private PageTableExport()
    {
    }

    /**
     * A mapping list line refused.
     */
    public static final class SpecException extends IllegalArgumentException
    {
        private static final long serialVersionUID = 1L;
        private final int lineNumber;

        /**
         * @param lineNumber 1-based line number.
         * @param reason     what is wrong.
         */
        public SpecException(final int lineNumber, final String reason)
        {
            super("line " + lineNumber + ": " + reason);
            this.lineNumber = lineNumber;
        }

        /** @return 1-based line number of the refused line. */
        public int lineNumber()
        {
            return lineNumber;
        }
    }

    /**
     * One parsed line.
     *
     * @param line            1-based line number.
     * @param virtualAddress  virtual address.
     * @param physicalAddress physical address.
     * @param size            page size.
     * @param flags           {@link PageFlags}.
     */
    public record Mapping(int line, long virtualAddress, long physicalAddress, long size, int flags)
    {
    }

    /**
     * What an export produced.
     *
     * @param root        physical address of the root table.
     * @param memoryBytes length of {@code memory.bin}.
     * @param mappings    mappings made.
     * @param tableFrames table frames used, the root included.
     */
    public record Result(long root, long memoryBytes, int mappings, int tableFrames)
    {
    }

    /**
     * The entry point of {@code tessera debug pagetable --arch A --map SPEC --out DIR}.
     *
     * @param arch    {@code x86_64}, {@code aarch64} or {@code riscv64}.
     * @param mapFile the mapping list.
     * @param outDir  directory to write {@code memory.bin} and {@code root.txt} into (created if needed).
     * @return what was written.
     * @throws IOException          when a file cannot be read or written.
     * @throws SpecException        for a malformed or unmappable line (names the line and why).
     * @throws IllegalArgumentException for an unknown architecture.
     */
    public static Result run(final String arch, final Path mapFile, final Path outDir) throws IOException
    {
        final List<Mapping> mappings = parse(Files.readAllLines(mapFile, StandardCharsets.UTF_8));
        // Worst case every mapping needs three fresh tables below the root.
        final long frameCount = 2 + 3L * mappings.size();
        final long ramSize = TABLE_BASE + frameCount * PageTableFormat.SIZE_4K;
        final PhysicalMemory memory = new PhysicalMemory(ramSize);
        try
        {
            final PageTableFormat format = format(arch, memory);
            final BumpFrames frames = new BumpFrames(memory, TABLE_BASE, ramSize);
            final long root = format.createRoot(frames);
            for (final Mapping mapping : mappings)
            {
                final int status = format.map(
                    root, mapping.virtualAddress(), mapping.physicalAddress(), mapping.size(), mapping.flags(), frames);
                if (status != PageTableStatus.OK)
                {
                    throw new SpecException(mapping.line(), reason(status, arch));
                }
            }
            Files.createDirectories(outDir);
            final long length = frames.highWater();
            try (FileChannel channel = FileChannel.open(
                outDir.resolve("memory.bin"),
                StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE))
            {
                final ByteBuffer bytes = memory.segment().asSlice(0, length).asByteBuffer();
                while (bytes.hasRemaining())
                {
                    channel.write(bytes);
                }
            }
            Files.writeString(outDir.resolve("root.txt"), "0x" + Long.toHexString(root) + "\n", StandardCharsets.UTF_8);
            return new Result(root, length, mappings.size(), format.tableCount(root));
        }
        finally
        {
            memory.close();
        }
    }

    /**
     * @param arch   {@code x86_64}, {@code aarch64} or {@code riscv64}.
     * @param memory physical memory for the tables.
     * @return that architecture's page-table format.
     */
    public static PageTableFormat format(final String arch, final PhysicalMemory memory)
    {
        return switch (arch)
        {
            case "x86_64" -> new X86_64PageTableFormat(memory);
            case "aarch64" -> new Aarch64PageTableFormat(memory);
            case "riscv64" -> new Sv48PageTableFormat(memory);
            default -> throw new IllegalArgumentException(
                "unknown architecture '" + arch + "' (expected one of " + ARCHITECTURES + ")");
        };
    }

    /**
     * Parse a mapping list.
     *
     * @param lines the file's lines.
     * @return the mappings, in file order.
     * @throws SpecException for the first malformed line.
     */
    public static List<Mapping> parse(final List<String> lines)
    {
        final List<Mapping> mappings = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++)
        {
            final Mapping mapping = parseLine(i + 1, lines.get(i));
            if (mapping != null)
            {
                mappings.add(mapping);
            }
        }
        return mappings;
    }

    /**
     * Parse one line.
     *
     * @param lineNumber 1-based line number, for messages.
     * @param line       the text.
     * @return the mapping, or null for a blank or comment-only line.
     * @throws SpecException when malformed.
     */
    public static Mapping parseLine(final int lineNumber, final String line)
    {
        final int hash = line.indexOf('#');
        final String text = (hash >= 0 ? line.substring(0, hash) : line).strip();
        if (text.isEmpty())
        {
            return null;
        }
        final String[] fields = text.split("\\s+");
        if (fields.length != 4)
        {
            throw new SpecException(lineNumber, "expected 4 fields 'virt phys size flags', found " + fields.length);
        }
        final long virtualAddress = parseHex(lineNumber, "virtual address", fields[0]);
        final long physicalAddress = parseHex(lineNumber, "physical address", fields[1]);
        final long size = parseSize(lineNumber, fields[2]);
        final int flags = parseFlags(lineNumber, fields[3]);
        if (Long.compareUnsigned(physicalAddress, PHYSICAL_LIMIT) >= 0)
        {
            throw new SpecException(lineNumber, "physical address " + fields[1] + " is not below 2^40");
        }
        if ((virtualAddress & (size - 1)) != 0)
        {
            throw new SpecException(lineNumber, "virtual address " + fields[0] + " is not aligned to " + fields[2]);
        }
        if ((physicalAddress & (size - 1)) != 0)
        {
            throw new SpecException(lineNumber, "physical address " + fields[1] + " is not aligned to " + fields[2]);
        }
        return new Mapping(lineNumber, virtualAddress, physicalAddress, size, flags);
    }

    private static long parseHex(final int lineNumber, final String what, final String field)
    {
        final String digits = field.startsWith("0x") || field.startsWith("0X") ? field.substring(2) : field;
        if (digits.isEmpty() || digits.length() > 16)
        {
            throw new SpecException(lineNumber, what + " '" + field + "' is not a 64-bit hex number");
        }
        for (int i = 0; i < digits.length(); i++)
        {
            if (Character.digit(digits.charAt(i), 16) < 0)
            {
                throw new SpecException(lineNumber, what + " '" + field + "' is not a hex number");
            }
        }
        return Long.parseUnsignedLong(digits, 16);
    }

    private static long parseSize(final int lineNumber, final String field)
    {
        return switch (field.toUpperCase(Locale.ROOT))
        {
            case "4K" -> PageTableFormat.SIZE_4K;
            case "2M" -> PageTableFormat.SIZE_2M;
            case "1G" -> PageTableFormat.SIZE_1G;
            default -> throw new SpecException(lineNumber, "size '" + field + "' is not one of 4K, 2M, 1G");
        };
    }

    private static int parseFlags(final int lineNumber, final String field)
    {
        int flags = 0;
        for (int i = 0; i < field.length(); i++)
        {
            final char letter = field.charAt(i);
            final int bit = switch (letter)
            {
                case 'r' -> PageFlags.READ;
                case 'w' -> PageFlags.WRITE;
                case 'x' -> PageFlags.EXECUTE;
                case 'u' -> PageFlags.USER;
                case 'g' -> PageFlags.GLOBAL;
                default -> throw new SpecException(
                    lineNumber, "flag '" + letter + "' in '" + field + "' is not one of r w x u g");
            };
            if ((flags & bit) != 0)
            {
                throw new SpecException(lineNumber, "flag '" + letter + "' repeated in '" + field + "'");
            }
            flags |= bit;
        }
        if ((flags & PageFlags.PERMISSIONS) == 0)
        {
            throw new SpecException(lineNumber, "flags '" + field + "' grant none of r, w, x");
        }
        if ((flags & PageFlags.WRITE) != 0 && (flags & PageFlags.READ) == 0)
        {
            throw new SpecException(lineNumber, "flags '" + field + "' are write-only (w needs r)");
        }
        flags |= PageFlags.ACCESSED;
        if ((flags & PageFlags.WRITE) != 0)
        {
            flags |= PageFlags.DIRTY;
        }
        return flags;
    }

    private static String reason(final int status, final String arch)
    {
        return switch (status)
        {
            case PageTableStatus.ALREADY_MAPPED -> "overlaps an earlier mapping";
            case PageTableStatus.BAD_ADDRESS -> "virtual address is outside the " + arch + " range (non-canonical)";
            case PageTableStatus.MISALIGNED -> "address not aligned to the page size";
            case PageTableStatus.BAD_SIZE -> "page size not supported by " + arch;
            default -> "cannot be mapped: " + PageTableStatus.name(status);
        };
    }

    /**
     * Table frames handed out in ascending order from one range, so the export is compact
     * and deterministic.
     */
    private static final class BumpFrames implements FrameSource
    {
        private final PhysicalMemory memory;
        private final long limit;
        private long next;

        BumpFrames(final PhysicalMemory memory, final long base, final long limit)
        {
            this.memory = memory;
            this.next = base;
            this.limit = limit;
        }

        @Override
        public long allocateZeroedFrame()
        {
            if (next + PageTableFormat.SIZE_4K > limit)
            {
                return NO_FRAME;
            }
            final long frame = next;
            next += PageTableFormat.SIZE_4K;
            memory.fill(frame, PageTableFormat.SIZE_4K, (byte)0);
            return frame;
        }

        @Override
        public void freeFrame(final long physicalAddress)
        {
            // Freed only when a large page replaces an empty subtree, which a parsed list of
            // non-overlapping maps never does; the frame simply stays unused in the image.
        }

        long highWater()
        {
            return next;
        }
    }
}
