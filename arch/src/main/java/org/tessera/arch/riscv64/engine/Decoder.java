package org.tessera.arch.riscv64.engine;

/**
 * Pre-decodes instructions for {@link RiscvCpu}'s decode cache: one {@code long} per
 * instruction holding an operation number and its operand fields, so the block loop switches on
 * a small int and never looks at the instruction bits again.
 *
 * <pre>
 *   63                32 31      24 23 22    18 17    13 12     8 7         0
 *  +--------------------+----------+--+--------+--------+--------+-----------+
 *  | imm (signed)       | 0        |C | rs2    | rs1    | rd     | operation |
 *  +--------------------+----------+--+--------+--------+--------+-----------+
 * </pre>
 *
 * <p>C is set for a compressed (2-byte) instruction, which is decoded through its 32-bit
 * expansion ({@link Rvc}). Only encodings that are valid whatever the machine state get their
 * own operation; an integer operation writing x0 becomes {@link #NOP} (it cannot trap).
 * Everything else (system, CSR, fences, atomics, loads into x0, reserved encodings) is
 * {@link #GENERIC} with the instruction bits in imm, and runs through the CPU's full decoder, so
 * its traps and side effects are exactly those of the undecoded path. The FP operations with
 * a fast path carry their rounding-mode field in imm (the mode can depend on fcsr at run time).
 */
final class Decoder
{
    static final int GENERIC = 0;
    static final int NOP = 1;
    static final int ADDI = 2;
    static final int SLTI = 3;
    static final int SLTIU = 4;
    static final int XORI = 5;
    static final int ORI = 6;
    static final int ANDI = 7;
    static final int SLLI = 8;
    static final int SRLI = 9;
    static final int SRAI = 10;
    static final int ADDIW = 11;
    static final int SLLIW = 12;
    static final int SRLIW = 13;
    static final int SRAIW = 14;
    static final int LI = 15;
    static final int AUIPC = 16;
    static final int ADD = 17;
    static final int SUB = 18;
    static final int SLL = 19;
    static final int SLT = 20;
    static final int SLTU = 21;
    static final int XOR = 22;
    static final int SRL = 23;
    static final int SRA = 24;
    static final int OR = 25;
    static final int AND = 26;
    static final int MUL = 27;
    static final int MULH = 28;
    static final int MULHSU = 29;
    static final int MULHU = 30;
    static final int DIV = 31;
    static final int DIVU = 32;
    static final int REM = 33;
    static final int REMU = 34;
    static final int ADDW = 35;
    static final int SUBW = 36;
    static final int SLLW = 37;
    static final int SRLW = 38;
    static final int SRAW = 39;
    static final int MULW = 40;
    static final int DIVW = 41;
    static final int DIVUW = 42;
    static final int REMW = 43;
    static final int REMUW = 44;
    static final int LB = 45;
    static final int LH = 46;
    static final int LW = 47;
    static final int LD = 48;
    static final int LBU = 49;
    static final int LHU = 50;
    static final int LWU = 51;
    static final int SB = 52;
    static final int SH = 53;
    static final int SW = 54;
    static final int SD = 55;
    static final int BEQ = 56;
    static final int BNE = 57;
    static final int BLT = 58;
    static final int BGE = 59;
    static final int BLTU = 60;
    static final int BGEU = 61;
    static final int JAL = 62;
    static final int J = 63;
    static final int JALR = 64;
    static final int JR = 65;
    static final int FLW = 66;
    static final int FLD = 67;
    static final int FSW = 68;
    static final int FSD = 69;
    static final int FP_FUSED = 70;
    static final int FP_OP = 71;
    /** A compressed pattern that is reserved or illegal; imm holds its 16 bits. */
    static final int ILLEGAL_COMPRESSED = 72;
    /** A 4-byte instruction whose second half is on the next page: always fetched afresh. */
    static final int CROSS_PAGE = 73;
    static final long CROSSING = CROSS_PAGE;
    /**
     * fadd.d, fsub.d, fmul.d (fdiv.d, fcvt.d.w below): imm is 1 &lt;&lt; the rounding-mode field;
     * everything but the common case goes the whole way, decoded afresh.
     */
    static final int FADD_D = 74;
    static final int FSUB_D = 75;
    static final int FMUL_D = 76;
    /** fle.d, flt.d, feq.d into rd != 0; imm is funct3. */
    static final int FCMP_D = 77;
    /** fsgnj.d, fsgnjn.d, fsgnjx.d (fmv.d, fneg.d, fabs.d); imm is funct3. */
    static final int FSGNJ_D = 78;
    /** fmv.d.x. */
    static final int FMV_D_X = 79;
    /** fdiv.d. */
    static final int FDIV_D = 80;
    /** fcvt.d.w. */
    static final int FCVT_D_W = 81;
    /**
     * fmadd.d, fmsub.d, fnmsub.d, fnmadd.d: imm is 1 &lt;&lt; rm | rs3 &lt;&lt; 8, bit 16 set when
     * the product is negated, bit 17 when the addend is.
     */
    static final int FMADD_D = 82;
    /** ecall: leaves the block loop as a system call, without the full decoder. */
    static final int ECALL = 83;

