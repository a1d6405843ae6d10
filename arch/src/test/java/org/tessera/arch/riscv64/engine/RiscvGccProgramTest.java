package org.tessera.arch.riscv64.engine;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tessera.arch.spi.PhysicalMemory;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Differential test: a freestanding C program (integer, M, A, F, D, compressed code as Debian's
 * riscv64-linux-gnu-gcc emits it) runs under qemu-riscv64 and under the engine; standard output
 * and exit status must match byte for byte, also when the engine is preempted every few hundred
 * instructions. Skipped when the cross compiler or qemu-user is not installed.
 */
class RiscvGccProgramTest
{
    private static final Path GCC = Path.of("/usr/bin/riscv64-linux-gnu-gcc");
    private static final Path QEMU = Path.of("/usr/bin/qemu-riscv64");
    private static final long MEMORY = 4L << 20;
    private static final long STACK_TOP = MEMORY - 0x1000;

    @TempDir
    Path dir;

    @Test
    void shouldMatchQemuOnCompiledProgram() throws Exception
    {
        assumeTrue(Files.isExecutable(GCC) && Files.isExecutable(QEMU), "riscv64 cross gcc or qemu-user missing");
        final Path source = dir.resolve("conformance.c");
        try (InputStream in = getClass().getResourceAsStream("conformance.c"))
        {
            Files.write(source, in.readAllBytes());
        }
        final Path elf = dir.resolve("conformance");
        final Result compile = exec(List.of(GCC.toString(), "-O2", "-march=rv64gc", "-mabi=lp64d", "-static",
            "-nostdlib", "-ffreestanding", "-fno-math-errno", "-o", elf.toString(), source.toString()));
        assertEquals(0, compile.status, () -> new String(compile.output));
        final Result qemu = exec(List.of(QEMU.toString(), elf.toString()));
        assertTrue(qemu.output.length > 100, "qemu produced output");

        final byte[] image = Files.readAllBytes(elf);
        for (final long slice : new long[] {Long.MAX_VALUE, 397})
        {
            final ByteArrayOutputStream console = new ByteArrayOutputStream();
            final int status = runOnEngine(image, slice, console);
            assertArrayEquals(qemu.output, console.toByteArray(),
                "slice " + slice + "\nqemu:\n" + new String(qemu.output) + "\nengine:\n" + console);
            assertEquals(qemu.status, status, "exit status, slice " + slice);
        }
    }

    private record Result(int status, byte[] output)
    {
    }

    private static Result exec(final List<String> command) throws IOException, InterruptedException
    {
        final Process process = new ProcessBuilder(command).redirectErrorStream(false).start();
        final byte[] output = process.getInputStream().readAllBytes();
        process.getErrorStream().transferTo(System.err);
        assertTrue(process.waitFor(60, TimeUnit.SECONDS), "process finished");
        return new Result(process.exitValue(), output);
    }

    /** Load a static ELF64 identity-mapped, run it with write/exit system calls; @return status. */
    private static int runOnEngine(final byte[] image, final long slice, final ByteArrayOutputStream console)
    {
        final PhysicalMemory memory = new PhysicalMemory(MEMORY);
        try
        {
            final FlatMemory flat = new FlatMemory(memory, 0, MEMORY);
            final ByteBuffer elf = ByteBuffer.wrap(image).order(ByteOrder.LITTLE_ENDIAN);
            assertEquals(0x464C457F, elf.getInt(0), "ELF magic");
            assertEquals(243, elf.getShort(18), "EM_RISCV");
            final long entry = elf.getLong(24);
            final long phoff = elf.getLong(32);
            final int phentsize = elf.getShort(54);
            final int phnum = elf.getShort(56);
            for (int i = 0; i < phnum; i++)
            {
                final int ph = (int)(phoff + (long)i * phentsize);
                if (elf.getInt(ph) != 1)
                {
                    continue;
                }
                final int flags = elf.getInt(ph + 4);
                final long offset = elf.getLong(ph + 8);
                final long vaddr = elf.getLong(ph + 16);
                final long filesz = elf.getLong(ph + 32);
                final long memsz = elf.getLong(ph + 40);
                memory.write(vaddr, image, (int)offset, (int)filesz);
                final int permissions = ((flags & 4) != 0 ? FlatMemory.R : 0) | ((flags & 2) != 0 ? FlatMemory.W : 0) |
                    ((flags & 1) != 0 ? FlatMemory.X : 0);
                final long first = vaddr & ~0xFFFL;
                for (long page = first; page < vaddr + memsz; page += 0x1000)
                {
                    flat.protect(page, 0x1000, flat.permissions(page) | permissions);
                }
            }
            flat.protect(STACK_TOP - 0x10000, 0x10000, FlatMemory.R | FlatMemory.W);
            final RiscvCpu cpu = new RiscvCpu(flat);
            final RiscvContext ctx = cpu.context();
            ctx.pc = entry;
            ctx.x[2] = STACK_TOP - 64;
            while (true)
            {
                final int cause = cpu.run(slice);
                if (cause == RiscvTrap.TIMER_INTERRUPT)
                {
                    continue;
                }
                assertEquals(RiscvTrap.ECALL_FROM_U, cause, () -> RiscvTrap.name(cause) + " at " +
                    Long.toHexString(ctx.pc) + " tval " + Long.toHexString(cpu.tval()));
                final long number = ctx.x[17];
                if (number == 93 || number == 94)
                {
                    return (int)ctx.x[10] & 0xFF;
                }
                if (number == 64)
                {
                    final byte[] bytes = new byte[(int)ctx.x[12]];
                    memory.read(ctx.x[11], bytes, 0, bytes.length);
                    console.write(bytes, 0, bytes.length);
                    ctx.x[10] = bytes.length;
                }
                else
                {
                    ctx.x[10] = -38;
                }
                ctx.pc += 4;
            }
        }
        finally
        {
            memory.close();
        }
    }
}
