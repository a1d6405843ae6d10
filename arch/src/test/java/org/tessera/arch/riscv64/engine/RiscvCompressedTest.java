package org.tessera.arch.riscv64.engine;

import java.util.SplittableRandom;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.params.provider.Arguments.arguments;
import static org.tessera.arch.riscv64.engine.Asm.*;
import static org.tessera.arch.riscv64.engine.TestMachine.CODE;
import static org.tessera.arch.riscv64.engine.TestMachine.DATA;

/**
 * RV64C: each compressed instruction, encoded independently from the RVC tables, decodes to its
 * expansion and behaves like it from the same seeded random state.
 */
class RiscvCompressedTest
{
    private static final long AT = CODE + 0x1000;
    private static final long TARGET = CODE + 0x40;
    private static final long SEED = 0x5EED_C0DEL;

    static Stream<Arguments> pairs()
    {
        return Stream.of(
            arguments("c.addi4spn", cAddi4spn(9, 0x3FC), addi(9, 2, 0x3FC)),
            arguments("c.fld", cFld(10, 11, 0xF8), fld(10, 11, 0xF8)),
            arguments("c.lw", cLw(12, 13, 0x7C), lw(12, 13, 0x7C)),
            arguments("c.ld", cLd(14, 15, 0xF8), ld(14, 15, 0xF8)),
            arguments("c.fsd", cFsd(8, 9, 0x48), fsd(8, 9, 0x48)),
            arguments("c.sw", cSw(10, 11, 0x44), sw(10, 11, 0x44)),
            arguments("c.sd", cSd(12, 13, 0xA8), sd(12, 13, 0xA8)),
            arguments("c.nop", cAddi(0, 0), addi(0, 0, 0)),
            arguments("c.addi -32", cAddi(5, -32), addi(5, 5, -32)),
            arguments("c.addi 31", cAddi(5, 31), addi(5, 5, 31)),
            arguments("c.addiw", cAddiw(6, -1), addiw(6, 6, -1)),
            arguments("c.li", cLi(7, -17), addi(7, 0, -17)),
            arguments("c.addi16sp -512", cAddi16sp(-512), addi(2, 2, -512)),
            arguments("c.addi16sp 496", cAddi16sp(496), addi(2, 2, 496)),
            arguments("c.lui negative", cLui(8, 0x3F), lui(8, 0xFFFFF)),
            arguments("c.lui", cLui(9, 5), lui(9, 5)),
            arguments("c.srli", cShiftAnd(0, 9, 63), srli(9, 9, 63)),
            arguments("c.srai", cShiftAnd(1, 10, 33), srai(10, 10, 33)),
            arguments("c.andi", cShiftAnd(2, 11, -3 & 63), andi(11, 11, -3)),
            arguments("c.sub", cArith(false, 0, 8, 9), sub(8, 8, 9)),
            arguments("c.xor", cArith(false, 1, 10, 11), op(0, 4, 10, 10, 11)),
            arguments("c.or", cArith(false, 2, 12, 13), op(0, 6, 12, 12, 13)),
            arguments("c.and", cArith(false, 3, 14, 15), op(0, 7, 14, 14, 15)),
            arguments("c.subw", cArith(true, 0, 8, 9), op32(0x20, 0, 8, 8, 9)),
            arguments("c.addw", cArith(true, 1, 10, 11), op32(0, 0, 10, 10, 11)),
            arguments("c.j forward", cJ(2044), jal(0, 2044)),
            arguments("c.j back", cJ(-2048), jal(0, -2048)),
            arguments("c.beqz taken", cBranch(false, 15, 252), beq(15, 0, 252)),
            arguments("c.beqz not taken", cBranch(false, 8, -256), beq(8, 0, -256)),
            arguments("c.bnez taken", cBranch(true, 8, -256), bne(8, 0, -256)),
            arguments("c.bnez not taken", cBranch(true, 15, 100), bne(15, 0, 100)),
            arguments("c.slli", cSlli(5, 63), slli(5, 5, 63)),
            arguments("c.fldsp", cFldsp(3, 0x1F8), fld(3, 2, 0x1F8)),
            arguments("c.lwsp", cLwsp(4, 0xFC), lw(4, 2, 0xFC)),
            arguments("c.ldsp", cLdsp(5, 0x1F8), ld(5, 2, 0x1F8)),
            arguments("c.jr", cJr(1), jalr(0, 1, 0)),
            arguments("c.mv", cMv(6, 7), add(6, 0, 7)),
            arguments("c.jalr", cJalr(1), jalr(1, 1, 0)),
            arguments("c.add", cAdd(6, 7), add(6, 6, 7)),
            arguments("c.fsdsp", cFsdsp(3, 0x1F8), fsd(3, 2, 0x1F8)),
            arguments("c.swsp", cSwsp(4, 0xFC), sw(4, 2, 0xFC)),
            arguments("c.sdsp", cSdsp(5, 0x1F8), sd(5, 2, 0x1F8)));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("pairs")
    void shouldExpandToItsThirtyTwoBitForm(final String name, final int compressed, final int expanded)
    {
        assertEquals(Integer.toHexString(expanded), Integer.toHexString(Rvc.expand(compressed)), name);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("pairs")
    void shouldBehaveLikeItsExpansion(final String name, final int compressed, final int expanded)
    {
        for (int round = 0; round < 4; round++)
        {
            try (TestMachine c = machine(SEED + round); TestMachine e = machine(SEED + round))
            {
                c.memory.putShort(AT, (short)compressed);
                c.memory.putInt(AT + 2, ECALL);
                e.memory.putInt(AT, expanded);
                c.ctx.pc = AT;
                e.ctx.pc = AT;
                assertEquals(e.cpu.run(10), c.cpu.run(10), name);
                final boolean fellThrough = e.ctx.pc == AT + 4;
                assertEquals(fellThrough ? AT + 2 : e.ctx.pc, c.ctx.pc, name + " pc");
                if (name.equals("c.jalr"))
                {
                    assertEquals(e.x(1) - 2, c.x(1), "c.jalr links pc + 2");
                    c.ctx.x[1] = e.x(1);
                }
                assertArrayEquals(e.ctx.x, c.ctx.x, name + " x registers");
                assertArrayEquals(e.ctx.f, c.ctx.f, name + " f registers");
                final byte[] dataC = new byte[0x2000];
                final byte[] dataE = new byte[0x2000];
                c.memory.read(DATA, dataC, 0, dataC.length);
                e.memory.read(DATA, dataE, 0, dataE.length);
                assertArrayEquals(dataE, dataC, name + " memory");
            }
        }
    }

    private static TestMachine machine(final long seed)
    {
        final TestMachine m = new TestMachine();
        final SplittableRandom random = new SplittableRandom(seed);
        for (long a = CODE; a < CODE + TestMachine.CODE_SIZE; a += 4)
        {
            m.memory.putInt(a, ECALL);
        }
        for (long a = DATA; a < DATA + 0x2000; a += 8)
        {
            m.memory.putLong(a, random.nextLong());
        }
        for (int r = 1; r < 32; r++)
        {
            m.ctx.x[r] = random.nextLong();
            m.ctx.f[r] = random.nextLong();
        }
        // Base registers point into data; x1 is a jump target; x15 is zero for taken c.beqz.
        m.ctx.x[2] = DATA + 0x800 + 8L * random.nextInt(64);
        for (int r = 8; r <= 14; r++)
        {
            m.ctx.x[r] = DATA + 0x800 + 8L * random.nextInt(64);
        }
        m.ctx.x[1] = TARGET;
        m.ctx.x[15] = 0;
        return m;
    }

    @Test
    void shouldRejectReservedEncodingsAsIllegalWithSixteenBits()
    {
        final int[] reserved = {
            0x0000, // c.addi4spn with zero immediate (also the all-zero instruction)
            cAddi4spn(8, 0),
            0x8000, // quadrant 0 funct3 4
            cAddiw(0, 1),
            cAddi16sp(0),
            cLui(5, 0),
            cArith(true, 2, 8, 9),
            cArith(true, 3, 8, 9),
            cLwsp(0, 4),
            cLdsp(0, 8),
            cJr(0),
        };
        for (final int c : reserved)
        {
            assertEquals(0, Rvc.expand(c), Integer.toHexString(c));
            try (TestMachine m = new TestMachine())
            {
                m.memory.putShort(CODE, (short)c);
                assertEquals(RiscvTrap.ILLEGAL_INSTRUCTION, m.cpu.run(10), Integer.toHexString(c));
                assertEquals(c, m.cpu.tval());
            }
        }
    }

    @Test
    void shouldMixCompressedAndFullInstructions()
    {
        try (TestMachine m = new TestMachine())
        {
            // c.li x10,5 ; addi x11,x0,7 ; c.add x10,x11 ; c.bnez x10,+4 ; c.li x10,0 ; ecall
            m.load(new Asm().i16(cLi(10, 5)).i32(addi(11, 0, 7)).i16(cAdd(10, 11)).i16(cBranch(true, 10, 4))
                .i16(cLi(10, 0)).i32(ECALL));
            assertEquals(RiscvTrap.ECALL_FROM_U, m.cpu.run(100));
            assertEquals(12, m.x(10));
            assertEquals(CODE + 12, m.ctx.pc);
            assertEquals(4, m.cpu.instret());
        }
    }
}
