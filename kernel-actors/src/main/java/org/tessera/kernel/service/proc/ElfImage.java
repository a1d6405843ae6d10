package org.tessera.kernel.service.proc;

import org.tessera.arch.spi.PhysicalMemory;

/**
 * A flyweight over an ELF64 RISC-V executable lying in physical memory, for the process
 * manager: checks what loading relies on (every header and segment inside the file, sizes
 * consistent, addresses in the lower half) and reads the program headers. The boot loader
 * has already parsed each program fully on the host; this check is what keeps a kernel that
 * is handed a bad file from reading outside it.
 */
public final class ElfImage
{
    /** Program header type: loadable segment. */
    public static final int PT_LOAD = 1;
    /** Program header type: the program headers themselves. */
    public static final int PT_PHDR = 6;
    /** Segment flags. */
    public static final int PF_X = 1;
    public static final int PF_W = 2;
    public static final int PF_R = 4;
    /** Executable types. */
    public static final int ET_EXEC = 2;
    public static final int ET_DYN = 3;
    /** Size of a program header. */
    public static final int PHENT = 56;
    private static final long USER_END = 1L << 47;

    private PhysicalMemory memory;
    private long base;
    private long length;

    /**
     * Point at an ELF file and check it.
     *
     * @return true when it can be loaded.
     */
    public boolean wrap(final PhysicalMemory memory, final long base, final long length)
    {
        this.memory = memory;
        this.base = base;
        this.length = length;
        if (length < 64 || memory.getInt(base) != 0x464C457F || memory.getByte(base + 4) != 2 ||
            memory.getByte(base + 5) != 1 || (memory.getShort(base + 18) & 0xFFFF) != 243)
        {
            return false;
        }
        final int type = type();
        if (type != ET_EXEC && type != ET_DYN)
        {
            return false;
        }
        if ((memory.getShort(base + 54) & 0xFFFF) != PHENT)
        {
            return false;
        }
        final long phoff = phoff();
        final int phnum = phnum();
        if (phoff < 0 || phnum == 0 || phoff > length || phnum * (long)PHENT > length - phoff)
        {
            return false;
        }
        boolean loads = false;
        for (int i = 0; i < phnum; i++)
        {
            if (segmentType(i) != PT_LOAD)
            {
                continue;
            }
            loads = true;
            final long offset = offset(i);
            final long filesz = fileSize(i);
            final long memsz = memorySize(i);
            final long vaddr = vaddr(i);
            if (offset < 0 || filesz < 0 || memsz < filesz || offset > length || filesz > length - offset ||
                vaddr < 0 || memsz > USER_END || vaddr > USER_END - memsz)
            {
                return false;
            }
        }
        return loads;
    }

    public int type()
    {
        return memory.getShort(base + 16) & 0xFFFF;
    }

    public long entry()
    {
        return memory.getLong(base + 24);
    }

    public long phoff()
    {
        return memory.getLong(base + 32);
    }

    public int phnum()
    {
        return memory.getShort(base + 56) & 0xFFFF;
    }

    private long ph(final int i)
    {
        return base + phoff() + (long)i * PHENT;
    }

    public int segmentType(final int i)
    {
        return memory.getInt(ph(i));
    }

    public int segmentFlags(final int i)
    {
        return memory.getInt(ph(i) + 4);
    }

    public long offset(final int i)
    {
        return memory.getLong(ph(i) + 8);
    }

    public long vaddr(final int i)
    {
        return memory.getLong(ph(i) + 16);
    }

    public long fileSize(final int i)
    {
        return memory.getLong(ph(i) + 32);
    }

    public long memorySize(final int i)
    {
        return memory.getLong(ph(i) + 40);
    }

    /** @return the physical address of byte {@code offset} of the file. */
    public long fileAddress(final long offset)
    {
        return base + offset;
    }

    /** @return the file's length. */
    public long length()
    {
        return length;
    }

    /**
     * @return where the program headers are in the loaded image (before the load bias): the
     * PT_PHDR address, else the PT_LOAD that contains them in the file, else -1.
     */
    public long phdrAddress()
    {
        final int n = phnum();
        final long phoff = phoff();
        for (int i = 0; i < n; i++)
        {
            if (segmentType(i) == PT_PHDR)
            {
                return vaddr(i);
            }
        }
        for (int i = 0; i < n; i++)
        {
            if (segmentType(i) == PT_LOAD && offset(i) <= phoff && phoff + (long)n * PHENT <= offset(i) + fileSize(i))
            {
                return vaddr(i) + (phoff - offset(i));
            }
        }
        return -1;
    }
}
