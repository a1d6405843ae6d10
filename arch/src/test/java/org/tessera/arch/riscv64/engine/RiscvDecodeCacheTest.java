package org.tessera.arch.riscv64.engine;

import java.util.Arrays;
import java.util.SplittableRandom;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.tessera.arch.riscv64.engine.Asm.*;

/**
 * The decode cache (decoded basic blocks, micro-TLBs, the call-free block loop) against the
 * engine without it ({@link RiscvCpu#decodeCache(boolean)} false: every instruction fetched,
 * expanded and decoded afresh): seeded random programs of every instruction class (also
 * reserved encodings, random compressed patterns, stores into the code being run, CSR reads of
 * instret, FP with random rounding modes and flags, misaligned and page-crossing accesses) run
 * on both under the same random sequence of budgets; cause, tval, pc, retired count,
 * registers, fcsr and memory must be identical after every run. Plus the cases the cache must
 * never get wrong: code rewritten without fence.i (by a store in the same block, by the host
 * between runs, by an AMO), an instruction straddling two pages, a new address space.
 */
class RiscvDecodeCacheTest
{
    private static final int PROGRAMS = 300;
    private static final int INSTRUCTIONS = 160;
    private static final long[] BUDGETS = {1, 2, 3, 5, 7, 13, 64, 1000};
    private static final int[] REGISTERS = {0, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15};
    private static final int DATA_BASE = 20;
    private static final int PAGE_EDGE_BASE = 21;
    private static final int CODE_BASE = 22;
    private static final int JUMP_BASE = 23;
    private static final int UNMAPPED_EDGE_BASE = 24;

    private final TestMachine cached = new TestMachine();
    private final TestMachine reference = new TestMachine();

    @AfterEach
    void close()
    {
        cached.close();
        reference.close();
    }

    @ParameterizedTest(name = "seed {0}")
    @ValueSource(longs = {1, 2, 3, 0x5EED})
    void shouldBehaveExactlyAsUndecodedEngineOnRandomPrograms(final long seed)
    {
        final SplittableRandom random = new SplittableRandom(seed);
        for (int program = 0; program < PROGRAMS; program++)
        {
            final Asm asm = randomProgram(random);
            final long[] x = new long[32];
            final long[] f = new long[32];
            for (int r = 1; r < 32; r++)
            {
                x[r] = randomValue(random);
                f[r] = randomDouble(random);
            }
            x[DATA_BASE] = TestMachine.DATA + 0x8000;
            x[PAGE_EDGE_BASE] = TestMachine.DATA + 0x1000 - 3 - random.nextInt(8);
            x[CODE_BASE] = TestMachine.CODE;
            x[JUMP_BASE] = TestMachine.CODE + 2L * random.nextInt(asm.size() / 2);
            x[UNMAPPED_EDGE_BASE] = TestMachine.DATA + 0x3000 - 3 - random.nextInt(8);
            // mostly round-to-nearest-even with NX already set, where the FP fast paths apply
            final int fcsr = random.nextInt(3) == 0 ? random.nextInt(256) : 1 | (random.nextInt(16) << 1);
            final String where = "seed " + seed + " program " + program;
            for (final TestMachine m : new TestMachine[] {cached, reference})
            {
                m.memory.fill(TestMachine.CODE, 0x2000, (byte)0);
                m.memory.fill(TestMachine.DATA, 0x10000, (byte)0x5A);
                m.flat.protect(TestMachine.CODE, 0x1000, FlatMemory.RWX);
                // accesses crossing into a read-only page and into an unmapped one
                m.flat.protect(TestMachine.DATA + 0x1000, 0x1000, FlatMemory.R);
                m.flat.protect(TestMachine.DATA + 0x3000, 0x1000, 0);
                m.load(asm);
                System.arraycopy(x, 0, m.ctx.x, 0, 32);
                System.arraycopy(f, 0, m.ctx.f, 0, 32);
                m.ctx.fcsr = fcsr;
            }
            reference.cpu.decodeCache(false);
            runBoth(random, where);
        }
        System.out.println("RiscvDecodeCacheTest seed " + seed + ": " + cached.cpu.instret() + " instructions, " +
            cached.cpu.cycle() + " cycles");
    }

