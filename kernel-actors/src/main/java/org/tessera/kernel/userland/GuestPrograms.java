package org.tessera.kernel.userland;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;

/**
 * Tiny static RV64 executables generated in Java for the CPU benchmarks: a getpid loop, two
 * processes yielding to each other with live FP state, and a spawn/exit/reap loop. Each is a
 * complete ELF64 {@code ET_EXEC} with one read/write/execute {@code PT_LOAD} at
 * {@link #BASE}; the code uses only Linux-numbered calls and Tessera's spawn, and ends with
 * {@code exit_group(0)} when everything went as planned (1 otherwise), so a run checks itself.
 */
public final class GuestPrograms
{
    /** Load address. */
    public static final long BASE = 0x10000;
    private static final int HEADERS = 64 + 56;
    private static final int ZERO = 0;
    private static final int SP = 2;
    private static final int T0 = 5;
    private static final int T1 = 6;
    private static final int T2 = 7;
    private static final int S0 = 8;
    private static final int S1 = 9;
    private static final int A0 = 10;
    private static final int A1 = 11;
    private static final int A2 = 12;
    private static final int A3 = 13;
    private static final int A7 = 17;
    private static final int S2 = 18;
    private static final int S3 = 19;

    private GuestPrograms()
    {
    }

    /** {@code getpid()} {@code n} times, then exit 0. */
    public static byte[] getpidLoop(final int n)
    {
        final Asm a = new Asm();
        a.li(S0, n);
        final int loop = a.here();
        a.li(A7, 172).ecall();
        a.addi(S0, S0, -1).bne(S0, ZERO, loop);
        a.exit(0);
        return a.elf(new byte[0]);
    }

    /**
     * Run as {@code name}: spawns itself as {@code name c}; parent and child each do
     * {@code n} rounds of an FP add and {@code sched_yield}; the parent reaps the child and
     * exits 0 if the child exited 0 and its own FP sum is exact.
     *
     * @param name the program's name in the image (one character).
     */
    public static byte[] yieldPair(final String name, final int n)
    {
        final Asm a = new Asm();
        final int[] strings = new int[1];
        a.ld(S1, SP, 0);                       // argc: 1 in the parent, 2 in the child
        a.li(T0, 1).fcvtDL(2, T0);             // f2 = 1.0
        a.fcvtDL(1, ZERO);                     // f1 = 0.0
        a.li(T0, 1);
        a.bneTo(S1, T0, "loop");
        a.spawnSelf(strings);
        a.bltTo(A0, ZERO, "fail");
        a.label("loop");
        a.li(S0, n);
        final int loop = a.here();
        a.faddD(1, 1, 2).li(A7, 124).ecall();
        a.addi(S0, S0, -1).bne(S0, ZERO, loop);
        // f1 must be exactly n: the FP state survived every switch
        a.fcvtLD(T1, 1).li(T2, n);
        a.bneTo(T1, T2, "fail");
        a.li(T0, 1);
        a.bneTo(S1, T0, "done");
        a.wait4Any();
        a.bltTo(A0, ZERO, "fail");
        a.ldw(T1, SP, 24);
        a.bneTo(T1, ZERO, "fail");
        a.label("done");
        a.exit(0);
        a.label("fail");
        a.exit(1);
        return a.elf(strings(name, strings, a));
    }

    /** Spawn itself as {@code name c} (which exits at once) and reap it, {@code n} times; exit 0. */
    public static byte[] spawnLoop(final String name, final int n)
    {
        final Asm a = new Asm();
        final int[] strings = new int[1];
        a.ld(S1, SP, 0);
        a.li(T0, 1);
        a.bneTo(S1, T0, "child");
        a.li(S0, n);
        final int loop = a.here();
        a.spawnSelf(strings);
        a.bltTo(A0, ZERO, "fail");
        a.wait4Any();
        a.bltTo(A0, ZERO, "fail");
        a.ldw(T1, SP, 24);
        a.bneTo(T1, ZERO, "fail");
        a.addi(SP, SP, 32);
        a.addi(S0, S0, -1).bne(S0, ZERO, loop);
        a.exit(0);
        a.label("child");
        a.exit(0);
        a.label("fail");
        a.exit(1);
        return a.elf(strings(name, strings, a));
    }

