package org.tessera.arch.riscv64.engine;

import org.tessera.arch.spi.PhysicalMemory;

/**
 * How the engine reaches memory: translate a virtual address, page by page, then access
 * {@link PhysicalMemory}. Translations are valid for the 4 KiB page containing the address; the
 * engine splits accesses that cross a page boundary and translates each part.
 *
 * <p>An implementation is owned by one CPU: {@link #translate} is called only from the thread
 * running that CPU's engine, and changes to the mapping (TLB flushes, new roots) are made
 * between {@link RiscvCpu#run(long)} calls on that thread. The engine relies on this: it
 * caches successful translations and keeps them from one run to the next only while
 * {@link #mappingVersion()} stays the same; instructions decoded from the frames they reach
 * are kept across runs only when its owner promises to drop them with every TLB flush
 * ({@link RiscvCpu#keepDecodedAcrossRuns}).
 */
public interface GuestMemory
{
    /** Access type: instruction fetch (needs X). */
    int FETCH = 0;
    /** Access type: load (needs R). */
    int LOAD = 1;
    /** Access type: store (needs W, and D under Sv48). */
    int STORE = 2;
    /** Access type: read-modify-write of an AMO or SC (needs R and W); faults report as stores. */
    int AMO = 3;

    /** Translation result: page fault (unmapped, or the permission is missing). */
    long PAGE_FAULT = -1;
    /** Translation result: access fault (no physical memory behind the address). */
    long ACCESS_FAULT = -2;

    /** @return the physical memory the translated addresses refer to. */
    PhysicalMemory physical();

    /**
     * Translate a user virtual address.
     *
     * @param virtualAddress any 64-bit address.
     * @param access         {@link #FETCH}, {@link #LOAD}, {@link #STORE} or {@link #AMO}.
     * @return the physical address (non-negative), {@link #PAGE_FAULT} or {@link #ACCESS_FAULT}.
     */
    long translate(long virtualAddress, int access);

    /**
     * A number that changes whenever a translation this memory gave before may no longer be
     * what {@link #translate} would give now: a new root or address space, any TLB flush.
     * Memory whose mappings never change returns a constant.
     */
    long mappingVersion();
}
