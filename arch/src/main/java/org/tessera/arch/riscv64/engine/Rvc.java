package org.tessera.arch.riscv64.engine;

/**
 * RV64C: expands each 16-bit compressed instruction into the 32-bit instruction it stands for,
 * so compressed code executes through exactly the same paths as its expansion. All 49152
 * compressed patterns (quadrants 0-2) are expanded once into a table; reserved and illegal
 * encodings expand to 0, which is itself an illegal 32-bit instruction.
 */
final class Rvc
{
    private static final int[] TABLE = new int[1 << 16];

    static
    {
        for (int c = 0; c < (1 << 16); c++)
        {
            TABLE[c] = (c & 3) == 3 ? 0 : expandOne(c);
        }
    }

    private Rvc()
    {
    }

    /** @return the 32-bit expansion of compressed instruction {@code c} (low 16 bits), or 0 if illegal. */
    static int expand(final int c)
    {
        return TABLE[c & 0xFFFF];
    }

    private static int bit(final int c, final int from, final int to)
    {
        return ((c >>> from) & 1) << to;
    }

    private static int bits(final int c, final int hi, final int lo, final int toLo)
    {
        return ((c >>> lo) & ((1 << (hi - lo + 1)) - 1)) << toLo;
    }

    private static int sext(final int value, final int width)
    {
        return (value << (32 - width)) >> (32 - width);
    }

    static int itype(final int imm, final int rs1, final int f3, final int rd, final int op)
    {
        return (imm << 20) | (rs1 << 15) | (f3 << 12) | (rd << 7) | op;
    }

    static int stype(final int imm, final int rs2, final int rs1, final int f3, final int op)
    {
        return ((imm >> 5) << 25) | (rs2 << 20) | (rs1 << 15) | (f3 << 12) | ((imm & 31) << 7) | op;
    }

    static int rtype(final int f7, final int rs2, final int rs1, final int f3, final int rd, final int op)
    {
        return (f7 << 25) | (rs2 << 20) | (rs1 << 15) | (f3 << 12) | (rd << 7) | op;
    }

    static int btype(final int imm, final int rs2, final int rs1, final int f3)
    {
        return (((imm >> 12) & 1) << 31) | (((imm >> 5) & 0x3F) << 25) | (rs2 << 20) | (rs1 << 15) |
            (f3 << 12) | (((imm >> 1) & 0xF) << 8) | (((imm >> 11) & 1) << 7) | 0x63;
    }

    static int jtype(final int imm, final int rd)
    {
        return (((imm >> 20) & 1) << 31) | (((imm >> 1) & 0x3FF) << 21) | (((imm >> 11) & 1) << 20) |
            (((imm >> 12) & 0xFF) << 12) | (rd << 7) | 0x6F;
    }

    private static int expandOne(final int c)
    {
        final int f3 = (c >>> 13) & 7;
        final int rdFull = (c >>> 7) & 31;
        final int rs2Full = (c >>> 2) & 31;
        final int rdP = 8 + ((c >>> 2) & 7);
        final int rs1P = 8 + ((c >>> 7) & 7);
        switch (c & 3)
        {
            case 0:
                return quadrant0(c, f3, rdP, rs1P);
            case 1:
                return quadrant1(c, f3, rdFull, rdP, rs1P);
            default:
                return quadrant2(c, f3, rdFull, rs2Full);
        }
    }

    private static int quadrant0(final int c, final int f3, final int rdP, final int rs1P)
    {
        final int offD = bits(c, 12, 10, 3) | bits(c, 6, 5, 6);
        final int offW = bits(c, 12, 10, 3) | bit(c, 6, 2) | bit(c, 5, 6);
        switch (f3)
        {
            case 0:
            {
                final int imm = bits(c, 12, 11, 4) | bits(c, 10, 7, 6) | bit(c, 6, 2) | bit(c, 5, 3);
                return imm == 0 ? 0 : itype(imm, 2, 0, rdP, 0x13);
            }
            case 1:
                return itype(offD, rs1P, 3, rdP, 0x07);
            case 2:
                return itype(offW, rs1P, 2, rdP, 0x03);
            case 3:
                return itype(offD, rs1P, 3, rdP, 0x03);
            case 5:
                return stype(offD, rdP, rs1P, 3, 0x27);
            case 6:
                return stype(offW, rdP, rs1P, 2, 0x23);
            case 7:
                return stype(offD, rdP, rs1P, 3, 0x23);
            default:
                return 0;
        }
    }

