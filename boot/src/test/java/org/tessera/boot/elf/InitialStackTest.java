package org.tessera.boot.elf;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.stream.IntStream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.tessera.boot.elf.InitialStack.AT_BASE;
import static org.tessera.boot.elf.InitialStack.AT_CLKTCK;
import static org.tessera.boot.elf.InitialStack.AT_EGID;
import static org.tessera.boot.elf.InitialStack.AT_ENTRY;
import static org.tessera.boot.elf.InitialStack.AT_EUID;
import static org.tessera.boot.elf.InitialStack.AT_EXECFN;
import static org.tessera.boot.elf.InitialStack.AT_FLAGS;
import static org.tessera.boot.elf.InitialStack.AT_GID;
import static org.tessera.boot.elf.InitialStack.AT_HWCAP;
import static org.tessera.boot.elf.InitialStack.AT_NULL;
import static org.tessera.boot.elf.InitialStack.AT_PAGESZ;
import static org.tessera.boot.elf.InitialStack.AT_PHDR;
import static org.tessera.boot.elf.InitialStack.AT_PHENT;
import static org.tessera.boot.elf.InitialStack.AT_PHNUM;
import static org.tessera.boot.elf.InitialStack.AT_RANDOM;
import static org.tessera.boot.elf.InitialStack.AT_SECURE;
import static org.tessera.boot.elf.InitialStack.AT_UID;

class InitialStackTest
{
    private static final long STACK_TOP = 0x7fff_ffff_f000L;
    private static final byte[] RANDOM = {
        1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};

    @Test
    void shouldLayOutLinuxInitialStackFieldByField()
    {
        final ElfFile elf = ElfFile.parse(UserPrograms.read("hello.elf"));
        final List<String> argv = List.of("bin/hello.elf", "one", "two words");
        final List<String> envp = List.of("TESSERA_GREETING=hi", "TESSERA_NAME=x");
        final InitialStack stack = InitialStack.builder()
            .stackTop(STACK_TOP)
            .argv(argv)
            .envp(envp)
            .random(RANDOM)
            .forElf(elf, 0)
            .aux(AT_UID, 1000)
            .build();
        final Reader r = new Reader(stack);

        final long sp = stack.stackPointer();
        assertEquals(0, sp % 16, "sp is 16-byte aligned");
        assertEquals(STACK_TOP - sp, stack.size());
        assertEquals(3, r.word(sp), "argc");
        for (int i = 0; i < 3; i++)
        {
            assertEquals(argv.get(i), r.string(r.word(sp + 8 + 8L * i)), "argv[" + i + "]");
        }
        assertEquals(0, r.word(sp + 8 + 8 * 3), "argv[argc] is NULL");
        final long envpAt = sp + 8 + 8 * 4;
        assertEquals(envpAt, stack.envpAddress());
        for (int i = 0; i < 2; i++)
        {
            assertEquals(envp.get(i), r.string(r.word(envpAt + 8L * i)), "envp[" + i + "]");
        }
        assertEquals(0, r.word(envpAt + 16), "envp ends with NULL");

        final long auxvAt = envpAt + 24;
        assertEquals(auxvAt, stack.auxvAddress());
        final Map<Long, Long> auxv = r.auxv(auxvAt);
        // Linux's order (create_elf_tables), AT_NULL last.
        assertEquals(List.of(AT_HWCAP, AT_PAGESZ, AT_CLKTCK, AT_PHDR, AT_PHENT, AT_PHNUM, AT_BASE, AT_FLAGS, AT_ENTRY,
            AT_UID, AT_EUID, AT_GID, AT_EGID, AT_SECURE, AT_RANDOM, AT_EXECFN, AT_NULL), List.copyOf(auxv.keySet()));
        assertEquals(4096, auxv.get(AT_PAGESZ));
        assertEquals(100, auxv.get(AT_CLKTCK));
        assertEquals(elf.programHeaderAddress().orElseThrow(), auxv.get(AT_PHDR));
        assertEquals(56, auxv.get(AT_PHENT));
        assertEquals(elf.programHeaderCount(), auxv.get(AT_PHNUM));
        assertEquals(0, auxv.get(AT_BASE), "no interpreter");
        assertEquals(elf.entry(), auxv.get(AT_ENTRY));
        assertEquals(1000, auxv.get(AT_UID));
        assertEquals(0, auxv.get(AT_EUID));
        assertEquals(0, auxv.get(AT_NULL));
        final long hwcap = auxv.get(AT_HWCAP);
        for (final char ext : "imafdc".toCharArray())
        {
            assertTrue((hwcap & (1L << (ext - 'a'))) != 0, "AT_HWCAP has " + ext);
        }
        assertEquals(6, Long.bitCount(hwcap));

        assertEquals(stack.randomAddress(), auxv.get(AT_RANDOM));
        assertArrayEquals(RANDOM, r.bytes(auxv.get(AT_RANDOM), 16));
        assertEquals(stack.execfnAddress(), auxv.get(AT_EXECFN));
        assertEquals("bin/hello.elf", r.string(auxv.get(AT_EXECFN)), "AT_EXECFN defaults to argv[0]");

        // Strings: argv then envp then the file name, packed, ending 8 bytes below the top.
        long at = stack.stringsStart();
        assertEquals(r.word(sp + 8), at, "argv[0] is the lowest string");
        for (final String s : argv)
        {
            assertEquals(s, r.string(at));
            at += s.length() + 1;
        }
        for (final String s : envp)
        {
            assertEquals(s, r.string(at));
            at += s.length() + 1;
        }
        assertEquals(stack.execfnAddress(), at);
        assertEquals(STACK_TOP - 8, at + "bin/hello.elf".length() + 1);
        assertEquals(0, r.word(STACK_TOP - 8), "the top word is zero");

        // AT_RANDOM sits right below the 16-byte aligned string area; the tables end within 16 bytes below it.
        assertEquals((stack.stringsStart() & ~15L) - 16, stack.randomAddress());
        final long tablesEnd = auxvAt + 16L * auxv.size();
        assertTrue(tablesEnd <= stack.randomAddress() && stack.randomAddress() - tablesEnd < 16,
            "padding below AT_RANDOM is less than 16 bytes");
    }

