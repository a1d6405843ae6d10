package org.tessera.it.proc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.tessera.kernel.service.vm.VmService;
import org.tessera.kernel.userland.ProcessMachine;
import org.tessera.kernel.userland.StreamConsole;

/**
 * A process's memory lives in its CPU's VM service: segments mapped with their permissions
 * (segments sharing a page get the union), {@code .bss} zero, the stack grown by page faults the
 * VM resolves, forbidden accesses ending the process with SIGSEGV, and every address space and
 * frame given back when the machine stops. The guests are tiny hand-assembled RV64 programs.
 */
class ProcessAddressSpaceTest
{
    static final long BASE = 0x10000;
    static final int SP = 2;
    static final int T0 = 5;
    static final int T1 = 6;
    static final int T2 = 7;
    static final int A0 = 10;
    static final int A7 = 17;
    static final int SEGV = 128 + 11;

    record Run(ProcessMachine.Result result, long demandPages, long faults, String log)
    {
    }

    /** A loadable segment: file bytes at {@code offset}, mapped at {@code vaddr}. */
    record Segment(long offset, long vaddr, long fileSize, long memorySize, int flags)
    {
    }

    static byte[] elf(final long entry, final byte[] file, final Segment... segments)
    {
        final ByteBuffer b = ByteBuffer.wrap(file).order(ByteOrder.LITTLE_ENDIAN);
        b.put(new byte[]{0x7F, 'E', 'L', 'F', 2, 1, 1, 0}).put(new byte[8]);
        b.putShort((short)2).putShort((short)243).putInt(1).putLong(entry).putLong(64).putLong(0)
            .putInt(0x5).putShort((short)64).putShort((short)56).putShort((short)segments.length).putShort((short)0)
            .putShort((short)0).putShort((short)0);
        for (final Segment s : segments)
        {
            b.putInt(1).putInt(s.flags()).putLong(s.offset()).putLong(s.vaddr()).putLong(s.vaddr())
                .putLong(s.fileSize()).putLong(s.memorySize()).putLong(4096);
        }
        return file;
    }

    /** One read-write-execute segment holding the headers and the code. */
    static byte[] program(final int... code)
    {
        final int codeOffset = 64 + 56;
        final byte[] file = new byte[codeOffset + code.length * 4];
        ByteBuffer.wrap(file).order(ByteOrder.LITTLE_ENDIAN).position(codeOffset).asIntBuffer().put(code);
        return elf(BASE + codeOffset, file, new Segment(0, BASE, file.length, file.length, 5));
    }

    static int addi(final int rd, final int rs, final int imm)
    {
        return ((imm & 0xFFF) << 20) | (rs << 15) | (rd << 7) | 0x13;
    }

    static int lui(final int rd, final int imm20)
    {
        return ((imm20 & 0xFFFFF) << 12) | (rd << 7) | 0x37;
    }

    static int sub(final int rd, final int rs1, final int rs2)
    {
        return (0x20 << 25) | (rs2 << 20) | (rs1 << 15) | (rd << 7) | 0x33;
    }

    static int sd(final int rs2, final int rs1, final int imm)
    {
        return (((imm >> 5) & 0x7F) << 25) | (rs2 << 20) | (rs1 << 15) | (3 << 12) | ((imm & 0x1F) << 7) | 0x23;
    }

    static int ld(final int rd, final int rs1, final int imm)
    {
        return ((imm & 0xFFF) << 20) | (rs1 << 15) | (3 << 12) | (rd << 7) | 0x03;
    }

    static int jalr(final int rd, final int rs1)
    {
        return (rs1 << 15) | (rd << 7) | 0x67;
    }

    static int bne(final int rs1, final int rs2, final int offset)
    {
        return (((offset >> 12) & 1) << 31) | (((offset >> 5) & 0x3F) << 25) | (rs2 << 20) | (rs1 << 15) |
            (1 << 12) | (((offset >> 1) & 0xF) << 8) | (((offset >> 11) & 1) << 7) | 0x63;
    }

    static final int[] EXIT_A0 = {addi(A7, 0, 94), 0x73};