    @Test
    void shouldAddAndSubtractExactlyAsUndecodedEngineInEveryModeAndFlagState()
    {
        // sums that are exact (small integers, halves, values far apart but representable),
        // exact zeros (whose sign depends on the mode), tiny and huge ones, inexact ones, NaNs
        // and infinities; every rounding-mode field and frm, NX clear or set
        final double[] values = {1.0, -1.0, 2.0, 0.5, -0.75, 3.0, 1024.0, 0x1p52, -0x1p52, 0x1p-1000, 0x1p-1060,
            Double.MIN_VALUE, 1e300, -1e300, 0x1.fffffffffffffp1023, 0.1, 1.0 / 3, 0.0, -0.0,
            Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY, Double.NaN};
        final SplittableRandom random = new SplittableRandom(11);
        int fastExact = 0;
        for (int program = 0; program < 400; program++)
        {
            final Asm asm = new Asm();
            for (int k = 0; k < 24; k++)
            {
                final int rm = random.nextInt(8);
                asm.i32(fop(random.nextBoolean() ? 0x00 : 0x01, true, rm, 1 + random.nextInt(31), 1 + random.nextInt(31),
                    1 + random.nextInt(31)));
            }
            asm.i32(ECALL);
            final long[] f = new long[32];
            for (int r = 1; r < 32; r++)
            {
                f[r] = Double.doubleToRawLongBits(values[random.nextInt(values.length)]);
            }
            final int fcsr = (random.nextInt(8) << 5) | (random.nextBoolean() ? 1 : 0);
            fastExact += (fcsr & 1) == 0 ? 1 : 0;
            for (final TestMachine m : new TestMachine[] {cached, reference})
            {
                m.memory.fill(TestMachine.CODE, 0x2000, (byte)0);
                m.flat.protect(TestMachine.CODE, 0x1000, FlatMemory.RWX);
                m.load(asm);
                System.arraycopy(f, 0, m.ctx.f, 0, 32);
                m.ctx.fcsr = fcsr;
            }
            reference.cpu.decodeCache(false);
            final String at = "program " + program + " fcsr " + Integer.toHexString(fcsr);
            assertEquals(reference.cpu.run(1000), cached.cpu.run(1000), at);
            assertState(at);
        }
        assertTrue(fastExact > 100);
    }

    private void runBoth(final SplittableRandom random, final String where)
    {
        for (int run = 0; run < 80; run++)
        {
            final long budget = BUDGETS[random.nextInt(BUDGETS.length)];
            final int cause = cached.cpu.run(budget);
            final int expected = reference.cpu.run(budget);
            final String at = where + " run " + run + " budget " + budget;
            assertEquals(expected, cause, at);
            assertState(at);
            if (cause == RiscvTrap.INSTRUCTION_PAGE_FAULT || cause == RiscvTrap.INSTRUCTION_ACCESS_FAULT ||
                cause == RiscvTrap.INSTRUCTION_MISALIGNED)
            {
                break;
            }
            if (cause != RiscvTrap.TIMER_INTERRUPT)
            {
                // as a kernel emulating or skipping it would: go on after the instruction, so
                // that later accesses meet translations the fault left cached
                final long pc = reference.ctx.pc;
                final int length = (reference.memory.getShort(pc) & 3) == 3 ? 4 : 2;
                cached.ctx.pc = pc + length;
                reference.ctx.pc = pc + length;
            }
        }
        assertMemory(TestMachine.CODE, 0x2000, where);
        assertMemory(TestMachine.DATA, 0x10000, where);
    }

