package org.tessera.arch.riscv64.engine;

import java.math.BigInteger;

/**
 * The F and D arithmetic of one hart: IEEE 754 binary32/binary64 with the five RISC-V rounding
 * modes, canonical NaNs, NaN boxing of singles, and exception flags accrued in {@link #flags}
 * (NV DZ OF UF NX, tininess detected after rounding, as RISC-V requires).
 *
 * <p>Two paths. The fast path, taken for round-to-nearest-even on operands and results well
 * inside the normal range, lets the host compute the correctly rounded result and decides
 * exactness with error-free transformations (TwoSum, the fused-multiply-add residue), so it
 * allocates nothing. Binary32 add, sub, mul, div and sqrt are computed in binary64 and rounded
 * once more: with 53 ≥ 2·24+2 bits that double rounding is innocuous. Everything else (other
 * rounding modes, results near underflow or overflow, the rare fused cases the fast test
 * cannot settle) goes to an exact path on {@link BigInteger} that rounds the exact value once.
 */
final class RiscvFpu
{
    static final int NV = 0x10;
    static final int DZ = 0x08;
    static final int OF = 0x04;
    static final int UF = 0x02;
    static final int NX = 0x01;

    static final int RNE = 0;
    static final int RTZ = 1;
    static final int RDN = 2;
    static final int RUP = 3;
    static final int RMM = 4;

    static final long CANONICAL_NAN_D = 0x7FF8_0000_0000_0000L;
    static final int CANONICAL_NAN_S = 0x7FC0_0000;
    private static final long BOX = 0xFFFF_FFFF_0000_0000L;

    private static final double SAFE_LOW = 0x1p-960;
    private static final double SAFE_HIGH = 0x1p1020;
    private static final double SAFE_LOW_S = 0x1p-125;

    /** Flags raised by the last operations, not yet accrued into fcsr. */
    int flags;

    // ---------------------------------------------------------------- boxing and bits

    static long box(final int bits)
    {
        return BOX | (bits & 0xFFFF_FFFFL);
    }

    /** A single read from an f register that is not properly NaN-boxed is the canonical NaN. */
    static int unbox(final long value)
    {
        return (value & BOX) == BOX ? (int)value : CANONICAL_NAN_S;
    }

    static double unboxAsDouble(final long value)
    {
        return Float.intBitsToFloat(unbox(value));
    }

    private static boolean isSignalingD(final long bits)
    {
        return (bits & 0x7FF0_0000_0000_0000L) == 0x7FF0_0000_0000_0000L &&
            (bits & 0x000F_FFFF_FFFF_FFFFL) != 0 && (bits & 0x0008_0000_0000_0000L) == 0;
    }

    private static boolean isSignalingS(final int bits)
    {
        return (bits & 0x7F80_0000) == 0x7F80_0000 && (bits & 0x007F_FFFF) != 0 && (bits & 0x0040_0000) == 0;
    }

    private static long bits(final double value)
    {
        return Double.doubleToRawLongBits(value);
    }

    private static long boxFloat(final float value)
    {
        return box(Float.floatToRawIntBits(value));
    }

    private static double twoSumError(final double a, final double b, final double sum)
    {
        final double bVirtual = sum - a;
        final double aVirtual = sum - bVirtual;
        return (a - aVirtual) + (b - bVirtual);
    }

    // ---------------------------------------------------------------- add, sub, mul, div

    /** @param operation 0 add, 1 sub, 2 mul, 3 div. */
    long arithD(final int operation, final long aBits, final long bBits, final int rm)
    {
        final double a = Double.longBitsToDouble(aBits);
        final double b = Double.longBitsToDouble(bBits);
        if (Double.isNaN(a) || Double.isNaN(b))
        {
            if (isSignalingD(aBits) || isSignalingD(bBits))
            {
                flags |= NV;
            }
            return CANONICAL_NAN_D;
        }
        return switch (operation)
        {
            case 0 -> addD(a, b, rm);
            case 1 -> addD(a, -b, rm);
            case 2 -> mulD(a, b, rm);
            default -> divD(a, b, rm);
        };
    }

    /** @param operation 0 add, 1 sub, 2 mul, 3 div. */
    long arithS(final int operation, final long aBoxed, final long bBoxed, final int rm)
    {
        final int aBits = unbox(aBoxed);
        final int bBits = unbox(bBoxed);
        final float a = Float.intBitsToFloat(aBits);
        final float b = Float.intBitsToFloat(bBits);
        if (Float.isNaN(a) || Float.isNaN(b))
        {
            if (isSignalingS(aBits) || isSignalingS(bBits))
            {
                flags |= NV;
            }
            return box(CANONICAL_NAN_S);
        }
        return switch (operation)
        {
            case 0 -> addS(a, b, rm);
            case 1 -> addS(a, -b, rm);
            case 2 -> mulS(a, b, rm);
            default -> divS(a, b, rm);
        };
    }

