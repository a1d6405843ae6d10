package org.tessera.arch.riscv64.engine;

/**
 * Trap causes returned by {@link RiscvCpu#run(long)}. Exceptions use the RISC-V privileged
 * specification's {@code scause} codes; interrupts carry {@link #INTERRUPT} in bit 31 plus the
 * supervisor interrupt number, as {@code scause} would on RV32.
 */
public final class RiscvTrap
{
    /** Instruction address misaligned (cannot occur with C: every target is 2-byte aligned). */
    public static final int INSTRUCTION_MISALIGNED = 0;
    /** Instruction access fault: fetch from an address no physical memory backs. */
    public static final int INSTRUCTION_ACCESS_FAULT = 1;
    /** Illegal instruction; {@link RiscvCpu#tval()} holds the instruction bits. */
    public static final int ILLEGAL_INSTRUCTION = 2;
    /** Breakpoint ({@code ebreak}, {@code c.ebreak}); tval holds the pc. */
    public static final int BREAKPOINT = 3;
    /** Load access fault (also a misaligned {@code lr}). */
    public static final int LOAD_ACCESS_FAULT = 5;
    /** Store/AMO access fault (also a misaligned {@code sc} or AMO). */
    public static final int STORE_ACCESS_FAULT = 7;
    /** Environment call from U-mode; the pc still points at the {@code ecall}. */
    public static final int ECALL_FROM_U = 8;
    /** Instruction page fault; tval holds the faulting virtual address. */
    public static final int INSTRUCTION_PAGE_FAULT = 12;
    /** Load page fault; tval holds the faulting virtual address. */
    public static final int LOAD_PAGE_FAULT = 13;
    /** Store/AMO page fault; tval holds the faulting virtual address. */
    public static final int STORE_PAGE_FAULT = 15;

    /** Bit set in a cause that is an interrupt rather than an exception. */
    public static final int INTERRUPT = 0x8000_0000;
    /** The instruction budget given to {@link RiscvCpu#run(long)} ran out (supervisor timer). */
    public static final int TIMER_INTERRUPT = INTERRUPT | 5;
    /** The CPU's pending-interrupt word was non-zero; tval holds the pending bits. */
    public static final int EXTERNAL_INTERRUPT = INTERRUPT | 9;

    private RiscvTrap()
    {
    }

    /** @return true when {@code cause} is an interrupt. */
    public static boolean isInterrupt(final int cause)
    {
        return (cause & INTERRUPT) != 0;
    }

    /** @return a short name for diagnostics. */
    public static String name(final int cause)
    {
        return switch (cause)
        {
            case INSTRUCTION_MISALIGNED -> "instruction-misaligned";
            case INSTRUCTION_ACCESS_FAULT -> "instruction-access-fault";
            case ILLEGAL_INSTRUCTION -> "illegal-instruction";
            case BREAKPOINT -> "breakpoint";
            case LOAD_ACCESS_FAULT -> "load-access-fault";
            case STORE_ACCESS_FAULT -> "store-access-fault";
            case ECALL_FROM_U -> "ecall";
            case INSTRUCTION_PAGE_FAULT -> "instruction-page-fault";
            case LOAD_PAGE_FAULT -> "load-page-fault";
            case STORE_PAGE_FAULT -> "store-page-fault";
            case TIMER_INTERRUPT -> "timer-interrupt";
            case EXTERNAL_INTERRUPT -> "external-interrupt";
            default -> "cause-" + Integer.toHexString(cause);
        };
    }
}