    private void assertState(final String at)
    {
        assertEquals(reference.cpu.tval(), cached.cpu.tval(), at + " tval");
        assertEquals(reference.ctx.pc, cached.ctx.pc, at + " pc");
        assertEquals(reference.cpu.instret(), cached.cpu.instret(), at + " instret");
        assertEquals(reference.cpu.cycle(), cached.cpu.cycle(), at + " cycle");
        assertArrayEquals(reference.ctx.x, cached.ctx.x, at + " x");
        assertArrayEquals(reference.ctx.f, cached.ctx.f, at + " f");
        assertEquals(reference.ctx.fcsr, cached.ctx.fcsr, at + " fcsr");
    }

    private void assertMemory(final long address, final int length, final String at)
    {
        final byte[] expected = new byte[length];
        final byte[] actual = new byte[length];
        reference.memory.read(address, expected, 0, length);
        cached.memory.read(address, actual, 0, length);
        assertArrayEquals(expected, actual, at + " memory at " + Long.toHexString(address));
    }

    private static long randomValue(final SplittableRandom random)
    {
        return switch (random.nextInt(6))
        {
            case 0 -> random.nextInt(16) - 8;
            case 1 -> Long.MIN_VALUE + random.nextInt(4);
            case 2 -> Long.MAX_VALUE - random.nextInt(4);
            case 3 -> random.nextInt();
            default -> random.nextLong();
        };
    }

    private static long randomDouble(final SplittableRandom random)
    {
        final double[] specials = {0.0, -0.0, 1.5, -2.25, 3.0, 1e300, -1e300, 1e-310, 0x1p-1000, Double.MIN_VALUE,
            Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY, Double.NaN, 0.1, 7.0 / 3};
        return switch (random.nextInt(5))
        {
            case 0 -> random.nextLong();
            case 1 -> 0x7FF0_0000_0000_0001L;
            case 2 -> 0xFFFF_FFFF_0000_0000L | random.nextInt();
            default -> Double.doubleToRawLongBits(specials[random.nextInt(specials.length)]);
        };
    }

    private static int reg(final SplittableRandom random)
    {
        return REGISTERS[random.nextInt(REGISTERS.length)];
    }

    private static int imm12(final SplittableRandom random)
    {
        return random.nextInt(8) == 0 ? random.nextInt(4096) - 2048 : random.nextInt(64) - 32;
    }

