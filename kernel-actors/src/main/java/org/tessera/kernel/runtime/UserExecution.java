package org.tessera.kernel.runtime;

/**
 * User code on a CPU: the scheduler's hook into the per-CPU loop. After the loop has fired its
 * timers and drained its queues, it runs one slice of the current user thread when there is
 * one. A trap (system call, page fault, timer tick) ends the slice and becomes a message sent
 * through the context, as the actor that attached the hook; the thread stays parked until the
 * reply makes it runnable again.
 */
public interface UserExecution
{
    /** @return true when a user thread is ready to run on this CPU. */
    boolean runnable();

    /**
     * Run the current user thread for one slice.
     *
     * @param context the CPU's context, acting as the actor that attached this hook.
     * @return user instructions retired in the slice.
     */
    long run(ActorContext context);
}
