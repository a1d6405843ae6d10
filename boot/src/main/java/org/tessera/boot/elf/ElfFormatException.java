package org.tessera.boot.elf;

/**
 * An ELF file was refused: {@link #reason()} says which rule it broke, the message says
 * where and with which values, in words a user can act on.
 */
public final class ElfFormatException extends RuntimeException
{
    private static final long serialVersionUID = 1L;

    /**
     * The rule an ELF file broke.
     */
    public enum Reason
    {
        /** The file ends before a structure it declares (header, program header table). */
        TRUNCATED,
        /** The first four bytes are not 0x7f 'E' 'L' 'F'. */
        BAD_MAGIC,
        /** ELFCLASS32 or an unknown class: only ELF64 is loaded. */
        NOT_64_BIT,
        /** Big-endian or an unknown data encoding: RISC-V programs are little-endian. */
        NOT_LITTLE_ENDIAN,
        /** e_ident[EI_VERSION] or e_version is not EV_CURRENT (1). */
        BAD_VERSION,
        /** e_type is neither ET_EXEC nor ET_DYN (a relocatable object or a core file). */
        NOT_EXECUTABLE,
        /** e_machine is not EM_RISCV (243). */
        WRONG_MACHINE,
        /** e_flags asks for an ABI the engine does not run (RV32E/RVE, quad-float). */
        UNSUPPORTED_ABI,
        /** e_ehsize or e_phentsize is not the ELF64 size. */
        BAD_HEADER_SIZE,
        /** e_phnum is 0, or larger than {@link ElfFile#MAX_PROGRAM_HEADERS}. */
        BAD_PROGRAM_HEADER_COUNT,
        /** A segment's bytes (p_offset + p_filesz) lie outside the file. */
        SEGMENT_OUTSIDE_FILE,
        /** p_filesz is larger than p_memsz. */
        FILESZ_EXCEEDS_MEMSZ,
        /** p_align is not 0 or a power of two, or a segment cannot be mapped page by page. */
        MISALIGNED_SEGMENT,
        /** A loadable segment reaches outside the user half of the address space or the null page. */
        SEGMENT_OUTSIDE_USER_SPACE,
        /** PT_LOAD entries are not sorted by p_vaddr. */
        UNSORTED_SEGMENTS,
        /** Two PT_LOAD segments share a page, whose permissions would then be ambiguous. */
        OVERLAPPING_SEGMENTS,
        /** No PT_LOAD segment. */
        NO_LOADABLE_SEGMENT,
        /** The entry point is not inside an executable PT_LOAD segment, or not 2-byte aligned. */
        BAD_ENTRY,
        /** PT_INTERP is present: a dynamically linked program, which needs a dynamic linker. */
        DYNAMICALLY_LINKED,
        /** A segment type that may appear once (PT_PHDR, PT_TLS, PT_INTERP, PT_GNU_STACK) appears twice. */
        DUPLICATE_SEGMENT,
        /** PT_PHDR or PT_TLS describes memory no PT_LOAD segment provides. */
        NOT_IN_LOADED_MEMORY
    }

    private final Reason reason;

    /**
     * @param reason  the rule that was broken.
     * @param message what exactly is wrong, with the values involved.
     */
    public ElfFormatException(final Reason reason, final String message)
    {
        super(message);
        this.reason = reason;
    }

    /**
     * @return the rule that was broken.
     */
    public Reason reason()
    {
        return reason;
    }
}
