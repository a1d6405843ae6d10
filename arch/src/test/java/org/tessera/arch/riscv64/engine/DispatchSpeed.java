package org.tessera.arch.riscv64.engine;

import static org.tessera.arch.riscv64.engine.Asm.*;

/** Speed of the bare dispatch loop on small synthetic loops (a measurement, not a test). */
public final class DispatchSpeed
{
    private DispatchSpeed()
    {
    }

    public static void main(final String[] args)
    {
        final int fmulD = fop(0x02, true, 7, 1, 1, 2);
        final int[][] bodies = {
            {addi(6, 6, 1), addi(8, 8, 3), xori(9, 9, 5), add(10, 10, 6), addi(5, 5, 1), bne(5, 7, -20)},
            {fmulD, fmulD, fmulD, fmulD, addi(5, 5, 1), bne(5, 7, -20)},
        };
        for (final int[] body : bodies)
        {
            for (int rep = 0; rep < 6; rep++)
            {
                try (TestMachine m = new TestMachine())
                {
                    m.load(new Asm().all(body).i32(ECALL));
                    m.x(7, 10_000_000);
                    m.ctx.f[1] = Double.doubleToRawLongBits(1.0000001);
                    m.ctx.f[2] = Double.doubleToRawLongBits(0.9999999);
                    final long start = java.lang.management.ManagementFactory.getThreadMXBean().getCurrentThreadCpuTime();
                    try { while (m.cpu.run(100_000) == RiscvTrap.TIMER_INTERRUPT)
                    {
                        { }
                    } } catch (RuntimeException ex) { }
                    final long elapsed = java.lang.management.ManagementFactory.getThreadMXBean().getCurrentThreadCpuTime() - start;
                    System.out.printf("%d instructions %.1f MIPS%n", m.cpu.instret(), m.cpu.instret() * 1e3 / elapsed);
                }
            }
        }
    }
}
