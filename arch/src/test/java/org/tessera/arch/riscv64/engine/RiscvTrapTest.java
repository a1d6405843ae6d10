package org.tessera.arch.riscv64.engine;

import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.tessera.arch.riscv64.engine.Asm.*;
import static org.tessera.arch.riscv64.engine.TestMachine.CODE;
import static org.tessera.arch.riscv64.engine.TestMachine.DATA;

/** Traps leaving the engine, the instruction budget, interrupts, CSRs and self-modifying code. */
class RiscvTrapTest
{
    private final TestMachine m = new TestMachine();

    @AfterEach
    void close()
    {
        m.close();
    }

    private int run(final Asm asm, final long budget)
    {
        m.load(asm);
        return m.cpu.run(budget);
    }

    @Test
    void shouldTrapOnEcallLeavingPcOnIt()
    {
        assertEquals(RiscvTrap.ECALL_FROM_U, run(new Asm().all(NOP, ECALL), 10));
        assertEquals(CODE + 4, m.ctx.pc);
        assertEquals(1, m.cpu.instret());
    }

    @Test
    void shouldTrapOnEbreakAndCompressedEbreak()
    {
        assertEquals(RiscvTrap.BREAKPOINT, run(new Asm().all(EBREAK), 10));
        assertEquals(CODE, m.cpu.tval());
        assertEquals(RiscvTrap.BREAKPOINT, run(new Asm().i16(C_EBREAK), 10));
        assertEquals(CODE, m.ctx.pc);
    }

    @Test
    void shouldTrapOnAllZeroInstructionWithItsBits()
    {
        assertEquals(RiscvTrap.ILLEGAL_INSTRUCTION, run(new Asm().all(NOP, 0), 10));
        assertEquals(CODE + 4, m.ctx.pc);
        assertEquals(0, m.cpu.tval());
    }

    @Test
    void shouldTrapOnIllegalInstructionsWithTheirBits()
    {
        final int[] illegal = {
            0xFFFF_FFFF, // reserved long encoding
            0x3020_0073, // mret
            0x1050_0073, // wfi
            i(0, 5, 2, 6, 0x67), // jalr with funct3 != 0
            r(0x01, 6, 5, 0, 7, 0x2F) & ~(0x1F << 27) | (0x1F << 27), // unknown AMO
            b(8, 0, 0, 2), // branch funct3 2
            i(0, 5, 7, 6, 0x03), // load funct3 7
            slli(5, 5, 1) | (1 << 30), // slli with funct6 bits
            csr(1, 5, 0x300, 0), // mstatus is not a user CSR
            csr(2, 5, 0xC80, 0), // cycleh does not exist on RV64
            csr(1, 0, 0xC00, 5), // write to cycle
            csr(6, 0, 0xC02, 1), // csrrsi instret, 1 writes
            fop(0, false, 5, 1, 2, 3), // fadd.s with reserved rm 5
        };
        for (final int insn : illegal)
        {
            assertEquals(RiscvTrap.ILLEGAL_INSTRUCTION, run(new Asm().i32(insn), 10), Integer.toHexString(insn));
            assertEquals(insn & 0xFFFF_FFFFL, m.cpu.tval(), Integer.toHexString(insn));
            assertEquals(CODE, m.ctx.pc);
        }
    }

    @Test
    void shouldTrapOnDynamicRoundingWithInvalidFrm()
    {
        m.ctx.fcsr = 5 << 5;
        assertEquals(RiscvTrap.ILLEGAL_INSTRUCTION, run(new Asm().i32(fop(0, true, DYN, 1, 2, 3)), 10));
        m.ctx.fcsr = 0;
        assertEquals(RiscvTrap.ECALL_FROM_U, run(new Asm().all(fop(0, true, DYN, 1, 2, 3), ECALL), 10));
    }

    @Test
    void shouldFaultFetchingFromNonExecutablePage()
    {
        m.x(5, DATA);
        assertEquals(RiscvTrap.INSTRUCTION_PAGE_FAULT, run(new Asm().all(jalr(0, 5, 0)), 10));
        assertEquals(DATA, m.cpu.tval());
        assertEquals(DATA, m.ctx.pc);
        assertEquals(1, m.cpu.instret(), "the jump retired, the fetch faulted");
    }

    @Test
    void shouldFaultStoringToReadOnlyPage()
    {
        m.x(5, CODE + 0x100);
        assertEquals(RiscvTrap.STORE_PAGE_FAULT, run(new Asm().all(sd(0, 5, 8)), 10));
        assertEquals(CODE + 0x108, m.cpu.tval());
        assertEquals(CODE, m.ctx.pc);
    }