    private static Asm randomProgram(final SplittableRandom random)
    {
        final Asm asm = new Asm();
        for (int i = 0; i < INSTRUCTIONS; i++)
        {
            final int rd = reg(random);
            final int rs1 = reg(random);
            final int rs2 = reg(random);
            switch (random.nextInt(22))
            {
                case 0, 1, 2 -> asm.i32(i(imm12(random), rs1, random.nextInt(8), rd, random.nextBoolean() ? 0x13 : 0x1B));
                case 3, 4, 5 ->
                {
                    final int f7 = new int[] {0, 0, 1, 0x20, random.nextInt(128)}[random.nextInt(5)];
                    asm.i32(r(f7, rs2, rs1, random.nextInt(8), rd, random.nextBoolean() ? 0x33 : 0x3B));
                }
                case 6 -> asm.i32(random.nextBoolean() ? lui(rd, random.nextInt(1 << 20)) : auipc(rd, random.nextInt(1 << 20)));
                case 7, 8 ->
                {
                    final int base = new int[] {PAGE_EDGE_BASE, UNMAPPED_EDGE_BASE, DATA_BASE, DATA_BASE}[random.nextInt(4)];
                    asm.i32(i(random.nextInt(16) - 8 + (base == DATA_BASE ? imm12(random) : 0), base, random.nextInt(8), rd, 0x03));
                }
                case 9, 10 ->
                {
                    final int kind = random.nextInt(8);
                    final int base = kind == 0 ? CODE_BASE : kind < 3 ? PAGE_EDGE_BASE : kind == 3 ? UNMAPPED_EDGE_BASE : DATA_BASE;
                    final int offset = base == CODE_BASE ? random.nextInt(INSTRUCTIONS * 4) : random.nextInt(16) - 8;
                    asm.i32(s(offset, rs2, base, random.nextInt(8), 0x23));
                }
                case 11 -> asm.i32(b(2 * (1 + random.nextInt(24)), rs2, rs1, random.nextInt(8)));
                case 12 -> asm.i32(random.nextBoolean() ? jal(rd, 2 * (1 + random.nextInt(24))) : jalr(rd, JUMP_BASE, 2 * random.nextInt(8)));
                case 13, 14 ->
                {
                    final int funct5 = new int[] {0, 1, 2, 3, 4, 0x14, 0x1A, 0x1E, 0x18, 0x0B, 0x05, 0x08}[random.nextInt(12)];
                    final int rm = new int[] {0, 0, 7, 7, 1, 2, 3, 4, 5, 6}[random.nextInt(10)];
                    final int source2 = funct5 == 0x1A || funct5 == 0x18 ? random.nextInt(4) : funct5 == 0x1E ||
                        funct5 == 0x0B ? 0 : funct5 == 0x08 ? random.nextInt(2) : random.nextInt(32);
                    asm.i32(fop(funct5, random.nextInt(5) != 0, rm, random.nextInt(32), funct5 == 0x1A || funct5 == 0x1E ? rs1 : random.nextInt(32), source2));
                }
                case 15 ->
                {
                    final int base = new int[] {PAGE_EDGE_BASE, UNMAPPED_EDGE_BASE, DATA_BASE}[random.nextInt(3)];
                    final int offset = random.nextInt(16) - 8;
                    final int fr = random.nextInt(32);
                    asm.i32(random.nextBoolean() ? (random.nextBoolean() ? fld(fr, base, offset) : flw(fr, base, offset)) :
                        (random.nextBoolean() ? fsd(fr, base, offset) : fsw(fr, base, offset)));
                }
                case 16 ->
                {
                    final int csr = new int[] {0xC00, 0xC01, 0xC02, 0x001, 0x002, 0x003}[random.nextInt(6)];
                    asm.i32(csr(new int[] {1, 2, 3, 5, 6, 7}[random.nextInt(6)], rd, csr, random.nextBoolean() ? 0 : rs1));
                }
                case 17 -> asm.i32(random.nextInt(3) != 0 ? fma(0x43 + 4 * random.nextInt(4), random.nextInt(4) != 0,
                    new int[] {0, 7, 7, 1, 3, 5}[random.nextInt(6)], random.nextInt(32), random.nextInt(32), random.nextInt(32),
                    random.nextInt(32)) : new int[] {FENCE, FENCE_I, ECALL, EBREAK, NOP}[random.nextInt(5)]);
                case 18 -> asm.i32(amo(new int[] {LR, SC, AMOSWAP, AMOADD, AMOXOR, AMOMAX, AMOMINU}[random.nextInt(7)],
                    random.nextBoolean(), rd, DATA_BASE, rs2));
                case 19, 20 -> asm.i16((random.nextInt(1 << 14) << 2) | random.nextInt(3));
                default -> asm.i32(random.nextInt());
            }
        }
        return asm.i32(ECALL);
    }

    // ---------------------------------------------------------------- cases that must never go wrong

    @Test
    void shouldExecuteStoreToLaterInstructionOfSameBlockWithoutFenceI()
    {
        final TestMachine m = cached;
        m.flat.protect(TestMachine.CODE, 0x1000, FlatMemory.RWX);
        // 0: auipc x5,0 ; 4: sw x6,12(x5) ; 8: addi x9,x9,1 ; 12: addi x7,x0,1 (rewritten to
        // addi x7,x0,42 by the store before it runs) ; 16: ecall
        m.x(6, addi(7, 0, 42));
        m.load(new Asm().all(auipc(5, 0), sw(6, 5, 12), addi(9, 9, 1), addi(7, 0, 1), ECALL));
        assertEquals(RiscvTrap.ECALL_FROM_U, m.cpu.run(100));
        assertEquals(42, m.x(7));
        assertEquals(1, m.x(9));
        assertEquals(4, m.cpu.instret());
    }

