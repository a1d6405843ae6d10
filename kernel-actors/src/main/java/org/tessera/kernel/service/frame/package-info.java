/**
 * The physical frame allocator core: the machine's physical layout (NUMA nodes, zones DMA /
 * Normal / High, reserved ranges), a buddy allocator per zone for runs of 512 frames and more,
 * a bitmap allocator layered on top of it for smaller runs, the per-node
 * {@link org.tessera.kernel.service.frame.FrameAllocatorCore} with ownership records, zone
 * watermarks, lowmem reserves and statistics, and the NUMA fallback policy.
 *
 * <p>Everything here is kernel subset: state lives in primitive arrays allocated by the
 * constructors, no method allocates afterwards, and errors are negative return codes
 * ({@link org.tessera.kernel.service.frame.FrameStatus}). The frame allocator service actor
 * (one per NUMA node) drives a core by message; see {@code docs/frame-allocator.md}.
 */
package org.tessera.kernel.service.frame;