    /**
     * Spawns itself twice as {@code name c} (children spin forever), kills the first with
     * SIGKILL and the second with SIGTERM (on another CPU when the machine has two), reaps both
     * and checks their wait statuses (9 + 15), then that a third wait4 is {@code -ECHILD} and
     * that kill(first, 0) is {@code -ESRCH}; exit 0 when all hold, 1 otherwise.
     */
    public static byte[] killChildren(final String name)
    {
        final Asm a = new Asm();
        final int[] strings = new int[1];
        a.ld(S1, SP, 0);
        a.li(T0, 1);
        a.bneTo(S1, T0, "spin");
        a.spawnSelf(strings);
        a.bltTo(A0, ZERO, "fail");
        a.addi(S0, A0, 0);
        a.spawnSelf(strings);
        a.bltTo(A0, ZERO, "fail");
        a.addi(S2, A0, 0);
        a.addi(A0, S0, 0).li(A1, 9).li(A7, 129).ecall();
        a.bneTo(A0, ZERO, "fail");
        a.addi(A0, S2, 0).li(A1, 15).li(A7, 129).ecall();
        a.bneTo(A0, ZERO, "fail");
        a.li(S3, 0);
        a.wait4Any();
        a.bltTo(A0, ZERO, "fail");
        a.ldw(T1, SP, 24);
        a.add(S3, S3, T1);
        a.wait4Any();
        a.bltTo(A0, ZERO, "fail");
        a.ldw(T1, SP, 24);
        a.add(S3, S3, T1);
        a.li(T2, 24);
        a.bneTo(S3, T2, "fail");
        a.wait4Any();
        a.li(T2, -10);
        a.bneTo(A0, T2, "fail");
        a.addi(A0, S0, 0).li(A1, 0).li(A7, 129).ecall();
        a.li(T2, -3);
        a.bneTo(A0, T2, "fail");
        a.exit(0);
        a.label("spin");
        a.beqTo(ZERO, ZERO, "spin");
        a.label("fail");
        a.exit(1);
        return a.elf(strings(name, strings, a));
    }

    /**
     * A console flood: spawns {@code children} copies of itself (yielding and trying again when
     * spawn says {@code -EAGAIN}); each grows its break by 40 KiB and writes 32 KiB of it to
     * descriptor 1, {@code writes} times (a write may be partial: the guest does not retry);
     * the parent reaps them all and exits 0.
     */
    public static byte[] consoleFlood(final String name, final int children, final int writes)
    {
        final Asm a = new Asm();
        final int[] strings = new int[1];
        a.ld(S1, SP, 0);
        a.li(T0, 1);
        a.bneTo(S1, T0, "child");
        a.li(S0, children);
        final int spawn = a.here();
        a.spawnSelf(strings);
        a.addi(SP, SP, 32);
        a.li(T2, -11);
        a.bneTo(A0, T2, "spawned");
        a.li(A7, 124).ecall();
        a.beqTo(ZERO, ZERO, "again");
        a.label("spawned");
        a.bltTo(A0, ZERO, "fail");
        a.addi(S0, S0, -1);
        a.label("again");
        a.bne(S0, ZERO, spawn);
        a.li(S0, children);
        a.addi(SP, SP, -32);
        final int reap = a.here();
        a.wait4Any();
        a.bltTo(A0, ZERO, "fail");
        a.addi(S0, S0, -1).bne(S0, ZERO, reap);
        a.exit(0);
        a.label("child");
        a.li(A0, 0).li(A7, 214).ecall();
        a.addi(S2, A0, 0);
        a.li(T0, 40960).add(A0, S2, T0).li(A7, 214).ecall();
        a.li(S0, writes);
        final int write = a.here();
        a.li(A0, 1).addi(A1, S2, 0).li(A2, 32768).li(A7, 64).ecall();
        a.bltTo(A0, ZERO, "fail");
        a.addi(S0, S0, -1).bne(S0, ZERO, write);
        a.exit(0);
        a.label("fail");
        a.exit(1);
        return a.elf(strings(name, strings, a));
    }

