package org.tessera.arch.riscv64.engine;

import java.io.ByteArrayOutputStream;

/**
 * A tiny RV64GC assembler for tests: encoders for every instruction format, written from the
 * ISA manual independently of the engine's decoder, and a buffer that lays instructions out.
 */
final class Asm
{
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();

    /** Append a 32-bit instruction. */
    Asm i32(final int insn)
    {
        for (int i = 0; i < 4; i++)
        {
            out.write(insn >>> (8 * i));
        }
        return this;
    }

    /** Append a 16-bit compressed instruction. */
    Asm i16(final int insn)
    {
        out.write(insn);
        out.write(insn >>> 8);
        return this;
    }

    /** Append several 32-bit instructions. */
    Asm all(final int... insns)
    {
        for (final int insn : insns)
        {
            i32(insn);
        }
        return this;
    }

    /** @return bytes emitted so far (the offset of the next instruction). */
    int size()
    {
        return out.size();
    }

    byte[] bytes()
    {
        return out.toByteArray();
    }

    // ---------------------------------------------------------------- formats

    static int r(final int f7, final int rs2, final int rs1, final int f3, final int rd, final int op)
    {
        return (f7 << 25) | (rs2 << 20) | (rs1 << 15) | (f3 << 12) | (rd << 7) | op;
    }

    static int i(final int imm, final int rs1, final int f3, final int rd, final int op)
    {
        return ((imm & 0xFFF) << 20) | (rs1 << 15) | (f3 << 12) | (rd << 7) | op;
    }

    static int s(final int imm, final int rs2, final int rs1, final int f3, final int op)
    {
        return (((imm >> 5) & 0x7F) << 25) | (rs2 << 20) | (rs1 << 15) | (f3 << 12) | ((imm & 31) << 7) | op;
    }

    static int b(final int imm, final int rs2, final int rs1, final int f3)
    {
        return (((imm >> 12) & 1) << 31) | (((imm >> 5) & 0x3F) << 25) | (rs2 << 20) | (rs1 << 15) | (f3 << 12) |
            (((imm >> 1) & 0xF) << 8) | (((imm >> 11) & 1) << 7) | 0x63;
    }

    static int u(final int imm20, final int rd, final int op)
    {
        return (imm20 << 12) | (rd << 7) | op;
    }

    static int j(final int imm, final int rd)
    {
        return (((imm >> 20) & 1) << 31) | (((imm >> 1) & 0x3FF) << 21) | (((imm >> 11) & 1) << 20) |
            (((imm >> 12) & 0xFF) << 12) | (rd << 7) | 0x6F;
    }

    static int r4(final int rs3, final int fmt, final int rs2, final int rs1, final int rm, final int rd, final int op)
    {
        return (rs3 << 27) | (fmt << 25) | (rs2 << 20) | (rs1 << 15) | (rm << 12) | (rd << 7) | op;
    }

    // ---------------------------------------------------------------- RV64I

    static int lui(final int rd, final int imm20)
    {
        return u(imm20, rd, 0x37);
    }

    static int auipc(final int rd, final int imm20)
    {
        return u(imm20, rd, 0x17);
    }

    static int jal(final int rd, final int offset)
    {
        return j(offset, rd);
    }

    static int jalr(final int rd, final int rs1, final int offset)
    {
        return i(offset, rs1, 0, rd, 0x67);
    }

    static int beq(final int rs1, final int rs2, final int offset)
    {
        return b(offset, rs2, rs1, 0);
    }

    static int bne(final int rs1, final int rs2, final int offset)
    {
        return b(offset, rs2, rs1, 1);
    }

    static int blt(final int rs1, final int rs2, final int offset)
    {
        return b(offset, rs2, rs1, 4);
    }

    static int bge(final int rs1, final int rs2, final int offset)
    {
        return b(offset, rs2, rs1, 5);
    }

    static int bltu(final int rs1, final int rs2, final int offset)
    {
        return b(offset, rs2, rs1, 6);
    }

    static int bgeu(final int rs1, final int rs2, final int offset)
    {
        return b(offset, rs2, rs1, 7);
    }

    static int lb(final int rd, final int rs1, final int offset)
    {
        return i(offset, rs1, 0, rd, 0x03);
    }

