/**
 * The kernel heap: a slab allocator for kernel objects carved from physical frames (size
 * classes 16 to 2048 bytes, per-CPU magazines, cache colouring), large allocations straight
 * from the frame allocator, fixed {@link org.tessera.kernel.service.heap.MemoryPool}s, and a
 * debug mode with red zones, poisoning, double-free and leak detection.
 *
 * <p>Objects are physical addresses in {@link org.tessera.arch.spi.PhysicalMemory}; all
 * metadata lives in primitive arrays allocated by the constructors, and errors are negative
 * {@link org.tessera.kernel.service.heap.HeapStatus} codes. Kernel subset. See
 * {@code docs/kernel-heap.md}.
 */
package org.tessera.kernel.service.heap;