    /**
     * A seeded life-cycle storm for init: a straight-line mix of spawning children of four
     * kinds (exit 7 at once, spin forever, store to address 16, spawn an orphan grandchild and
     * exit 3), killing earlier children with signals 0, 9, 15 or 17, non-blocking wait4 and
     * yields; then SIGKILL to every child and blocking wait4 until {@code -ECHILD}; exit 0.
     * Every pid and status is the kernel's to get right: the test checks that the machine
     * ends cleanly with every frame back.
     *
     * @param name       the program's name in the image (one character).
     * @param operations operations in the storm (at most 60 spawns are kept).
     * @param random     the seeded source of the mix.
     */
    public static byte[] lifeCycleStorm(final String name, final int operations, final java.util.Random random)
    {
        final Asm a = new Asm();
        final int[] strings = new int[1];
        final int slots = 60;
        a.ld(S1, SP, 0);
        a.li(T0, 1);
        a.beqTo(S1, T0, "parent");
        a.jumpTo("child");
        a.label("parent");
        a.addi(SP, SP, -512);
        a.addi(S3, SP, 0);                     // s3: pid slots, status word at s3 + 504
        for (int i = 0; i < slots; i++)
        {
            a.sd(ZERO, S3, 8 * i);
        }
        int spawned = 0;
        for (int op = 0; op < operations; op++)
        {
            final int choice = random.nextInt(10);
            if (choice < 4 && spawned < slots)
            {
                a.spawnKind(strings, 2 + 2 * random.nextInt(4));
                a.addi(SP, SP, 32);
                a.bltTo(A0, ZERO, "skip" + op);
                a.sd(A0, S3, 8 * spawned);
                a.label("skip" + op);
                spawned++;
            }
            else if (choice < 7 && spawned > 0)
            {
                final int[] signals = {0, 9, 15, 17};
                a.ld(A0, S3, 8 * random.nextInt(spawned));
                a.beqTo(A0, ZERO, "skip" + op);
                a.li(A1, signals[random.nextInt(signals.length)]).li(A7, 129).ecall();
                a.label("skip" + op);
            }
            else if (choice < 9)
            {
                a.li(A0, -1).addi(A1, S3, 504).li(A2, 1).li(A3, 0).li(A7, 260).ecall();
            }
            else
            {
                a.li(A7, 124).ecall();
            }
        }
        for (int i = 0; i < spawned; i++)
        {
            a.ld(A0, S3, 8 * i);
            a.beqTo(A0, ZERO, "end" + i);
            a.li(A1, 9).li(A7, 129).ecall();
            a.label("end" + i);
        }
        final int reap = a.here();
        a.li(A0, -1).addi(A1, S3, 504).li(A2, 0).li(A3, 0).li(A7, 260).ecall();
        a.bge(A0, ZERO, reap);
        a.li(T2, -10);
        a.bneTo(A0, T2, "fail");
        a.exit(0);
        a.label("fail");
        a.exit(1);
        // children: argv[1][0] says what to do
        a.label("child");
        a.ld(T1, SP, 16);
        a.lbu(T2, T1, 0);
        a.li(T0, 'e');
        a.beqTo(T2, T0, "exit7");
        a.li(T0, 's');
        a.beqTo(T2, T0, "spin");
        a.li(T0, 'f');
        a.beqTo(T2, T0, "fault");
        a.spawnKind(strings, 2);
        a.exit(3);
        a.label("exit7");
        a.exit(7);
        a.label("spin");
        a.beqTo(ZERO, ZERO, "spin");
        a.label("fault");
        a.sd(ZERO, ZERO, 16);
        a.exit(1);
        final byte[] s = (name + "\0e\0s\0f\0p\0").getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        a.resolveStrings(strings);
        return a.elf(s);
    }

    private static byte[] strings(final String name, final int[] holder, final Asm a)
    {
        final byte[] s = (name + "\0c\0").getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        a.resolveStrings(holder);
        return s;
    }

    /** A just-enough RV64 assembler with labels and one string block after the code. */
    static final class Asm
    {
        private final List<Integer> code = new ArrayList<>();
        private final java.util.Map<String, Integer> labels = new java.util.HashMap<>();
        private final List<int[]> fixups = new ArrayList<>();
        private final List<String> fixupLabels = new ArrayList<>();
        private final List<Integer> auipcs = new ArrayList<>();
        private final java.util.Map<Integer, Integer> kinds = new java.util.HashMap<>();