    /** Bit set in an entry for a 2-byte (compressed) instruction. */
    static final long COMPRESSED = 1L << 23;

    private static final int[] OP_IMM = {ADDI, SLLI, SLTI, SLTIU, XORI, SRLI, ORI, ANDI};
    private static final int[] OP = {ADD, SLL, SLT, SLTU, XOR, SRL, OR, AND};
    private static final int[] MULDIV = {MUL, MULH, MULHSU, MULHU, DIV, DIVU, REM, REMU};
    private static final int[] MULDIV_W = {MULW, GENERIC, GENERIC, GENERIC, DIVW, DIVUW, REMW, REMUW};
    private static final int[] LOADS = {LB, LH, LW, LD, LBU, LHU, LWU, GENERIC};
    private static final int[] BRANCHES = {BEQ, BNE, GENERIC, GENERIC, BLT, BGE, BLTU, BGEU};

    private Decoder()
    {
    }

    private static long entry(final int operation, final int rd, final int rs1, final int rs2, final int imm)
    {
        return operation | (rd << 8) | (rs1 << 13) | (rs2 << 18) | ((long)imm << 32);
    }

    private static long generic(final int insn)
    {
        return entry(GENERIC, 0, 0, 0, insn);
    }

    /** @return the entry of compressed instruction {@code c} (low 16 bits), with the C bit set. */
    static long decodeCompressed(final int c)
    {
        final int expanded = Rvc.expand(c);
        if (expanded == 0)
        {
            return entry(ILLEGAL_COMPRESSED, 0, 0, 0, c & 0xFFFF) | COMPRESSED;
        }
        return decode(expanded) | COMPRESSED;
    }

    /** @return the entry of 32-bit instruction {@code insn}, without generation or C bit. */
    static long decode(final int insn)
    {
        final int rd = (insn >>> 7) & 31;
        final int rs1 = (insn >>> 15) & 31;
        final int rs2 = (insn >>> 20) & 31;
        final int f3 = (insn >>> 12) & 7;
        final int f7 = insn >>> 25;
        switch (insn & 0x7F)
        {
            case 0x13:
            {
                int imm = insn >> 20;
                if (f3 == 1)
                {
                    if ((insn >>> 26) != 0)
                    {
                        return generic(insn);
                    }
                    imm &= 63;
                }
                int operation = OP_IMM[f3];
                if (f3 == 5)
                {
                    final int top = insn >>> 26;
                    if (top == 0x10)
                    {
                        operation = SRAI;
                    }
                    else if (top != 0)
                    {
                        return generic(insn);
                    }
                    imm &= 63;
                }
                return rd == 0 ? entry(NOP, 0, 0, 0, 0) : entry(operation, rd, rs1, 0, imm);
            }
            case 0x1B:
            {
                final int operation;
                if (f3 == 0)
                {
                    operation = ADDIW;
                }
                else if (f3 == 1 && f7 == 0)
                {
                    operation = SLLIW;
                }
                else if (f3 == 5 && f7 == 0)
                {
                    operation = SRLIW;
                }
                else if (f3 == 5 && f7 == 0x20)
                {
                    operation = SRAIW;
                }
                else
                {
                    return generic(insn);
                }
                final int imm = operation == ADDIW ? insn >> 20 : rs2;
                return rd == 0 ? entry(NOP, 0, 0, 0, 0) : entry(operation, rd, rs1, 0, imm);
            }
            case 0x33:
            {
                final int operation;
                if (f7 == 0)
                {
                    operation = OP[f3];
                }
                else if (f7 == 1)
                {
                    operation = MULDIV[f3];
                }
                else if (f7 == 0x20 && f3 == 0)
                {
                    operation = SUB;
                }
                else if (f7 == 0x20 && f3 == 5)
                {
                    operation = SRA;
                }
                else
                {
                    return generic(insn);
                }
                return rd == 0 ? entry(NOP, 0, 0, 0, 0) : entry(operation, rd, rs1, rs2, 0);
            }
            case 0x3B:
            {
                final int operation;
                if (f7 == 1)
                {
                    operation = MULDIV_W[f3];
                }
                else if (f7 == 0 && f3 == 0)
                {
                    operation = ADDW;
                }
                else if (f7 == 0 && f3 == 1)
                {
                    operation = SLLW;
                }
                else if (f7 == 0 && f3 == 5)
                {
                    operation = SRLW;
                }
                else if (f7 == 0x20 && f3 == 0)
                {
                    operation = SUBW;
                }
                else if (f7 == 0x20 && f3 == 5)
                {
                    operation = SRAW;
                }
                else
                {
                    return generic(insn);
                }
                if (operation == GENERIC)
                {
                    return generic(insn);
                }
                return rd == 0 ? entry(NOP, 0, 0, 0, 0) : entry(operation, rd, rs1, rs2, 0);
            }
            case 0x03:
            {
                final int operation = LOADS[f3];
                // a load into x0 still accesses memory (and may fault): the full path does it
                if (operation == GENERIC || rd == 0)
                {
                    return generic(insn);
                }
                return entry(operation, rd, rs1, 0, insn >> 20);
            }
            case 0x23:
            {
                if (f3 > 3)
                {
                    return generic(insn);
                }
                return entry(SB + f3, 0, rs1, rs2, ((insn >> 20) & ~31) | rd);
            }
            case 0x63:
            {
                final int operation = BRANCHES[f3];
                if (operation == GENERIC)
                {
                    return generic(insn);
                }
                final int imm = ((insn >> 31) << 12) | (((insn >>> 7) & 1) << 11) | (((insn >>> 25) & 0x3F) << 5) |
                    (((insn >>> 8) & 0xF) << 1);
                return entry(operation, 0, rs1, rs2, imm);
            }
            case 0x37:
                return rd == 0 ? entry(NOP, 0, 0, 0, 0) : entry(LI, rd, 0, 0, insn & 0xFFFF_F000);
            case 0x17:
                return rd == 0 ? entry(NOP, 0, 0, 0, 0) : entry(AUIPC, rd, 0, 0, insn & 0xFFFF_F000);
            case 0x6F:
            {
                final int imm = ((insn >> 31) << 20) | (insn & 0xFF000) | (((insn >>> 20) & 1) << 11) |
                    (((insn >>> 21) & 0x3FF) << 1);
                return entry(rd == 0 ? J : JAL, rd, 0, 0, imm);
            }
            case 0x67:
                if (f3 != 0)
                {
                    return generic(insn);
                }
                return entry(rd == 0 ? JR : JALR, rd, rs1, 0, insn >> 20);
            case 0x07:
                if (f3 == 2 || f3 == 3)
                {
                    return entry(f3 == 2 ? FLW : FLD, rd, rs1, 0, insn >> 20);
                }
                return generic(insn);
            case 0x27:
                if (f3 == 2 || f3 == 3)
                {
                    return entry(f3 == 2 ? FSW : FSD, 0, rs1, rs2, ((insn >> 20) & ~31) | rd);
                }
                return generic(insn);
            case 0x43:
            case 0x47:
            case 0x4B:
            case 0x4F:
                if (((insn >>> 25) & 3) != 1)
                {
                    return entry(FP_FUSED, rd, rs1, rs2, insn);
                }
                // imm: 1 << rm, rs3 << 8, product negated (bit 16), addend negated (bit 17)
                return entry(FMADD_D, rd, rs1, rs2, (1 << f3) | ((insn >>> 27) << 8) |
                    ((insn & 0x7F) == 0x4B || (insn & 0x7F) == 0x4F ? 1 << 16 : 0) |
                    ((insn & 0x7F) == 0x47 || (insn & 0x7F) == 0x4F ? 1 << 17 : 0));
            case 0x53:
                return decodeFp(insn, rd, rs1, rs2, f3, f7);
            case 0x73:
                return insn == 0x00000073 ? entry(ECALL, 0, 0, 0, 0) : generic(insn);
            default:
                return generic(insn);
        }
    }

