package org.tessera.arch.spi;

/**
 * Receives every leaf mapping of an address space from {@link PageTableFormat#walk}, in
 * ascending table order (which is ascending virtual address within each canonical half).
 */
public interface PageTableVisitor
{
    /**
     * One leaf mapping.
     *
     * @param virtualAddress  first virtual address of the page (canonical form).
     * @param physicalAddress first physical address of the page.
     * @param size            page size in bytes (one of the {@code PageTableFormat.SIZE_*}).
     * @param flags           {@link PageFlags} decoded from the entry.
     */
    void onLeaf(long virtualAddress, long physicalAddress, long size, int flags);
}
