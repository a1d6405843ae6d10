/**
 * System calls: the per-CPU {@link org.tessera.kernel.service.syscall.SyscallService} that
 * receives every {@code ecall} of the CPU's threads as a {@code SyscallTrap} message, the Linux
 * RISC-V numbers and errno values, and {@link org.tessera.kernel.service.syscall.GuestAccess}
 * (checked copies between guest virtual memory and kernel buffers).
 */
package org.tessera.kernel.service.syscall;