    @Test
    void shouldFaultLoadingFromUnmappedWithAddress()
    {
        m.x(5, 0x3F_0000);
        m.flat.protect(0x3F_0000, 0x1000, 0);
        assertEquals(RiscvTrap.LOAD_PAGE_FAULT, run(new Asm().all(NOP, lw(6, 5, 12)), 10));
        assertEquals(0x3F_000CL, m.cpu.tval());
        assertEquals(CODE + 4, m.ctx.pc);
        m.x(5, 0xFFFF_FFFF_0000_0000L);
        assertEquals(RiscvTrap.LOAD_PAGE_FAULT, run(new Asm().all(ld(6, 5, 0)), 10));
        assertEquals(0xFFFF_FFFF_0000_0000L, m.cpu.tval());
    }

    @Test
    void shouldLoadAndStoreMisalignedAcrossPageBoundary()
    {
        final long boundary = DATA + 0x1000;
        m.x(5, boundary - 3).x(6, 0x1122_3344_5566_7788L);
        run(new Asm().all(sd(6, 5, 0), ld(7, 5, 0), lw(8, 5, 1), lhu(9, 5, 2), ECALL), 10);
        assertEquals(RiscvTrap.ECALL_FROM_U, m.cpu.cause());
        assertEquals(0x1122_3344_5566_7788L, m.x(7));
        assertEquals(0x4455_6677L, m.x(8));
        assertEquals(0x5566L, m.x(9));
        assertEquals(0x6677_88L, m.memory.getInt(boundary - 3) & 0xFF_FFFFL);
        assertEquals(0x1122_3344_55L, m.memory.getLong(boundary) & 0xFF_FFFF_FFFFL);
    }

    @Test
    void shouldFaultOnSecondPageOfCrossingAccessWithoutPartialStore()
    {
        final long boundary = DATA + DATA_END_OFFSET;
        m.x(5, boundary - 4).x(6, -1L);
        assertEquals(RiscvTrap.STORE_PAGE_FAULT, run(new Asm().all(sd(6, 5, 0)), 10));
        assertEquals(boundary, m.cpu.tval(), "the address of the part that faulted");
        assertEquals(0, m.memory.getInt(boundary - 4), "no byte was stored");
        assertEquals(RiscvTrap.LOAD_PAGE_FAULT, run(new Asm().all(ld(7, 5, 0)), 10));
        assertEquals(boundary, m.cpu.tval());
    }

    private static final long DATA_END_OFFSET = TestMachine.DATA_SIZE;

    @Test
    void shouldFetchInstructionAcrossPageBoundary()
    {
        // A 32-bit instruction whose second half lies on the next page.
        final long at = CODE + 0x1000 - 2;
        final int insn = addi(7, 0, 77);
        m.memory.putShort(at, (short)insn);
        m.memory.putShort(at + 2, (short)(insn >>> 16));
        m.memory.putInt(at + 4, ECALL);
        m.ctx.pc = at;
        assertEquals(RiscvTrap.ECALL_FROM_U, m.cpu.run(10));
        assertEquals(77, m.x(7));
        m.flat.protect(CODE + 0x1000, 0x1000, FlatMemory.R);
        m.ctx.pc = at;
        assertEquals(RiscvTrap.INSTRUCTION_PAGE_FAULT, m.cpu.run(10));
        assertEquals(CODE + 0x1000, m.cpu.tval());
        assertEquals(at, m.ctx.pc);
    }

    @Test
    void shouldStopAfterExactlyTheBudget()
    {
        // An endless counting loop: addi x5,x5,1 ; jal x0,-4
        m.load(new Asm().all(addi(5, 5, 1), jal(0, -4)));
        assertEquals(RiscvTrap.TIMER_INTERRUPT, m.cpu.run(1001));
        assertEquals(1001, m.cpu.instret());
        assertEquals(501, m.x(5));
        assertEquals(CODE + 4, m.ctx.pc, "the next instruction to execute");
        assertEquals(RiscvTrap.TIMER_INTERRUPT, m.cpu.run(0));
        assertEquals(1001, m.cpu.instret());
        assertEquals(RiscvTrap.TIMER_INTERRUPT, m.cpu.run(1));
        assertEquals(1002, m.cpu.instret());
        assertEquals(CODE, m.ctx.pc);
    }

    @Test
    void shouldReachTheSameStateInSlicesAsInOneRun()
    {
        final Asm program = new Asm().all(addi(5, 0, 100), addi(6, 6, 3), slli(7, 6, 2), xor(8, 7, 8),
            addi(5, 5, -1), bne(5, 0, -16), ECALL);
        m.load(program);
        assertEquals(RiscvTrap.ECALL_FROM_U, m.cpu.run(100_000));
        final long[] once = new long[RiscvContext.LONGS];
        m.ctx.saveTo(once, 0);
        try (TestMachine sliced = new TestMachine())
        {
            sliced.load(program);
            int slices = 0;
            int budget = 1;
            while (sliced.cpu.run(budget) == RiscvTrap.TIMER_INTERRUPT)
            {
                slices++;
                budget = 1 + slices % 7;
            }
            assertEquals(RiscvTrap.ECALL_FROM_U, sliced.cpu.cause());
            final long[] pieces = new long[RiscvContext.LONGS];
            sliced.ctx.saveTo(pieces, 0);
            assertArrayEquals(once, pieces);
            assertEquals(m.cpu.instret(), sliced.cpu.instret());
        }
    }

