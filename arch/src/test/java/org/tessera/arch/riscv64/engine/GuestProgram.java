package org.tessera.arch.riscv64.engine;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import org.tessera.arch.spi.PhysicalMemory;
import org.tessera.arch.spi.UserEngine;

/**
 * Runs a static user program from {@code user/bin} on a {@link Riscv64UserEngine} the way the
 * kernel does: the ELF's segments copied into frames mapped through real Sv48 page tables (at
 * a physical offset, so virtual and physical addresses differ), a Linux initial stack with
 * argv, a fixed instruction budget per run, and the write, exit and exit_group system calls.
 */
final class GuestProgram implements AutoCloseable
{
    static final long MEMORY = 16L << 20;
    static final long STACK_TOP = 0x7FFF_0000L;
    static final long STACK_SIZE = 0x2_0000;
    static final int ASID = 3;
    private static final long PHYSICAL_OFFSET = 0x40_0000;
    private static final long FLAGS = Sv48Mmu.PTE_V | Sv48Mmu.PTE_U | Sv48Mmu.PTE_A | Sv48Mmu.PTE_D;

    final PhysicalMemory memory = new PhysicalMemory(MEMORY);
    final Riscv64UserEngine engine;
    final long root;
    final ByteArrayOutputStream console = new ByteArrayOutputStream();
    private long nextTable = 0x1000;
    private long nextFrame = PHYSICAL_OFFSET;

    GuestProgram(final byte[] image, final String... argv)
    {
        engine = new Riscv64UserEngine(memory, 2, 4096);
        root = newTable();
        final ByteBuffer elf = ByteBuffer.wrap(image).order(ByteOrder.LITTLE_ENDIAN);
        if (elf.getInt(0) != 0x464C457F || elf.getShort(18) != 243)
        {
            throw new IllegalArgumentException("not a RISC-V ELF");
        }
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
            final long permissions = ((flags & 4) != 0 ? Sv48Mmu.PTE_R : 0) | ((flags & 2) != 0 ? Sv48Mmu.PTE_W : 0) |
                ((flags & 1) != 0 ? Sv48Mmu.PTE_X : 0);
            for (long page = vaddr & ~0xFFFL; page < vaddr + memsz; page += 0x1000)
            {
                mapPage(page, permissions);
            }
            for (long i2 = 0; i2 < filesz; i2++)
            {
                memory.putByte(physical(vaddr + i2), image[(int)(offset + i2)]);
            }
        }
        for (long page = STACK_TOP - STACK_SIZE; page < STACK_TOP; page += 0x1000)
        {
            mapPage(page, Sv48Mmu.PTE_R | Sv48Mmu.PTE_W);
        }
        // Linux initial stack: argc, argv..., NULL, envp NULL, auxv AT_NULL, strings above.
        long strings = STACK_TOP - 0x100;
        final long[] pointers = new long[argv.length];
        for (int i = 0; i < argv.length; i++)
        {
            final byte[] bytes = argv[i].getBytes(StandardCharsets.US_ASCII);
            pointers[i] = strings;
            for (int b = 0; b < bytes.length; b++)
            {
                memory.putByte(physical(strings + b), bytes[b]);
            }
            memory.putByte(physical(strings + bytes.length), (byte)0);
            strings += bytes.length + 1;
        }
        final long sp = (STACK_TOP - 0x200 - 8L * (argv.length + 5)) & ~15L;
        long p = sp;
        memory.putLong(physical(p), argv.length);
        p += 8;
        for (final long pointer : pointers)
        {
            memory.putLong(physical(p), pointer);
            p += 8;
        }
        for (int i = 0; i < 4; i++)
        {
            memory.putLong(physical(p), 0);
            p += 8;
        }
        engine.addressSpace(root, ASID);
        engine.resetContext(0, entry, sp, 0);
    }

    static byte[] read(final String name)
    {
        Path dir = Path.of("").toAbsolutePath();
        while (dir != null)
        {
            final Path elf = dir.resolve("user/bin").resolve(name);
            if (Files.isRegularFile(elf))
            {
                try
                {
                    return Files.readAllBytes(elf);
                }
                catch (final java.io.IOException ex)
                {
                    throw new IllegalStateException(ex);
                }
            }
            dir = dir.getParent();
        }
        return null;
    }

    private long newTable()
    {
        final long table = nextTable;
        nextTable += 0x1000;
        memory.fill(table, 0x1000, (byte)0);
        return table;
    }

    private void mapPage(final long va, final long permissions)
    {
        long table = root;
        for (int level = 3; level > 0; level--)
        {
            final long entry = table + ((va >>> (12 + 9 * level)) & 511) * 8;
            long pte = memory.getLong(entry);
            if ((pte & Sv48Mmu.PTE_V) == 0)
            {
                pte = ((newTable() >>> 12) << 10) | Sv48Mmu.PTE_V;
                memory.putLong(entry, pte);
            }
            table = ((pte >>> 10) & ((1L << 44) - 1)) << 12;
        }
        final long entry = table + ((va >>> 12) & 511) * 8;
        final long old = memory.getLong(entry);
        if ((old & Sv48Mmu.PTE_V) != 0)
        {
            memory.putLong(entry, old | permissions);
            return;
        }
        final long frame = nextFrame;
        nextFrame += 0x1000;
        memory.fill(frame, 0x1000, (byte)0);
        memory.putLong(entry, ((frame >>> 12) << 10) | FLAGS | permissions);
    }

    /** @return the physical address of a mapped virtual address (walks the tables). */
    long physical(final long va)
    {
        long table = root;
        for (int level = 3; level > 0; level--)
        {
            final long pte = memory.getLong(table + ((va >>> (12 + 9 * level)) & 511) * 8);
            table = ((pte >>> 10) & ((1L << 44) - 1)) << 12;
        }
        final long pte = memory.getLong(table + ((va >>> 12) & 511) * 8);
        if ((pte & Sv48Mmu.PTE_V) == 0)
        {
            throw new IllegalArgumentException("unmapped " + Long.toHexString(va));
        }
        return (((pte >>> 10) & ((1L << 44) - 1)) << 12) | (va & 0xFFF);
    }

    /**
     * Run to exit with {@code budget} instructions per engine run.
     *
     * @return the exit status.
     */
    int run(final long budget)
    {
        while (true)
        {
            final int outcome = engine.run(0, budget);
            if (outcome == UserEngine.BUDGET)
            {
                continue;
            }
            if (outcome != UserEngine.SYSCALL)
            {
                throw new IllegalStateException("outcome " + outcome + " cause " + engine.faultCause() + " at " +
                    Long.toHexString(engine.programCounter(0)) + " tval " + Long.toHexString(engine.faultValue()));
            }
            final long number = engine.syscallNumber(0);
            if (number == 93 || number == 94)
            {
                return (int)engine.syscallArgument(0, 0) & 0xFF;
            }
            long result = -38;
            if (number == 64)
            {
                final long address = engine.syscallArgument(0, 1);
                final int length = (int)engine.syscallArgument(0, 2);
                for (int i = 0; i < length; i++)
                {
                    console.write(memory.getByte(physical(address + i)));
                }
                result = length;
            }
            engine.completeSyscall(0, result);
        }
    }

    String output()
    {
        return console.toString(StandardCharsets.US_ASCII);
    }

    @Override
    public void close()
    {
        memory.close();
    }
}
