/**
 * The per-CPU scheduler: a round-robin run queue of user threads, the CPU's user-mode engine
 * and its TLB, and the hook that runs one slice of the current thread after the CPU's loop has
 * drained its messages. Traps leave as messages: an {@code ecall} to the syscall service, a
 * fault to the process manager; the thread stays parked until a {@code SyscallResult}.
 */
package org.tessera.kernel.service.sched;
