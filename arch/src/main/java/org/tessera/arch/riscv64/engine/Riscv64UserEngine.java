package org.tessera.arch.riscv64.engine;

import org.tessera.arch.spi.AccessKind;
import org.tessera.arch.spi.PhysicalMemory;
import org.tessera.arch.spi.UserEngine;

/**
 * The RV64GC interpreter behind the {@link UserEngine} SPI: one {@link RiscvCpu} walking Sv48
 * tables through its {@link Sv48Mmu}, and a fixed set of thread contexts (x0-x31, pc, f0-f31,
 * fcsr) it switches between. System calls follow the Linux RISC-V ABI: number in a7,
 * arguments in a0-a5, result in a0, and the pc steps over the 4-byte {@code ecall}.
 */
public final class Riscv64UserEngine implements UserEngine
{
    private static final int A0 = 10;
    private static final int A7 = 17;
    private static final int SP = 2;
    private static final int TP = 4;

    private final Sv48Mmu mmu;
    private final RiscvCpu cpu;
    private final RiscvContext[] contexts;
    private int attached = -1;
    private long lastRetired;
    private long instructions;
    private int faultCause;
    private long faultValue;

    public Riscv64UserEngine(final PhysicalMemory memory, final int contexts, final int tlbEntries)
    {
        this.mmu = new Sv48Mmu(memory, tlbEntries);
        this.cpu = new RiscvCpu(mmu);
        // the kernel flushes a space's translations whenever a frame may leave it
        // (flushAddressSpace), so decoded code may outlive a run: a thread that traps or is
        // preempted comes back to blocks already decoded
        cpu.keepDecodedAcrossRuns(true);
        this.contexts = new RiscvContext[contexts];
        for (int i = 0; i < contexts; i++)
        {
            this.contexts[i] = new RiscvContext();
        }
    }

    public int contexts()
    {
        return contexts.length;
    }

    public int run(final int context, final long budget)
    {
        if (attached != context)
        {
            cpu.context(contexts[context]);
            attached = context;
        }
        final long before = cpu.instret();
        final int cause = cpu.run(budget);
        lastRetired = cpu.instret() - before;
        instructions += lastRetired;
        if (cause == RiscvTrap.TIMER_INTERRUPT)
        {
            return BUDGET;
        }
        if (RiscvTrap.isInterrupt(cause))
        {
            return INTERRUPT;
        }
        if (cause == RiscvTrap.ECALL_FROM_U)
        {
            return SYSCALL;
        }
        faultCause = cause;
        faultValue = cpu.tval();
        return FAULT;
    }

    public long lastRetired()
    {
        return lastRetired;
    }

    public long instructions()
    {
        return instructions;
    }

    public int faultCause()
    {
        return faultCause;
    }

    public long faultValue()
    {
        return faultValue;
    }

    public int faultKind()
    {
        return switch (faultCause)
        {
            case RiscvTrap.INSTRUCTION_PAGE_FAULT, RiscvTrap.LOAD_PAGE_FAULT, RiscvTrap.STORE_PAGE_FAULT -> KIND_PAGE;
            case RiscvTrap.ILLEGAL_INSTRUCTION -> KIND_ILLEGAL;
            case RiscvTrap.BREAKPOINT -> KIND_BREAKPOINT;
            case RiscvTrap.INSTRUCTION_MISALIGNED -> KIND_MISALIGNED;
            default -> KIND_ACCESS;
        };
    }

    public int faultAccess()
    {
        return switch (faultCause)
        {
            case RiscvTrap.INSTRUCTION_PAGE_FAULT, RiscvTrap.INSTRUCTION_ACCESS_FAULT -> AccessKind.EXECUTE;
            case RiscvTrap.LOAD_PAGE_FAULT, RiscvTrap.LOAD_ACCESS_FAULT -> AccessKind.READ;
            case RiscvTrap.STORE_PAGE_FAULT, RiscvTrap.STORE_ACCESS_FAULT -> AccessKind.WRITE;
            default -> -1;
        };
    }

    public void addressSpace(final long rootPhysical, final int asid)
    {
        mmu.root(rootPhysical >>> 12, asid);
    }

    public void flushAddressSpace(final int asid)
    {
        mmu.flushAsid(asid);
        // a frame leaves a space only through a flush (unmap, protect, destroy): decoded code
        // of a frame that may be freed and reused goes with it
        cpu.invalidateCode();
    }

    public void resetContext(final int context, final long pc, final long sp, final long tp)
    {
        final RiscvContext c = contexts[context];
        c.clear();
        c.pc = pc;
        c.x[SP] = sp;
        c.x[TP] = tp;
        if (attached == context)
        {
            cpu.clearReservation();
        }
    }

    public long programCounter(final int context)
    {
        return contexts[context].pc;
    }

    public long syscallNumber(final int context)
    {
        return contexts[context].x[A7];
    }

    public long syscallArgument(final int context, final int index)
    {
        return contexts[context].x[A0 + index];
    }

    public void completeSyscall(final int context, final long result)
    {
        final RiscvContext c = contexts[context];
        c.x[A0] = result;
        c.pc += 4;
    }

    public void raiseInterrupt(final int bits)
    {
        cpu.raiseInterrupt(bits);
    }

    public int takeInterrupts()
    {
        return cpu.takeInterrupts();
    }

    /** @return the interpreter (tests, statistics). */
    public RiscvCpu cpu()
    {
        return cpu;
    }

    /** @return the MMU (tests, statistics). */
    public Sv48Mmu mmu()
    {
        return mmu;
    }
}
