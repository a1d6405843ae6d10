package org.tessera.arch.riscv64.engine;

import java.lang.management.ManagementFactory;
import java.util.SplittableRandom;

import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.tessera.arch.riscv64.engine.Asm.*;

/** Saving and restoring the register file, context switches between threads, an allocation-free loop. */
class RiscvContextTest
{
    private static RiscvContext randomContext(final long seed)
    {
        final SplittableRandom random = new SplittableRandom(seed);
        final RiscvContext ctx = new RiscvContext();
        for (int i = 1; i < 32; i++)
        {
            ctx.x[i] = random.nextLong();
        }
        for (int i = 0; i < 32; i++)
        {
            ctx.f[i] = random.nextLong();
        }
        ctx.pc = random.nextLong();
        ctx.fcsr = random.nextInt(256);
        return ctx;
    }

    private static long[] saved(final RiscvContext ctx)
    {
        final long[] state = new long[RiscvContext.LONGS];
        ctx.saveTo(state, 0);
        return state;
    }

    @Test
    void shouldRoundTripThroughArrayAndBuffer()
    {
        final RiscvContext original = randomContext(42);
        final long[] array = new long[RiscvContext.LONGS + 3];
        original.saveTo(array, 3);
        final RiscvContext fromArray = new RiscvContext();
        fromArray.restoreFrom(array, 3);
        assertArrayEquals(saved(original), saved(fromArray));

        final UnsafeBuffer buffer = new UnsafeBuffer(new byte[RiscvContext.BYTES + 8]);
        original.saveTo(buffer, 8);
        final RiscvContext fromBuffer = new RiscvContext();
        fromBuffer.restoreFrom(buffer, 8);
        assertArrayEquals(saved(original), saved(fromBuffer));
        assertEquals(original.f[31], buffer.getLong(8 + (RiscvContext.F_INDEX + 31) * 8));

        final RiscvContext copy = new RiscvContext();
        copy.copyFrom(original);
        assertArrayEquals(saved(original), saved(copy));
        copy.clear();
        assertArrayEquals(new long[RiscvContext.LONGS], saved(copy));
    }

    @Test
    void shouldKeepX0ZeroWhenRestoring()
    {
        final long[] state = new long[RiscvContext.LONGS];
        state[0] = 99;
        final RiscvContext ctx = new RiscvContext();
        ctx.restoreFrom(state, 0);
        assertEquals(0, ctx.x[0]);
    }

    @Test
    void shouldInterleaveTwoThreadsOnOneCpuLikeOneAlone()
    {
        try (TestMachine m = new TestMachine())
        {
            // Each thread sums 1..n in integer and double registers: x5 += x6; f1 += f2.
            m.load(new Asm().all(addi(6, 6, 1), add(5, 5, 6), fop(0x1A, true, 0, 2, 6, 2), fop(0, true, 0, 1, 1, 2),
                bne(6, 7, -16), ECALL));
            final RiscvContext first = new RiscvContext();
            first.pc = TestMachine.CODE;
            first.x[7] = 300;
            final RiscvContext second = new RiscvContext();
            second.copyFrom(first);
            second.x[7] = 500;
            final RiscvContext[] threads = {first, second};
            final boolean[] done = new boolean[2];
            int turn = 0;
            while (!done[0] || !done[1])
            {
                if (!done[turn])
                {
                    m.cpu.context(threads[turn]);
                    done[turn] = m.cpu.run(37) == RiscvTrap.ECALL_FROM_U;
                }
                turn ^= 1;
            }
            assertEquals(300 * 301 / 2, first.x[5]);
            assertEquals(500 * 501 / 2, second.x[5]);
            assertEquals(300 * 301 / 2.0, Double.longBitsToDouble(first.f[1]));
            assertEquals(500 * 501 / 2.0, Double.longBitsToDouble(second.f[1]));
        }
    }

    @Test
    void shouldRunHotLoopWithoutAllocating()
    {
        final com.sun.management.ThreadMXBean threads =
            (com.sun.management.ThreadMXBean)ManagementFactory.getThreadMXBean();
        try (TestMachine m = new TestMachine())
        {
            // loop: ld/sd, integer ops, double add and mul, single div; then a taken branch back.
            m.load(new Asm().all(ld(7, 5, 0), addi(7, 7, 3), sd(7, 5, 8), fop(0, true, 0, 1, 1, 2),
                fop(2, true, 0, 3, 1, 2), fop(3, false, 0, 4, 5, 6), addi(6, 6, 1), jal(0, -28)));
            m.x(5, TestMachine.DATA);
            m.ctx.f[1] = Double.doubleToRawLongBits(1.5);
            m.ctx.f[2] = Double.doubleToRawLongBits(1.0 / 3);
            m.ctx.f[5] = 0xFFFF_FFFF_3F80_0000L;
            m.ctx.f[6] = 0xFFFF_FFFF_4040_0000L;
            for (int warm = 0; warm < 20; warm++)
            {
                m.cpu.run(100_000);
            }
            final long before = threads.getCurrentThreadAllocatedBytes();
            assertEquals(RiscvTrap.TIMER_INTERRUPT, m.cpu.run(1_000_000));
            final long allocated = threads.getCurrentThreadAllocatedBytes() - before;
            assertTrue(allocated < 1024, "allocated " + allocated + " bytes in a million instructions");
        }
    }
}