    private long addD(final double a, final double b, final int rm)
    {
        if (Double.isInfinite(a) || Double.isInfinite(b))
        {
            if (Double.isInfinite(a) && Double.isInfinite(b) && a != b)
            {
                flags |= NV;
                return CANONICAL_NAN_D;
            }
            return bits(a + b);
        }
        if (rm == RNE)
        {
            final double r = a + b;
            if (Double.isInfinite(r))
            {
                flags |= OF | NX;
                return bits(r);
            }
            if (Math.abs(r) < SAFE_HIGH)
            {
                // A sum that is tiny is exact, so only the TwoSum residue decides NX.
                if (r != 0 && twoSumError(a, b, r) != 0)
                {
                    flags |= NX;
                }
                return bits(r);
            }
        }
        return exactAdd(a, b, rm, true);
    }

    private long addS(final float a, final float b, final int rm)
    {
        if (Float.isInfinite(a) || Float.isInfinite(b))
        {
            if (Float.isInfinite(a) && Float.isInfinite(b) && a != b)
            {
                flags |= NV;
                return box(CANONICAL_NAN_S);
            }
            return boxFloat(a + b);
        }
        if (rm == RNE)
        {
            final double d = (double)a + (double)b;
            final float r = (float)d;
            final boolean exactDouble = d == 0 || twoSumError(a, b, d) == 0;
            return finishS(d, r, exactDouble, a, b, 0, rm);
        }
        return exactAdd(a, b, rm, false);
    }

    private long mulD(final double a, final double b, final int rm)
    {
        if (Double.isInfinite(a) || Double.isInfinite(b))
        {
            if (a == 0 || b == 0)
            {
                flags |= NV;
                return CANONICAL_NAN_D;
            }
            return bits(a * b);
        }
        if (a == 0 || b == 0)
        {
            return bits(a * b);
        }
        if (rm == RNE)
        {
            final double r = a * b;
            if (Double.isInfinite(r))
            {
                flags |= OF | NX;
                return bits(r);
            }
            final double magnitude = Math.abs(r);
            if (magnitude >= SAFE_LOW && magnitude < SAFE_HIGH)
            {
                if (Math.fma(a, b, -r) != 0)
                {
                    flags |= NX;
                }
                return bits(r);
            }
        }
        return exactMul(a, b, rm, true);
    }

    private long mulS(final float a, final float b, final int rm)
    {
        if (Float.isInfinite(a) || Float.isInfinite(b))
        {
            if (a == 0 || b == 0)
            {
                flags |= NV;
                return box(CANONICAL_NAN_S);
            }
            return boxFloat(a * b);
        }
        if (a == 0 || b == 0)
        {
            return boxFloat(a * b);
        }
        if (rm == RNE)
        {
            final double d = (double)a * (double)b;
            return finishS(d, (float)d, true, a, b, 2, rm);
        }
        return exactMul(a, b, rm, false);
    }

    private long divD(final double a, final double b, final int rm)
    {
        if (Double.isInfinite(a))
        {
            if (Double.isInfinite(b))
            {
                flags |= NV;
                return CANONICAL_NAN_D;
            }
            return bits(a / b);
        }
        if (Double.isInfinite(b))
        {
            return bits(a / b);
        }
        if (b == 0)
        {
            flags |= a == 0 ? NV : DZ;
            return a == 0 ? CANONICAL_NAN_D : bits(a / b);
        }
        if (a == 0)
        {
            return bits(a / b);
        }
        if (rm == RNE)
        {
            final double r = a / b;
            if (Double.isInfinite(r))
            {
                flags |= OF | NX;
                return bits(r);
            }
            final double magnitude = Math.abs(r);
            if (magnitude >= SAFE_LOW && magnitude < SAFE_HIGH && Math.abs(a) >= SAFE_LOW)
            {
                if (Math.fma(-r, b, a) != 0)
                {
                    flags |= NX;
                }
                return bits(r);
            }
        }
        return exactDiv(a, b, rm, true);
    }