    @Test
    void shouldExecuteStoreToLoopBodyOnNextIterationWithoutFenceI()
    {
        final TestMachine m = cached;
        m.flat.protect(TestMachine.CODE, 0x1000, FlatMemory.RWX);
        // Each pass rewrites the immediate of the loop's first instruction to the pass number,
        // so pass k adds k - 1 (the first store misses the store micro-TLB, the later ones hit):
        // 0: auipc x5,0 ; 4: addi x7,x7,0 ; 8: add x6,x6,x11 ; 12: sw x6,4(x5) ;
        // 16: addi x9,x9,1 ; 20: bne x9,x10,-16 ; 24: ecall
        m.x(6, addi(7, 7, 0)).x(11, 1 << 20).x(10, 6);
        m.load(new Asm().all(auipc(5, 0), addi(7, 7, 0), add(6, 6, 11), sw(6, 5, 4), addi(9, 9, 1), bne(9, 10, -16),
            ECALL));
        assertEquals(RiscvTrap.ECALL_FROM_U, m.cpu.run(1000));
        assertEquals(0 + 1 + 2 + 3 + 4 + 5, m.x(7));
    }

    @Test
    void shouldExecuteCodeRewrittenByAmoWithoutFenceI()
    {
        final TestMachine m = cached;
        m.flat.protect(TestMachine.CODE, 0x1000, FlatMemory.RWX);
        // 0: auipc x5,0 ; 4: addi x5,x5,16 ; 8: amoswap.w x0,x6,(x5) ; 12: nop ; 16: addi x7,x0,1 ; 20: ecall
        m.x(6, addi(7, 0, 77));
        m.load(new Asm().all(auipc(5, 0), addi(5, 5, 16), amo(AMOSWAP, true, 0, 5, 6), NOP, addi(7, 0, 1), ECALL));
        assertEquals(RiscvTrap.ECALL_FROM_U, m.cpu.run(100));
        assertEquals(77, m.x(7));
    }

    @Test
    void shouldFaultOnAccessesCrossingIntoProtectedPagesAfterCachedTranslations()
    {
        final TestMachine m = cached;
        m.flat.protect(TestMachine.DATA + 0x1000, 0x1000, FlatMemory.R);
        m.flat.protect(TestMachine.DATA + 0x3000, 0x1000, 0);
        final long[] sizes = {2, 4, 8};
        for (int k = 0; k < 3; k++)
        {
            final int f3 = k + 1;
            for (long offset = 0x1000 - sizes[k] + 1; offset < 0x1000; offset++)
            {
                // an in-page store caches the translation, then one crosses into a read-only page
                m.x(5, TestMachine.DATA).x(6, -1L).x(8, TestMachine.DATA + offset);
                m.load(new Asm().all(s(0x10, 6, 5, f3, 0x23), s(0, 6, 8, f3, 0x23), ECALL));
                assertEquals(RiscvTrap.STORE_PAGE_FAULT, m.cpu.run(100), "store size " + sizes[k] + " at " + offset);
                assertEquals(TestMachine.DATA + 0x1000, m.cpu.tval());
                assertEquals(0, m.memory.getByte(TestMachine.DATA + offset), "nothing written");
                // an in-page load caches the translation, then one crosses into an unmapped page
                m.x(5, TestMachine.DATA + 0x2000).x(8, TestMachine.DATA + 0x2000 + offset);
                m.load(new Asm().all(i(0x10, 5, f3, 7, 0x03), i(0, 8, f3, 7, 0x03), ECALL));
                assertEquals(RiscvTrap.LOAD_PAGE_FAULT, m.cpu.run(100), "load size " + sizes[k] + " at " + offset);
                assertEquals(TestMachine.DATA + 0x3000, m.cpu.tval());
            }
        }
    }

    @Test
    void shouldExecuteCodeTheHostWroteBetweenRuns()
    {
        final TestMachine m = cached;
        m.load(new Asm().all(addi(7, 0, 1), ECALL));
        assertEquals(RiscvTrap.ECALL_FROM_U, m.cpu.run(100));
        assertEquals(1, m.x(7));
        // the kernel reuses the frame for other code: no fence.i, just a new run
        m.load(new Asm().all(addi(7, 0, 2), ECALL));
        assertEquals(RiscvTrap.ECALL_FROM_U, m.cpu.run(100));
        assertEquals(2, m.x(7));
    }

