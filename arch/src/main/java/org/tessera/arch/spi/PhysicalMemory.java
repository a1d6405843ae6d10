package org.tessera.arch.spi;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;

import org.agrona.concurrent.UnsafeBuffer;
import org.tessera.arch.host.HostPages;
import org.tessera.subset.Boot;

/**
 * The machine's physical memory: one off-heap region addressed by physical address, starting
 * at 0. Page tables, user pages, kernel heap slabs and IPC buffers all live here in their real
 * binary formats (little-endian, as on every architecture Tessera models).
 *
 * <p>Accesses use unaligned little-endian layouts so that any address works; page-table
 * entries are read and written with volatile/CAS accessors because an MMU on another virtual
 * CPU may set accessed/dirty bits concurrently.
 *
 * <p>Addresses outside {@code [0, size)} throw {@link IndexOutOfBoundsException}: callers that
 * take addresses from guests check with {@link #contains(long, long)} first.
 */
public final class PhysicalMemory
{
    private static final ValueLayout.OfLong LONG = ValueLayout.JAVA_LONG_UNALIGNED;
    private static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT_UNALIGNED;
    private static final ValueLayout.OfShort SHORT = ValueLayout.JAVA_SHORT_UNALIGNED;
    private static final ValueLayout.OfByte BYTE = ValueLayout.JAVA_BYTE;
    private static final VarHandle LONG_ALIGNED = ValueLayout.JAVA_LONG.varHandle();
    /** Longest run {@link #nextNonZeroLong} compares at once: one page-table page. */
    private static final int ZERO_BYTES = 4096;
    private static final MemorySegment ZERO = MemorySegment.ofArray(new long[ZERO_BYTES / 8]);

    private final Arena arena;
    private final MemorySegment segment;
    private final long size;

    /**
     * Allocate {@code size} bytes of zeroed physical memory. On a Linux host the pages come
     * lazily from the host kernel, already zeroed ({@link HostPages}), so a machine costs only
     * the memory its guests and services touch.
     *
     * @param size bytes, a multiple of 4096.
     */
    public PhysicalMemory(final long size)
    {
        if (size <= 0 || (size & 4095) != 0)
        {
            throw new IllegalArgumentException("physical memory size must be a positive multiple of 4096");
        }
        this.arena = Arena.ofShared();
        this.segment = HostPages.allocate(arena, size);
        this.size = size;
    }

    /** @return size of physical memory in bytes. */
    public long size()
    {
        return size;
    }

    /** @return true when {@code [address, address + length)} lies inside physical memory. */
    public boolean contains(final long address, final long length)
    {
        return address >= 0 && length >= 0 && address <= size - length;
    }

    public long getLong(final long address)
    {
        return segment.get(LONG, address);
    }

    public void putLong(final long address, final long value)
    {
        segment.set(LONG, address, value);
    }

    /**
     * Find the next non-zero 8-byte word of a table without reading the zero ones one by one
     * (a vectorised compare against zeros): page-table scans skip empty entries this way.
     * Plain reads: an entry other CPUs may update concurrently (accessed/dirty bits) is never
     * zero, so whatever this finds is read again, volatile, by the caller.
     *
     * @param address first word of the table, 8-byte aligned.
     * @param from    index of the first word to look at.
     * @param count   words in the table (at most 512).
     * @return the index of the first non-zero word at or after {@code from}, or {@code count}.
     */
    public int nextNonZeroLong(final long address, final int from, final int count)
    {
        if (from >= count)
        {
            return count;
        }
        final long start = address + (long)from * 8;
        final long length = (long)(count - from) * 8;
        final long at = MemorySegment.mismatch(segment, start, start + length, ZERO, 0, length);
        return at < 0 ? count : from + (int)(at >>> 3);
    }

    /** Volatile read of an 8-byte aligned word (page-table entries). */
    public long getLongVolatile(final long address)
    {
        return (long)LONG_ALIGNED.getVolatile(segment, address);
    }

    /** Volatile write of an 8-byte aligned word (page-table entries). */
    public void putLongVolatile(final long address, final long value)
    {
        LONG_ALIGNED.setVolatile(segment, address, value);
    }

    /** Atomic compare-and-set of an 8-byte aligned word (accessed/dirty updates by an MMU). */
    public boolean compareAndSetLong(final long address, final long expected, final long value)
    {
        return LONG_ALIGNED.compareAndSet(segment, address, expected, value);
    }

    public int getInt(final long address)
    {
        return segment.get(INT, address);
    }

    public void putInt(final long address, final int value)
    {
        segment.set(INT, address, value);
    }

    public short getShort(final long address)
    {
        return segment.get(SHORT, address);
    }

    public void putShort(final long address, final short value)
    {
        segment.set(SHORT, address, value);
    }

    public byte getByte(final long address)
    {
        return segment.get(BYTE, address);
    }

    public void putByte(final long address, final byte value)
    {
        segment.set(BYTE, address, value);
    }

    /** Set {@code length} bytes from {@code address} to {@code value}. */
    public void fill(final long address, final long length, final byte value)
    {
        segment.asSlice(address, length).fill(value);
    }

    /** Copy {@code length} bytes between two physical ranges (they may overlap). */
    public void copy(final long from, final long to, final long length)
    {
        MemorySegment.copy(segment, from, segment, to, length);
    }

    /** Copy bytes out of physical memory into a heap array. */
    public void read(final long address, final byte[] dst, final int offset, final int length)
    {
        MemorySegment.copy(segment, BYTE, address, dst, offset, length);
    }

    /** Copy bytes from a heap array into physical memory. */
    public void write(final long address, final byte[] src, final int offset, final int length)
    {
        MemorySegment.copy(src, offset, segment, BYTE, address, length);
    }

    /**
     * Point {@code buffer} at {@code [address, address + length)} so SBE flyweights and Agrona
     * structures can work directly on physical memory (no copy).
     */
    public void wrap(final UnsafeBuffer buffer, final long address, final int length)
    {
        buffer.wrap(segment.address() + address, length);
    }

    /** @return the backing segment, for host-side tools (image dumps, bulk export). */
    public MemorySegment segment()
    {
        return segment;
    }

    /** Release the memory. No access is valid afterwards. */
    @Boot
    public void close()
    {
        arena.close();
    }
}