    private long divS(final float a, final float b, final int rm)
    {
        if (Float.isInfinite(a))
        {
            if (Float.isInfinite(b))
            {
                flags |= NV;
                return box(CANONICAL_NAN_S);
            }
            return boxFloat(a / b);
        }
        if (Float.isInfinite(b))
        {
            return boxFloat(a / b);
        }
        if (b == 0)
        {
            flags |= a == 0 ? NV : DZ;
            return a == 0 ? box(CANONICAL_NAN_S) : boxFloat(a / b);
        }
        if (a == 0)
        {
            return boxFloat(a / b);
        }
        if (rm == RNE)
        {
            final double d = (double)a / (double)b;
            final boolean exactDouble = Math.fma(-d, b, a) == 0;
            return finishS(d, (float)d, exactDouble, a, b, 3, rm);
        }
        return exactDiv(a, b, rm, false);
    }

    /**
     * Finish a binary32 result computed in binary64 (value {@code d}, exact when
     * {@code exactDouble}) and rounded once more to {@code r}; falls back to the exact path when
     * the result may be tiny or overflowed, where the flags need the exact value.
     */
    private long finishS(
        final double d, final float r, final boolean exactDouble, final float a, final float b, final int operation,
        final int rm)
    {
        final boolean exact = exactDouble && (double)r == d;
        if (exact)
        {
            return boxFloat(r);
        }
        if (Float.isInfinite(r) || Math.abs(r) < SAFE_LOW_S)
        {
            return switch (operation)
            {
                case 0 -> exactAdd(a, b, rm, false);
                case 2 -> exactMul(a, b, rm, false);
                default -> exactDiv(a, b, rm, false);
            };
        }
        flags |= NX;
        return boxFloat(r);
    }

    // ---------------------------------------------------------------- sqrt

    long sqrtD(final long aBits, final int rm)
    {
        final double a = Double.longBitsToDouble(aBits);
        if (Double.isNaN(a))
        {
            if (isSignalingD(aBits))
            {
                flags |= NV;
            }
            return CANONICAL_NAN_D;
        }
        if (a < 0)
        {
            flags |= NV;
            return CANONICAL_NAN_D;
        }
        if (a == 0 || Double.isInfinite(a))
        {
            return aBits;
        }
        if (rm == RNE && a >= SAFE_LOW)
        {
            final double r = Math.sqrt(a);
            if (Math.fma(-r, r, a) != 0)
            {
                flags |= NX;
            }
            return bits(r);
        }
        return exactSqrt(a, rm, true);
    }

    long sqrtS(final long aBoxed, final int rm)
    {
        final int aBits = unbox(aBoxed);
        final float a = Float.intBitsToFloat(aBits);
        if (Float.isNaN(a))
        {
            if (isSignalingS(aBits))
            {
                flags |= NV;
            }
            return box(CANONICAL_NAN_S);
        }
        if (a < 0)
        {
            flags |= NV;
            return box(CANONICAL_NAN_S);
        }
        if (a == 0 || Float.isInfinite(a))
        {
            return box(aBits);
        }
        if (rm == RNE)
        {
            final double d = Math.sqrt(a);
            final float r = (float)d;
            if (Math.fma(-d, d, a) != 0 || (double)r != d)
            {
                flags |= NX;
            }
            return boxFloat(r);
        }
        return exactSqrt(a, rm, false);
    }

    // ---------------------------------------------------------------- fused multiply-add