        int here()
        {
            return code.size();
        }

        private Asm emit(final int insn)
        {
            code.add(insn);
            return this;
        }

        Asm addi(final int rd, final int rs, final int imm)
        {
            return emit(((imm & 0xFFF) << 20) | (rs << 15) | (rd << 7) | 0x13);
        }

        Asm li(final int rd, final int value)
        {
            if (value >= -2048 && value < 2048)
            {
                return addi(rd, ZERO, value);
            }
            final int hi = (value + 0x800) >>> 12;
            emit((hi << 12) | (rd << 7) | 0x37);
            // addiw keeps the 32-bit value sign-correct
            return emit(((value & 0xFFF) << 20) | (rd << 15) | (rd << 7) | 0x1B);
        }

        Asm ld(final int rd, final int rs, final int imm)
        {
            return emit(((imm & 0xFFF) << 20) | (rs << 15) | (3 << 12) | (rd << 7) | 0x03);
        }

        Asm ldw(final int rd, final int rs, final int imm)
        {
            return emit(((imm & 0xFFF) << 20) | (rs << 15) | (2 << 12) | (rd << 7) | 0x03);
        }

        Asm sd(final int rs2, final int rs1, final int imm)
        {
            return emit((((imm >> 5) & 0x7F) << 25) | (rs2 << 20) | (rs1 << 15) | (3 << 12) | ((imm & 0x1F) << 7) |
                0x23);
        }

        Asm ecall()
        {
            return emit(0x73);
        }

        Asm faddD(final int fd, final int fs1, final int fs2)
        {
            return emit((0x01 << 25) | (fs2 << 20) | (fs1 << 15) | (7 << 12) | (fd << 7) | 0x53);
        }

        Asm fcvtDL(final int fd, final int rs)
        {
            return emit((0x69 << 25) | (2 << 20) | (rs << 15) | (7 << 12) | (fd << 7) | 0x53);
        }

        Asm fcvtLD(final int rd, final int fs)
        {
            // round towards zero
            return emit((0x61 << 25) | (2 << 20) | (fs << 15) | (1 << 12) | (rd << 7) | 0x53);
        }

        private static int branch(final int funct3, final int rs1, final int rs2, final int offset)
        {
            return (((offset >> 12) & 1) << 31) | (((offset >> 5) & 0x3F) << 25) | (rs2 << 20) | (rs1 << 15) |
                (funct3 << 12) | (((offset >> 1) & 0xF) << 8) | (((offset >> 11) & 1) << 7) | 0x63;
        }

        Asm bne(final int rs1, final int rs2, final int target)
        {
            return emit(branch(1, rs1, rs2, (target - here()) * 4));
        }

        Asm bneTo(final int rs1, final int rs2, final String label)
        {
            fixups.add(new int[]{here(), 1, rs1, rs2});
            fixupLabels.add(label);
            return emit(0);
        }

        Asm lbu(final int rd, final int rs, final int imm)
        {
            return emit(((imm & 0xFFF) << 20) | (rs << 15) | (4 << 12) | (rd << 7) | 0x03);
        }

        Asm bge(final int rs1, final int rs2, final int target)
        {
            return emit(branch(5, rs1, rs2, (target - here()) * 4));
        }

        /** Like {@link #spawnSelf} with argv[1] the string at {@code kindOffset} of the string block. */
        void spawnKind(final int[] strings, final int kindOffset)
        {
            spawnSelf(strings);
            kinds.put(auipcs.get(auipcs.size() - 1), kindOffset);
        }

        Asm add(final int rd, final int rs1, final int rs2)
        {
            return emit((rs2 << 20) | (rs1 << 15) | (rd << 7) | 0x33);
        }

        /** An unconditional jump to a label anywhere within 1 MiB (jal x0). */
        Asm jumpTo(final String label)
        {
            fixups.add(new int[]{here(), -1, 0, 0});
            fixupLabels.add(label);
            return emit(0);
        }

        private static int jal(final int offset)
        {
            return (((offset >> 20) & 1) << 31) | (((offset >> 1) & 0x3FF) << 21) | (((offset >> 11) & 1) << 20) |
                (((offset >> 12) & 0xFF) << 12) | 0x6F;
        }

