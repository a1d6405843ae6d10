package org.tessera.arch.riscv64.engine;

import java.util.stream.Stream;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.params.provider.Arguments.arguments;
import static org.tessera.arch.riscv64.engine.Asm.*;
import static org.tessera.arch.riscv64.engine.TestMachine.CODE;
import static org.tessera.arch.riscv64.engine.TestMachine.DATA;

/** The A extension: LR/SC success and failure paths, every AMO on W and D, atomicity across threads. */
class RiscvAtomicTest
{
    private final TestMachine m = new TestMachine();

    @AfterEach
    void close()
    {
        m.close();
    }

    @Test
    void shouldSucceedStoreConditionalAfterLoadReserved()
    {
        m.memory.putLong(DATA, 41);
        m.x(5, DATA).exec(amo(LR, false, 6, 5, 0), addi(6, 6, 1), amo(SC, false, 7, 5, 6));
        assertEquals(0, m.x(7));
        assertEquals(42, m.memory.getLong(DATA));
    }

    @Test
    void shouldFailStoreConditionalWithoutReservation()
    {
        m.memory.putLong(DATA, 41);
        m.x(5, DATA).x(6, 99).exec(amo(SC, false, 7, 5, 6));
        assertEquals(1, m.x(7));
        assertEquals(41, m.memory.getLong(DATA));
    }

    @Test
    void shouldFailSecondStoreConditional()
    {
        m.x(5, DATA).x(6, 5).x(8, 6).exec(amo(LR, false, 9, 5, 0), amo(SC, false, 7, 5, 6), amo(SC, false, 10, 5, 8));
        assertEquals(0, m.x(7));
        assertEquals(1, m.x(10));
        assertEquals(5, m.memory.getLong(DATA));
    }

    @Test
    void shouldFailStoreConditionalToDifferentAddressOrSize()
    {
        m.x(5, DATA).x(8, DATA + 8).x(6, 7).exec(amo(LR, false, 9, 5, 0), amo(SC, false, 7, 8, 6),
            amo(LR, false, 9, 5, 0), amo(SC, true, 10, 5, 6));
        assertEquals(1, m.x(7));
        assertEquals(0, m.memory.getLong(DATA + 8));
        assertEquals(1, m.x(10), "a reservation taken by lr.d does not cover sc.w");
        assertEquals(0, m.memory.getLong(DATA));
    }

    @Test
    void shouldFailStoreConditionalAfterAnotherHartStored()
    {
        // lr.w ; ecall ; sc.w ; ecall -- another hart stores between the two halves.
        final Asm program = new Asm().all(amo(LR, true, 6, 5, 0), ECALL, amo(SC, true, 7, 5, 9), ECALL);
        m.memory.putInt(DATA, 10);
        m.x(5, DATA).x(9, 11).load(program);
        assertEquals(RiscvTrap.ECALL_FROM_U, m.cpu.run(100));
        final FlatMemory otherView = new FlatMemory(m.memory, 0, TestMachine.SIZE);
        otherView.protect(CODE, 0x1000, FlatMemory.R | FlatMemory.X).protect(DATA, 0x1000, FlatMemory.R | FlatMemory.W);
        final RiscvCpu other = new RiscvCpu(otherView);
        m.memory.putInt(CODE + 0x800, sw(6, 5, 0));
        m.memory.putInt(CODE + 0x804, ECALL);
        other.context().pc = CODE + 0x800;
        other.context().x[5] = DATA;
        other.context().x[6] = 20;
        assertEquals(RiscvTrap.ECALL_FROM_U, other.run(100));
        m.ctx.pc += 4;
        assertEquals(RiscvTrap.ECALL_FROM_U, m.cpu.run(100));
        assertEquals(1, m.x(7), "the other hart's store broke the reservation");
        assertEquals(20, m.memory.getInt(DATA));

        m.ctx.pc = CODE;
        assertEquals(RiscvTrap.ECALL_FROM_U, m.cpu.run(100));
        m.ctx.pc += 4;
        assertEquals(RiscvTrap.ECALL_FROM_U, m.cpu.run(100));
        assertEquals(0, m.x(7), "without an intervening store the same sequence succeeds");
        assertEquals(11, m.memory.getInt(DATA));
    }

    @Test
    void shouldDropReservationOnContextSwitch()
    {
        final Asm program = new Asm().all(amo(LR, false, 6, 5, 0), ECALL, amo(SC, false, 7, 5, 9), ECALL);
        m.x(5, DATA).x(9, 3).load(program);
        assertEquals(RiscvTrap.ECALL_FROM_U, m.cpu.run(100));
        m.cpu.context(m.ctx);
        m.ctx.pc += 4;
        assertEquals(RiscvTrap.ECALL_FROM_U, m.cpu.run(100));
        assertEquals(1, m.x(7));
    }

    @Test
    void shouldFaultOnMisalignedAtomics()
    {
        m.x(5, DATA + 4);
        m.load(new Asm().all(amo(LR, false, 6, 5, 0)));
        assertEquals(RiscvTrap.LOAD_ACCESS_FAULT, m.cpu.run(10));
        assertEquals(DATA + 4, m.cpu.tval());
        m.load(new Asm().all(amo(SC, false, 6, 5, 7)));
        assertEquals(RiscvTrap.STORE_ACCESS_FAULT, m.cpu.run(10));
        m.x(5, DATA + 2);
        m.load(new Asm().all(amo(AMOADD, true, 6, 5, 7)));
        assertEquals(RiscvTrap.STORE_ACCESS_FAULT, m.cpu.run(10));
        assertEquals(DATA + 2, m.cpu.tval());
    }

