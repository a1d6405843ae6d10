package org.tessera.kernel.service.cap;

/**
 * Told of every (space, slot) a revocation or deletion invalidated, so that the authority can
 * mark the slots and broadcast cache invalidations. Implementations are preallocated objects
 * (never lambdas) and must not call back into the {@link DerivationTree} that is reporting.
 */
public interface RevocationListener
{
    /**
     * One capability was invalidated.
     *
     * @param spaceId   id of the space holding it.
     * @param slotIndex its slot in that space.
     */
    void onRevoked(int spaceId, int slotIndex);
}