    long fmaD(
        final long aBits, final long bBits, final long cBits, final boolean negateProduct, final boolean negateAddend,
        final int rm)
    {
        double a = Double.longBitsToDouble(aBits);
        final double b = Double.longBitsToDouble(bBits);
        double c = Double.longBitsToDouble(cBits);
        if ((Double.isInfinite(a) && b == 0) || (a == 0 && Double.isInfinite(b)))
        {
            // RISC-V: inf * 0 is invalid even when the addend is a quiet NaN.
            flags |= NV;
            return CANONICAL_NAN_D;
        }
        if (Double.isNaN(a) || Double.isNaN(b) || Double.isNaN(c))
        {
            if (isSignalingD(aBits) || isSignalingD(bBits) || isSignalingD(cBits))
            {
                flags |= NV;
            }
            return CANONICAL_NAN_D;
        }
        if (negateProduct)
        {
            a = -a;
        }
        if (negateAddend)
        {
            c = -c;
        }
        if (Double.isInfinite(a) || Double.isInfinite(b))
        {
            final double product = a * b;
            if (Double.isInfinite(c) && c != product)
            {
                flags |= NV;
                return CANONICAL_NAN_D;
            }
            return bits(product);
        }
        if (Double.isInfinite(c))
        {
            return bits(c);
        }
        if (a == 0 || b == 0)
        {
            return exactFmaWithZeroProduct(a, b, c, rm, true);
        }
        if (rm == RNE)
        {
            final double r = Math.fma(a, b, c);
            if (Double.isInfinite(r))
            {
                flags |= OF | NX;
                return bits(r);
            }
            final double high = a * b;
            final double highMagnitude = Math.abs(high);
            if (highMagnitude >= SAFE_LOW && highMagnitude < SAFE_HIGH && Math.abs(c) < SAFE_HIGH &&
                Math.abs(r) < SAFE_HIGH)
            {
                // a*b + c - r as an exact sum of four doubles: its sign is known when the
                // rounded sum clearly exceeds the bound on the summation error.
                final double low = Math.fma(a, b, -high);
                final double s = high + c;
                final double e1 = twoSumError(high, c, s);
                final double t = s - r;
                final double e2 = twoSumError(s, -r, t);
                if (t == 0 && e2 == 0 && e1 == 0 && low == 0)
                {
                    return bits(r);
                }
                final double sum = ((t + e2) + e1) + low;
                final double bound = (Math.abs(t) + Math.abs(e2) + Math.abs(e1) + Math.abs(low)) * 0x1p-50;
                if (Math.abs(sum) > bound && Math.abs(r) >= SAFE_LOW)
                {
                    flags |= NX;
                    return bits(r);
                }
            }
        }
        return exactFma(a, b, c, rm, true);
    }

    long fmaS(
        final long aBoxed, final long bBoxed, final long cBoxed, final boolean negateProduct,
        final boolean negateAddend, final int rm)
    {
        final int aBits = unbox(aBoxed);
        final int bBits = unbox(bBoxed);
        final int cBits = unbox(cBoxed);
        float a = Float.intBitsToFloat(aBits);
        final float b = Float.intBitsToFloat(bBits);
        float c = Float.intBitsToFloat(cBits);
        if ((Float.isInfinite(a) && b == 0) || (a == 0 && Float.isInfinite(b)))
        {
            flags |= NV;
            return box(CANONICAL_NAN_S);
        }
        if (Float.isNaN(a) || Float.isNaN(b) || Float.isNaN(c))
        {
            if (isSignalingS(aBits) || isSignalingS(bBits) || isSignalingS(cBits))
            {
                flags |= NV;
            }
            return box(CANONICAL_NAN_S);
        }
        if (negateProduct)
        {
            a = -a;
        }
        if (negateAddend)
        {
            c = -c;
        }
        if (Float.isInfinite(a) || Float.isInfinite(b))
        {
            final float product = a * b;
            if (Float.isInfinite(c) && c != product)
            {
                flags |= NV;
                return box(CANONICAL_NAN_S);
            }
            return boxFloat(product);
        }
        if (Float.isInfinite(c))
        {
            return boxFloat(c);
        }
        if (a == 0 || b == 0)
        {
            return exactFmaWithZeroProduct(a, b, c, rm, false);
        }
        if (rm == RNE)
        {
            // The product of two singles is exact in a double; the sum is s + e exactly.
            final double product = (double)a * (double)b;
            final double s = product + c;
            final double e = twoSumError(product, c, s);
            final float r = (float)s;
            final double rd = r;
            if (!Float.isInfinite(r) && Math.abs(r) >= SAFE_LOW_S)
            {
                if (e == 0)
                {
                    if (rd != s)
                    {
                        flags |= NX;
                    }
                    return boxFloat(r);
                }
                // s + e is not a double, so it is inexact as a single; s itself decides the
                // rounding unless s sits exactly on a midpoint between two singles.
                final float other = s > rd ? Math.nextUp(r) : Math.nextDown(r);
                if (rd == s || (rd + (double)other) * 0.5 != s)
                {
                    flags |= NX;
                    return boxFloat(r);
                }
            }
        }
        return exactFma(a, b, c, rm, false);
    }

    // ---------------------------------------------------------------- conversions

    long singleToDouble(final long aBoxed)
    {
        final int aBits = unbox(aBoxed);
        final float a = Float.intBitsToFloat(aBits);
        if (Float.isNaN(a))
        {
            if (isSignalingS(aBits))
            {
                flags |= NV;
            }
            return CANONICAL_NAN_D;
        }
        return bits(a);
    }