    @Test
    void shouldMatchLinuxArithmeticForSmallestStack()
    {
        final InitialStack stack = InitialStack.builder()
            .stackTop(0x1000_0000L)
            .argv(List.of("a"))
            .random(RANDOM)
            .build();

        // Strings: "a\0" (execfn) at top-8-2, "a\0" (argv[0]) below it; random 16 below the aligned start.
        assertEquals(0x1000_0000L - 10, stack.execfnAddress());
        assertEquals(0x1000_0000L - 12, stack.stringsStart());
        assertEquals(0x0fff_fff0L - 16, stack.randomAddress());
        // 16 auxv entries + AT_NULL = 34 words; argc, argv[0], NULL, NULL = 4 words: 304 bytes.
        assertEquals((0x0fff_ffe0L - 304) & ~15L, stack.stackPointer());
        assertEquals(0x0fff_feb0L, stack.stackPointer());
    }

    @Test
    void shouldPlaceStaticPieAuxvAtItsLoadBias()
    {
        final ElfFile elf = ElfFile.parse(UserPrograms.read("hello-pie.elf"));
        final long bias = elf.loadBias(0x2aaa_aaa0_0000L);
        final InitialStack stack = InitialStack.builder()
            .stackTop(STACK_TOP)
            .argv(List.of("bin/hello-pie.elf"))
            .random(RANDOM)
            .forElf(elf, bias)
            .build();
        final Map<Long, Long> auxv = new Reader(stack).auxv(stack.auxvAddress());

        assertEquals(elf.entry() + bias, auxv.get(AT_ENTRY));
        assertEquals(elf.programHeaderAddress().orElseThrow() + bias, auxv.get(AT_PHDR));
        assertEquals(0, auxv.get(AT_BASE));
    }

    @Test
    void shouldKeepArgumentBytesExactlyAndUseExecfnWhenGiven()
    {
        final byte[] raw = {(byte)0xff, (byte)0xfe, 'x'};
        final InitialStack stack = InitialStack.builder()
            .stackTop(STACK_TOP)
            .argvBytes(List.of("prog".getBytes(StandardCharsets.UTF_8), raw, new byte[0]))
            .envp(List.of("GRÜSSE=ä"))
            .execfn("/images/demo/prog")
            .random(RANDOM)
            .build();
        final Reader r = new Reader(stack);

        assertArrayEquals(raw, r.bytes(r.word(stack.argvAddress() + 8), raw.length));
        assertEquals(0, r.bytes(r.word(stack.argvAddress() + 8) + raw.length, 1)[0]);
        assertEquals("", r.string(r.word(stack.argvAddress() + 16)), "an empty argument is just its NUL");
        assertEquals("GRÜSSE=ä", r.string(r.word(stack.envpAddress())));
        assertEquals("/images/demo/prog", r.string(stack.execfnAddress()));
    }