    static int lh(final int rd, final int rs1, final int offset)
    {
        return i(offset, rs1, 1, rd, 0x03);
    }

    static int lw(final int rd, final int rs1, final int offset)
    {
        return i(offset, rs1, 2, rd, 0x03);
    }

    static int ld(final int rd, final int rs1, final int offset)
    {
        return i(offset, rs1, 3, rd, 0x03);
    }

    static int lbu(final int rd, final int rs1, final int offset)
    {
        return i(offset, rs1, 4, rd, 0x03);
    }

    static int lhu(final int rd, final int rs1, final int offset)
    {
        return i(offset, rs1, 5, rd, 0x03);
    }

    static int lwu(final int rd, final int rs1, final int offset)
    {
        return i(offset, rs1, 6, rd, 0x03);
    }

    static int sb(final int rs2, final int rs1, final int offset)
    {
        return s(offset, rs2, rs1, 0, 0x23);
    }

    static int sh(final int rs2, final int rs1, final int offset)
    {
        return s(offset, rs2, rs1, 1, 0x23);
    }

    static int sw(final int rs2, final int rs1, final int offset)
    {
        return s(offset, rs2, rs1, 2, 0x23);
    }

    static int sd(final int rs2, final int rs1, final int offset)
    {
        return s(offset, rs2, rs1, 3, 0x23);
    }

    static int addi(final int rd, final int rs1, final int imm)
    {
        return i(imm, rs1, 0, rd, 0x13);
    }

    static int slti(final int rd, final int rs1, final int imm)
    {
        return i(imm, rs1, 2, rd, 0x13);
    }

    static int sltiu(final int rd, final int rs1, final int imm)
    {
        return i(imm, rs1, 3, rd, 0x13);
    }

    static int xori(final int rd, final int rs1, final int imm)
    {
        return i(imm, rs1, 4, rd, 0x13);
    }

    static int ori(final int rd, final int rs1, final int imm)
    {
        return i(imm, rs1, 6, rd, 0x13);
    }

    static int andi(final int rd, final int rs1, final int imm)
    {
        return i(imm, rs1, 7, rd, 0x13);
    }

    static int slli(final int rd, final int rs1, final int shamt)
    {
        return i(shamt, rs1, 1, rd, 0x13);
    }

    static int srli(final int rd, final int rs1, final int shamt)
    {
        return i(shamt, rs1, 5, rd, 0x13);
    }

    static int srai(final int rd, final int rs1, final int shamt)
    {
        return i(0x400 | shamt, rs1, 5, rd, 0x13);
    }

    static int addiw(final int rd, final int rs1, final int imm)
    {
        return i(imm, rs1, 0, rd, 0x1B);
    }

    static int slliw(final int rd, final int rs1, final int shamt)
    {
        return i(shamt, rs1, 1, rd, 0x1B);
    }

    static int srliw(final int rd, final int rs1, final int shamt)
    {
        return i(shamt, rs1, 5, rd, 0x1B);
    }

    static int sraiw(final int rd, final int rs1, final int shamt)
    {
        return i(0x400 | shamt, rs1, 5, rd, 0x1B);
    }

    static int op(final int f7, final int f3, final int rd, final int rs1, final int rs2)
    {
        return r(f7, rs2, rs1, f3, rd, 0x33);
    }

    static int op32(final int f7, final int f3, final int rd, final int rs1, final int rs2)
    {
        return r(f7, rs2, rs1, f3, rd, 0x3B);
    }

    static int add(final int rd, final int rs1, final int rs2)
    {
        return op(0, 0, rd, rs1, rs2);
    }

    static int sub(final int rd, final int rs1, final int rs2)
    {
        return op(0x20, 0, rd, rs1, rs2);
    }

    static final int ECALL = 0x00000073;
    static final int EBREAK = 0x00100073;
    static final int FENCE = 0x0FF0000F;
    static final int FENCE_I = 0x0000100F;
    static final int NOP = 0x00000013;

    static int csr(final int f3, final int rd, final int csr, final int rs1OrUimm)
    {
        return i(csr, rs1OrUimm, f3, rd, 0x73);
    }

    // ---------------------------------------------------------------- A