        Asm beqTo(final int rs1, final int rs2, final String label)
        {
            fixups.add(new int[]{here(), 0, rs1, rs2});
            fixupLabels.add(label);
            return emit(0);
        }

        Asm bltTo(final int rs1, final int rs2, final String label)
        {
            fixups.add(new int[]{here(), 4, rs1, rs2});
            fixupLabels.add(label);
            return emit(0);
        }

        void label(final String name)
        {
            labels.put(name, here());
        }

        Asm exit(final int status)
        {
            return li(A0, status).li(A7, 94).ecall();
        }

        /** a0 = wait4(-1, sp + 24, 0, 0) (the status lands in the spawn frame). */
        Asm wait4Any()
        {
            li(A0, -1).addi(A1, SP, 24).li(A2, 0).li(A3, 0).li(A7, 260).ecall();
            return this;
        }

        /** Push a 32-byte frame {name, "c", NULL, status} and spawn(name, frame). */
        void spawnSelf(final int[] strings)
        {
            auipcs.add(here());
            emit((T1 << 7) | 0x17);             // auipc t1, 0
            emit(0);                            // addi t1, t1, strings - auipc (patched)
            addi(SP, SP, -32);
            sd(T1, SP, 0);
            emit(0);                            // addi t2, t1, nameLength + 1 (patched)
            sd(T2, SP, 8);
            sd(ZERO, SP, 16);
            sd(ZERO, SP, 24);
            addi(A0, T1, 0);
            addi(A1, SP, 0);
            emit((1 << 12) | (A7 << 7) | 0x37);  // lui a7, 1: 4096 = tessera_spawn
            ecall();
        }

        void resolveStrings(final int[] holder)
        {
            holder[0] = here() * 4;
        }

        byte[] elf(final byte[] strings)
        {
            for (int i = 0; i < fixups.size(); i++)
            {
                final int[] f = fixups.get(i);
                final Integer target = labels.get(fixupLabels.get(i));
                if (target == null)
                {
                    throw new IllegalStateException("no label " + fixupLabels.get(i));
                }
                final int offset = (target - f[0]) * 4;
                if (f[1] < 0)
                {
                    code.set(f[0], jal(offset));
                }
                else
                {
                    if (offset < -4096 || offset >= 4096)
                    {
                        throw new IllegalStateException("branch to " + fixupLabels.get(i) + " out of range");
                    }
                    code.set(f[0], branch(f[1], f[2], f[3], offset));
                }
            }
            final int stringsOffset = code.size() * 4;
            final int nameLength = strings.length == 0 ? 0 : indexOfNul(strings);
            for (final int at : auipcs)
            {
                final int offset = stringsOffset - at * 4;
                code.set(at, (((offset + 0x800) >>> 12) << 12) | (T1 << 7) | 0x17);
                code.set(at + 1, ((offset & 0xFFF) << 20) | (T1 << 15) | (T1 << 7) | 0x13);
                final int kind = kinds.getOrDefault(at, nameLength + 1);
                code.set(at + 4, ((kind & 0xFFF) << 20) | (T1 << 15) | (T2 << 7) | 0x13);
            }
            final int length = HEADERS + stringsOffset + strings.length;
            final ByteBuffer b = ByteBuffer.allocate(length).order(ByteOrder.LITTLE_ENDIAN);
            b.put(new byte[]{0x7F, 'E', 'L', 'F', 2, 1, 1, 0}).put(new byte[8]);
            b.putShort((short)2).putShort((short)243).putInt(1).putLong(BASE + HEADERS).putLong(64).putLong(0)
                .putInt(0x5).putShort((short)64).putShort((short)56).putShort((short)1).putShort((short)0)
                .putShort((short)0).putShort((short)0);
            b.putInt(1).putInt(7).putLong(0).putLong(BASE).putLong(BASE).putLong(length).putLong(length)
                .putLong(4096);
            for (final int insn : code)
            {
                b.putInt(insn);
            }
            b.put(strings);
            return b.array();
        }

        private static int indexOfNul(final byte[] s)
        {
            for (int i = 0; i < s.length; i++)
            {
                if (s[i] == 0)
                {
                    return i;
                }
            }
            return s.length;
        }
    }
}
