package org.tessera.arch.riscv64.engine;

import org.tessera.arch.spi.PhysicalMemory;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * A small identity-mapped machine for engine tests: code at {@link #CODE} (R+X), data at
 * {@link #DATA} (R+W), everything else unmapped.
 */
final class TestMachine implements AutoCloseable
{
    static final long SIZE = 4L << 20;
    static final long CODE = 0x10000;
    static final long CODE_SIZE = 0x10000;
    static final long DATA = 0x100000;
    static final long DATA_SIZE = 0x100000;

    final PhysicalMemory memory = new PhysicalMemory(SIZE);
    final FlatMemory flat = new FlatMemory(memory, 0, SIZE);
    final RiscvCpu cpu = new RiscvCpu(flat);
    final RiscvContext ctx = cpu.context();

    TestMachine()
    {
        flat.protect(CODE, CODE_SIZE, FlatMemory.R | FlatMemory.X);
        flat.protect(DATA, DATA_SIZE, FlatMemory.R | FlatMemory.W);
        ctx.pc = CODE;
    }

    /** Copy a program to {@link #CODE} and point the pc at it. */
    TestMachine load(final Asm asm)
    {
        final byte[] bytes = asm.bytes();
        memory.write(CODE, bytes, 0, bytes.length);
        ctx.pc = CODE;
        return this;
    }

    /** Load {@code insns} followed by an ecall, run to the ecall and check that it was reached. */
    TestMachine exec(final int... insns)
    {
        load(new Asm().all(insns).i32(Asm.ECALL));
        final int cause = cpu.run(10_000);
        assertEquals(RiscvTrap.ECALL_FROM_U, cause, () -> "trap " + RiscvTrap.name(cause) + " tval=" +
            Long.toHexString(cpu.tval()) + " pc=" + Long.toHexString(ctx.pc));
        assertEquals(CODE + 4L * insns.length, ctx.pc, "stopped at the ecall");
        return this;
    }

    long x(final int reg)
    {
        return ctx.x[reg];
    }

    TestMachine x(final int reg, final long value)
    {
        ctx.x[reg] = value;
        return this;
    }

    @Override
    public void close()
    {
        memory.close();
    }
}
