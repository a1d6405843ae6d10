package org.tessera.kernel.runtime;

/**
 * Service ids: the {@code service} field of an actor address. Ids below
 * {@link #FIRST_USER_SERVICE} belong to the kernel; simulations embedding the runtime give
 * their own actors ids from {@link #FIRST_USER_SERVICE} up.
 */
public final class ServiceIds
{
    /** The per-CPU runtime itself (shutdown and control messages). */
    public static final int RUNTIME = 0;
    /** The boot self-check workload. */
    public static final int SELF_CHECK = 1;
    public static final int FRAME = 2;
    public static final int VM = 3;
    public static final int HEAP = 4;
    public static final int SCHED = 5;
    public static final int PROC = 6;
    public static final int IPC = 7;
    public static final int CAP = 8;
    public static final int TIMER = 9;
    public static final int CONSOLE = 10;
    public static final int SYSCALL = 11;
    /** First id free for actors that are not kernel services. */
    public static final int FIRST_USER_SERVICE = 32;
    /** Services per CPU the dispatch table holds. */
    public static final int MAX_SERVICES = 64;
    /** Instances per service per CPU the dispatch table holds. */
    public static final int MAX_INSTANCES = 64;

    private ServiceIds()
    {
    }
}
