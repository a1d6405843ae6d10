package org.tessera.arch.riscv64.engine;

import static org.tessera.arch.riscv64.engine.Asm.*;

/** Speed of the bare dispatch loop on small synthetic loops (a measurement, not a test). */
public final class DispatchSpeed
{
    private DispatchSpeed()
    {
    }

    /** The inner loop of cpubound's mandelbrot (bytes 0x11288-0x112b6 of the binary), kept inside the set. */
    private static void mandelbrot()
    {
        final byte[] image = GuestProgram.read("cpubound.elf");
        final byte[] loop = java.util.Arrays.copyOfRange(image, 0x1288, 0x12b6);
        for (int rep = 0; rep < 4; rep++)
        {
            try (TestMachine m = new TestMachine())
            {
                m.memory.write(TestMachine.CODE, loop, 0, loop.length);
                m.ctx.pc = TestMachine.CODE + (0x112a0 - 0x11288);
                m.x(17, -1);
                m.ctx.f[15] = Double.doubleToRawLongBits(-0.5);
                m.ctx.f[14] = Double.doubleToRawLongBits(0.1);
                m.ctx.f[20] = Double.doubleToRawLongBits(4.0);
                m.ctx.f[13] = Double.doubleToRawLongBits(0.01);
                m.ctx.f[12] = Double.doubleToRawLongBits(0.02);
                final long start = java.lang.management.ManagementFactory.getThreadMXBean().getCurrentThreadCpuTime();
                for (int i = 0; i < 600; i++)
                {
                    m.cpu.run(100_000);
                }
                final long elapsed = java.lang.management.ManagementFactory.getThreadMXBean().getCurrentThreadCpuTime() - start;
                System.out.printf("mandelbrot %d instructions %.1f MIPS pc %x%n", m.cpu.instret(), m.cpu.instret() * 1e3 / elapsed, m.ctx.pc);
            }
        }
    }

    public static void main(final String[] args)
    {
        final int fmulD = fop(0x02, true, 7, 1, 1, 2);
        final int fadd1 = fop(0x00, true, 7, 3, 4, 5);
        final int fmul2 = fop(0x02, true, 7, 6, 7, 8);
        final int fadd3 = fop(0x00, true, 7, 9, 10, 11);
        final int fsub4 = fop(0x01, true, 7, 12, 13, 14);
        final int[][] bodies = {
            {addi(5, 5, 1), bne(5, 7, -4)},
            {addi(6, 6, 1), addi(8, 8, 3), xori(9, 9, 5), add(10, 10, 6), addi(5, 5, 1), bne(5, 7, -20)},
            {fadd1, fmul2, fadd3, fsub4, addi(5, 5, 1), bne(5, 7, -20)},
            {fmulD, fmulD, fmulD, fmulD, addi(5, 5, 1), bne(5, 7, -20)},
        };
        final boolean integerOnly = args.length > 0 && args[0].equals("int");
        if (!integerOnly)
        {
            mandelbrot();
        }
        for (final int[] body : bodies)
        {
            if (integerOnly && body[0] == fadd1)
            {
                break;
            }
            for (int rep = 0; rep < 4; rep++)
            {
                try (TestMachine m = new TestMachine())
                {
                    m.load(new Asm().all(body).i32(ECALL));
                    m.x(7, 10_000_000);
                    m.ctx.f[1] = Double.doubleToRawLongBits(1.0000001);
                    m.ctx.f[2] = Double.doubleToRawLongBits(0.9999999);
                    for (int r = 3; r < 15; r++)
                    {
                        m.ctx.f[r] = Double.doubleToRawLongBits(1.0 / r);
                    }
                    m.ctx.fcsr = 1;
                    final long start = java.lang.management.ManagementFactory.getThreadMXBean().getCurrentThreadCpuTime();
                    try { while (m.cpu.run(100_000) == RiscvTrap.TIMER_INTERRUPT)
                    {
                        { }
                    } } catch (RuntimeException ex) { }
                    final long elapsed = java.lang.management.ManagementFactory.getThreadMXBean().getCurrentThreadCpuTime() - start;
                    System.out.printf("body %d: %d instructions %.1f MIPS%n", body.length, m.cpu.instret(), m.cpu.instret() * 1e3 / elapsed);
                }
            }
        }
    }
}
