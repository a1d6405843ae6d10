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
    /** {@code tessera_cap_get(which, arg)}: the token behind a handle (see {@link HandleTable}). */
    public static final int TESSERA_CAP_GET = TESSERA_BASE + 1;
    /** {@code tessera_cap_bind(which, arg, token)}: point a handle at another token. */
    public static final int TESSERA_CAP_BIND = TESSERA_BASE + 2;
    /** {@code tessera_cap_derive(token, rights, flags)}: a copy with fewer rights; returns its token. */
    public static final int TESSERA_CAP_DERIVE = TESSERA_BASE + 3;
    /** {@code tessera_cap_revoke(token)}: revoke it and every copy made from it, in every space; returns how many. */
    public static final int TESSERA_CAP_REVOKE = TESSERA_BASE + 4;
    /** {@code tessera_cap_delete(token)}: drop this copy. */
    public static final int TESSERA_CAP_DELETE = TESSERA_BASE + 5;

    /** {@code which} of the cap calls: a descriptor, {@code arg} 0 to 2. */
    public static final int CAP_FD = 0;
    /** {@code which}: the calling process. */
    public static final int CAP_SELF = 1;
    /** {@code which}: the calling process's address space. */
    public static final int CAP_ASPACE = 2;
    /** {@code which}: a child, {@code arg} its pid. */
    public static final int CAP_CHILD = 3;

    private SyscallNumbers()
    {
    }
}
