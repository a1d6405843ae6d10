/**
 * What the memory services share and how they are put together: the boot helper
 * {@link org.tessera.kernel.service.memory.MemoryServices} that builds one frame allocator
 * service per NUMA node and one heap service per CPU and registers them on their CPUs, the
 * {@link org.tessera.kernel.service.memory.DeferredOutbox} in which a service keeps the sends a
 * full queue refused, the {@link org.tessera.kernel.service.memory.CorrelationTable} that finds
 * a forwarding session by correlation id, and the host-only
 * {@link org.tessera.kernel.service.memory.MemoryReport} that formats the statistics for
 * {@code tessera stats}. Kernel subset, except the report.
 */
package org.tessera.kernel.service.memory;
