/**
 * Host-side assembly of a machine that runs user programs: the loader that lays out memory,
 * registers every CPU's scheduler, syscall service, process manager, process VM service and
 * console, and drives the CPUs (threads or simulator); and the host end of the console. Host
 * code, outside the kernel subset: {@code tessera run}, {@code tessera boot IMAGE}, tests and
 * benchmarks use it.
 */
package org.tessera.kernel.userland;