    @Test
    void shouldExecuteInstructionStraddlingTwoPagesAndFaultOnItsSecondHalf()
    {
        final TestMachine m = cached;
        final long start = TestMachine.CODE + 0x1000 - 6;
        // c.addi x7,1 at 0xFFA, c.addi x7,1 at 0xFFC, then addi x7,x7,40 across 0xFFE-0x1001, ecall
        final byte[] code = new Asm().i16(cAddi(7, 1)).i16(cAddi(7, 1)).i32(addi(7, 7, 40)).i32(ECALL).bytes();
        m.memory.write(start, code, 0, code.length);
        m.ctx.pc = start;
        assertEquals(RiscvTrap.ECALL_FROM_U, m.cpu.run(100));
        assertEquals(42, m.x(7));
        assertEquals(3, m.cpu.instret());
        // the second page loses X: the straddling instruction faults with tval at its second half
        m.flat.protect(TestMachine.CODE + 0x1000, 0x1000, FlatMemory.R);
        m.ctx.pc = start;
        assertEquals(RiscvTrap.INSTRUCTION_PAGE_FAULT, m.cpu.run(100));
        assertEquals(TestMachine.CODE + 0x1000, m.cpu.tval());
        assertEquals(start + 4, m.ctx.pc);
    }

    @Test
    void shouldRetireExactlyTheBudgetInsideBlocks()
    {
        final TestMachine m = cached;
        // one 6-instruction block looping: every budget stops on the instruction it must
        m.x(7, 1_000_000);
        m.load(new Asm().all(addi(6, 6, 1), addi(8, 8, 3), xori(9, 9, 5), add(10, 10, 6), addi(5, 5, 1),
            bne(5, 7, -20)).i32(ECALL));
        long retired = 0;
        for (long budget = 1; budget < 40; budget++)
        {
            assertEquals(RiscvTrap.TIMER_INTERRUPT, m.cpu.run(budget));
            retired += budget;
            assertEquals(retired, m.cpu.instret());
            assertEquals(TestMachine.CODE + 4 * (retired % 6), m.ctx.pc);
            assertEquals(retired / 6 + (retired % 6 > 0 ? 1 : 0), m.x(6));
        }
    }

    @Test
    void shouldRunCodeOfNewAddressSpaceAtSameVirtualAddress()
    {
        try (GuestProgram program = new GuestProgram(GuestProgram.read("hello.elf"), "hello"))
        {
            final Riscv64UserEngine engine = program.engine;
            // a second address space: the same virtual page mapped to another frame holding
            // "addi a0,x0,7 ; ecall"
            final long va = 0x40_0000L;
            final long frameA = 0xF0_0000L;
            final long frameB = 0xF1_0000L;
            final byte[] a = new Asm().all(addi(10, 0, 7), ECALL).bytes();
            final byte[] b = new Asm().all(addi(10, 0, 9), ECALL).bytes();
            program.memory.write(frameA, a, 0, a.length);
            program.memory.write(frameB, b, 0, b.length);
            final long rootA = 0xE0_0000L;
            final long rootB = 0xE1_0000L;
            mapOnePage(program, rootA, va, frameA);
            mapOnePage(program, rootB, va, frameB);
            for (int round = 0; round < 3; round++)
            {
                engine.addressSpace(rootA, 11);
                engine.resetContext(1, va, 0, 0);
                assertEquals(Riscv64UserEngine.SYSCALL, engine.run(1, 100));
                assertEquals(7, engine.syscallArgument(1, 0));
                engine.addressSpace(rootB, 12);
                engine.resetContext(1, va, 0, 0);
                assertEquals(Riscv64UserEngine.SYSCALL, engine.run(1, 100));
                assertEquals(9, engine.syscallArgument(1, 0));
            }
        }
    }