    static int amo(final int funct5, final boolean word, final int rd, final int rs1, final int rs2)
    {
        return (funct5 << 27) | (rs2 << 20) | (rs1 << 15) | ((word ? 2 : 3) << 12) | (rd << 7) | 0x2F;
    }

    static final int LR = 0x02;
    static final int SC = 0x03;
    static final int AMOSWAP = 0x01;
    static final int AMOADD = 0x00;
    static final int AMOXOR = 0x04;
    static final int AMOAND = 0x0C;
    static final int AMOOR = 0x08;
    static final int AMOMIN = 0x10;
    static final int AMOMAX = 0x14;
    static final int AMOMINU = 0x18;
    static final int AMOMAXU = 0x1C;

    // ---------------------------------------------------------------- F and D

    static final int RNE = 0;
    static final int RTZ = 1;
    static final int RDN = 2;
    static final int RUP = 3;
    static final int RMM = 4;
    static final int DYN = 7;

    /** An OP-FP instruction: funct7 = funct5 &lt;&lt; 2 | fmt (0 single, 1 double). */
    static int fop(final int funct5, final boolean dbl, final int rm, final int rd, final int rs1, final int rs2)
    {
        return r((funct5 << 2) | (dbl ? 1 : 0), rs2, rs1, rm, rd, 0x53);
    }

    static int flw(final int rd, final int rs1, final int offset)
    {
        return i(offset, rs1, 2, rd, 0x07);
    }

    static int fld(final int rd, final int rs1, final int offset)
    {
        return i(offset, rs1, 3, rd, 0x07);
    }

    static int fsw(final int rs2, final int rs1, final int offset)
    {
        return s(offset, rs2, rs1, 2, 0x27);
    }

    static int fsd(final int rs2, final int rs1, final int offset)
    {
        return s(offset, rs2, rs1, 3, 0x27);
    }

    /** fmadd (0x43), fmsub (0x47), fnmsub (0x4B), fnmadd (0x4F). */
    static int fma(final int opcode, final boolean dbl, final int rm, final int rd, final int rs1, final int rs2,
        final int rs3)
    {
        return r4(rs3, dbl ? 1 : 0, rs2, rs1, rm, rd, opcode);
    }

    // ---------------------------------------------------------------- C, encoded from the RVC tables

    private static int bitsOf(final int value, final int hi, final int lo)
    {
        return (value >>> lo) & ((1 << (hi - lo + 1)) - 1);
    }

    private static int put(final int value, final int hi, final int lo, final int at)
    {
        return bitsOf(value, hi, lo) << at;
    }

    static int cAddi4spn(final int rdP, final int imm)
    {
        return put(imm, 5, 4, 11) | put(imm, 9, 6, 7) | put(imm, 2, 2, 6) | put(imm, 3, 3, 5) | ((rdP - 8) << 2);
    }

    static int cLoadStore(final int f3, final int op, final int rP, final int rs1P, final int imm, final boolean dword)
    {
        final int immBits = dword ?
            put(imm, 5, 3, 10) | put(imm, 7, 6, 5) :
            put(imm, 5, 3, 10) | put(imm, 2, 2, 6) | put(imm, 6, 6, 5);
        return (f3 << 13) | immBits | ((rs1P - 8) << 7) | ((rP - 8) << 2) | op;
    }

    static int cFld(final int rdP, final int rs1P, final int imm)
    {
        return cLoadStore(1, 0, rdP, rs1P, imm, true);
    }

    static int cLw(final int rdP, final int rs1P, final int imm)
    {
        return cLoadStore(2, 0, rdP, rs1P, imm, false);
    }

    static int cLd(final int rdP, final int rs1P, final int imm)
    {
        return cLoadStore(3, 0, rdP, rs1P, imm, true);
    }

    static int cFsd(final int rs2P, final int rs1P, final int imm)
    {
        return cLoadStore(5, 0, rs2P, rs1P, imm, true);
    }

    static int cSw(final int rs2P, final int rs1P, final int imm)
    {
        return cLoadStore(6, 0, rs2P, rs1P, imm, false);
    }

    static int cSd(final int rs2P, final int rs1P, final int imm)
    {
        return cLoadStore(7, 0, rs2P, rs1P, imm, true);
    }

