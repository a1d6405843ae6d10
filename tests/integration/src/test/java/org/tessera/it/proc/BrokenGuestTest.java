package org.tessera.it.proc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;

import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.tessera.boot.cli.ProcessRun;

/**
 * No guest, however broken, crashes the kernel or leaks a frame: seeded generators write
 * static RISC-V executables made of random instruction words, or of random system calls with
 * random arguments (pointers into nothing, into the stack, into code; huge lengths; every
 * Linux-numbered call and spawn), and run them. Each run must end with a status from the guest
 * (an exit code or 128 + signal), never the machine failing (70), with every frame returned.
 */
class BrokenGuestTest
{
    static final long BASE = 0x10000;
    // nanosleep (101) is left out: a random timespec is a legitimate sleep of years
    static final int[] CALLS = {64, 93, 94, 113, 124, 129, 172, 178, 214, 215, 222, 226, 260, 4096, 1000, 17};

    static byte[] elf(final byte[] code)
    {
        final ByteBuffer b = ByteBuffer.allocate(120 + code.length).order(ByteOrder.LITTLE_ENDIAN);
        b.put(new byte[]{0x7F, 'E', 'L', 'F', 2, 1, 1, 0}).put(new byte[8]);
        b.putShort((short)2).putShort((short)243).putInt(1).putLong(BASE + 120).putLong(64).putLong(0)
            .putInt(0x5).putShort((short)64).putShort((short)56).putShort((short)1).putShort((short)0)
            .putShort((short)0).putShort((short)0);
        b.putInt(1).putInt(7).putLong(0).putLong(BASE).putLong(BASE).putLong(120 + code.length)
            .putLong(120 + code.length + 8192).putLong(4096);
        b.put(code);
        return b.array();
    }

    static int addi(final int rd, final int rs, final int imm)
    {
        return ((imm & 0xFFF) << 20) | (rs << 15) | (rd << 7) | 0x13;
    }

    static int lui(final int rd, final int imm20)
    {
        return (imm20 << 12) | (rd << 7) | 0x37;
    }

    static byte[] randomSyscalls(final Random random, final int count)
    {
        final ByteBuffer code = ByteBuffer.allocate(count * 40 + 16).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < count; i++)
        {
            final int call = CALLS[random.nextInt(CALLS.length)];
            if (call == 93 || call == 94)
            {
                if (random.nextInt(8) != 0)
                {
                    continue;
                }
            }
            code.putInt(call >= 2048 ? lui(17, call >>> 12) : addi(17, 0, call));
            for (int reg = 10; reg <= 13; reg++)
            {
                switch (random.nextInt(5))
                {
                    case 0 -> code.putInt(addi(reg, 0, random.nextInt(4096) - 2048));
                    case 1 -> code.putInt(addi(reg, 2, -random.nextInt(2048)));   // into the stack
                    case 2 -> code.putInt(lui(reg, 0x10 + random.nextInt(3)));      // into code/bss
                    case 3 -> code.putInt(lui(reg, random.nextInt(1 << 20)));       // anywhere
                    default -> code.putInt(addi(reg, 0, 0));
                }
            }
            code.putInt(0x00000073);   // ecall
        }
        code.putInt(addi(17, 0, 94)).putInt(addi(10, 0, 3)).putInt(0x00000073);
        return java.util.Arrays.copyOf(code.array(), code.position());
    }

    static byte[] randomWords(final Random random, final int count)
    {
        final byte[] code = new byte[count * 4];
        random.nextBytes(code);
        return code;
    }

    static void check(final Path file, final String mode, final long seed) throws Exception
    {
        final ConformanceTest.Output o = ConformanceTest.run("--mode", mode, "--seed", Long.toString(seed),
            "--timeout", "60", file.toString());
        assertNotEquals(ProcessRun.EX_SOFTWARE, o.status(), "the machine failed: " + o.err());
        assertTrue(o.status() >= 0 && o.status() <= 255, o.err());
        assertTrue(o.err().contains(", 0 frames not returned"), o.err());
    }

    @ParameterizedTest
    @ValueSource(longs = {1, 2, 3, 4, 5, 6, 7, 8})
    void shouldSurviveRandomInstructions(final long seed, @TempDir final Path tmp) throws Exception
    {
        final Random random = new Random(seed);
        final Path file = tmp.resolve("random.elf");
        Files.write(file, elf(randomWords(random, 256)));
        check(file, seed % 2 == 0 ? "sim" : "host", seed);
    }

    @ParameterizedTest
    @ValueSource(longs = {11, 12, 13, 14, 15, 16, 17, 18, 19, 20})
    void shouldSurviveRandomSystemCalls(final long seed, @TempDir final Path tmp) throws Exception
    {
        final Random random = new Random(seed);
        final Path file = tmp.resolve("calls.elf");
        Files.write(file, elf(randomSyscalls(random, 200)));
        check(file, seed % 2 == 0 ? "sim" : "host", seed);
    }

    @ParameterizedTest
    @ValueSource(longs = {21, 22})
    void shouldEndAGuestThatOnlyExitsWithItsStatus(final long seed, @TempDir final Path tmp) throws Exception
    {
        final Path file = tmp.resolve("exit.elf");
        Files.write(file, elf(randomSyscalls(new Random(seed), 0)));
        final ConformanceTest.Output o = ConformanceTest.run("--mode", "sim", file.toString());
        assertEquals(3, o.status(), o.err());
    }
}
