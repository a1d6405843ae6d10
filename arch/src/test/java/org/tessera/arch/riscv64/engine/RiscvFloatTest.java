package org.tessera.arch.riscv64.engine;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.tessera.arch.riscv64.engine.Asm.*;
import static org.tessera.arch.riscv64.engine.FpHarness.bits;
import static org.tessera.arch.riscv64.engine.FpHarness.box;

/**
 * F and D corner cases, each checked against a value worked out by hand from IEEE 754 and the
 * RISC-V F/D chapters: NaN boxing, canonical NaNs, signed zeros, the five rounding modes,
 * saturating conversions, exception flags (tininess after rounding), fclass, fused multiply-add.
 */
class RiscvFloatTest
{
    private static final int NV = 0x10;
    private static final int DZ = 0x08;
    private static final int OF = 0x04;
    private static final int UF = 0x02;
    private static final int NX = 0x01;

    private static final long QNAN_D = 0x7FF8_0000_0000_0000L;
    private static final long QNAN_S = 0xFFFF_FFFF_7FC0_0000L;
    private static final long SNAN_D = 0x7FF0_0000_0000_0001L;
    private static final long SNAN_S = 0xFFFF_FFFF_7F80_0001L;
    private static final long PAYLOAD_NAN_D = 0xFFF8_0000_0000_BEEFL;

    private static final int ADD = 0x00;
    private static final int SUB = 0x01;
    private static final int MUL = 0x02;
    private static final int DIV = 0x03;
    private static final int SGNJ = 0x04;
    private static final int MINMAX = 0x05;
    private static final int CVT_FF = 0x08;
    private static final int SQRT = 0x0B;
    private static final int CMP = 0x14;
    private static final int CVT_IF = 0x18;
    private static final int CVT_FI = 0x1A;
    private static final int MVX_CLASS = 0x1C;
    private static final int MVF = 0x1E;

    private final FpHarness h = new FpHarness();

    @AfterEach
    void close()
    {
        h.close();
    }

    private static int f(final int funct5, final boolean dbl, final int rm)
    {
        return fop(funct5, dbl, rm, 4, 1, 2);
    }

    private static int toX(final int funct5, final boolean dbl, final int rm, final int rs2)
    {
        return fop(funct5, dbl, rm, 10, 1, rs2);
    }

    private void expect(final long result, final int flags)
    {
        assertEquals(Long.toHexString(result), Long.toHexString(h.fResult), "result");
        assertEquals(flags, h.flags, "flags");
    }

    private void expectX(final long result, final int flags)
    {
        assertEquals(Long.toHexString(result), Long.toHexString(h.xResult), "x result");
        assertEquals(flags, h.flags, "flags");
    }

    // ---------------------------------------------------------------- boxing and moves

    @Test
    void shouldNanBoxSinglesOnLoadAndMove()
    {
        h.m.memory.putInt(TestMachine.DATA, Float.floatToRawIntBits(1.5f));
        h.m.x(5, TestMachine.DATA).x(6, 0xDEAD_BEEF_4000_0000L)
            .exec(flw(7, 5, 0), fop(MVF, false, 0, 8, 6, 0), fsw(7, 5, 8), fsd(7, 5, 16));
        assertEquals(box(1.5f), h.m.ctx.f[7]);
        assertEquals(box(2.0f), h.m.ctx.f[8], "fmv.w.x boxes the low 32 bits");
        assertEquals(Float.floatToRawIntBits(1.5f), h.m.memory.getInt(TestMachine.DATA + 8));
        assertEquals(box(1.5f), h.m.memory.getLong(TestMachine.DATA + 16), "fsd stores all 64 bits");
    }

    @Test
    void shouldTreatImproperlyBoxedSingleAsCanonicalNan()
    {
        final long unboxed = bits(1.0);
        h.run(f(ADD, false, RNE), unboxed, box(1.0f));
        expect(QNAN_S, 0);
        h.run(f(SGNJ, false, 1), box(1.0f), unboxed);
        expect(box(-1.0f), 0);
        h.run(f(SGNJ, false, 0), unboxed, box(-1.0f));
        expect(0xFFFF_FFFF_FFC0_0000L, 0);
        h.run(fop(CVT_FF, true, RNE, 4, 1, 0), unboxed, 0);
        expect(QNAN_D, 0);
        h.run(toX(MVX_CLASS, false, 1, 0), unboxed, 0);
        expectX(1 << 9, 0);
    }