    private static int ci(final int f3, final int rd, final int imm6, final int op)
    {
        return (f3 << 13) | (((imm6 >> 5) & 1) << 12) | (rd << 7) | ((imm6 & 31) << 2) | op;
    }

    static int cAddi(final int rd, final int imm)
    {
        return ci(0, rd, imm, 1);
    }

    static int cAddiw(final int rd, final int imm)
    {
        return ci(1, rd, imm, 1);
    }

    static int cLi(final int rd, final int imm)
    {
        return ci(2, rd, imm, 1);
    }

    static int cAddi16sp(final int imm)
    {
        return (3 << 13) | put(imm, 9, 9, 12) | (2 << 7) | put(imm, 4, 4, 6) | put(imm, 6, 6, 5) |
            put(imm, 8, 7, 3) | put(imm, 5, 5, 2) | 1;
    }

    static int cLui(final int rd, final int imm6)
    {
        return ci(3, rd, imm6, 1);
    }

    static int cShiftAnd(final int funct2, final int rdP, final int imm6)
    {
        return (4 << 13) | (((imm6 >> 5) & 1) << 12) | (funct2 << 10) | ((rdP - 8) << 7) | ((imm6 & 31) << 2) | 1;
    }

    static int cArith(final boolean word, final int sel, final int rdP, final int rs2P)
    {
        return (4 << 13) | ((word ? 1 : 0) << 12) | (3 << 10) | ((rdP - 8) << 7) | (sel << 5) | ((rs2P - 8) << 2) | 1;
    }

    static int cJ(final int imm)
    {
        return (5 << 13) | put(imm, 11, 11, 12) | put(imm, 4, 4, 11) | put(imm, 9, 8, 9) | put(imm, 10, 10, 8) |
            put(imm, 6, 6, 7) | put(imm, 7, 7, 6) | put(imm, 3, 1, 3) | put(imm, 5, 5, 2) | 1;
    }

    static int cBranch(final boolean notZero, final int rs1P, final int imm)
    {
        return ((notZero ? 7 : 6) << 13) | put(imm, 8, 8, 12) | put(imm, 4, 3, 10) | ((rs1P - 8) << 7) |
            put(imm, 7, 6, 5) | put(imm, 2, 1, 3) | put(imm, 5, 5, 2) | 1;
    }

    static int cSlli(final int rd, final int shamt)
    {
        return ci(0, rd, shamt, 2);
    }

    static int cFldsp(final int rd, final int imm)
    {
        return (1 << 13) | put(imm, 5, 5, 12) | (rd << 7) | put(imm, 4, 3, 5) | put(imm, 8, 6, 2) | 2;
    }

    static int cLwsp(final int rd, final int imm)
    {
        return (2 << 13) | put(imm, 5, 5, 12) | (rd << 7) | put(imm, 4, 2, 4) | put(imm, 7, 6, 2) | 2;
    }

    static int cLdsp(final int rd, final int imm)
    {
        return (3 << 13) | put(imm, 5, 5, 12) | (rd << 7) | put(imm, 4, 3, 5) | put(imm, 8, 6, 2) | 2;
    }

    static int cJr(final int rs1)
    {
        return (4 << 13) | (rs1 << 7) | 2;
    }

    static int cMv(final int rd, final int rs2)
    {
        return (4 << 13) | (rd << 7) | (rs2 << 2) | 2;
    }

    static final int C_EBREAK = 0x9002;

    static int cJalr(final int rs1)
    {
        return (4 << 13) | (1 << 12) | (rs1 << 7) | 2;
    }

    static int cAdd(final int rd, final int rs2)
    {
        return (4 << 13) | (1 << 12) | (rd << 7) | (rs2 << 2) | 2;
    }

    static int cFsdsp(final int rs2, final int imm)
    {
        return (5 << 13) | put(imm, 5, 3, 10) | put(imm, 8, 6, 7) | (rs2 << 2) | 2;
    }

    static int cSwsp(final int rs2, final int imm)
    {
        return (6 << 13) | put(imm, 5, 2, 9) | put(imm, 7, 6, 7) | (rs2 << 2) | 2;
    }

    static int cSdsp(final int rs2, final int imm)
    {
        return (7 << 13) | put(imm, 5, 3, 10) | put(imm, 8, 6, 7) | (rs2 << 2) | 2;
    }
}
