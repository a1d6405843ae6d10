package org.tessera.arch.spi;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Seeded generator of non-overlapping mapping lists, clustered so that tables are shared
 * (several pages under one PT/PD) as well as spread over the whole address space.
 */
public final class RandomMappings
{
    /** Flag combinations every format accepts. */
    private static final int[] PERMISSIONS = {
        PageFlags.READ,
        PageFlags.READ | PageFlags.WRITE,
        PageFlags.READ | PageFlags.EXECUTE,
        PageFlags.READ | PageFlags.WRITE | PageFlags.EXECUTE,
        PageFlags.EXECUTE,
    };

    private RandomMappings()
    {
    }

    /**
     * One generated mapping.
     *
     * @param virtualAddress  canonical virtual address.
     * @param physicalAddress physical address below 2^40.
     * @param size            page size.
     * @param flags           {@link PageFlags} (permissions, USER, GLOBAL only).
     */
    public record Mapping(long virtualAddress, long physicalAddress, long size, int flags)
    {
        /** @return true when {@code va} lies inside this mapping. */
        public boolean covers(final long va)
        {
            return Long.compareUnsigned(va, virtualAddress) >= 0 &&
                Long.compareUnsigned(va - virtualAddress, size) < 0;
        }

        /** @return true when the two mappings share an address. */
        public boolean overlaps(final Mapping other)
        {
            return Long.compareUnsigned(virtualAddress, other.virtualAddress + other.size - 1) <= 0 &&
                Long.compareUnsigned(other.virtualAddress, virtualAddress + size - 1) <= 0;
        }

        /** @return the line {@code PageTableExport} reads. */
        public String toLine()
        {
            final StringBuilder letters = new StringBuilder();
            if ((flags & PageFlags.READ) != 0)
            {
                letters.append('r');
            }
            if ((flags & PageFlags.WRITE) != 0)
            {
                letters.append('w');
            }
            if ((flags & PageFlags.EXECUTE) != 0)
            {
                letters.append('x');
            }
            if ((flags & PageFlags.USER) != 0)
            {
                letters.append('u');
            }
            if ((flags & PageFlags.GLOBAL) != 0)
            {
                letters.append('g');
            }
            final String size = this.size == PageTableFormat.SIZE_4K ? "4K" :
                this.size == PageTableFormat.SIZE_2M ? "2M" : this.size == PageTableFormat.SIZE_1G ? "1G" : "512G";
            return String.format("%016x %x %s %s", virtualAddress, physicalAddress, size, letters);
        }
    }

    /**
     * @param seed       random seed.
     * @param count      mappings wanted.
     * @param upperHalf  true when the format has a sign-extended upper half (x86_64, Sv48);
     *                   false for AArch64 TTBR0 ([0, 2^48)).
     * @param maxSize    largest page size to generate.
     * @return a non-overlapping list in generation order.
     */
    public static List<Mapping> generate(final long seed, final int count, final boolean upperHalf, final long maxSize)
    {
        final SplittableRandom random = new SplittableRandom(seed);
        final long[] clusters = new long[4];
        for (int i = 0; i < clusters.length; i++)
        {
            clusters[i] = randomVa(random, upperHalf) & -PageTableFormat.SIZE_512G;
        }
        final List<Mapping> mappings = new ArrayList<>();
        int attempts = 0;
        while (mappings.size() < count && attempts++ < count * 20)
        {
            final long size = randomSize(random, maxSize);
            final long va;
            if (size == PageTableFormat.SIZE_512G || random.nextInt(8) == 0)
            {
                va = randomVa(random, upperHalf) & -size;
            }
            else
            {
                // Within 8 GiB of a cluster base: many pages share tables.
                va = (clusters[random.nextInt(clusters.length)] + random.nextLong(1L << 33)) & -size;
            }
            final long pa = random.nextLong(1L << 40) & -size;
            int flags = PERMISSIONS[random.nextInt(PERMISSIONS.length)];
            if (random.nextBoolean())
            {
                flags |= PageFlags.USER;
            }
            if (random.nextInt(4) == 0)
            {
                flags |= PageFlags.GLOBAL;
            }
            final Mapping candidate = new Mapping(va, pa, size, flags);
            boolean free = true;
            for (final Mapping existing : mappings)
            {
                if (existing.overlaps(candidate))
                {
                    free = false;
                    break;
                }
            }
            if (free)
            {
                mappings.add(candidate);
            }
        }
        return mappings;
    }

    /**
     * @return a random canonical virtual address.
     */
    public static long randomVa(final SplittableRandom random, final boolean upperHalf)
    {
        final long low = random.nextLong(1L << 47);
        if (upperHalf)
        {
            return random.nextBoolean() ? low | 0xFFFF_8000_0000_0000L : low;
        }
        return low | (random.nextLong(2) << 47);
    }

    private static long randomSize(final SplittableRandom random, final long maxSize)
    {
        final int pick = random.nextInt(100);
        final long size = pick < 70 ? PageTableFormat.SIZE_4K : pick < 90 ? PageTableFormat.SIZE_2M :
            pick < 98 ? PageTableFormat.SIZE_1G : PageTableFormat.SIZE_512G;
        return Math.min(size, maxSize);
    }
}
