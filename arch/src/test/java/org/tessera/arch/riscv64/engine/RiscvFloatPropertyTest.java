package org.tessera.arch.riscv64.engine;

import java.math.BigDecimal;
import java.util.SplittableRandom;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.tessera.arch.riscv64.engine.Asm.fma;
import static org.tessera.arch.riscv64.engine.Asm.fop;
import static org.tessera.arch.riscv64.engine.FpHarness.bits;
import static org.tessera.arch.riscv64.engine.FpHarness.box;

/**
 * Seeded property test of add, sub, mul, div, sqrt and fmadd in both formats and all five
 * rounding modes, against an exact oracle on {@link BigDecimal}: round-to-nearest-even equals
 * the host's correctly rounded result (Java float/double arithmetic, {@link Math#fma}); the
 * down and up results bracket the exact value and are adjacent (or equal when exact); toward
 * zero and max-magnitude pick the right one of the two; NX is raised exactly when the result is
 * inexact. Operands mix ordinary, short-significand (ties, exact results), near-one, huge and
 * subnormal-range values.
 */
class RiscvFloatPropertyTest
{
    private static final int CASES = 400;
    private static final int NX = 0x01;
    private static final int UF = 0x02;

    private final FpHarness h = new FpHarness();

    @AfterEach
    void close()
    {
        h.close();
    }

    @ParameterizedTest(name = "seed {0}")
    @ValueSource(longs = {1, 2, 3, 0xC0FFEE})
    void shouldRoundDoubleOperationsCorrectly(final long seed)
    {
        System.out.println("RiscvFloatPropertyTest double seed " + seed);
        final SplittableRandom random = new SplittableRandom(seed);
        for (int i = 0; i < CASES; i++)
        {
            final double a = randomDouble(random);
            final double b = randomDouble(random);
            final double cancelling = -(a * b) * (1 + random.nextInt(3) * 0x1p-52);
            final double c = random.nextInt(4) == 0 && Double.isFinite(cancelling) ? cancelling : randomDouble(random);
            for (int op = 0; op < 6; op++)
            {
                checkDouble(seed, op, a, b, c);
            }
        }
    }

    @ParameterizedTest(name = "seed {0}")
    @ValueSource(longs = {1, 2, 3, 0xC0FFEE})
    void shouldRoundSingleOperationsCorrectly(final long seed)
    {
        System.out.println("RiscvFloatPropertyTest single seed " + seed);
        final SplittableRandom random = new SplittableRandom(seed);
        for (int i = 0; i < CASES; i++)
        {
            final float a = randomFloat(random);
            final float b = randomFloat(random);
            final float cancelling = -(a * b) * (1 + random.nextInt(3) * 0x1p-23f);
            final float c = random.nextInt(4) == 0 && Float.isFinite(cancelling) ? cancelling : randomFloat(random);
            for (int op = 0; op < 6; op++)
            {
                checkSingle(seed, op, a, b, c);
            }
        }
    }

    private static double randomDouble(final SplittableRandom random)
    {
        final double sign = random.nextBoolean() ? -1 : 1;
        return switch (random.nextInt(6))
        {
            case 0 -> sign * Math.scalb(1.0 + random.nextDouble(), random.nextInt(-30, 31));
            case 1 -> sign * Math.scalb((double)random.nextInt(1, 1 << 20), random.nextInt(-40, 20));
            case 2 -> sign * (1.0 + random.nextInt(-4, 5) * 0x1p-52);
            case 3 -> sign * Math.scalb(1.0 + random.nextDouble(), random.nextInt(-1074, -960));
            case 4 -> sign * Math.scalb(1.0 + random.nextDouble(), random.nextInt(400, 1000));
            default -> sign * Double.longBitsToDouble(random.nextLong(1, 0x7FF0_0000_0000_0000L));
        };
    }