    @Test
    void shouldSignExtendFmvXW()
    {
        h.run(toX(MVX_CLASS, false, 0, 0), box(-0.0f), 0);
        expectX(0xFFFF_FFFF_8000_0000L, 0);
        h.run(toX(MVX_CLASS, false, 0, 0), 0x1234_5678_7F00_0000L, 0);
        expectX(0x7F00_0000L, 0);
        h.run(toX(MVX_CLASS, true, 0, 0), PAYLOAD_NAN_D, 0);
        expectX(PAYLOAD_NAN_D, 0);
        h.run(fop(MVF, true, 0, 4, 11, 0), 0, 0, 0, SNAN_D, 0);
        expect(SNAN_D, 0);
    }

    // ---------------------------------------------------------------- NaNs and signed zeros

    @Test
    void shouldProduceCanonicalNans()
    {
        h.run(f(ADD, true, RNE), PAYLOAD_NAN_D, bits(1.0));
        expect(QNAN_D, 0);
        h.run(f(MUL, true, RNE), SNAN_D, bits(1.0));
        expect(QNAN_D, NV);
        h.run(f(SUB, true, RNE), bits(Double.POSITIVE_INFINITY), bits(Double.POSITIVE_INFINITY));
        expect(QNAN_D, NV);
        h.run(f(MUL, false, RNE), box(0.0f), box(Float.NEGATIVE_INFINITY));
        expect(QNAN_S, NV);
        h.run(f(DIV, true, RNE), bits(0.0), bits(-0.0));
        expect(QNAN_D, NV);
        h.run(fop(SQRT, true, RNE, 4, 1, 0), bits(-1.0), 0);
        expect(QNAN_D, NV);
        h.run(fop(CVT_FF, false, RNE, 4, 1, 1), SNAN_D, 0);
        expect(QNAN_S, NV);
        h.run(fop(CVT_FF, true, RNE, 4, 1, 0), SNAN_S, 0);
        expect(QNAN_D, NV);
    }

    @Test
    void shouldOrderSignedZerosAndNansInMinMax()
    {
        h.run(fop(MINMAX, true, 0, 4, 1, 2), bits(0.0), bits(-0.0));
        expect(bits(-0.0), 0);
        h.run(fop(MINMAX, true, 1, 4, 1, 2), bits(-0.0), bits(0.0));
        expect(bits(0.0), 0);
        h.run(fop(MINMAX, false, 0, 4, 1, 2), box(0.0f), box(-0.0f));
        expect(box(-0.0f), 0);
        h.run(fop(MINMAX, true, 0, 4, 1, 2), QNAN_D, bits(3.0));
        expect(bits(3.0), 0);
        h.run(fop(MINMAX, true, 1, 4, 1, 2), bits(3.0), SNAN_D);
        expect(bits(3.0), NV);
        h.run(fop(MINMAX, true, 1, 4, 1, 2), PAYLOAD_NAN_D, SNAN_D);
        expect(QNAN_D, NV);
        h.run(fop(MINMAX, false, 1, 4, 1, 2), box(-1.0f), box(-2.0f));
        expect(box(-1.0f), 0);
    }

    @Test
    void shouldCompareQuietlyOnlyWithFeq()
    {
        h.run(toX(CMP, true, 2, 2), QNAN_D, bits(1.0));
        expectX(0, 0);
        h.run(toX(CMP, true, 2, 2), SNAN_D, bits(1.0));
        expectX(0, NV);
        h.run(toX(CMP, true, 1, 2), QNAN_D, bits(1.0));
        expectX(0, NV);
        h.run(toX(CMP, false, 0, 2), box(1.0f), QNAN_S);
        expectX(0, NV);
        h.run(toX(CMP, true, 2, 2), bits(-0.0), bits(0.0));
        expectX(1, 0);
        h.run(toX(CMP, true, 1, 2), bits(-0.0), bits(0.0));
        expectX(0, 0);
        h.run(toX(CMP, false, 0, 2), box(-0.0f), box(0.0f));
        expectX(1, 0);
        h.run(toX(CMP, false, 1, 2), box(-3.0f), box(2.0f));
        expectX(1, 0);
    }