    long doubleToSingle(final long aBits, final int rm)
    {
        final double a = Double.longBitsToDouble(aBits);
        if (Double.isNaN(a))
        {
            if (isSignalingD(aBits))
            {
                flags |= NV;
            }
            return box(CANONICAL_NAN_S);
        }
        if (a == 0 || Double.isInfinite(a))
        {
            return boxFloat((float)a);
        }
        final float r = (float)a;
        if ((double)r == a)
        {
            return boxFloat(r);
        }
        if (rm == RNE && !Float.isInfinite(r) && Math.abs(r) >= SAFE_LOW_S)
        {
            flags |= NX;
            return boxFloat(r);
        }
        final Exact v = decode(a);
        return round(v.negative, v.magnitude, v.exponent, false, rm, false);
    }

    /**
     * fcvt.{w,wu,l,lu}.{s,d}: round to an integer with {@code rm}, saturating out-of-range
     * values and NaN (as +inf) with NV; 32-bit results are sign-extended.
     *
     * @param type 0 w, 1 wu, 2 l, 3 lu.
     */
    long toInteger(final double value, final int type, final int rm)
    {
        if (Double.isNaN(value))
        {
            flags |= NV;
            return switch (type)
            {
                case 0 -> Integer.MAX_VALUE;
                case 2 -> Long.MAX_VALUE;
                default -> -1L;
            };
        }
        final double r = roundToIntegral(value, rm);
        final boolean tooLow;
        final boolean tooHigh;
        switch (type)
        {
            case 0:
                tooLow = r < -0x1p31;
                tooHigh = r > 0x1p31 - 1;
                break;
            case 1:
                tooLow = r < 0;
                tooHigh = r > 0x1p32 - 1;
                break;
            case 2:
                tooLow = r < -0x1p63;
                tooHigh = r >= 0x1p63;
                break;
            default:
                tooLow = r < 0;
                tooHigh = r >= 0x1p64;
                break;
        }
        if (tooLow || tooHigh)
        {
            flags |= NV;
            return switch (type)
            {
                case 0 -> tooLow ? Integer.MIN_VALUE : Integer.MAX_VALUE;
                case 1 -> tooLow ? 0 : -1L;
                case 2 -> tooLow ? Long.MIN_VALUE : Long.MAX_VALUE;
                default -> tooLow ? 0 : -1L;
            };
        }
        if (r != value)
        {
            flags |= NX;
        }
        return switch (type)
        {
            case 0, 1 -> (int)(long)r;
            case 2 -> (long)r;
            default -> r >= 0x1p63 ? (long)(r - 0x1p63) + Long.MIN_VALUE : (long)r;
        };
    }

    private static double roundToIntegral(final double value, final int rm)
    {
        if (Double.isInfinite(value) || Math.abs(value) >= 0x1p52)
        {
            return value;
        }
        return switch (rm)
        {
            case RNE -> Math.rint(value);
            case RTZ -> value < 0 ? Math.ceil(value) : Math.floor(value);
            case RDN -> Math.floor(value);
            case RUP -> Math.ceil(value);
            default ->
            {
                final double truncated = value < 0 ? Math.ceil(value) : Math.floor(value);
                final double fraction = value - truncated;
                yield Math.abs(fraction) >= 0.5 ? truncated + Math.signum(value) : truncated;
            }
        };
    }

    /**
     * fcvt.{s,d}.{w,wu,l,lu}.
     *
     * @param type 0 w, 1 wu, 2 l, 3 lu.
     */
    long fromInteger(final long source, final int type, final boolean toDouble, final int rm)
    {
        final boolean negative;
        final long magnitude;
        switch (type)
        {
            case 0:
                negative = (int)source < 0;
                magnitude = Math.abs((long)(int)source);
                break;
            case 1:
                negative = false;
                magnitude = source & 0xFFFF_FFFFL;
                break;
            case 2:
                negative = source < 0;
                magnitude = negative ? -source : source;
                break;
            default:
                negative = false;
                magnitude = source;
                break;
        }
        final long limit = toDouble ? 1L << 53 : 1L << 24;
        if (magnitude >= 0 && magnitude <= limit)
        {
            final double value = negative ? -(double)magnitude : (double)magnitude;
            return toDouble ? bits(value) : boxFloat((float)value);
        }
        final BigInteger big = magnitude < 0 ?
            BigInteger.valueOf(magnitude).add(BigInteger.ONE.shiftLeft(64)) : BigInteger.valueOf(magnitude);
        return round(negative, big, 0, false, rm, toDouble);
    }

    // ---------------------------------------------------------------- compare, min/max, class, sign

