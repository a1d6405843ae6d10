package org.tessera.boot.image;

/**
 * Byte layout of a boot image (all integers little-endian).
 * <pre>
 *   0        8         10        12          16                24
 *   +--------+---------+---------+-----------+-----------------+
 *   | magic  | version | arch    | cpus      | total length    |   header (48 bytes)
 *   | "TSRIMG\r\n" | u16 | u16   | u32       | u64 (whole file)|
 *   +--------+---------+---------+-----------+-----------------+
 *   24: memory bytes u64 | 32: tick instructions u64 | 40: numa nodes u16 | 42: policy u16 |
 *   44: program count u32
 *   48: init: name (u16 length + bytes), argc u32, argc x (u32 length + bytes)
 *   then per program, sorted by name: name (u16 length + bytes), ELF length u32, ELF bytes
 *   last 4 bytes: CRC-32C (Castagnoli) of every byte before it
 * </pre>
 * The total length in the header makes a truncated file recognisable as such (rather than
 * as a checksum mismatch), and the CRC covers everything, header included.
 */
public final class ImageFormat
{
    /** The first eight bytes: {@code TSRIMG\r\n} (a text-mode transfer or truncation to 7 bit shows). */
    public static final byte[] MAGIC = {'T', 'S', 'R', 'I', 'M', 'G', '\r', '\n'};
    /** Format version written and read. */
    public static final int VERSION = 1;
    /** Fixed header bytes. */
    public static final int HEADER_LENGTH = 48;
    /** Checksum bytes at the end. */
    public static final int CRC_LENGTH = 4;
    /** Largest image accepted (1 GiB). */
    public static final long MAX_LENGTH = 1L << 30;

    static final int VERSION_OFFSET = 8;
    static final int ARCH_OFFSET = 10;
    static final int CPUS_OFFSET = 12;
    static final int TOTAL_LENGTH_OFFSET = 16;
    static final int MEMORY_OFFSET = 24;
    static final int TICK_OFFSET = 32;
    static final int NUMA_OFFSET = 40;
    static final int POLICY_OFFSET = 42;
    static final int PROGRAM_COUNT_OFFSET = 44;

    private ImageFormat()
    {
    }
}
