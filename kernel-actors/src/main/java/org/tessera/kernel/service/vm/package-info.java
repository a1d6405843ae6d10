/**
 * The virtual-memory service and the per-CPU TLB service.
 *
 * <p>{@link org.tessera.kernel.service.vm.VmService} owns every address space (id, region
 * table, page tables in the architecture's real format built through
 * {@link org.tessera.arch.spi.PageTableFormat}), resolves page faults (demand paging,
 * copy-on-write), and runs TLB shootdowns: a change that takes rights away is invalidated on
 * exactly the CPUs that may cache the space, and the request is answered only after all of them
 * acknowledged. {@link org.tessera.kernel.service.vm.TlbService} is the per-CPU side: it owns
 * that CPU's {@link org.tessera.arch.spi.Tlb}, activates spaces with the VM service before the
 * CPU caches their translations, and applies invalidations. Messages are those of
 * {@code vm.xml} (schema 4); {@code docs/virtual-memory.md} describes the protocol.
 *
 * <p>Kernel-subset code: no architecture package is imported; the format and the frame source
 * are given by whoever builds the service.
 */
package org.tessera.kernel.service.vm;