    /** @param f3 0 fle, 1 flt, 2 feq. */
    long compareD(final int f3, final long aBits, final long bBits)
    {
        final double a = Double.longBitsToDouble(aBits);
        final double b = Double.longBitsToDouble(bBits);
        if (Double.isNaN(a) || Double.isNaN(b))
        {
            if (f3 != 2 || isSignalingD(aBits) || isSignalingD(bBits))
            {
                flags |= NV;
            }
            return 0;
        }
        return switch (f3)
        {
            case 0 -> a <= b ? 1 : 0;
            case 1 -> a < b ? 1 : 0;
            default -> a == b ? 1 : 0;
        };
    }

    /** @param f3 0 fle, 1 flt, 2 feq. */
    long compareS(final int f3, final long aBoxed, final long bBoxed)
    {
        final int aBits = unbox(aBoxed);
        final int bBits = unbox(bBoxed);
        final float a = Float.intBitsToFloat(aBits);
        final float b = Float.intBitsToFloat(bBits);
        if (Float.isNaN(a) || Float.isNaN(b))
        {
            if (f3 != 2 || isSignalingS(aBits) || isSignalingS(bBits))
            {
                flags |= NV;
            }
            return 0;
        }
        return switch (f3)
        {
            case 0 -> a <= b ? 1 : 0;
            case 1 -> a < b ? 1 : 0;
            default -> a == b ? 1 : 0;
        };
    }

    /** IEEE 754-2019 minimumNumber/maximumNumber: -0 &lt; +0, a NaN loses to a number. */
    long minMaxD(final boolean max, final long aBits, final long bBits)
    {
        final double a = Double.longBitsToDouble(aBits);
        final double b = Double.longBitsToDouble(bBits);
        if (isSignalingD(aBits) || isSignalingD(bBits))
        {
            flags |= NV;
        }
        if (Double.isNaN(a))
        {
            return Double.isNaN(b) ? CANONICAL_NAN_D : bBits;
        }
        if (Double.isNaN(b))
        {
            return aBits;
        }
        if (a == b)
        {
            return max ? aBits & bBits : aBits | bBits;
        }
        return max == (a > b) ? aBits : bBits;
    }

    long minMaxS(final boolean max, final long aBoxed, final long bBoxed)
    {
        final int aBits = unbox(aBoxed);
        final int bBits = unbox(bBoxed);
        final float a = Float.intBitsToFloat(aBits);
        final float b = Float.intBitsToFloat(bBits);
        if (isSignalingS(aBits) || isSignalingS(bBits))
        {
            flags |= NV;
        }
        if (Float.isNaN(a))
        {
            return box(Float.isNaN(b) ? CANONICAL_NAN_S : bBits);
        }
        if (Float.isNaN(b))
        {
            return box(aBits);
        }
        if (a == b)
        {
            return box(max ? aBits & bBits : aBits | bBits);
        }
        return box(max == (a > b) ? aBits : bBits);
    }

    static long classifyD(final long bits)
    {
        final boolean negative = bits < 0;
        final long exponent = (bits >>> 52) & 0x7FF;
        final long fraction = bits & 0x000F_FFFF_FFFF_FFFFL;
        final int index;
        if (exponent == 0x7FF)
        {
            index = fraction == 0 ? (negative ? 0 : 7) : ((fraction >>> 51) == 0 ? 8 : 9);
        }
        else if (exponent == 0)
        {
            index = fraction == 0 ? (negative ? 3 : 4) : (negative ? 2 : 5);
        }
        else
        {
            index = negative ? 1 : 6;
        }
        return 1L << index;
    }

    static long classifyS(final long boxed)
    {
        final int bits = unbox(boxed);
        final boolean negative = bits < 0;
        final int exponent = (bits >>> 23) & 0xFF;
        final int fraction = bits & 0x007F_FFFF;
        final int index;
        if (exponent == 0xFF)
        {
            index = fraction == 0 ? (negative ? 0 : 7) : ((fraction >>> 22) == 0 ? 8 : 9);
        }
        else if (exponent == 0)
        {
            index = fraction == 0 ? (negative ? 3 : 4) : (negative ? 2 : 5);
        }
        else
        {
            index = negative ? 1 : 6;
        }
        return 1L << index;
    }

    /** @param f3 0 fsgnj, 1 fsgnjn, 2 fsgnjx. */
    static long signInjectD(final int f3, final long a, final long b)
    {
        final long sign = switch (f3)
        {
            case 0 -> b;
            case 1 -> ~b;
            default -> a ^ b;
        };
        return (a & Long.MAX_VALUE) | (sign & Long.MIN_VALUE);
    }

