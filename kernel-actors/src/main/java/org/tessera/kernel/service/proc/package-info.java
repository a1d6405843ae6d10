/**
 * Processes: the per-CPU process manager shard (create from an ELF program of the boot image,
 * address space, initial stack, exit, zombies, wait4, kill, spawn across CPUs, memory calls),
 * the program table handed over at boot, a kernel-subset ELF reader and pid arithmetic.
 */
package org.tessera.kernel.service.proc;