    @Test
    void shouldInjectSignsWithoutTouchingPayloads()
    {
        h.run(f(SGNJ, true, 0), PAYLOAD_NAN_D, bits(1.0));
        expect(PAYLOAD_NAN_D & Long.MAX_VALUE, 0);
        h.run(f(SGNJ, true, 1), bits(2.0), bits(2.0));
        expect(bits(-2.0), 0);
        h.run(f(SGNJ, true, 2), bits(-2.0), bits(-5.0));
        expect(bits(2.0), 0);
        h.run(f(SGNJ, false, 2), box(-2.0f), box(5.0f));
        expect(box(-2.0f), 0);
        h.run(f(SGNJ, false, 1), box(2.0f), box(-5.0f));
        expect(box(2.0f), 0);
    }

    // ---------------------------------------------------------------- rounding modes

    @Test
    void shouldRoundDoubleAdditionInEachMode()
    {
        final long one = bits(1.0);
        final long tie = bits(0x1p-53);
        final long above = bits(0x1.8p-53);
        final long up = bits(1.0 + 0x1p-52);
        final long[] tieExpected = {one, one, one, up, up};
        final long[] aboveExpected = {up, one, one, up, up};
        for (int rm = 0; rm <= 4; rm++)
        {
            h.run(f(ADD, true, rm), one, tie);
            expect(tieExpected[rm], NX);
            h.run(f(ADD, true, rm), one, above);
            expect(aboveExpected[rm], NX);
            h.run(f(ADD, true, DYN), one, tie, 0, 0, rm);
            expect(tieExpected[rm], NX);
        }
        final long minusUp = bits(-(1.0 + 0x1p-52));
        final long[] negativeExpected = {bits(-1.0), bits(-1.0), minusUp, bits(-1.0), minusUp};
        for (int rm = 0; rm <= 4; rm++)
        {
            h.run(f(SUB, true, rm), bits(-1.0), tie);
            expect(negativeExpected[rm], NX);
        }
    }

    @Test
    void shouldRoundSingleOperationsInEachMode()
    {
        final long one = box(1.0f);
        final long up = box(1.0f + 0x1p-23f);
        final long[] tieExpected = {one, one, one, up, up};
        for (int rm = 0; rm <= 4; rm++)
        {
            h.run(f(ADD, false, rm), one, box(0x1p-24f));
            expect(tieExpected[rm], NX);
        }
        // 1/3 = 0x1.555555...p-2: nearest, up and max-magnitude go up, toward zero and down go down.
        final long down = box(0x1.555554p-2f);
        final long up3 = box(0x1.555556p-2f);
        final long[] divExpected = {up3, down, down, up3, up3};
        for (int rm = 0; rm <= 4; rm++)
        {
            h.run(f(DIV, false, rm), box(1.0f), box(3.0f));
            expect(divExpected[rm], NX);
        }
        final long[] negativeDivExpected = {box(-0x1.555556p-2f), box(-0x1.555554p-2f), box(-0x1.555556p-2f),
            box(-0x1.555554p-2f), box(-0x1.555556p-2f)};
        for (int rm = 0; rm <= 4; rm++)
        {
            h.run(f(DIV, false, rm), box(-1.0f), box(3.0f));
            expect(negativeDivExpected[rm], NX);
        }
    }

    @Test
    void shouldRoundSquareRootAndProductsInDirectedModes()
    {
        // sqrt(2) = 0x1.6a09e667f3bcc908b2...p0: the next double up is ...bcdp0.
        h.run(fop(SQRT, true, RNE, 4, 1, 0), bits(2.0), 0);
        expect(bits(0x1.6a09e667f3bcdp0), NX);
        h.run(fop(SQRT, true, RTZ, 4, 1, 0), bits(2.0), 0);
        expect(bits(0x1.6a09e667f3bccp0), NX);
        h.run(fop(SQRT, true, RUP, 4, 1, 0), bits(2.0), 0);
        expect(bits(0x1.6a09e667f3bcdp0), NX);
        h.run(fop(SQRT, true, RDN, 4, 1, 0), bits(4.0), 0);
        expect(bits(2.0), 0);
        h.run(fop(SQRT, true, RNE, 4, 1, 0), bits(-0.0), 0);
        expect(bits(-0.0), 0);
        h.run(fop(SQRT, false, RUP, 4, 1, 0), box(2.0f), 0);
        expect(box(0x1.6a09e8p0f), NX);
        // (1 + 2^-52)^2 = 1 + 2^-51 + 2^-104
        final long a = bits(1.0 + 0x1p-52);
        h.run(f(MUL, true, RNE), a, a);
        expect(bits(1.0 + 0x1p-51), NX);
        h.run(f(MUL, true, RUP), a, a);
        expect(bits(1.0 + 0x1.8p-51), NX);
        h.run(f(MUL, true, RDN), bits(-(1.0 + 0x1p-52)), a);
        expect(bits(-(1.0 + 0x1.8p-51)), NX);
    }