    @Test
    void shouldRefuseIncompleteOrInvalidInput()
    {
        assertThrows(IllegalArgumentException.class, () -> InitialStack.builder().stackTop(STACK_TOP - 8));
        assertThrows(IllegalArgumentException.class, () -> InitialStack.builder().random(new byte[15]));
        assertThrows(IllegalArgumentException.class, () -> InitialStack.builder().argv(List.of("a\0b")));
        assertThrows(IllegalArgumentException.class, () -> InitialStack.builder().aux(AT_NULL, 1));
        assertThrows(IllegalStateException.class, () -> InitialStack.builder().argv(List.of("a")).random(RANDOM).build());
        assertThrows(IllegalStateException.class, () -> InitialStack.builder().stackTop(STACK_TOP).random(RANDOM).build());
        assertThrows(NullPointerException.class, () -> InitialStack.builder().stackTop(STACK_TOP).argv(List.of("a")).build());
        final char[] big = new char[5000];
        Arrays.fill(big, 'x');
        final IllegalArgumentException tooBig = assertThrows(IllegalArgumentException.class, () -> InitialStack.builder()
            .stackTop(STACK_TOP).argv(List.of(new String(big))).random(RANDOM).maxSize(4096).build());
        assertTrue(tooBig.getMessage().contains("4096"));
    }

    static IntStream seeds()
    {
        return IntStream.range(0, 60);
    }

    @ParameterizedTest(name = "seed {0}")
    @MethodSource("seeds")
    void shouldReadBackWhatWasLaidOutForRandomInputs(final int seed)
    {
        final SplittableRandom random = new SplittableRandom(seed);
        final List<byte[]> argv = strings(random, 1 + random.nextInt(20));
        final List<byte[]> envp = strings(random, random.nextInt(20));
        final byte[] rnd = new byte[16];
        random.nextBytes(rnd);
        final long top = (0x1_0000_0000L + random.nextLong(0x7f_0000_0000L)) & ~15L;
        final long extraType = 40 + random.nextInt(20);
        final InitialStack stack = InitialStack.builder()
            .stackTop(top).argvBytes(argv).envpBytes(envp).random(rnd).aux(extraType, seed).build();
        final Reader r = new Reader(stack);

        final long sp = stack.stackPointer();
        assertEquals(0, sp % 16, "seed " + seed);
        assertEquals(argv.size(), r.word(sp));
        for (int i = 0; i < argv.size(); i++)
        {
            final long p = r.word(sp + 8 + 8L * i);
            assertArrayEquals(argv.get(i), r.bytes(p, argv.get(i).length), "seed " + seed + " argv " + i);
            assertEquals(0, r.bytes(p + argv.get(i).length, 1)[0]);
        }
        assertEquals(0, r.word(stack.envpAddress() - 8));
        for (int i = 0; i < envp.size(); i++)
        {
            final long p = r.word(stack.envpAddress() + 8L * i);
            assertArrayEquals(envp.get(i), r.bytes(p, envp.get(i).length), "seed " + seed + " envp " + i);
        }
        assertEquals(0, r.word(stack.auxvAddress() - 8));
        final Map<Long, Long> auxv = r.auxv(stack.auxvAddress());
        assertEquals(seed, auxv.get(extraType), "a new type is appended");
        assertEquals(extraType, List.copyOf(auxv.keySet()).get(auxv.size() - 2), "just before AT_NULL");
        assertArrayEquals(rnd, r.bytes(auxv.get(AT_RANDOM), 16));
        assertArrayEquals(argv.get(0), r.bytes(auxv.get(AT_EXECFN), argv.get(0).length));
        assertEquals(top - 8 - argv.get(0).length - 1, auxv.get(AT_EXECFN));
    }

    private static List<byte[]> strings(final SplittableRandom random, final int count)
    {
        final List<byte[]> out = new ArrayList<>();
        for (int i = 0; i < count; i++)
        {
            final byte[] s = new byte[random.nextInt(40)];
            for (int k = 0; k < s.length; k++)
            {
                s[k] = (byte)(1 + random.nextInt(255));
            }
            out.add(s);
        }
        return out;
    }

    /** Reads the stack image by virtual address, as the program will. */
    private static final class Reader
    {
        private final InitialStack stack;
        private final byte[] image;
        private final ByteBuffer buffer;

        Reader(final InitialStack stack)
        {
            this.stack = stack;
            this.image = stack.bytes();
            this.buffer = ByteBuffer.wrap(image).order(ByteOrder.LITTLE_ENDIAN);
        }

        private int index(final long address)
        {
            assertTrue(address >= stack.stackPointer() && address < stack.stackTop(),
                String.format("0x%x is outside the stack image", address));
            return (int)(address - stack.stackPointer());
        }

        long word(final long address)
        {
            return buffer.getLong(index(address));
        }

        byte[] bytes(final long address, final int length)
        {
            final int from = index(address);
            return Arrays.copyOfRange(image, from, from + length);
        }

        String string(final long address)
        {
            final int from = index(address);
            int end = from;
            while (image[end] != 0)
            {
                end++;
            }
            return new String(image, from, end - from, StandardCharsets.UTF_8);
        }

        Map<Long, Long> auxv(final long address)
        {
            final Map<Long, Long> pairs = new LinkedHashMap<>();
            for (long at = address; ; at += 16)
            {
                final long type = word(at);
                pairs.put(type, word(at + 8));
                if (type == AT_NULL)
                {
                    return pairs;
                }
            }
        }
    }
}
