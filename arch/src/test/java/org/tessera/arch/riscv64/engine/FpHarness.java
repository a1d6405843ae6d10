package org.tessera.arch.riscv64.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Runs one floating-point instruction at a time on a {@link TestMachine}: operands in f1, f2,
 * f3 (or x11 for integer sources), result in f4 or x10, flags read back from fcsr.
 */
final class FpHarness implements AutoCloseable
{
    static final long BOX = 0xFFFF_FFFF_0000_0000L;

    final TestMachine m = new TestMachine();
    long fResult;
    long xResult;
    int flags;

    static long box(final float value)
    {
        return BOX | (Float.floatToRawIntBits(value) & 0xFFFF_FFFFL);
    }

    static long bits(final double value)
    {
        return Double.doubleToRawLongBits(value);
    }

    /** Execute {@code insn} with f1..f3 = a, b, c, x11 = integer source and frm = {@code frm}. */
    FpHarness run(final int insn, final long a, final long b, final long c, final long integer, final int frm)
    {
        m.memory.putInt(TestMachine.CODE, insn);
        m.memory.putInt(TestMachine.CODE + 4, Asm.ECALL);
        m.ctx.pc = TestMachine.CODE;
        m.ctx.f[1] = a;
        m.ctx.f[2] = b;
        m.ctx.f[3] = c;
        m.ctx.f[4] = 0x1234;
        m.ctx.x[11] = integer;
        m.ctx.x[10] = 0x5678;
        m.ctx.fcsr = frm << 5;
        final int cause = m.cpu.run(10);
        assertEquals(RiscvTrap.ECALL_FROM_U, cause, () -> "trap " + RiscvTrap.name(cause));
        fResult = m.ctx.f[4];
        xResult = m.ctx.x[10];
        flags = m.ctx.fcsr & 0x1F;
        assertEquals(frm, m.ctx.fcsr >>> 5, "frm untouched");
        return this;
    }

    FpHarness run(final int insn, final long a, final long b)
    {
        return run(insn, a, b, 0, 0, 0);
    }

    @Override
    public void close()
    {
        m.close();
    }
}