    @Test
    void shouldGiveSignOfExactZeroSumByRoundingMode()
    {
        h.run(f(SUB, true, RNE), bits(1.5), bits(1.5));
        expect(bits(0.0), 0);
        h.run(f(SUB, true, RDN), bits(1.5), bits(1.5));
        expect(bits(-0.0), 0);
        h.run(f(ADD, false, RDN), box(-2.0f), box(2.0f));
        expect(box(-0.0f), 0);
        h.run(f(ADD, true, RDN), bits(-0.0), bits(-0.0));
        expect(bits(-0.0), 0);
        h.run(f(ADD, true, RUP), bits(-0.0), bits(0.0));
        expect(bits(0.0), 0);
    }

    // ---------------------------------------------------------------- flags

    @Test
    void shouldRaiseExactFlags()
    {
        h.run(f(DIV, true, RNE), bits(1.0), bits(3.0));
        expect(bits(1.0 / 3.0), NX);
        h.run(f(DIV, true, RNE), bits(-1.0), bits(0.0));
        expect(bits(Double.NEGATIVE_INFINITY), DZ);
        h.run(f(DIV, true, RNE), bits(6.0), bits(3.0));
        expect(bits(2.0), 0);
        h.run(f(MUL, true, RNE), bits(Double.MAX_VALUE), bits(2.0));
        expect(bits(Double.POSITIVE_INFINITY), OF | NX);
        h.run(f(MUL, true, RTZ), bits(Double.MAX_VALUE), bits(2.0));
        expect(bits(Double.MAX_VALUE), OF | NX);
        h.run(f(MUL, true, RDN), bits(-Double.MAX_VALUE), bits(2.0));
        expect(bits(Double.NEGATIVE_INFINITY), OF | NX);
        h.run(f(ADD, false, RUP), box(-Float.MAX_VALUE), box(-Float.MAX_VALUE));
        expect(box(-Float.MAX_VALUE), OF | NX);
        h.run(f(MUL, true, RNE), bits(Double.MIN_NORMAL), bits(0.5));
        expect(bits(Double.MIN_NORMAL / 2), 0);
        h.run(f(MUL, true, RNE), bits(Double.MIN_VALUE), bits(0.5));
        expect(bits(0.0), UF | NX);
        h.run(f(MUL, true, RUP), bits(Double.MIN_VALUE), bits(0.5));
        expect(bits(Double.MIN_VALUE), UF | NX);
        h.run(f(MUL, false, RNE), box(Float.MIN_VALUE), box(-0.5f));
        expect(box(-0.0f), UF | NX);
        h.run(f(MUL, false, RNE), box(Float.MIN_VALUE * 3), box(0.5f));
        expect(box(Float.MIN_VALUE * 2), UF | NX);
        h.run(f(ADD, true, RNE), bits(Double.MIN_VALUE), bits(Double.MIN_NORMAL));
        expect(bits(Double.MIN_VALUE + Double.MIN_NORMAL), 0);
    }

