package org.tessera.boot.elf;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The Linux-compatible initial stack of a new program, laid out byte for byte as Linux's
 * {@code create_elf_tables} (fs/binfmt_elf.c) does, below a given stack top:
 * <pre>
 *   stackTop  -&gt;  +--------------------------------+
 *                  | 8 zero bytes                   |  end marker
 *                  | execfn string (AT_EXECFN)      |
 *                  | envp strings, last at the top  |
 *                  | argv strings, argv[0] lowest   |  stringsStart
 *                  +--------------------------------+
 *                  | (down to a 16-byte boundary)   |
 *                  | 16 random bytes (AT_RANDOM)    |
 *                  +--------------------------------+
 *                  | (padding)                      |
 *                  | auxv: (type, value) pairs ..., AT_NULL, 0
 *                  | NULL                           |
 *                  | envp[0 .. envc-1]              |
 *                  | NULL                           |
 *                  | argv[0 .. argc-1]              |
 *   sp        -&gt;  | argc                           |  16-byte aligned
 *                  +--------------------------------+
 * </pre>
 * The string area's start is rounded down to 16 bytes before AT_RANDOM is placed (Linux's
 * {@code arch_align_stack} as on x86-64 and arm64, without its randomisation: the run's
 * layout must depend only on its inputs). All words are 64-bit little-endian. The strings are copied exactly (no encoding added or
 * removed) and NUL-terminated. The result is {@link #bytes()}, the image of
 * [{@link #stackPointer()}, stackTop), for the VM service to copy into the stack's pages;
 * the new thread starts with {@code sp = stackPointer()}.
 *
 * <p>Build one with {@link #builder()}; {@link Builder#forElf(ElfFile, long)} fills the
 * auxiliary vector from an ELF file the way Linux does.
 */
public final class InitialStack
{
    /** End of the auxiliary vector. */
    public static final long AT_NULL = 0;
    /** Address of the program headers in memory. */
    public static final long AT_PHDR = 3;
    /** Size of one program header. */
    public static final long AT_PHENT = 4;
    /** Number of program headers. */
    public static final long AT_PHNUM = 5;
    /** Page size. */
    public static final long AT_PAGESZ = 6;
    /** Base address of the interpreter; 0 for a static program. */
    public static final long AT_BASE = 7;
    /** Flags; 0. */
    public static final long AT_FLAGS = 8;
    /** The program's entry point (after the load bias). */
    public static final long AT_ENTRY = 9;
    /** Real user id. */
    public static final long AT_UID = 11;
    /** Effective user id. */
    public static final long AT_EUID = 12;
    /** Real group id. */
    public static final long AT_GID = 13;
    /** Effective group id. */
    public static final long AT_EGID = 14;
    /** Hardware capabilities: one bit per single-letter ISA extension. */
    public static final long AT_HWCAP = 16;
    /** Frequency of times(). */
    public static final long AT_CLKTCK = 17;
    /** Secure mode (setuid); 0. */
    public static final long AT_SECURE = 23;
    /** Address of 16 random bytes. */
    public static final long AT_RANDOM = 25;
    /** Address of the file name the program was started from. */
    public static final long AT_EXECFN = 31;

    /** AT_HWCAP for RV64GC as Linux reports it: the bits of I, M, A, F, D and C. */
    public static final long HWCAP_RV64GC = isaBit('i') | isaBit('m') | isaBit('a') | isaBit('f') | isaBit('d') | isaBit('c');
    /** AT_CLKTCK on Linux (USER_HZ). */
    public static final long CLOCK_TICKS = 100;
    /** Size of the AT_RANDOM block. */
    public static final int RANDOM_BYTES = 16;

    private final long stackTop;
    private final long stackPointer;
    private final byte[] bytes;
    private final int argc;
    private final int envc;
    private final long randomAddress;
    private final long execfnAddress;
    private final long stringsStart;

    private InitialStack(
        final long stackTop,
        final long stackPointer,
        final byte[] bytes,
        final int argc,
        final int envc,
        final long randomAddress,
        final long execfnAddress,
        final long stringsStart)
    {
        this.stackTop = stackTop;
        this.stackPointer = stackPointer;
        this.bytes = bytes;
        this.argc = argc;
        this.envc = envc;
        this.randomAddress = randomAddress;
        this.execfnAddress = execfnAddress;
        this.stringsStart = stringsStart;
    }

    private static long isaBit(final char letter)
    {
        return 1L << (letter - 'a');
    }

    /**
     * @return a builder with Linux's defaults for a static program (page size 4096, clock
     * ticks 100, RV64GC hardware capabilities, ids 0).
     */
    public static Builder builder()
    {
        return new Builder();
    }

    /**
     * @return the initial {@code sp}: 16-byte aligned, pointing at argc.
     */
    public long stackPointer()
    {
        return stackPointer;
    }

    /**
     * @return the stack top the image was laid out below (exclusive).
     */
    public long stackTop()
    {
        return stackTop;
    }

    /**
     * @return the image of [stackPointer, stackTop), a copy.
     */
    public byte[] bytes()
    {
        return bytes.clone();
    }

    /**
     * @return the number of bytes of the image, {@code stackTop - stackPointer}.
     */
    public int size()
    {
        return bytes.length;
    }

    /**
     * @return argc.
     */
    public int argc()
    {
        return argc;
    }

    /**
     * @return the number of environment entries.
     */
    public int envc()
    {
        return envc;
    }

    /**
     * @return address of the argv pointer array.
     */
    public long argvAddress()
    {
        return stackPointer + 8;
    }

    /**
     * @return address of the envp pointer array.
     */
    public long envpAddress()
    {
        return argvAddress() + 8L * (argc + 1);
    }

    /**
     * @return address of the first auxiliary vector pair.
     */
    public long auxvAddress()
    {
        return envpAddress() + 8L * (envc + 1);
    }

    /**
     * @return address of the 16 AT_RANDOM bytes.
     */
    public long randomAddress()
    {
        return randomAddress;
    }

    /**
     * @return address of the AT_EXECFN string.
     */
    public long execfnAddress()
    {
        return execfnAddress;
    }

    /**
     * @return address of the first string (argv[0]'s bytes).
     */
    public long stringsStart()
    {
        return stringsStart;
    }

    /**
     * Collects what goes on the stack; {@link #build()} lays it out.
     */
    public static final class Builder
    {
        private long stackTop = -1;
        private final List<byte[]> argv = new ArrayList<>();
        private final List<byte[]> envp = new ArrayList<>();
        private byte[] execfn;
        private byte[] random;
        private int maxSize = 2 * 1024 * 1024;
        private final Map<Long, Long> auxv = new LinkedHashMap<>();

        private Builder()
        {
            // The order Linux emits them in, so that a program printing its auxv sees the same.
            auxv.put(AT_HWCAP, HWCAP_RV64GC);
            auxv.put(AT_PAGESZ, ElfFile.PAGE_SIZE);
            auxv.put(AT_CLKTCK, CLOCK_TICKS);
            auxv.put(AT_PHDR, 0L);
            auxv.put(AT_PHENT, (long)ProgramHeader.SIZE);
            auxv.put(AT_PHNUM, 0L);
            auxv.put(AT_BASE, 0L);
            auxv.put(AT_FLAGS, 0L);
            auxv.put(AT_ENTRY, 0L);
            auxv.put(AT_UID, 0L);
            auxv.put(AT_EUID, 0L);
            auxv.put(AT_GID, 0L);
            auxv.put(AT_EGID, 0L);
            auxv.put(AT_SECURE, 0L);
            auxv.put(AT_RANDOM, 0L);
            auxv.put(AT_EXECFN, 0L);
        }

        /**
         * @param address the first address above the stack; 16-byte aligned.
         * @return this.
         */
        public Builder stackTop(final long address)
        {
            if ((address & 15) != 0)
            {
                throw new IllegalArgumentException(String.format("stack top 0x%x is not 16-byte aligned", address));
            }
            stackTop = address;
            return this;
        }

        /**
         * @param args the argument strings, each as the exact bytes the program will see.
         * @return this.
         */
        public Builder argvBytes(final List<byte[]> args)
        {
            argv.clear();
            for (final byte[] arg : args)
            {
                argv.add(checkNoNul(arg, "argv").clone());
            }
            return this;
        }

        /**
         * @param args the argument strings, encoded as UTF-8.
         * @return this.
         */
        public Builder argv(final List<String> args)
        {
            return argvBytes(args.stream().map(s -> s.getBytes(StandardCharsets.UTF_8)).toList());
        }

        /**
         * @param env the environment entries ("NAME=value"), each as its exact bytes.
         * @return this.
         */
        public Builder envpBytes(final List<byte[]> env)
        {
            envp.clear();
            for (final byte[] entry : env)
            {
                envp.add(checkNoNul(entry, "envp").clone());
            }
            return this;
        }

        /**
         * @param env the environment entries ("NAME=value"), encoded as UTF-8.
         * @return this.
         */
        public Builder envp(final List<String> env)
        {
            return envpBytes(env.stream().map(s -> s.getBytes(StandardCharsets.UTF_8)).toList());
        }

        /**
         * @param name the AT_EXECFN string (Linux: the path given to execve); defaults to argv[0].
         * @return this.
         */
        public Builder execfn(final String name)
        {
            execfn = checkNoNul(name.getBytes(StandardCharsets.UTF_8), "execfn");
            return this;
        }

        /**
         * @param bytes the 16 AT_RANDOM bytes, from the run's seeded random source.
         * @return this.
         */
        public Builder random(final byte[] bytes)
        {
            if (bytes.length != RANDOM_BYTES)
            {
                throw new IllegalArgumentException("AT_RANDOM needs " + RANDOM_BYTES + " bytes, got " + bytes.length);
            }
            random = bytes.clone();
            return this;
        }

        /**
         * Sets an auxiliary vector entry: replaces the value of a type already present (in
         * place, keeping Linux's order) or appends a new type before AT_NULL. AT_RANDOM and
         * AT_EXECFN are filled in by {@link #build()}.
         *
         * @param type  an AT_* type other than AT_NULL.
         * @param value its value.
         * @return this.
         */
        public Builder aux(final long type, final long value)
        {
            if (type == AT_NULL)
            {
                throw new IllegalArgumentException("AT_NULL ends the vector and cannot be set");
            }
            auxv.put(type, value);
            return this;
        }

        /**
         * Fills AT_PHDR, AT_PHENT, AT_PHNUM and AT_ENTRY from an ELF file loaded at a bias,
         * as Linux does for a static program (AT_BASE stays 0: there is no interpreter).
         *
         * @param elf      the program.
         * @param loadBias {@link ElfFile#loadBias(long)}, 0 for ET_EXEC.
         * @return this.
         */
        public Builder forElf(final ElfFile elf, final long loadBias)
        {
            aux(AT_PHDR, elf.programHeaderAddress().isPresent() ? elf.programHeaderAddress().getAsLong() + loadBias : 0);
            aux(AT_PHENT, elf.programHeaderEntrySize());
            aux(AT_PHNUM, elf.programHeaderCount());
            aux(AT_ENTRY, elf.entry() + loadBias);
            return this;
        }

        /**
         * @param bytes the largest image accepted (Linux limits argument and environment
         *              strings to a quarter of the stack limit); default 2 MiB.
         * @return this.
         */
        public Builder maxSize(final int bytes)
        {
            maxSize = bytes;
            return this;
        }

        /**
         * Lays the stack out.
         *
         * @return the stack image and its addresses.
         * @throws IllegalStateException    when the stack top, argv or AT_RANDOM bytes are missing.
         * @throws IllegalArgumentException when the image would exceed the maximum size.
         */
        public InitialStack build()
        {
            if (stackTop == -1)
            {
                throw new IllegalStateException("no stack top given");
            }
            if (argv.isEmpty())
            {
                throw new IllegalStateException("argv is empty: argv[0] names the program");
            }
            Objects.requireNonNull(random, "no AT_RANDOM bytes given");
            final byte[] fileName = execfn != null ? execfn : argv.get(0);

            // Strings, from the top down: Linux reserves the top word, copies the file name,
            // then the environment and the arguments, each list last entry first.
            long stringsSize = 8 + fileName.length + 1L;
            for (final byte[] s : envp)
            {
                stringsSize += s.length + 1L;
            }
            for (final byte[] s : argv)
            {
                stringsSize += s.length + 1L;
            }
            final long stringsStart = stackTop - stringsSize;
            final long randomAddress = (stringsStart & ~15L) - RANDOM_BYTES;
            final long execfnAddress = stackTop - 8 - (fileName.length + 1L);

            auxv.put(AT_RANDOM, randomAddress);
            auxv.put(AT_EXECFN, execfnAddress);
            final long auxWords = 2L * (auxv.size() + 1);
            final long pointerWords = 1 + (argv.size() + 1L) + (envp.size() + 1L);
            final long stackPointer = (randomAddress - 8 * auxWords - 8 * pointerWords) & ~15L;

            final long size = stackTop - stackPointer;
            if (size > maxSize)
            {
                throw new IllegalArgumentException(
                    "initial stack needs " + size + " bytes, more than the limit of " + maxSize);
            }
            final byte[] image = new byte[(int)size];
            final ByteBuffer out = ByteBuffer.wrap(image).order(ByteOrder.LITTLE_ENDIAN);

            long stringAt = stringsStart;
            out.putLong(0, argv.size());
            int word = 8;
            for (final byte[] s : argv)
            {
                out.putLong(word, stringAt);
                word += 8;
                stringAt = putString(image, stackPointer, stringAt, s);
            }
            out.putLong(word, 0);
            word += 8;
            for (final byte[] s : envp)
            {
                out.putLong(word, stringAt);
                word += 8;
                stringAt = putString(image, stackPointer, stringAt, s);
            }
            out.putLong(word, 0);
            word += 8;
            for (final Map.Entry<Long, Long> e : auxv.entrySet())
            {
                out.putLong(word, e.getKey());
                out.putLong(word + 8, e.getValue());
                word += 16;
            }
            out.putLong(word, AT_NULL);
            out.putLong(word + 8, 0);
            putString(image, stackPointer, stringAt, fileName);
            System.arraycopy(random, 0, image, (int)(randomAddress - stackPointer), RANDOM_BYTES);

            return new InitialStack(stackTop, stackPointer, image, argv.size(), envp.size(),
                randomAddress, execfnAddress, stringsStart);
        }

        private static long putString(final byte[] image, final long base, final long address, final byte[] s)
        {
            System.arraycopy(s, 0, image, (int)(address - base), s.length);
            image[(int)(address - base) + s.length] = 0;
            return address + s.length + 1;
        }

        private static byte[] checkNoNul(final byte[] s, final String what)
        {
            for (final byte b : s)
            {
                if (b == 0)
                {
                    throw new IllegalArgumentException(what + " string contains a NUL byte");
                }
            }
            return s;
        }
    }
}