    static long signInjectS(final int f3, final long aBoxed, final long bBoxed)
    {
        final int a = unbox(aBoxed);
        final int b = unbox(bBoxed);
        final int sign = switch (f3)
        {
            case 0 -> b;
            case 1 -> ~b;
            default -> a ^ b;
        };
        return box((a & Integer.MAX_VALUE) | (sign & Integer.MIN_VALUE));
    }

    // ---------------------------------------------------------------- exact path

    /** A finite value as (-1)^negative * magnitude * 2^exponent. */
    private record Exact(boolean negative, BigInteger magnitude, int exponent)
    {
        BigInteger signed()
        {
            return negative ? magnitude.negate() : magnitude;
        }
    }

    private static Exact decode(final double value)
    {
        final long bits = Double.doubleToRawLongBits(value);
        final int biased = (int)((bits >>> 52) & 0x7FF);
        final long fraction = bits & 0x000F_FFFF_FFFF_FFFFL;
        final long significand = biased == 0 ? fraction : fraction | (1L << 52);
        final int exponent = biased == 0 ? -1074 : biased - 1075;
        return new Exact(bits < 0, BigInteger.valueOf(significand), exponent);
    }

    private long zero(final boolean negative, final boolean toDouble)
    {
        return toDouble ? (negative ? Long.MIN_VALUE : 0) : box(negative ? Integer.MIN_VALUE : 0);
    }

    private long sum(final BigInteger x, final int ex, final BigInteger y, final int ey, final boolean zeroNegative,
        final int rm, final boolean toDouble)
    {
        final int e = Math.min(ex, ey);
        final BigInteger total = x.shiftLeft(ex - e).add(y.shiftLeft(ey - e));
        if (total.signum() == 0)
        {
            return zero(zeroNegative || rm == RDN, toDouble);
        }
        return round(total.signum() < 0, total.abs(), e, false, rm, toDouble);
    }

    private long exactAdd(final double a, final double b, final int rm, final boolean toDouble)
    {
        if (a == 0 && b == 0)
        {
            final boolean bothNegative = Double.doubleToRawLongBits(a) < 0 && Double.doubleToRawLongBits(b) < 0;
            final boolean anyNegative = Double.doubleToRawLongBits(a) < 0 || Double.doubleToRawLongBits(b) < 0;
            return zero(bothNegative || (rm == RDN && anyNegative), toDouble);
        }
        final Exact x = decode(a);
        final Exact y = decode(b);
        return sum(x.signed(), x.exponent, y.signed(), y.exponent, false, rm, toDouble);
    }

    private long exactMul(final double a, final double b, final int rm, final boolean toDouble)
    {
        final Exact x = decode(a);
        final Exact y = decode(b);
        return round(x.negative ^ y.negative, x.magnitude.multiply(y.magnitude), x.exponent + y.exponent, false, rm,
            toDouble);
    }

    private long exactDiv(final double a, final double b, final int rm, final boolean toDouble)
    {
        final Exact x = decode(a);
        final Exact y = decode(b);
        final int shift = Math.max(0, 60 + y.magnitude.bitLength() - x.magnitude.bitLength());
        final BigInteger[] qr = x.magnitude.shiftLeft(shift).divideAndRemainder(y.magnitude);
        return round(x.negative ^ y.negative, qr[0], x.exponent - y.exponent - shift, qr[1].signum() != 0, rm,
            toDouble);
    }

    private long exactSqrt(final double a, final int rm, final boolean toDouble)
    {
        final Exact x = decode(a);
        int shift = Math.max(0, 130 - x.magnitude.bitLength());
        if (((x.exponent - shift) & 1) != 0)
        {
            shift++;
        }
        final BigInteger n = x.magnitude.shiftLeft(shift);
        final BigInteger root = n.sqrt();
        final boolean sticky = !root.multiply(root).equals(n);
        return round(false, root, (x.exponent - shift) / 2, sticky, rm, toDouble);
    }

    private long exactFmaWithZeroProduct(final double a, final double b, final double c, final int rm,
        final boolean toDouble)
    {
        final boolean productNegative = (Double.doubleToRawLongBits(a) < 0) ^ (Double.doubleToRawLongBits(b) < 0);
        if (c != 0)
        {
            return toDouble ? bits(c) : boxFloat((float)c);
        }
        final boolean cNegative = Double.doubleToRawLongBits(c) < 0;
        final boolean negative = productNegative == cNegative ? cNegative : rm == RDN;
        return zero(negative, toDouble);
    }