    @Test
    void shouldPageFaultAmoOnReadOnlyPageAsStore()
    {
        m.x(5, CODE + 0x100);
        m.load(new Asm().all(amo(AMOOR, false, 6, 5, 7)));
        assertEquals(RiscvTrap.STORE_PAGE_FAULT, m.cpu.run(10));
        assertEquals(CODE + 0x100, m.cpu.tval());
    }

    /** name, funct5, word, memory before, rs2, memory after (rd must hold the old value). */
    static Stream<Arguments> amos()
    {
        return Stream.of(
            arguments("amoswap.d", AMOSWAP, false, 5L, -9L, -9L),
            arguments("amoadd.d", AMOADD, false, Long.MAX_VALUE, 1L, Long.MIN_VALUE),
            arguments("amoxor.d", AMOXOR, false, 0xFF00L, 0x0FF0L, 0xF0F0L),
            arguments("amoand.d", AMOAND, false, 0xFF00L, 0x0FF0L, 0x0F00L),
            arguments("amoor.d", AMOOR, false, 0xFF00L, 0x0FF0L, 0xFFF0L),
            arguments("amomin.d", AMOMIN, false, -1L, 1L, -1L),
            arguments("amomax.d", AMOMAX, false, -1L, 1L, 1L),
            arguments("amominu.d", AMOMINU, false, -1L, 1L, 1L),
            arguments("amomaxu.d", AMOMAXU, false, -1L, 1L, -1L),
            arguments("amoswap.w", AMOSWAP, true, 5L, -9L, 0xFFFF_FFF7L),
            arguments("amoadd.w", AMOADD, true, 0x7FFF_FFFFL, 1L, 0x8000_0000L),
            arguments("amoxor.w", AMOXOR, true, 0xFF00L, 0x0FF0L, 0xF0F0L),
            arguments("amoand.w", AMOAND, true, 0xFFFF_FF00L, 0x0FF0L, 0x0F00L),
            arguments("amoor.w", AMOOR, true, 0x8000_0000L, 1L, 0x8000_0001L),
            arguments("amomin.w", AMOMIN, true, 0x8000_0000L, 1L, 0x8000_0000L),
            arguments("amomax.w", AMOMAX, true, 0x8000_0000L, 1L, 1L),
            arguments("amominu.w", AMOMINU, true, 0x8000_0000L, 1L, 1L),
            arguments("amomaxu.w", AMOMAXU, true, 0x8000_0000L, 1L, 0x8000_0000L),
            arguments("amomin.w ignores upper rs2 bits", AMOMIN, true, 5L, 0x1_0000_0003L, 3L));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("amos")
    void shouldPerformAmo(final String name, final int funct5, final boolean word, final long before, final long rs2,
        final long after)
    {
        m.memory.putLong(DATA, word ? before & 0xFFFF_FFFFL | 0x5555_5555_0000_0000L : before);
        m.x(5, DATA).x(6, rs2).exec(amo(funct5, word, 7, 5, 6));
        if (word)
        {
            assertEquals((int)before, m.x(7), "old value, sign-extended");
            assertEquals((int)after, m.memory.getInt(DATA));
            assertEquals(0x5555_5555, m.memory.getInt(DATA + 4), "upper word untouched");
        }
        else
        {
            assertEquals(before, m.x(7));
            assertEquals(after, m.memory.getLong(DATA));
        }
    }

    @Test
    void shouldTotalAmoAddAndLrScIncrementsFromTwoThreads() throws InterruptedException
    {
        final int iterations = 20_000;
        // x5 = counter, x6 = lr/sc counter, x10 = remaining
        // loop: amoadd.d x0, x7, (x5)        x7 = 1
        //  retry: lr.d x8,(x6) ; addi x8,x8,1 ; sc.d x9,x8,(x6) ; bne x9,x0,retry
        //       addi x10,x10,-1 ; bne x10,x0,loop ; ecall
        final Asm program = new Asm().all(amo(AMOADD, false, 0, 5, 7), amo(LR, false, 8, 6, 0), addi(8, 8, 1),
            amo(SC, false, 9, 6, 8), bne(9, 0, -12), addi(10, 10, -1), bne(10, 0, -24), ECALL);
        final byte[] code = program.bytes();
        m.memory.write(CODE, code, 0, code.length);
        final RiscvCpu[] cpus = new RiscvCpu[2];
        final Thread[] threads = new Thread[2];
        final int[] causes = new int[2];
        for (int t = 0; t < 2; t++)
        {
            final FlatMemory view = new FlatMemory(m.memory, 0, TestMachine.SIZE);
            view.protect(CODE, 0x1000, FlatMemory.R | FlatMemory.X).protect(DATA, 0x1000, FlatMemory.R | FlatMemory.W);
            final RiscvCpu cpu = new RiscvCpu(view);
            final RiscvContext ctx = cpu.context();
            ctx.pc = CODE;
            ctx.x[5] = DATA;
            ctx.x[6] = DATA + 64;
            ctx.x[7] = 1;
            ctx.x[10] = iterations;
            cpus[t] = cpu;
            final int index = t;
            threads[t] = new Thread(() -> causes[index] = cpu.run(Long.MAX_VALUE));
        }
        for (final Thread thread : threads)
        {
            thread.start();
        }
        for (final Thread thread : threads)
        {
            thread.join();
        }
        assertEquals(RiscvTrap.ECALL_FROM_U, causes[0]);
        assertEquals(RiscvTrap.ECALL_FROM_U, causes[1]);
        assertEquals(2L * iterations, m.memory.getLong(DATA));
        assertEquals(2L * iterations, m.memory.getLong(DATA + 64));
    }
}
