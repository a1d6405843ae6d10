package org.tessera.arch.riscv64.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;
import org.tessera.arch.spi.Architecture;
import org.tessera.arch.spi.CountingFrames;
import org.tessera.arch.spi.PageFlags;
import org.tessera.arch.spi.PageTableFormat;
import org.tessera.arch.spi.PhysicalMemory;
import org.tessera.arch.spi.UserEngine;

/** The RV64 engine through the architecture SPI, on real Sv48 tables built by the Sv48 format. */
class Riscv64UserEngineTest
{
    static final long CODE = 0x10000;
    static final long DATA = 0x20000;
    static final int A0 = 10;
    static final int A1 = 11;
    static final int A7 = 17;

    @Test
    void shouldRunThreadsThroughTheSpiTrappingOnSystemCallsFaultsAndTheBudget()
    {
        final PhysicalMemory memory = new PhysicalMemory(4 << 20);
        final Architecture arch = Architecture.named("riscv64");
        final PageTableFormat format = arch.pageTableFormat(memory);
        final CountingFrames frames = new CountingFrames(memory, 1 << 20, 4 << 20);
        final long root = format.createRoot(frames);
        final long codeFrame = frames.allocateZeroedFrame();
        final long dataFrame = frames.allocateZeroedFrame();
        final int user = PageFlags.USER | PageFlags.ACCESSED | PageFlags.DIRTY;
        format.map(root, CODE, codeFrame, PageTableFormat.SIZE_4K, PageFlags.READ | PageFlags.EXECUTE | user, frames);
        format.map(root, DATA, dataFrame, PageTableFormat.SIZE_4K, PageFlags.READ | PageFlags.WRITE | user, frames);
        final int[] program = {
            Asm.addi(A7, 0, 172),           // getpid
            Asm.addi(A0, 0, 7),
            Asm.addi(A1, 0, 9),
            Asm.ECALL,
            Asm.addi(A0, A0, 1),            // 4 instructions of work on the result
            Asm.addi(A0, A0, 1),
            Asm.addi(A0, A0, 1),
            Asm.addi(A0, A0, 1),
            Asm.ld(A1, 0, 0x40),            // load from an unmapped page: fault
        };
        for (int i = 0; i < program.length; i++)
        {
            memory.putInt(codeFrame + 4L * i, program[i]);
        }

        final UserEngine engine = arch.userEngine(memory, 2, 16);
        assertEquals(2, engine.contexts());
        engine.addressSpace(root, 5);
        engine.resetContext(1, CODE, DATA + 4096, 0);
        assertEquals(UserEngine.SYSCALL, engine.run(1, 100));
        assertEquals(172, engine.syscallNumber(1));
        assertEquals(7, engine.syscallArgument(1, 0));
        assertEquals(9, engine.syscallArgument(1, 1));
        assertEquals(CODE + 12, engine.programCounter(1));
        engine.completeSyscall(1, 40);
        assertEquals(UserEngine.BUDGET, engine.run(1, 3));
        assertEquals(3, engine.lastRetired());
        assertEquals(UserEngine.FAULT, engine.run(1, 100));
        assertEquals(UserEngine.KIND_PAGE, engine.faultKind());
        assertEquals(RiscvTrap.LOAD_PAGE_FAULT, engine.faultCause());
        assertEquals(0x40, engine.faultValue());
        assertEquals(44, engine.syscallArgument(1, 0), "a0 = 40 + 4");

        // a second thread runs from the start without disturbing the first one's registers
        engine.resetContext(0, CODE, DATA + 4096, 0);
        assertEquals(UserEngine.SYSCALL, engine.run(0, 100));
        assertEquals(44, engine.syscallArgument(1, 0));
        assertEquals(3 + 3 + 1 + 3, engine.instructions(), "ecall and the faulting load do not retire");
    }
}