    @Test
    void shouldDetectTininessAfterRounding()
    {
        // 3 * 6004799503160661 = 2^54 - 1, so the product is 2^-1022 - 2^-1076: it rounds to
        // 2^-1022 both with and without exponent bound, so it is inexact but not tiny.
        h.run(f(MUL, true, RNE), bits(3 * 0x1p-600), bits(6004799503160661.0 * 0x1p-476));
        expect(bits(Double.MIN_NORMAL), NX);
        // a*b + c = 2^-1022 - 2^-1076 via fma: same result, no underflow.
        h.run(fma(0x43, true, RNE, 4, 1, 2, 3), bits(-0x1p-538), bits(0x1p-538), bits(Double.MIN_NORMAL), 0, 0);
        expect(bits(Double.MIN_NORMAL), NX);
        // 2^-1022 - 3*2^-1077 rounds to 2^-1022 in the subnormal grid, but with an unbounded
        // exponent to 2^-1022 - 2^-1075: tiny after rounding, so UF although the result is normal.
        h.run(fma(0x43, true, RNE, 4, 1, 2, 3), bits(-3 * 0x1p-539), bits(0x1p-538), bits(Double.MIN_NORMAL), 0, 0);
        expect(bits(Double.MIN_NORMAL), UF | NX);
        // 2^-1022 - 3*2^-1076 is nearest to the largest subnormal.
        h.run(fma(0x43, true, RNE, 4, 1, 2, 3), bits(-3 * 0x1p-538), bits(0x1p-538), bits(Double.MIN_NORMAL), 0, 0);
        expect(0x000F_FFFF_FFFF_FFFFL, UF | NX);
    }

    @Test
    void shouldClassifyAllTenClasses()
    {
        final double[] doubles = {Double.NEGATIVE_INFINITY, -1.0, -Double.MIN_VALUE, -0.0, 0.0, Double.MIN_VALUE, 1.0,
            Double.POSITIVE_INFINITY};
        final float[] floats = {Float.NEGATIVE_INFINITY, -1.0f, -Float.MIN_VALUE, -0.0f, 0.0f, Float.MIN_VALUE, 1.0f,
            Float.POSITIVE_INFINITY};
        for (int i = 0; i < doubles.length; i++)
        {
            h.run(toX(MVX_CLASS, true, 1, 0), bits(doubles[i]), 0);
            expectX(1L << i, 0);
            h.run(toX(MVX_CLASS, false, 1, 0), box(floats[i]), 0);
            expectX(1L << i, 0);
        }
        h.run(toX(MVX_CLASS, true, 1, 0), SNAN_D, 0);
        expectX(1 << 8, 0);
        h.run(toX(MVX_CLASS, true, 1, 0), PAYLOAD_NAN_D, 0);
        expectX(1 << 9, 0);
        h.run(toX(MVX_CLASS, false, 1, 0), SNAN_S, 0);
        expectX(1 << 8, 0);
        h.run(toX(MVX_CLASS, false, 1, 0), QNAN_S, 0);
        expectX(1 << 9, 0);
    }

    // ---------------------------------------------------------------- fused multiply-add

    @Test
    void shouldRoundFusedMultiplyAddOnce()
    {
        final double a = 1.0 + 0x1p-52;
        h.run(fma(0x43, true, RNE, 4, 1, 2, 3), bits(a), bits(a), bits(-(1.0 + 0x1p-51)), 0, 0);
        expect(bits(0x1p-104), 0);
        h.run(fma(0x47, true, RNE, 4, 1, 2, 3), bits(a), bits(a), bits(1.0 + 0x1p-51), 0, 0);
        expect(bits(0x1p-104), 0);
        h.run(fma(0x4B, true, RNE, 4, 1, 2, 3), bits(a), bits(a), bits(1.0 + 0x1p-51), 0, 0);
        expect(bits(-0x1p-104), 0);
        h.run(fma(0x4F, true, RNE, 4, 1, 2, 3), bits(a), bits(a), bits(-(1.0 + 0x1p-51)), 0, 0);
        expect(bits(-0x1p-104), 0);
        final float s = 1.0f + 0x1p-23f;
        h.run(fma(0x43, false, RNE, 4, 1, 2, 3), box(s), box(s), box(-(1.0f + 0x1p-22f)), 0, 0);
        expect(box(0x1p-46f), 0);
    }

    @Test
    void shouldNotDoubleRoundSingleFma()
    {
        // a*b + c = 1 + 2^-23 + 2^-24 - 2^-70: just below the midpoint between 1 + 2^-23 and
        // 1 + 2^-22. Rounding through a double lands on the midpoint and then on the even one.
        final long a = box(0x1p-24f + 0x1p-47f);
        final long b = box(1.0f - 0x1p-23f);
        final long c = box(1.0f + 0x1p-23f);
        h.run(fma(0x43, false, RNE, 4, 1, 2, 3), a, b, c, 0, 0);
        expect(box(1.0f + 0x1p-23f), NX);
        h.run(fma(0x43, false, RMM, 4, 1, 2, 3), a, b, c, 0, 0);
        expect(box(1.0f + 0x1p-23f), NX);
        h.run(fma(0x43, false, RUP, 4, 1, 2, 3), a, b, c, 0, 0);
        expect(box(1.0f + 0x1p-22f), NX);
    }

