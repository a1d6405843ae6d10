/**
 * Recorded traces (host-only code): {@link org.tessera.kernel.runtime.trace.TraceRecorder}
 * appends every message each CPU handles to a per-CPU buffer and writes a versioned,
 * checksummed file; {@link org.tessera.kernel.runtime.trace.TraceReader} reads one back and
 * refuses a truncated or corrupt file with a clear {@link
 * org.tessera.kernel.runtime.trace.TraceFormatException}.
 */
package org.tessera.kernel.runtime.trace;
