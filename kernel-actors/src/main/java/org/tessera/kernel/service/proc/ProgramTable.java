package org.tessera.kernel.service.proc;

import org.agrona.DirectBuffer;
import org.tessera.subset.Boot;

/**
 * The boot image's programs as the loader left them: each program's ELF bytes at a physical
 * address (read-only from then on) and its name. Built once at boot and never changed, so the
 * process managers of every CPU may share it.
 */
public final class ProgramTable
{
    private final byte[] names;
    private final int[] nameOffset;
    private final int[] nameLength;
    private final long[] base;
    private final long[] length;
    private int count;

    /**
     * @param capacity   programs it can hold.
     * @param nameBytes  total bytes of all names.
     */
    public ProgramTable(final int capacity, final int nameBytes)
    {
        this.names = new byte[nameBytes];
        this.nameOffset = new int[capacity];
        this.nameLength = new int[capacity];
        this.base = new long[capacity];
        this.length = new long[capacity];
    }

    /** Add a program (boot only). */
    @Boot
    public void add(final byte[] name, final long physicalAddress, final long bytes)
    {
        final int at = count == 0 ? 0 : nameOffset[count - 1] + nameLength[count - 1];
        if (count == base.length || at + name.length > names.length)
        {
            throw new IllegalStateException("program table full");
        }
        System.arraycopy(name, 0, names, at, name.length);
        nameOffset[count] = at;
        nameLength[count] = name.length;
        base[count] = physicalAddress;
        length[count] = bytes;
        count++;
    }

    /** @return the index of the program named by {@code length} bytes at {@code offset}, or -1. */
    public int find(final DirectBuffer buffer, final int offset, final int nameBytes)
    {
        for (int i = 0; i < count; i++)
        {
            if (nameLength[i] != nameBytes)
            {
                continue;
            }
            boolean same = true;
            for (int j = 0; j < nameBytes && same; j++)
            {
                same = names[nameOffset[i] + j] == buffer.getByte(offset + j);
            }
            if (same)
            {
                return i;
            }
        }
        return -1;
    }

    /** @return programs in the table. */
    public int count()
    {
        return count;
    }

    /** @return physical address of program {@code i}'s ELF bytes. */
    public long base(final int i)
    {
        return base[i];
    }

    /** @return length of program {@code i}'s ELF bytes. */
    public long length(final int i)
    {
        return length[i];
    }
}