    private static float randomFloat(final SplittableRandom random)
    {
        final float sign = random.nextBoolean() ? -1 : 1;
        return switch (random.nextInt(6))
        {
            case 0 -> sign * Math.scalb(1.0f + random.nextFloat(), random.nextInt(-20, 21));
            case 1 -> sign * Math.scalb((float)random.nextInt(1, 1 << 12), random.nextInt(-20, 10));
            case 2 -> sign * (1.0f + random.nextInt(-4, 5) * 0x1p-23f);
            case 3 -> sign * Math.scalb(1.0f + random.nextFloat(), random.nextInt(-149, -100));
            case 4 -> sign * Math.scalb(1.0f + random.nextFloat(), random.nextInt(40, 127));
            default -> sign * Float.intBitsToFloat(random.nextInt(1, 0x7F80_0000));
        };
    }

    /** op: 0 add, 1 sub, 2 mul, 3 div, 4 sqrt, 5 fmadd. */
    private int instruction(final int op, final boolean dbl, final int rm)
    {
        return switch (op)
        {
            case 0, 1, 2, 3 -> fop(op, dbl, rm, 4, 1, 2);
            case 4 -> fop(0x0B, dbl, rm, 4, 1, 0);
            default -> fma(0x43, dbl, rm, 4, 1, 2, 3);
        };
    }

    /** @return sign of (exact result - candidate). */
    private static int compare(final int op, final BigDecimal a, final BigDecimal b, final BigDecimal c,
        final BigDecimal candidate)
    {
        return switch (op)
        {
            case 0 -> a.add(b).compareTo(candidate);
            case 1 -> a.subtract(b).compareTo(candidate);
            case 2 -> a.multiply(b).compareTo(candidate);
            case 3 -> a.subtract(candidate.multiply(b)).signum() * b.signum();
            case 4 -> a.subtract(candidate.multiply(candidate)).signum();
            default -> a.multiply(b).add(c).compareTo(candidate);
        };
    }

    private void checkDouble(final long seed, final int op, final double a0, final double b, final double c)
    {
        final double a = op == 4 ? Math.abs(a0) : a0;
        final double reference = switch (op)
        {
            case 0 -> a + b;
            case 1 -> a - b;
            case 2 -> a * b;
            case 3 -> a / b;
            case 4 -> Math.sqrt(a);
            default -> Math.fma(a, b, c);
        };
        if (Double.isInfinite(reference) || Math.abs(reference) >= Double.MAX_VALUE / 2 || reference == 0)
        {
            return;
        }
        final String what = "seed " + seed + " op " + op + " a=" + Double.toHexString(a) + " b=" +
            Double.toHexString(b) + " c=" + Double.toHexString(c);
        final double[] results = new double[5];
        final int[] flags = new int[5];
        for (int rm = 0; rm < 5; rm++)
        {
            h.run(instruction(op, true, rm), bits(a), bits(b), bits(c), 0, 0);
            results[rm] = Double.longBitsToDouble(h.fResult);
            flags[rm] = h.flags;
        }
        assertEquals(Double.toHexString(reference), Double.toHexString(results[0]), what + " RNE");
        final BigDecimal ea = new BigDecimal(a);
        final BigDecimal eb = new BigDecimal(b);
        final BigDecimal ec = new BigDecimal(c);
        final double down = results[2];
        final double up = results[3];
        final int versusDown = compare(op, ea, eb, ec, new BigDecimal(down));
        final int versusUp = compare(op, ea, eb, ec, new BigDecimal(up));
        final boolean exact = versusDown == 0;
        assertTrue(versusDown >= 0 && versusUp <= 0, what + " bracket");
        if (exact)
        {
            assertEquals(down, up, what + " exact");
        }
        else if (!(down == 0 && up == Double.MIN_VALUE) && !(up == 0 && down == -Double.MIN_VALUE))
        {
            assertEquals(Math.nextUp(down), up, what + " adjacent");
        }
        final boolean positive = versusDown > 0 ? down >= 0 : up > 0;
        assertEquals(positive ? down : up, results[1], what + " RTZ");
        checkNearest(what, results, exact, compare(op, ea, eb, ec, mid(down, up)), down, up, positive,
            (Double.doubleToRawLongBits(results[0]) & 1) == 0);
        for (int rm = 0; rm < 5; rm++)
        {
            assertEquals(exact ? 0 : NX, flags[rm] & NX, what + " NX rm " + rm);
            if (Math.abs(down) >= 2 * Double.MIN_NORMAL)
            {
                assertEquals(0, flags[rm] & ~NX, what + " no other flag rm " + rm);
            }
            else if ((flags[rm] & UF) != 0)
            {
                assertTrue(!exact, what + " UF only when inexact");
            }
        }
    }

