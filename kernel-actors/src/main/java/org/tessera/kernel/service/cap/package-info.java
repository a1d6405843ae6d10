/**
 * The data-structure core of the capability system: packed 64-bit tokens
 * ({@link org.tessera.kernel.service.cap.CapabilityToken}), per-process two-level capability
 * spaces ({@link org.tessera.kernel.service.cap.CapabilitySpace}) whose L2 pages come from an
 * off-heap {@link org.tessera.kernel.service.cap.CapabilityPagePool}, the cross-space
 * {@link org.tessera.kernel.service.cap.DerivationTree} with cascading revocation, and the
 * per-CPU {@link org.tessera.kernel.service.cap.CapabilityCache}.
 *
 * <p>The capability authority service actor drives these structures by message; every other
 * service validates the capability named by an outside request through
 * {@link org.tessera.kernel.service.cap.CapabilitySpace#check(long, int, int)} (or the per-CPU
 * cache in front of it) before it acts. Everything here is kernel subset: state lives in
 * primitive arrays and Agrona buffers allocated by constructors, and no operation allocates.
 * The design is described in {@code docs/capabilities.md}.
 */
package org.tessera.kernel.service.cap;