    @Test
    void shouldSignalInvalidForInfinityTimesZeroEvenWithQuietNanAddend()
    {
        h.run(fma(0x43, true, RNE, 4, 1, 2, 3), bits(Double.POSITIVE_INFINITY), bits(0.0), QNAN_D, 0, 0);
        expect(QNAN_D, NV);
        h.run(fma(0x43, true, RNE, 4, 1, 2, 3), bits(1.0), bits(2.0), QNAN_D, 0, 0);
        expect(QNAN_D, 0);
        h.run(fma(0x43, true, RNE, 4, 1, 2, 3), bits(Double.POSITIVE_INFINITY), bits(1.0),
            bits(Double.NEGATIVE_INFINITY), 0, 0);
        expect(QNAN_D, NV);
        h.run(fma(0x43, false, RNE, 4, 1, 2, 3), box(0.0f), box(Float.POSITIVE_INFINITY), QNAN_S, 0, 0);
        expect(QNAN_S, NV);
        h.run(fma(0x43, true, RDN, 4, 1, 2, 3), bits(2.0), bits(0.0), bits(-0.0), 0, 0);
        expect(bits(-0.0), 0);
        h.run(fma(0x43, true, RNE, 4, 1, 2, 3), bits(2.0), bits(0.0), bits(-0.0), 0, 0);
        expect(bits(0.0), 0);
    }

    // ---------------------------------------------------------------- conversions

    @Test
    void shouldSaturateConversionsToInteger()
    {
        final int w = 0;
        final int wu = 1;
        final int l = 2;
        final int lu = 3;
        // fcvt.w.s
        h.run(toX(CVT_IF, false, RTZ, w), QNAN_S, 0);
        expectX(Integer.MAX_VALUE, NV);
        h.run(toX(CVT_IF, false, RTZ, w), box(Float.POSITIVE_INFINITY), 0);
        expectX(Integer.MAX_VALUE, NV);
        h.run(toX(CVT_IF, false, RTZ, w), box(Float.NEGATIVE_INFINITY), 0);
        expectX(Integer.MIN_VALUE, NV);
        h.run(toX(CVT_IF, false, RTZ, w), box(3e9f), 0);
        expectX(Integer.MAX_VALUE, NV);
        h.run(toX(CVT_IF, false, RTZ, w), box(-0x1p31f), 0);
        expectX(Integer.MIN_VALUE, 0);
        h.run(toX(CVT_IF, false, RTZ, w), box(-2.75f), 0);
        expectX(-2, NX);
        // fcvt.l.d
        h.run(toX(CVT_IF, true, RTZ, l), bits(0x1p63), 0);
        expectX(Long.MAX_VALUE, NV);
        h.run(toX(CVT_IF, true, RTZ, l), bits(-0x1p63), 0);
        expectX(Long.MIN_VALUE, 0);
        h.run(toX(CVT_IF, true, RTZ, l), SNAN_D, 0);
        expectX(Long.MAX_VALUE, NV);
        h.run(toX(CVT_IF, true, RTZ, l), bits(Double.NEGATIVE_INFINITY), 0);
        expectX(Long.MIN_VALUE, NV);
        // fcvt.wu.d: 32-bit results are sign-extended
        h.run(toX(CVT_IF, true, RTZ, wu), bits(-1.0), 0);
        expectX(0, NV);
        h.run(toX(CVT_IF, true, RTZ, wu), bits(-0.9), 0);
        expectX(0, NX);
        h.run(toX(CVT_IF, true, RTZ, wu), bits(4294967295.0), 0);
        expectX(-1L, 0);
        h.run(toX(CVT_IF, true, RTZ, wu), bits(4294967296.0), 0);
        expectX(-1L, NV);
        h.run(toX(CVT_IF, true, RTZ, wu), QNAN_D, 0);
        expectX(-1L, NV);
        h.run(toX(CVT_IF, true, RTZ, wu), bits(2147483648.0), 0);
        expectX(0xFFFF_FFFF_8000_0000L, 0);
        // fcvt.lu.d
        h.run(toX(CVT_IF, true, RTZ, lu), bits(0x1p64), 0);
        expectX(-1L, NV);
        h.run(toX(CVT_IF, true, RTZ, lu), bits(0x1p63), 0);
        expectX(Long.MIN_VALUE, 0);
        h.run(toX(CVT_IF, true, RUP, lu), bits(-0.5), 0);
        expectX(0, NX);
        h.run(toX(CVT_IF, true, RDN, lu), bits(-0.5), 0);
        expectX(0, NV);
    }

