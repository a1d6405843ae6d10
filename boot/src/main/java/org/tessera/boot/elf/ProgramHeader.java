package org.tessera.boot.elf;

/**
 * One ELF64 program header ({@code Elf64_Phdr}), as read from the file:
 * <pre>
 *   0        4        8                16               24
 *   +--------+--------+----------------+----------------+
 *   | p_type |p_flags |    p_offset    |    p_vaddr     |
 *   +--------+--------+----------------+----------------+
 *   |    p_paddr      |    p_filesz    |    p_memsz     |   (56 bytes in all)
 *   +-----------------+----------------+----------------+
 *   |    p_align      |
 *   +-----------------+
 * </pre>
 *
 * @param index  position in the program header table.
 * @param type   p_type, e.g. {@link #PT_LOAD}.
 * @param flags  p_flags: {@link #PF_R}, {@link #PF_W}, {@link #PF_X}.
 * @param offset p_offset, where the segment's bytes start in the file.
 * @param vaddr  p_vaddr, its link-time virtual address (add the load bias for {@code ET_DYN}).
 * @param paddr  p_paddr, unused by the loader.
 * @param filesz p_filesz, bytes taken from the file.
 * @param memsz  p_memsz, bytes in memory; those past filesz are zero (.bss).
 * @param align  p_align, 0 or a power of two.
 */
public record ProgramHeader(
    int index, int type, int flags, long offset, long vaddr, long paddr, long filesz, long memsz, long align)
{
    /** Unused entry. */
    public static final int PT_NULL = 0;
    /** Loadable segment. */
    public static final int PT_LOAD = 1;
    /** Dynamic linking information. */
    public static final int PT_DYNAMIC = 2;
    /** Path of the program interpreter (dynamic linker). */
    public static final int PT_INTERP = 3;
    /** Auxiliary information. */
    public static final int PT_NOTE = 4;
    /** The program header table itself, in memory. */
    public static final int PT_PHDR = 6;
    /** Thread-local storage template. */
    public static final int PT_TLS = 7;
    /** Stack permissions (GNU). */
    public static final int PT_GNU_STACK = 0x6474e551;
    /** Read-only after relocation (GNU). */
    public static final int PT_GNU_RELRO = 0x6474e552;
    /** RISC-V attributes section. */
    public static final int PT_RISCV_ATTRIBUTES = 0x70000003;

    /** Segment is executable. */
    public static final int PF_X = 1;
    /** Segment is writable. */
    public static final int PF_W = 2;
    /** Segment is readable. */
    public static final int PF_R = 4;

    /** Size of an ELF64 program header in the file. */
    public static final int SIZE = 56;

    /**
     * @return true for a loadable segment.
     */
    public boolean isLoad()
    {
        return type == PT_LOAD;
    }

    /**
     * @return true when the segment may be read.
     */
    public boolean readable()
    {
        return (flags & PF_R) != 0;
    }

    /**
     * @return true when the segment may be written.
     */
    public boolean writable()
    {
        return (flags & PF_W) != 0;
    }

    /**
     * @return true when the segment may be executed.
     */
    public boolean executable()
    {
        return (flags & PF_X) != 0;
    }

    /**
     * @return the first link-time address past the segment in memory ({@code vaddr + memsz}).
     */
    public long endAddress()
    {
        return vaddr + memsz;
    }

    /**
     * @return true when {@code address} is inside the segment in memory.
     * @param address a link-time virtual address.
     */
    public boolean contains(final long address)
    {
        return Long.compareUnsigned(address, vaddr) >= 0 && Long.compareUnsigned(address - vaddr, memsz) < 0;
    }

    /**
     * @return the type as readelf names it, or its number in hex.
     */
    public String typeName()
    {
        return switch (type)
        {
            case PT_NULL -> "NULL";
            case PT_LOAD -> "LOAD";
            case PT_DYNAMIC -> "DYNAMIC";
            case PT_INTERP -> "INTERP";
            case PT_NOTE -> "NOTE";
            case PT_PHDR -> "PHDR";
            case PT_TLS -> "TLS";
            case PT_GNU_STACK -> "GNU_STACK";
            case PT_GNU_RELRO -> "GNU_RELRO";
            case PT_RISCV_ATTRIBUTES -> "RISCV_ATTRIBUTES";
            default -> "0x" + Integer.toHexString(type);
        };
    }

    /**
     * @return the permissions as readelf prints them, e.g. {@code "R E"}.
     */
    public String flagsText()
    {
        return (readable() ? "R" : " ") + (writable() ? "W" : " ") + (executable() ? "E" : " ");
    }

    @Override
    public String toString()
    {
        return String.format("%-16s off 0x%06x vaddr 0x%016x filesz 0x%06x memsz 0x%06x %s align 0x%x",
            typeName(), offset, vaddr, filesz, memsz, flagsText(), align);
    }
}
