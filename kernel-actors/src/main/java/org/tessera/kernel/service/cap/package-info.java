/**
 * The capability system: packed 64-bit tokens
 * ({@link org.tessera.kernel.service.cap.CapabilityToken}), per-process two-level capability
 * spaces ({@link org.tessera.kernel.service.cap.CapabilitySpace}) whose L2 pages come from an
 * off-heap {@link org.tessera.kernel.service.cap.CapabilityPagePool}, the cross-space
 * {@link org.tessera.kernel.service.cap.DerivationTree} with cascading revocation, and the actors
 * that drive them by message: the authority shards
 * ({@link org.tessera.kernel.service.cap.CapabilityAuthorityService}), each owning the spaces whose
 * id maps to it, and one {@link org.tessera.kernel.service.cap.CapabilityCacheService} per CPU
 * keeping that CPU's {@link org.tessera.kernel.service.cap.CapabilityCache} coherent by broadcast
 * revocation.
 *
 * <p>Every service validates the capability named by an outside request through its CPU's
 * {@link org.tessera.kernel.service.cap.CapabilityChecker} before it acts: a cache hit, or a
 * CapValidate to the owning shard whose reply fills the cache unless an invalidation arrived
 * meanwhile. Everything here is kernel subset: state lives in primitive arrays, preallocated
 * sessions and Agrona buffers allocated by constructors, and no operation allocates. The design
 * is described in {@code docs/capabilities.md}, the security model in
 * {@code docs/security-model.md}.
 */
package org.tessera.kernel.service.cap;
