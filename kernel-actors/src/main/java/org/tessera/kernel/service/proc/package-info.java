/**
 * Processes: the per-CPU process manager shard (create from an ELF program of the boot image,
 * its address space built and changed by messages to the CPU's VM service, initial stack, exit,
 * zombies, wait4, kill, spawn across CPUs, memory calls and page faults),
 * the program table handed over at boot, a kernel-subset ELF reader and pid arithmetic.
 */
package org.tessera.kernel.service.proc;