    @Test
    void shouldKeepDecodedBlocksAcrossRunsUntilTheKernelFlushesTheSpace()
    {
        try (GuestProgram program = new GuestProgram(GuestProgram.read("hello.elf"), "hello"))
        {
            final Riscv64UserEngine engine = program.engine;
            final long va = 0x40_0000L;
            final long frame = 0xF0_0000L;
            final long root = 0xE0_0000L;
            final byte[] first = new Asm().all(addi(10, 0, 7), ECALL).bytes();
            program.memory.write(frame, first, 0, first.length);
            mapOnePage(program, root, va, frame);
            engine.addressSpace(root, 11);
            engine.resetContext(1, va, 0, 0);
            assertEquals(Riscv64UserEngine.SYSCALL, engine.run(1, 100));
            final long decoded = engine.cpu().blocksDecoded();
            for (int i = 0; i < 5; i++)
            {
                engine.resetContext(1, va, 0, 0);
                assertEquals(Riscv64UserEngine.SYSCALL, engine.run(1, 100));
                assertEquals(7, engine.syscallArgument(1, 0));
            }
            assertEquals(decoded, engine.cpu().blocksDecoded(), "a trap and a new run reuse the decoded block");
            // the frame is reused for other code: the kernel unmaps (flushing the space) first
            final byte[] second = new Asm().all(addi(10, 0, 9), ECALL).bytes();
            program.memory.write(frame, second, 0, second.length);
            engine.flushAddressSpace(11);
            engine.resetContext(1, va, 0, 0);
            assertEquals(Riscv64UserEngine.SYSCALL, engine.run(1, 100));
            assertEquals(9, engine.syscallArgument(1, 0), "a flush drops decoded code with the translations");
            assertTrue(engine.cpu().blocksDecoded() > decoded);
        }
    }

    @Test
    void shouldKeepTranslationsAcrossRunsOnlyWhileTheMappingIsUnchanged()
    {
        try (GuestProgram program = new GuestProgram(GuestProgram.read("hello.elf"), "hello"))
        {
            final Riscv64UserEngine engine = program.engine;
            final long va = 0x40_0000L;
            final long code = 0xF0_0000L;
            final long dataA = 0xF2_0000L;
            final long dataB = 0xF3_0000L;
            final long root = 0xE0_0000L;
            // a1 = va + 0x1000 ; a0 = [a1] ; sd a0 -> [a1 + 8] ; ecall
            final byte[] text = new Asm().all(lui(11, 0x401), ld(10, 11, 0), sd(10, 11, 8), ECALL).bytes();
            program.memory.write(code, text, 0, text.length);
            mapOnePage(program, root, va, code);
            final long leaf = root + 0x3000;
            final long dataPte = leaf + (((va + 0x1000) >>> 12) & 511) * 8;
            final long rw = Sv48Mmu.PTE_V | Sv48Mmu.PTE_U | Sv48Mmu.PTE_R | Sv48Mmu.PTE_W | Sv48Mmu.PTE_A |
                Sv48Mmu.PTE_D;
            program.memory.putLong(dataPte, ((dataA >>> 12) << 10) | rw);
            program.memory.putLong(dataA, 0x1111);
            program.memory.putLong(dataB, 0x2222);
            engine.addressSpace(root, 11);
            engine.resetContext(1, va, 0, 0);
            assertEquals(Riscv64UserEngine.SYSCALL, engine.run(1, 100));
            assertEquals(0x1111, engine.syscallArgument(1, 0));
            final long lookups = engine.mmu().hits() + engine.mmu().misses();
            for (int i = 0; i < 5; i++)
            {
                engine.resetContext(1, va, 0, 0);
                assertEquals(Riscv64UserEngine.SYSCALL, engine.run(1, 100));
                assertEquals(0x1111, engine.syscallArgument(1, 0));
            }
            assertEquals(lookups, engine.mmu().hits() + engine.mmu().misses(),
                "the same address space again: fetch, load and store use the translations of the last run");
            // the page now maps another frame: the kernel flushes, the next run sees it
            program.memory.putLong(dataPte, ((dataB >>> 12) << 10) | rw);
            engine.mmu().flushPage(11, va + 0x1000);
            engine.resetContext(1, va, 0, 0);
            assertEquals(Riscv64UserEngine.SYSCALL, engine.run(1, 100));
            assertEquals(0x2222, engine.syscallArgument(1, 0), "a flush drops the cached load translation");
            assertEquals(0x2222, program.memory.getLong(dataB + 8), "and the cached store translation");
            assertEquals(0x1111, program.memory.getLong(dataA + 8));
            // write taken away, flushed: the store faults
            program.memory.putLong(dataPte, ((dataB >>> 12) << 10) | (rw & ~Sv48Mmu.PTE_W));
            engine.flushAddressSpace(11);
            engine.resetContext(1, va, 0, 0);
            assertEquals(Riscv64UserEngine.FAULT, engine.run(1, 100));
            assertEquals(RiscvTrap.STORE_PAGE_FAULT, engine.faultCause());
            // back to a writable page, then a switch to another space (no flush): the engine
            // must not use the last space's translations there
            program.memory.putLong(dataPte, ((dataB >>> 12) << 10) | rw);
            engine.flushAddressSpace(11);
            engine.resetContext(1, va, 0, 0);
            assertEquals(Riscv64UserEngine.SYSCALL, engine.run(1, 100));
            final long root2 = 0xE8_0000L;
            mapOnePage(program, root2, va, code);
            program.memory.putLong(root2 + 0x3000 + (((va + 0x1000) >>> 12) & 511) * 8, ((dataA >>> 12) << 10) | rw);
            engine.addressSpace(root2, 12);
            engine.resetContext(1, va, 0, 0);
            assertEquals(Riscv64UserEngine.SYSCALL, engine.run(1, 100));
            assertEquals(0x1111, engine.syscallArgument(1, 0));
        }
    }

