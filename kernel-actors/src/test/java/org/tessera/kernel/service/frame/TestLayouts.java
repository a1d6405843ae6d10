package org.tessera.kernel.service.frame;

/** Memory descriptions shared by the frame allocator tests. */
final class TestLayouts
{
    static final long MIB = 1L << 20;

    private TestLayouts()
    {
    }

    /**
     * 96 MiB, one node: firmware [0, 1 MiB), kernel image [2 MiB, 2 MiB + 0x1A3000) and
     * boot data [80 MiB, 80 MiB + 12 KiB) reserved; DMA 0-16 MiB, Normal 16-96 MiB.
     */
    static MemoryDescription pc96()
    {
        return MemoryDescription.singleNode(
            96 * MIB,
            new long[]{0, 2 * MIB, 80 * MIB},
            new long[]{MIB, 0x1A3000, 0x3000},
            0);
    }

    /** One node of 64 MiB starting at 16 MiB: only a Normal zone, no reserved range. */
    static MemoryDescription normalOnly64()
    {
        return new MemoryDescription(
            80 * MIB, new long[]{16 * MIB}, new long[]{64 * MIB}, new int[]{10}, new long[0], new long[0], 0);
    }

    /**
     * Three nodes of 32 MiB: node 0 [0, 32 MiB) (holds DMA), node 1 [32, 64), node 2 [64, 96).
     * Distances: 0-1 30, 0-2 20, 1-2 20.
     */
    static MemoryDescription threeNodes()
    {
        return new MemoryDescription(
            96 * MIB,
            new long[]{0, 32 * MIB, 64 * MIB},
            new long[]{32 * MIB, 32 * MIB, 32 * MIB},
            new int[]{
                10, 30, 20,
                30, 10, 20,
                20, 20, 10},
            new long[]{0},
            new long[]{MIB},
            0);
    }
}