    private static int xor(final int rd, final int rs1, final int rs2)
    {
        return op(0, 4, rd, rs1, rs2);
    }

    @Test
    void shouldLeaveImmediatelyWhenInterruptPending()
    {
        m.load(new Asm().all(NOP, ECALL));
        m.cpu.raiseInterrupt(0b100);
        assertEquals(RiscvTrap.EXTERNAL_INTERRUPT, m.cpu.run(10));
        assertEquals(0b100, m.cpu.tval());
        assertEquals(0, m.cpu.instret());
        assertEquals(0b100, m.cpu.takeInterrupts());
        assertEquals(RiscvTrap.ECALL_FROM_U, m.cpu.run(10));
    }

    @Test
    @Timeout(value = 10, unit = TimeUnit.SECONDS)
    void shouldLeaveEndlessLoopWhenAnotherThreadRaisesInterrupt() throws InterruptedException
    {
        m.load(new Asm().all(addi(5, 5, 1), jal(0, -4)));
        final Thread raiser = new Thread(() ->
        {
            try
            {
                Thread.sleep(50);
            }
            catch (final InterruptedException ex)
            {
                Thread.currentThread().interrupt();
            }
            m.cpu.raiseInterrupt(1);
        });
        raiser.start();
        assertEquals(RiscvTrap.EXTERNAL_INTERRUPT, m.cpu.run(Long.MAX_VALUE));
        raiser.join();
        assertEquals(CODE, m.ctx.pc, "checked after the taken jump");
        assertEquals(m.cpu.instret(), 2 * m.x(5));
    }

    @Test
    void shouldReadCounterCsrs()
    {
        m.exec(NOP, NOP, csr(2, 5, 0xC02, 0), csr(2, 6, 0xC00, 0), csr(2, 7, 0xC01, 0));
        assertEquals(2, m.x(5), "instret counts the instructions before it");
        assertEquals(3, m.x(6));
        assertEquals(4, m.x(7), "time defaults to the cycle count");
        m.cpu.clock(() -> 123_456L);
        m.exec(csr(2, 5, 0xC01, 0));
        assertEquals(123_456L, m.x(5));
    }

    @Test
    void shouldReadAndWriteFloatingPointCsrs()
    {
        m.x(5, 0xFF).exec(
            csr(1, 6, 0x003, 5), // fcsr <- 0xFF, x6 = old 0
            csr(2, 7, 0x002, 0), // x7 = frm = 7
            csr(7, 8, 0x001, 0x3), // fflags &= ~3, x8 = old 0x1F
            csr(2, 9, 0x003, 0), // x9 = fcsr = 0xFC
            csr(5, 10, 0x002, 1), // frm <- 1, x10 = old 7
            csr(6, 11, 0x001, 0x1), // fflags |= 1, x11 = old 0x1C
            csr(2, 12, 0x003, 0)); // x12 = fcsr
        assertEquals(0, m.x(6));
        assertEquals(7, m.x(7));
        assertEquals(0x1F, m.x(8));
        assertEquals(0xFC, m.x(9));
        assertEquals(7, m.x(10));
        assertEquals(0x1C, m.x(11));
        assertEquals(0x3D, m.x(12));
        assertEquals(0x3D, m.ctx.fcsr);
    }

    @Test
    void shouldExecuteStoresToCodeAfterFenceI()
    {
        m.flat.protect(CODE, 0x1000, FlatMemory.RWX);
        // 0: auipc x5,0 ; 4: addi x9,x9,1 ; 8: addi x7,x0,1 (patched to addi x7,x0,42 on the
        // second pass) ; 12: sw x6,8(x5) ; 16: fence.i ; 20: bne x9,x10,-16 ; 24: ecall
        m.x(6, addi(7, 0, 42)).x(10, 2);
        assertEquals(RiscvTrap.ECALL_FROM_U, run(new Asm().all(auipc(5, 0), addi(9, 9, 1), addi(7, 0, 1),
            sw(6, 5, 8), FENCE_I, bne(9, 10, -16), ECALL), 100));
        assertEquals(42, m.x(7));
        assertEquals(addi(7, 0, 42), m.memory.getInt(CODE + 8));
    }

    @Test
    void shouldFaultFetchOutsidePhysicalMemoryOfWindow()
    {
        m.ctx.pc = TestMachine.SIZE + 0x1000;
        assertEquals(RiscvTrap.INSTRUCTION_PAGE_FAULT, m.cpu.run(10));
        assertEquals(TestMachine.SIZE + 0x1000, m.cpu.tval());
    }
}
