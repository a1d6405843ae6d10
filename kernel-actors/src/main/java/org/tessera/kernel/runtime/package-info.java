/**
 * The actor runtime: actor contract and addresses, the per-CPU loop ({@link
 * org.tessera.kernel.runtime.CpuAgent}) with in-place dispatch of same-CPU messages and inbox
 * delivery of cross-CPU ones, request/reply correlation, deterministic per-CPU timers and
 * digests. Kernel subset: this package is compiled for bare metal later, and checked by the
 * build.
 */
package org.tessera.kernel.runtime;
