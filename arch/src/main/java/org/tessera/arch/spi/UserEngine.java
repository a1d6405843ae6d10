package org.tessera.arch.spi;

/**
 * A CPU's user-mode execution engine, as the scheduler sees it: it runs one of a fixed set of
 * thread contexts (the full register file, floating point included) against one address space
 * at a time, until the instruction budget ends, an interrupt is pending or the thread traps.
 * The engine walks the architecture's page tables in {@link PhysicalMemory} through its own
 * address-space-tagged TLB; the kernel flushes it when mappings change.
 *
 * <p>Generic kernel code reaches every architecture's engine only through this interface
 * ({@link Architecture#userEngine}).
 */
public interface UserEngine
{
    /** {@link #run} outcome: the instruction budget is used up (timer tick). */
    int BUDGET = 1;
    /** {@link #run} outcome: an interrupt was pending; take it with {@link #takeInterrupts()}. */
    int INTERRUPT = 2;
    /** {@link #run} outcome: the thread made a system call (its pc still on the call instruction). */
    int SYSCALL = 3;
    /** {@link #run} outcome: the thread faulted; see {@link #faultCause()} and {@link #faultValue()}. */
    int FAULT = 4;

    /** Fault kind: access to an unmapped or forbidden page (SIGSEGV). */
    int KIND_PAGE = 1;
    /** Fault kind: an illegal or unsupported instruction (SIGILL). */
    int KIND_ILLEGAL = 2;
    /** Fault kind: a breakpoint instruction (SIGTRAP). */
    int KIND_BREAKPOINT = 3;
    /** Fault kind: an access the platform forbids that is not a page fault (SIGSEGV). */
    int KIND_ACCESS = 4;
    /** Fault kind: a misaligned instruction fetch or atomic access (SIGBUS). */
    int KIND_MISALIGNED = 5;

    /** @return thread contexts this engine holds. */
    int contexts();

    /**
     * Run thread {@code context} for at most {@code budget} instructions.
     *
     * @return {@link #BUDGET}, {@link #INTERRUPT}, {@link #SYSCALL} or {@link #FAULT}.
     */
    int run(int context, long budget);

    /** @return instructions retired by the last {@link #run}. */
    long lastRetired();

    /** @return instructions retired by this engine so far. */
    long instructions();

    /** @return the architecture's cause code of the last fault (as its trap register reports it). */
    int faultCause();

    /** @return the faulting address or instruction bits of the last fault. */
    long faultValue();

    /** @return the kind of the last fault: {@link #KIND_PAGE}, {@link #KIND_ILLEGAL}, ... */
    int faultKind();

    /**
     * @return the access the last page or access fault was for: {@link AccessKind#READ},
     *         {@link AccessKind#WRITE} (atomics included) or {@link AccessKind#EXECUTE}; -1 for
     *         other faults.
     */
    int faultAccess();

    /** Translate through the page tables rooted at {@code rootPhysical}, tagged {@code asid}. */
    void addressSpace(long rootPhysical, int asid);

    /** Drop every cached translation of {@code asid}. */
    void flushAddressSpace(int asid);

    /** Start a thread afresh: every register zero, then the given pc, stack pointer and thread pointer. */
    void resetContext(int context, long pc, long sp, long tp);

    /** @return the program counter of a context. */
    long programCounter(int context);

    /** @return the system call number of a context that trapped with {@link #SYSCALL}. */
    long syscallNumber(int context);

    /** @return system call argument {@code index} (0 to 5). */
    long syscallArgument(int context, int index);

    /** Finish a system call: set its result and step past the call instruction. */
    void completeSyscall(int context, long result);

    /** Raise interrupt bits (any thread); the engine stops at its next check. */
    void raiseInterrupt(int bits);

    /** @return and clear the pending interrupt bits. */
    int takeInterrupts();
}