    private static int quadrant1(final int c, final int f3, final int rd, final int rdP, final int rs1P)
    {
        final int imm6 = sext(bit(c, 12, 5) | bits(c, 6, 2, 0), 6);
        switch (f3)
        {
            case 0:
                return itype(imm6 & 0xFFF, rd, 0, rd, 0x13);
            case 1:
                return rd == 0 ? 0 : itype(imm6 & 0xFFF, rd, 0, rd, 0x1B);
            case 2:
                return itype(imm6 & 0xFFF, 0, 0, rd, 0x13);
            case 3:
                if (rd == 2)
                {
                    final int imm = sext(bit(c, 12, 9) | bit(c, 6, 4) | bit(c, 5, 6) | bits(c, 4, 3, 7) |
                        bit(c, 2, 5), 10);
                    return imm == 0 ? 0 : itype(imm & 0xFFF, 2, 0, 2, 0x13);
                }
                if (imm6 == 0)
                {
                    return 0;
                }
                return (imm6 << 12) | (rd << 7) | 0x37;
            case 4:
                return miscAlu(c, rdP, rs1P, imm6);
            case 5:
            {
                final int imm = sext(bit(c, 12, 11) | bit(c, 11, 4) | bits(c, 10, 9, 8) | bit(c, 8, 10) |
                    bit(c, 7, 6) | bit(c, 6, 7) | bits(c, 5, 3, 1) | bit(c, 2, 5), 12);
                return jtype(imm, 0);
            }
            default:
            {
                final int imm = sext(bit(c, 12, 8) | bits(c, 11, 10, 3) | bits(c, 6, 5, 6) | bits(c, 4, 3, 1) |
                    bit(c, 2, 5), 9);
                return btype(imm, 0, rs1P, f3 == 6 ? 0 : 1);
            }
        }
    }

    private static int miscAlu(final int c, final int rdP, final int rs1P, final int imm6)
    {
        final int shamt = bit(c, 12, 5) | bits(c, 6, 2, 0);
        switch ((c >>> 10) & 3)
        {
            case 0:
                return itype(shamt, rs1P, 5, rs1P, 0x13);
            case 1:
                return itype(0x400 | shamt, rs1P, 5, rs1P, 0x13);
            case 2:
                return itype(imm6 & 0xFFF, rs1P, 7, rs1P, 0x13);
            default:
            {
                final int rs2P = rdP;
                final int sel = (c >>> 5) & 3;
                if ((c & 0x1000) == 0)
                {
                    return switch (sel)
                    {
                        case 0 -> rtype(0x20, rs2P, rs1P, 0, rs1P, 0x33);
                        case 1 -> rtype(0, rs2P, rs1P, 4, rs1P, 0x33);
                        case 2 -> rtype(0, rs2P, rs1P, 6, rs1P, 0x33);
                        default -> rtype(0, rs2P, rs1P, 7, rs1P, 0x33);
                    };
                }
                return switch (sel)
                {
                    case 0 -> rtype(0x20, rs2P, rs1P, 0, rs1P, 0x3B);
                    case 1 -> rtype(0, rs2P, rs1P, 0, rs1P, 0x3B);
                    default -> 0;
                };
            }
        }
    }

    private static int quadrant2(final int c, final int f3, final int rd, final int rs2)
    {
        final int offLdsp = bit(c, 12, 5) | bits(c, 6, 5, 3) | bits(c, 4, 2, 6);
        final int offSdsp = bits(c, 12, 10, 3) | bits(c, 9, 7, 6);
        switch (f3)
        {
            case 0:
                return itype(bit(c, 12, 5) | bits(c, 6, 2, 0), rd, 1, rd, 0x13);
            case 1:
                return itype(offLdsp, 2, 3, rd, 0x07);
            case 2:
            {
                final int off = bit(c, 12, 5) | bits(c, 6, 4, 2) | bits(c, 3, 2, 6);
                return rd == 0 ? 0 : itype(off, 2, 2, rd, 0x03);
            }
            case 3:
                return rd == 0 ? 0 : itype(offLdsp, 2, 3, rd, 0x03);
            case 4:
                if ((c & 0x1000) == 0)
                {
                    if (rs2 == 0)
                    {
                        return rd == 0 ? 0 : itype(0, rd, 0, 0, 0x67);
                    }
                    return rtype(0, rs2, 0, 0, rd, 0x33);
                }
                if (rs2 == 0)
                {
                    return rd == 0 ? 0x00100073 : itype(0, rd, 0, 1, 0x67);
                }
                return rtype(0, rs2, rd, 0, rd, 0x33);
            case 5:
                return stype(offSdsp, rs2, 2, 3, 0x27);
            case 6:
                return stype(bits(c, 12, 9, 2) | bits(c, 8, 7, 6), rs2, 2, 2, 0x23);
            default:
                return stype(offSdsp, rs2, 2, 3, 0x23);
        }
    }
}