    /** Map one 4 KiB user R+X page through four fresh tables placed right after {@code root}. */
    private static void mapOnePage(final GuestProgram program, final long root, final long va, final long frame)
    {
        long table = root;
        for (int level = 3; level > 0; level--)
        {
            final long nextTable = table + 0x1000;
            program.memory.fill(table, 0x1000, (byte)0);
            program.memory.putLong(table + ((va >>> (12 + 9 * level)) & 511) * 8, ((nextTable >>> 12) << 10) | Sv48Mmu.PTE_V);
            table = nextTable;
        }
        program.memory.fill(table, 0x1000, (byte)0);
        program.memory.putLong(table + ((va >>> 12) & 511) * 8, ((frame >>> 12) << 10) | Sv48Mmu.PTE_V | Sv48Mmu.PTE_U |
            Sv48Mmu.PTE_R | Sv48Mmu.PTE_X | Sv48Mmu.PTE_A);
    }

    @Test
    void shouldRunCpuboundIdenticallyWithAndWithoutCacheAndAcrossSlices()
    {
        final byte[] image = GuestProgram.read("cpubound.elf");
        org.junit.jupiter.api.Assumptions.assumeTrue(image != null, "user/bin/cpubound.elf not built");
        final long[] retired = new long[3];
        final String[] output = new String[3];
        final long[] slices = {100_000, 397, 100_000};
        for (int i = 0; i < 3; i++)
        {
            try (GuestProgram program = new GuestProgram(image, "cpubound", "1"))
            {
                program.engine.cpu().decodeCache(i < 2);
                assertEquals(0, program.run(slices[i]));
                retired[i] = program.engine.instructions();
                output[i] = program.output();
            }
        }
        assertEquals(retired[2], retired[0], "retired, cache vs none");
        assertEquals(retired[2], retired[1], "retired, cache with small slices vs none");
        assertEquals(output[2], output[0]);
        assertEquals(output[2], output[1]);
        assertEquals(true, output[0].startsWith("cpubound: 1 rounds\n"), output[0]);
        assertEquals(4, Arrays.stream(output[0].split("\n")).count(), output[0]);
    }
}