    private long exactFma(final double a, final double b, final double c, final int rm, final boolean toDouble)
    {
        final Exact x = decode(a);
        final Exact y = decode(b);
        final BigInteger product = x.magnitude.multiply(y.magnitude);
        final BigInteger signedProduct = x.negative ^ y.negative ? product.negate() : product;
        if (c == 0)
        {
            return round(x.negative ^ y.negative, product, x.exponent + y.exponent, false, rm, toDouble);
        }
        final Exact z = decode(c);
        return sum(signedProduct, x.exponent + y.exponent, z.signed(), z.exponent, false, rm, toDouble);
    }

    /**
     * Round (-1)^negative * (magnitude + sticky) * 2^exponent once to the target format, where
     * {@code sticky} means the true value lies strictly above magnitude * 2^exponent by less
     * than 2^exponent; callers give at least p + 2 significant bits when sticky is set.
     */
    long round(final boolean negative, final BigInteger magnitude, final int exponent, final boolean sticky,
        final int rm, final boolean toDouble)
    {
        final int precision = toDouble ? 53 : 24;
        final int minExponent = toDouble ? -1022 : -126;
        final int maxExponent = toDouble ? 1023 : 127;
        final int lead = exponent + magnitude.bitLength() - 1;
        int lsb = Math.max(lead - precision + 1, minExponent - precision + 1);
        BigInteger q = roundAt(negative, magnitude, exponent, sticky, lsb, rm);
        final boolean inexact = roundedInexact;
        if (q.bitLength() > precision)
        {
            q = q.shiftRight(1);
            lsb++;
        }
        final boolean tiny;
        if (lead >= minExponent)
        {
            tiny = false;
        }
        else if (lead < minExponent - 1)
        {
            tiny = true;
        }
        else
        {
            // Tininess after rounding: would rounding to p bits with an unbounded exponent
            // carry the value up to 2^emin?
            final BigInteger unbounded = roundAt(negative, magnitude, exponent, sticky, lead - precision + 1, rm);
            tiny = unbounded.bitLength() <= precision;
        }
        if (inexact)
        {
            flags |= NX;
            if (tiny)
            {
                flags |= UF;
            }
        }
        final int length = q.bitLength();
        if (length == 0)
        {
            return zero(negative, toDouble);
        }
        final int resultExponent = lsb + length - 1;
        if (resultExponent > maxExponent)
        {
            flags |= OF | NX;
            final boolean toInfinity = rm == RNE || rm == RMM || (rm == RUP && !negative) || (rm == RDN && negative);
            if (toDouble)
            {
                return bits(toInfinity ? (negative ? Double.NEGATIVE_INFINITY : Double.POSITIVE_INFINITY) :
                    (negative ? -Double.MAX_VALUE : Double.MAX_VALUE));
            }
            return boxFloat(toInfinity ? (negative ? Float.NEGATIVE_INFINITY : Float.POSITIVE_INFINITY) :
                (negative ? -Float.MAX_VALUE : Float.MAX_VALUE));
        }
        final long significand = q.longValue();
        final long field;
        final long fraction;
        if (length < precision)
        {
            field = 0;
            fraction = significand;
        }
        else
        {
            field = resultExponent + (toDouble ? 1023 : 127);
            fraction = significand & ((1L << (precision - 1)) - 1);
        }
        if (toDouble)
        {
            return (negative ? Long.MIN_VALUE : 0) | (field << 52) | fraction;
        }
        return box((negative ? Integer.MIN_VALUE : 0) | (int)(field << 23) | (int)fraction);
    }

    private boolean roundedInexact;

    private BigInteger roundAt(final boolean negative, final BigInteger magnitude, final int exponent,
        final boolean sticky, final int lsb, final int rm)
    {
        final int shift = lsb - exponent;
        final BigInteger q;
        final int versusHalf;
        final boolean inexact;
        if (shift <= 0)
        {
            q = magnitude.shiftLeft(-shift);
            inexact = sticky;
            versusHalf = -1;
        }
        else
        {
            q = magnitude.shiftRight(shift);
            final BigInteger remainder = magnitude.subtract(q.shiftLeft(shift));
            final int compared = remainder.compareTo(BigInteger.ONE.shiftLeft(shift - 1));
            versusHalf = compared == 0 && sticky ? 1 : compared;
            inexact = remainder.signum() != 0 || sticky;
        }
        roundedInexact = inexact;
        final boolean up = inexact && switch (rm)
        {
            case RNE -> versusHalf > 0 || (versusHalf == 0 && q.testBit(0));
            case RTZ -> false;
            case RDN -> negative;
            case RUP -> !negative;
            default -> versusHalf >= 0;
        };
        return up ? q.add(BigInteger.ONE) : q;
    }
}