    private void checkSingle(final long seed, final int op, final float a0, final float b, final float c)
    {
        final float a = op == 4 ? Math.abs(a0) : a0;
        final float reference = switch (op)
        {
            case 0 -> a + b;
            case 1 -> a - b;
            case 2 -> a * b;
            case 3 -> a / b;
            case 4 -> (float)Math.sqrt(a);
            default -> Math.fma(a, b, c);
        };
        if (Float.isInfinite(reference) || Math.abs(reference) >= Float.MAX_VALUE / 2 || reference == 0)
        {
            return;
        }
        final String what = "seed " + seed + " op " + op + " a=" + Float.toHexString(a) + " b=" +
            Float.toHexString(b) + " c=" + Float.toHexString(c);
        final float[] results = new float[5];
        final int[] flags = new int[5];
        for (int rm = 0; rm < 5; rm++)
        {
            h.run(instruction(op, false, rm), box(a), box(b), box(c), 0, 0);
            if ((h.fResult >>> 32) != 0xFFFF_FFFFL)
            {
                fail(what + " result not NaN-boxed");
            }
            results[rm] = Float.intBitsToFloat((int)h.fResult);
            flags[rm] = h.flags;
        }
        assertEquals(Float.toHexString(reference), Float.toHexString(results[0]), what + " RNE");
        final BigDecimal ea = new BigDecimal(a);
        final BigDecimal eb = new BigDecimal(b);
        final BigDecimal ec = new BigDecimal(c);
        final float down = results[2];
        final float up = results[3];
        final int versusDown = compare(op, ea, eb, ec, new BigDecimal(down));
        final int versusUp = compare(op, ea, eb, ec, new BigDecimal(up));
        final boolean exact = versusDown == 0;
        assertTrue(versusDown >= 0 && versusUp <= 0, what + " bracket");
        if (exact)
        {
            assertEquals(down, up, what + " exact");
        }
        else if (!(down == 0 && up == Float.MIN_VALUE) && !(up == 0 && down == -Float.MIN_VALUE))
        {
            assertEquals(Math.nextUp(down), up, what + " adjacent");
        }
        final boolean positive = versusDown > 0 ? down >= 0 : up > 0;
        assertEquals(positive ? down : up, results[1], what + " RTZ");
        final double[] widened = {results[0], results[1], results[2], results[3], results[4]};
        checkNearest(what, widened, exact, compare(op, ea, eb, ec, mid(down, up)), down, up, positive,
            (Float.floatToRawIntBits(results[0]) & 1) == 0);
        for (int rm = 0; rm < 5; rm++)
        {
            assertEquals(exact ? 0 : NX, flags[rm] & NX, what + " NX rm " + rm);
            if (Math.abs(down) >= 2 * Float.MIN_NORMAL)
            {
                assertEquals(0, flags[rm] & ~NX, what + " no other flag rm " + rm);
            }
            else if ((flags[rm] & UF) != 0)
            {
                assertTrue(!exact, what + " UF only when inexact");
            }
        }
    }

    private static BigDecimal mid(final double down, final double up)
    {
        return new BigDecimal(down).add(new BigDecimal(up)).divide(BigDecimal.valueOf(2));
    }

    private static void checkNearest(final String what, final double[] results, final boolean exact,
        final int versusMid, final double down, final double up, final boolean positive, final boolean nearestEven)
    {
        if (exact)
        {
            for (int rm = 0; rm < 5; rm++)
            {
                assertEquals(down, results[rm], what + " exact rm " + rm);
            }
            return;
        }
        if (versusMid == 0)
        {
            assertTrue(nearestEven, what + " tie goes to even under RNE");
            assertEquals(positive ? up : down, results[4], what + " RMM tie away from zero");
        }
        else
        {
            final double nearest = versusMid > 0 ? up : down;
            assertEquals(nearest, results[0], what + " RNE nearest");
            assertEquals(nearest, results[4], what + " RMM nearest");
        }
    }
}