    private static long decodeFp(final int insn, final int rd, final int rs1, final int rs2, final int f3, final int f7)
    {
        switch (f7)
        {
            case 0x01:
                return entry(FADD_D, rd, rs1, rs2, 1 << f3);
            case 0x05:
                return entry(FSUB_D, rd, rs1, rs2, 1 << f3);
            case 0x09:
                return entry(FMUL_D, rd, rs1, rs2, 1 << f3);
            case 0x0D:
                return entry(FDIV_D, rd, rs1, rs2, 1 << f3);
            case 0x69:
                return rs2 == 0 ? entry(FCVT_D_W, rd, rs1, 0, 1 << f3) : entry(FP_OP, rd, rs1, rs2, insn);
            case 0x11:
                return f3 <= 2 ? entry(FSGNJ_D, rd, rs1, rs2, f3) : entry(FP_OP, rd, rs1, rs2, insn);
            case 0x51:
                return f3 <= 2 && rd != 0 ? entry(FCMP_D, rd, rs1, rs2, f3) : entry(FP_OP, rd, rs1, rs2, insn);
            case 0x79:
                return rs2 == 0 && f3 == 0 ? entry(FMV_D_X, rd, rs1, 0, 0) : entry(FP_OP, rd, rs1, rs2, insn);
            default:
                return entry(FP_OP, rd, rs1, rs2, insn);
        }
    }

    /**
     * @return whether {@code operation} ends a block: it always jumps, or runs through the full
     * decoder (which may trap or change the decode cache). A conditional branch does not: the
     * block loop leaves the block where one is taken.
     */
    static boolean endsBlock(final int operation)
    {
        return switch (operation)
        {
            case GENERIC, ECALL, ILLEGAL_COMPRESSED, CROSS_PAGE, JAL, J, JALR, JR -> true;
            default -> false;
        };
    }
}
