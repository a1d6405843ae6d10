package org.tessera.kernel.service.syscall;

/**
 * System call numbers: Linux RISC-V ({@code asm-generic/unistd.h}) and Tessera's own range
 * from {@link #TESSERA_BASE}.
 */
public final class SyscallNumbers
{
    public static final int WRITE = 64;
    public static final int EXIT = 93;
    public static final int EXIT_GROUP = 94;
    public static final int NANOSLEEP = 101;
    public static final int CLOCK_GETTIME = 113;
    public static final int SCHED_YIELD = 124;
    public static final int KILL = 129;
    public static final int GETPID = 172;
    public static final int GETTID = 178;
    public static final int BRK = 214;
    public static final int MUNMAP = 215;
    public static final int MMAP = 222;
    public static final int MPROTECT = 226;
    public static final int WAIT4 = 260;
    /** First of Tessera's own calls, far above the Linux table. */
    public static final int TESSERA_BASE = 4096;
    /** {@code tessera_spawn(name, argv)}. */
    public static final int TESSERA_SPAWN = TESSERA_BASE;

    private SyscallNumbers()
    {
    }
}