    @Test
    void shouldRoundConversionsToIntegerInEachMode()
    {
        final long[] plus = {2, 2, 2, 3, 3};
        final long[] minus = {-2, -2, -3, -2, -3};
        for (int rm = 0; rm <= 4; rm++)
        {
            h.run(toX(CVT_IF, true, rm, 2), bits(2.5), 0);
            expectX(plus[rm], NX);
            h.run(toX(CVT_IF, false, rm, 0), box(-2.5f), 0);
            expectX(minus[rm], NX);
        }
        h.run(toX(CVT_IF, true, RNE, 0), bits(3.5), 0);
        expectX(4, NX);
        h.run(toX(CVT_IF, true, RMM, 0), bits(-0.5), 0);
        expectX(-1, NX);
        h.run(toX(CVT_IF, true, DYN, 0), bits(1.5), 0, 0, 0, RTZ);
        expectX(1, NX);
    }

    @Test
    void shouldConvertIntegersToFloatsWithRounding()
    {
        final int w = 0;
        final int wu = 1;
        final int l = 2;
        final int lu = 3;
        h.run(fop(CVT_FI, true, RNE, 4, 11, w), 0, 0, 0, 0xFFFF_FFFF_8000_0000L, 0);
        expect(bits(-2147483648.0), 0);
        h.run(fop(CVT_FI, true, RNE, 4, 11, wu), 0, 0, 0, -1L, 0);
        expect(bits(4294967295.0), 0);
        h.run(fop(CVT_FI, true, RNE, 4, 11, lu), 0, 0, 0, -1L, 0);
        expect(bits(0x1p64), NX);
        h.run(fop(CVT_FI, true, RTZ, 4, 11, lu), 0, 0, 0, -1L, 0);
        expect(bits(0x1.fffffffffffffp63), NX);
        h.run(fop(CVT_FI, true, RNE, 4, 11, l), 0, 0, 0, Long.MIN_VALUE, 0);
        expect(bits(-0x1p63), 0);
        h.run(fop(CVT_FI, true, RDN, 4, 11, l), 0, 0, 0, -(1L << 53) - 1, 0);
        expect(bits(-0x1p53 - 2), NX);
        h.run(fop(CVT_FI, false, RNE, 4, 11, w), 0, 0, 0, 16777217, 0);
        expect(box(16777216.0f), NX);
        h.run(fop(CVT_FI, false, RUP, 4, 11, w), 0, 0, 0, 16777217, 0);
        expect(box(16777218.0f), NX);
        h.run(fop(CVT_FI, false, RNE, 4, 11, l), 0, 0, 0, 12345, 0);
        expect(box(12345.0f), 0);
    }

    @Test
    void shouldConvertBetweenSingleAndDouble()
    {
        h.run(fop(CVT_FF, false, RNE, 4, 1, 1), bits(1e300), 0);
        expect(box(Float.POSITIVE_INFINITY), OF | NX);
        h.run(fop(CVT_FF, false, RTZ, 4, 1, 1), bits(1e300), 0);
        expect(box(Float.MAX_VALUE), OF | NX);
        h.run(fop(CVT_FF, false, RNE, 4, 1, 1), bits(0.1), 0);
        expect(box(0.1f), NX);
        h.run(fop(CVT_FF, false, RUP, 4, 1, 1), bits(1.0 + 0x1p-40), 0);
        expect(box(1.0f + 0x1p-23f), NX);
        h.run(fop(CVT_FF, false, RNE, 4, 1, 1), bits(0x1p-140), 0);
        expect(box(0x1p-140f), 0);
        h.run(fop(CVT_FF, false, RNE, 4, 1, 1), bits(0x1.8p-149), 0);
        expect(box(0x1p-148f), UF | NX);
        h.run(fop(CVT_FF, true, RNE, 4, 1, 0), box(0.1f), 0);
        expect(bits(0.1f), 0);
    }
}
