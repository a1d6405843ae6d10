package org.tessera.arch.riscv64.engine;

import java.util.stream.Stream;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.params.provider.Arguments.arguments;
import static org.tessera.arch.riscv64.engine.Asm.*;

/** RV64I and M: every operation, W forms with sign extension, shift edges, division edge cases. */
class RiscvIntegerTest
{
    private final TestMachine m = new TestMachine();

    @AfterEach
    void close()
    {
        m.close();
    }

    private static final long MIN = Long.MIN_VALUE;
    private static final long MAX = Long.MAX_VALUE;

    /** name, funct7, funct3, opcode (0x33 OP / 0x3B OP-32), a, b, expected. */
    static Stream<Arguments> registerOps()
    {
        return Stream.of(
            arguments("add", 0, 0, 0x33, 5L, 7L, 12L),
            arguments("add wraps", 0, 0, 0x33, MAX, 1L, MIN),
            arguments("sub", 0x20, 0, 0x33, 5L, 7L, -2L),
            arguments("sll by 63", 0, 1, 0x33, 1L, 63L, MIN),
            arguments("sll uses low 6 bits (64 -> 0)", 0, 1, 0x33, 3L, 64L, 3L),
            arguments("slt signed", 0, 2, 0x33, -1L, 1L, 1L),
            arguments("slt equal", 0, 2, 0x33, 4L, 4L, 0L),
            arguments("sltu unsigned", 0, 3, 0x33, -1L, 1L, 0L),
            arguments("sltu less", 0, 3, 0x33, 1L, -1L, 1L),
            arguments("xor", 0, 4, 0x33, 0xF0F0L, 0xFF00L, 0x0FF0L),
            arguments("srl", 0, 5, 0x33, MIN, 63L, 1L),
            arguments("srl by 64 is by 0", 0, 5, 0x33, MIN, 64L, MIN),
            arguments("sra", 0x20, 5, 0x33, MIN, 63L, -1L),
            arguments("sra by 65 is by 1", 0x20, 5, 0x33, -8L, 65L, -4L),
            arguments("or", 0, 6, 0x33, 0xF0L, 0x0FL, 0xFFL),
            arguments("and", 0, 7, 0x33, 0xF0L, 0x3CL, 0x30L),
            arguments("mul", 1, 0, 0x33, -3L, 7L, -21L),
            arguments("mul low bits", 1, 0, 0x33, 0x1_0000_0001L, 0x1_0000_0001L, 0x2_0000_0001L),
            arguments("mulh", 1, 1, 0x33, MIN, MIN, 0x4000_0000_0000_0000L),
            arguments("mulh negative", 1, 1, 0x33, -1L, 5L, -1L),
            arguments("mulhsu", 1, 2, 0x33, -1L, -1L, -1L),
            arguments("mulhsu positive", 1, 2, 0x33, 2L, -1L, 1L),
            arguments("mulhu", 1, 3, 0x33, -1L, -1L, -2L),
            arguments("div", 1, 4, 0x33, -7L, 2L, -3L),
            arguments("div by zero", 1, 4, 0x33, 42L, 0L, -1L),
            arguments("div overflow", 1, 4, 0x33, MIN, -1L, MIN),
            arguments("divu", 1, 5, 0x33, -2L, 2L, MAX),
            arguments("divu by zero", 1, 5, 0x33, 42L, 0L, -1L),
            arguments("rem", 1, 6, 0x33, -7L, 2L, -1L),
            arguments("rem by zero", 1, 6, 0x33, -42L, 0L, -42L),
            arguments("rem overflow", 1, 6, 0x33, MIN, -1L, 0L),
            arguments("remu", 1, 7, 0x33, -1L, 10L, 5L),
            arguments("remu by zero", 1, 7, 0x33, -42L, 0L, -42L),
            arguments("addw sign-extends", 0, 0, 0x3B, 0x7FFF_FFFFL, 1L, 0xFFFF_FFFF_8000_0000L),
            arguments("addw ignores high bits", 0, 0, 0x3B, 0x1234_0000_0001L, 0x5678_0000_0002L, 3L),
            arguments("subw", 0x20, 0, 0x3B, 0L, 1L, -1L),
            arguments("sllw by 31", 0, 1, 0x3B, 1L, 31L, 0xFFFF_FFFF_8000_0000L),
            arguments("sllw by 32 is by 0", 0, 1, 0x3B, 5L, 32L, 5L),
            arguments("srlw", 0, 5, 0x3B, 0xFFFF_FFFF_8000_0000L, 31L, 1L),
            arguments("srlw by 0 sign-extends", 0, 5, 0x3B, 0x8000_0000L, 0L, 0xFFFF_FFFF_8000_0000L),
            arguments("sraw", 0x20, 5, 0x3B, 0x8000_0000L, 31L, -1L),
            arguments("mulw", 1, 0, 0x3B, 0x10000L, 0x8000L, 0xFFFF_FFFF_8000_0000L),
            arguments("divw", 1, 4, 0x3B, -7L, 2L, -3L),
            arguments("divw by zero", 1, 4, 0x3B, 5L, 0L, -1L),
            arguments("divw overflow", 1, 4, 0x3B, 0x8000_0000L, -1L, 0xFFFF_FFFF_8000_0000L),
            arguments("divuw", 1, 5, 0x3B, 0xFFFF_FFFEL, 2L, 0x7FFF_FFFFL),
            arguments("divuw by zero", 1, 5, 0x3B, 5L, 0L, -1L),
            arguments("remw", 1, 6, 0x3B, -7L, 2L, -1L),
            arguments("remw by zero", 1, 6, 0x3B, 0x1_8000_0000L, 0L, 0xFFFF_FFFF_8000_0000L),
            arguments("remw overflow", 1, 6, 0x3B, 0x8000_0000L, -1L, 0L),
            arguments("remuw", 1, 7, 0x3B, 0xFFFF_FFFFL, 10L, 5L),
            arguments("remuw by zero", 1, 7, 0x3B, 0x8000_0001L, 0L, 0xFFFF_FFFF_8000_0001L));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("registerOps")
    void shouldComputeRegisterRegisterOperation(
        final String name, final int f7, final int f3, final int opcode, final long a, final long b, final long expected)
    {
        m.x(5, a).x(6, b).exec(r(f7, 6, 5, f3, 7, opcode));
        assertEquals(expected, m.x(7), name);
    }

    /** name, instruction on x5 into x7, a, expected. */
    static Stream<Arguments> immediateOps()
    {
        return Stream.of(
            arguments("addi negative", addi(7, 5, -1), 0L, -1L),
            arguments("addi max imm", addi(7, 5, 2047), 1L, 2048L),
            arguments("slti", slti(7, 5, -2), -3L, 1L),
            arguments("slti false", slti(7, 5, -2), -2L, 0L),
            arguments("sltiu sign-extended imm", sltiu(7, 5, -1), 5L, 1L),
            arguments("sltiu seqz", sltiu(7, 5, 1), 0L, 1L),
            arguments("xori not", xori(7, 5, -1), 0x0FL, ~0x0FL),
            arguments("ori", ori(7, 5, 0x700), 0x0FL, 0x70FL),
            arguments("andi sign-extended", andi(7, 5, -16), -1L, -16L),
            arguments("slli 63", slli(7, 5, 63), 1L, MIN),
            arguments("srli 63", srli(7, 5, 63), MIN, 1L),
            arguments("srai 63", srai(7, 5, 63), MIN, -1L),
            arguments("srai 0", srai(7, 5, 0), -5L, -5L),
            arguments("addiw sign-extends", addiw(7, 5, 1), 0x7FFF_FFFFL, 0xFFFF_FFFF_8000_0000L),
            arguments("addiw 0 = sext.w", addiw(7, 5, 0), 0x1_FFFF_FFFFL, -1L),
            arguments("slliw 31", slliw(7, 5, 31), 1L, 0xFFFF_FFFF_8000_0000L),
            arguments("srliw 31", srliw(7, 5, 31), 0xFFFF_FFFFL, 1L),
            arguments("srliw 0 sign-extends", srliw(7, 5, 0), 0x8000_0000L, 0xFFFF_FFFF_8000_0000L),
            arguments("sraiw 31", sraiw(7, 5, 31), 0x8000_0000L, -1L),
            arguments("lui sign-extends", lui(7, 0x80000), 0L, 0xFFFF_FFFF_8000_0000L));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("immediateOps")
    void shouldComputeImmediateOperation(final String name, final int insn, final long a, final long expected)
    {
        m.x(5, a).exec(insn);
        assertEquals(expected, m.x(7), name);
    }

    @Test
    void shouldKeepX0Zero()
    {
        m.exec(addi(0, 0, 5), lui(0, 1), add(6, 0, 0));
        assertEquals(0, m.x(0));
        assertEquals(0, m.x(6));
    }

    @Test
    void shouldComputeAuipcRelativeToInstruction()
    {
        m.exec(NOP, auipc(7, 1), auipc(8, 0xFFFFF));
        assertEquals(TestMachine.CODE + 4 + 0x1000, m.x(7));
        assertEquals(TestMachine.CODE + 8 - 0x1000, m.x(8));
    }

    @Test
    void shouldLinkAndJump()
    {
        // 0: jal x1, +8 ; 4: addi x5,x0,1 (skipped) ; 8: jalr x2, 0(x6) -> 16 ; 12: addi x5,x0,2 (skipped)
        // 16: ecall
        m.x(6, TestMachine.CODE + 17).load(new Asm().all(jal(1, 8), addi(5, 0, 1), jalr(2, 6, 0), addi(5, 0, 2),
            ECALL));
        assertEquals(RiscvTrap.ECALL_FROM_U, m.cpu.run(100));
        assertEquals(TestMachine.CODE + 16, m.ctx.pc, "jalr clears bit 0");
        assertEquals(TestMachine.CODE + 4, m.x(1));
        assertEquals(TestMachine.CODE + 12, m.x(2));
        assertEquals(0, m.x(5));
        assertEquals(2, m.cpu.instret(), "jal and jalr retired, the ecall did not");
    }

    @Test
    void shouldJumpBackwards()
    {
        // loop: addi x5,x5,1 ; bne x5,x6,loop ; ecall
        m.x(6, 10).load(new Asm().all(addi(5, 5, 1), bne(5, 6, -4), ECALL));
        assertEquals(RiscvTrap.ECALL_FROM_U, m.cpu.run(1000));
        assertEquals(10, m.x(5));
        assertEquals(20, m.cpu.instret());
    }

    /** name, branch (offset 8 skips one instruction), a, b, taken. */
    static Stream<Arguments> branches()
    {
        return Stream.of(
            arguments("beq taken", beq(5, 6, 8), 3L, 3L, true),
            arguments("beq not", beq(5, 6, 8), 3L, 4L, false),
            arguments("bne taken", bne(5, 6, 8), 3L, 4L, true),
            arguments("bne not", bne(5, 6, 8), 3L, 3L, false),
            arguments("blt signed", blt(5, 6, 8), -1L, 0L, true),
            arguments("blt not", blt(5, 6, 8), 0L, -1L, false),
            arguments("bge equal", bge(5, 6, 8), 7L, 7L, true),
            arguments("bge not", bge(5, 6, 8), -7L, 7L, false),
            arguments("bltu unsigned", bltu(5, 6, 8), 0L, -1L, true),
            arguments("bltu not", bltu(5, 6, 8), -1L, 0L, false),
            arguments("bgeu", bgeu(5, 6, 8), -1L, 0L, true),
            arguments("bgeu not", bgeu(5, 6, 8), 0L, -1L, false));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("branches")
    void shouldBranch(final String name, final int insn, final long a, final long b, final boolean taken)
    {
        m.x(5, a).x(6, b).load(new Asm().all(insn, addi(7, 0, 1), ECALL));
        assertEquals(RiscvTrap.ECALL_FROM_U, m.cpu.run(100));
        assertEquals(taken ? 0 : 1, m.x(7), name);
    }

    @Test
    void shouldLoadWithSignAndZeroExtension()
    {
        m.memory.putLong(TestMachine.DATA, 0x8081_8283_8485_8687L);
        m.x(5, TestMachine.DATA).exec(lb(6, 5, 0), lbu(7, 5, 0), lh(8, 5, 0), lhu(9, 5, 0), lw(10, 5, 0),
            lwu(11, 5, 0), ld(12, 5, 0), lb(13, 5, 7));
        assertEquals((byte)0x87, m.x(6));
        assertEquals(0x87, m.x(7));
        assertEquals((short)0x8687, m.x(8));
        assertEquals(0x8687, m.x(9));
        assertEquals(0xFFFF_FFFF_8485_8687L, m.x(10));
        assertEquals(0x8485_8687L, m.x(11));
        assertEquals(0x8081_8283_8485_8687L, m.x(12));
        assertEquals((byte)0x80, m.x(13));
    }

    @Test
    void shouldStoreEachWidth()
    {
        m.x(5, TestMachine.DATA + 64).x(6, 0x1122_3344_5566_7788L)
            .exec(sd(6, 5, -64), sw(6, 5, -48), sh(6, 5, -32), sb(6, 5, -16));
        assertEquals(0x1122_3344_5566_7788L, m.memory.getLong(TestMachine.DATA));
        assertEquals(0x5566_7788L, m.memory.getLong(TestMachine.DATA + 16));
        assertEquals(0x7788L, m.memory.getLong(TestMachine.DATA + 32));
        assertEquals(0x88L, m.memory.getLong(TestMachine.DATA + 48));
    }

    @Test
    void shouldLoadAndStoreMisalignedInsidePage()
    {
        m.x(5, TestMachine.DATA + 3).x(6, 0x0102_0304_0506_0708L).exec(sd(6, 5, 0), ld(7, 5, 0), lw(8, 5, 1));
        assertEquals(0x0102_0304_0506_0708L, m.x(7));
        assertEquals(0x0304_0506_07L, m.memory.getLong(TestMachine.DATA + 4) & 0xFF_FFFF_FFFFL);
        assertEquals(0x0405_0607L, m.x(8));
    }

    @Test
    void shouldTreatFenceAsNoOp()
    {
        m.exec(FENCE, addi(5, 0, 9), FENCE_I);
        assertEquals(9, m.x(5));
    }
}