    static int[] concat(final int[] a, final int[] b)
    {
        final int[] r = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, r, a.length, b.length);
        return r;
    }

    static Run run(final byte[] elf, final boolean simulate)
    {
        final StringWriter log = new StringWriter();
        final StreamConsole console = new StreamConsole(new ByteArrayOutputStream(), new ByteArrayOutputStream(),
            new PrintWriter(log), true);
        try (ProcessMachine m = new ProcessMachine(new ProcessMachine.Spec(1, 64L << 20, 1, 100_000), List.of("g"),
            List.of(elf), "g", simulate, 3, null, console, List.of("g".getBytes()), List.of()))
        {
            final ProcessMachine.Result r = m.run(60_000_000_000L);
            assertTrue(r.completed(), r.failure() + log);
            assertEquals(0, r.framesLeft(), "every frame back in the partition");
            assertEquals(0, r.accountingViolations(), "partition and VM consistent");
            assertEquals(0, m.framesNotReturned());
            assertEquals(0, m.processManager(0).addressSpacesInUse(), "every address space destroyed");
            final VmService vm = m.processVm(0);
            assertEquals(0, vm.pagesReferenced());
            assertEquals(0, vm.sessionsInUse());
            return new Run(r, vm.demandPages(), vm.faults(), log.toString());
        }
    }

    @ParameterizedTest
    @ValueSource(booleans = {true, false})
    void shouldGrowTheStackOnDemandThroughPageFaults(final boolean simulate)
    {
        // store 42 one MiB below the initial stack pointer, load it back, exit with it
        final Run r = run(program(concat(new int[]{lui(T1, 0x100), sub(T0, SP, T1), addi(T2, 0, 42), sd(T2, T0, 0),
            ld(A0, T0, 0)}, EXIT_A0)), simulate);
        assertEquals(42, r.result().exitStatus(), r.log());
        assertEquals(1, r.demandPages(), "one stack page, populated by the VM on the fault");
    }

    @ParameterizedTest
    @ValueSource(booleans = {true, false})
    void shouldEndAStoreBelowTheStackReserveWithSigsegv(final boolean simulate)
    {
        final Run r = run(program(concat(new int[]{lui(T1, 0x900), sub(T0, SP, T1), sd(T1, T0, 0),
            addi(A0, 0, 3)}, EXIT_A0)), simulate);
        assertEquals(SEGV, r.result().exitStatus(), r.log());
        assertTrue(r.log().contains("killed by SIGSEGV"), r.log());
        assertEquals(0, r.demandPages());
    }

    @ParameterizedTest
    @ValueSource(booleans = {true, false})
    void shouldEndExecutionFromTheStackWithSigsegv(final boolean simulate)
    {
        // a jump into a stack page that is not there yet: the trap says it was a fetch, which the
        // stack region does not allow, so the VM refuses at once without populating the page
        final Run r = run(program(concat(new int[]{lui(T1, 0x200), sub(T0, SP, T1), jalr(0, T0)}, EXIT_A0)),
            simulate);
        assertEquals(SEGV, r.result().exitStatus(), r.log());
        assertEquals(0, r.demandPages());
        assertEquals(1, r.faults());
    }

    @ParameterizedTest
    @ValueSource(booleans = {true, false})
    void shouldEndAStoreToReadOnlyCodeWithSigsegv(final boolean simulate)
    {
        final Run r = run(program(concat(new int[]{lui(T0, 0x10), sd(T0, T0, 0), addi(A0, 0, 3)}, EXIT_A0)),
            simulate);
        assertEquals(SEGV, r.result().exitStatus(), r.log());
        assertEquals(1, r.faults());
    }

    /** Code that branches to a common failure exit (status 1) when a check does not hold. */
    static final class Checks
    {
        final java.util.List<Integer> code = new java.util.ArrayList<>();
        final java.util.List<Integer> toFail = new java.util.ArrayList<>();

        Checks emit(final int... words)
        {
            for (final int w : words)
            {
                code.add(w);
            }
            return this;
        }

        /** Fail unless rs1 == rs2. */
        Checks expect(final int rs1, final int rs2)
        {
            toFail.add(code.size());
            code.add(rs1 | (rs2 << 8));
            return this;
        }

        Checks syscall(final int number, final int... setup)
        {
            emit(setup);
            return emit(addi(A7, 0, number), 0x73);
        }

        int[] build()
        {
            emit(addi(A0, 0, 3)).emit(EXIT_A0);
            final int fail = code.size();
            emit(addi(A0, 0, 1)).emit(EXIT_A0);
            for (final int at : toFail)
            {
                final int regs = code.get(at);
                code.set(at, bne(regs & 0xFF, regs >> 8, (fail - at) * 4));
            }
            return code.stream().mapToInt(Integer::intValue).toArray();
        }
    }

    /**
     * The engine's TLB is the one the VM's shootdown invalidates: a store caches a writable
     * translation, mprotect takes write away (the VM answers only after the CPU's scheduler
     * dropped the space's entries), and the next store to the same page faults. Without the
     * shootdown the cached entry would let the store through and the program would exit 3.
     */
    @ParameterizedTest
    @ValueSource(booleans = {true, false})
    void shouldFaultOnAStoreThroughATranslationCachedBeforeMprotectTookWriteAway(final boolean simulate)
    {
        final int a1 = 11;
        final int a2 = 12;
        final int a3 = 13;
        final int a4 = 14;
        final int a5 = 15;
        final int[] map = {addi(A0, T1, 0), lui(a1, 1), addi(a2, 0, 3), addi(a3, 0, 0x32), addi(a4, 0, -1),
            addi(a5, 0, 0)};
        final Checks c = new Checks().emit(lui(T1, 0x20));
        c.syscall(222, map).expect(A0, T1).emit(addi(T2, 0, 5), sd(T2, T1, 0), ld(T2, T1, 0));
        c.syscall(226, addi(A0, T1, 0), lui(a1, 1), addi(a2, 0, 1)).expect(A0, 0);
        c.emit(ld(T2, T1, 0), sd(T2, T1, 0));
        final Run r = run(program(c.build()), simulate);
        assertEquals(SEGV, r.result().exitStatus(), r.log());
    }

    @ParameterizedTest
    @ValueSource(booleans = {true, false})
    void shouldReplaceAFixedMappingAndAnswerMemoryCallsThroughTheVm(final boolean simulate)
    {
        final int a1 = 11;
        final int a2 = 12;
        final int a3 = 13;
        final int a4 = 14;
        final int a5 = 15;
        final int[] fixedMap = {addi(A0, T1, 0), lui(a1, 2), addi(a2, 0, 3), addi(a3, 0, 0x32), addi(a4, 0, -1),
            addi(a5, 0, 0)};
        final Checks c = new Checks().emit(lui(T1, 0x20));
        // MAP_FIXED at 0x20000, write 5; MAP_FIXED again over it: replaced, zeroed
        c.syscall(222, fixedMap).expect(A0, T1).emit(addi(T2, 0, 5), sd(T2, A0, 0));
        c.syscall(222, fixedMap).expect(A0, T1).emit(ld(T2, A0, 0)).expect(T2, 0);
        // mprotect PROT_NONE: -EINVAL over mapped pages, -ENOMEM over a hole
        c.syscall(226, addi(A0, T1, 0), lui(a1, 1), addi(a2, 0, 0)).emit(addi(T0, 0, -22)).expect(A0, T0);
        c.syscall(226, lui(A0, 0x30), lui(a1, 1), addi(a2, 0, 0)).emit(addi(T0, 0, -12)).expect(A0, T0);
        // read-only, still readable; then unmapped: the store ends the process
        c.syscall(226, addi(A0, T1, 0), lui(a1, 2), addi(a2, 0, 1)).expect(A0, 0).emit(ld(T2, T1, 8));
        c.syscall(215, addi(A0, T1, 0), lui(a1, 2)).expect(A0, 0);
        c.emit(sd(T2, T1, 0));
        final Run r = run(program(c.build()), simulate);
        assertEquals(SEGV, r.result().exitStatus(), r.log());
    }

    @ParameterizedTest
    @ValueSource(booleans = {true, false})
    void shouldGiveSegmentsSharingAPageTheUnionOfTheirPermissionsAndZeroTheirBss(final boolean simulate)
    {
        // code (read-execute) at 0x10000; data (read-write) from 0x10800 in the same page: one
        // word from the file (40), then .bss into the next page. The program adds 2 to the word,
        // stores it back, adds a word of .bss (0) and a word it stored in .bss, and exits with it.
        final int codeOffset = 64 + 2 * 56;
        final int[] code = concat(new int[]{
            lui(T0, 0x11), addi(T0, T0, -0x800),    // t0 = 0x10800
            ld(A0, T0, 0), addi(A0, A0, 2), sd(A0, T0, 0), ld(A0, T0, 0),
            lui(T1, 0x11), ld(T2, T1, 0x100), sub(A0, A0, T2),  // .bss reads zero
            addi(T2, 0, 0), sd(A0, T1, 8), ld(A0, T1, 8)}, EXIT_A0);
        final byte[] file = new byte[0x808];
        ByteBuffer.wrap(file).order(ByteOrder.LITTLE_ENDIAN).position(codeOffset).asIntBuffer().put(code);
        ByteBuffer.wrap(file).order(ByteOrder.LITTLE_ENDIAN).putLong(0x800, 40);
        final long codeEnd = codeOffset + code.length * 4L;
        final byte[] elf = elf(BASE + codeOffset, file,
            new Segment(0, BASE, codeEnd, codeEnd, 5),
            new Segment(0x800, BASE + 0x800, 8, 0x1000, 6));
        final Run r = run(elf, simulate);
        assertEquals(42, r.result().exitStatus(), r.log());
        assertEquals(0, r.faults(), "every page mapped eagerly with what it needs, accessed and dirty preset");
    }
}
