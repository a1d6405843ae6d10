package org.tessera.kernel.service.proc;

import org.tessera.arch.spi.PageTableFormat;
import org.tessera.arch.spi.PageTableVisitor;

/**
 * Every change a process manager makes to an address space, in one place: the seam where the
 * VM service's messages (map, unmap, protect, release, with TLB shootdown) take over once
 * address spaces move there. Until then it maps directly through the architecture's
 * {@link PageTableFormat} with frames from the CPU's partition ({@link ProcessFrames}); the
 * CPU's TLB is flushed by the scheduler when a result says so.
 *
 * <p>Frames allocated or freed are recorded under the process set with {@link #own}.
 */
public final class AddressSpaces
{
    /** Page size. */
    public static final long PAGE = 4096;

    private final PageTableFormat format;
    private final ProcessFrames frames;
    private final RangeCollector range = new RangeCollector(4096);
    private final PageReleaser releaser = new PageReleaser();

    /**
     * @param format the architecture's page-table format.
     * @param frames the CPU's partition.
     */
    public AddressSpaces(final PageTableFormat format, final ProcessFrames frames)
    {
        this.format = format;
        this.frames = frames;
        this.releaser.frames = frames;
    }

    /** Frames from now on belong to {@code pid}, counted in {@code slot}. */
    public void own(final int pid, final int slot)
    {
        frames.owner(pid, slot);
    }

    /** @return a new empty address space's root, or a negative value when out of memory. */
    public long create()
    {
        return format.createRoot(frames);
    }

    /** @return the physical address {@code va} maps to (no permission check), or a negative value. */
    public long translate(final long root, final long va)
    {
        return format.physicalAddress(root, va);
    }

    /** Map a zeroed page; @return its frame, or a negative value when out of memory. */
    public long mapZeroed(final long root, final long va, final int flags)
    {
        final long pa = frames.allocateZeroedFrame();
        if (pa < 0)
        {
            return -1;
        }
        if (format.map(root, va, pa, PAGE, flags, frames) < 0)
        {
            frames.freeFrame(pa);
            return -1;
        }
        return pa;
    }

    /** Add permissions to a mapped page (two segments sharing a page get the union). */
    public void widen(final long root, final long va, final int flags)
    {
        format.protect(root, va, format.flags(root, va) | flags);
    }

    /** Set a mapped page's permissions. */
    public void protect(final long root, final long va, final int flags)
    {
        format.protect(root, va, flags);
    }

    /**
     * Unmap and free every page mapped in [from, to). The address space is walked, not the
     * range, so a huge range costs what is mapped, not what is asked for.
     */
    public void unmap(final long root, final long from, final long to)
    {
        while (true)
        {
            range.reset(from, to);
            format.walk(root, range);
            for (int i = 0; i < range.count; i++)
            {
                final long pa = format.unmap(root, range.found[i], PAGE);
                if (pa >= 0)
                {
                    frames.freeFrame(pa);
                }
            }
            if (range.count < range.found.length)
            {
                return;
            }
        }
    }

    /** @return pages mapped in [from, to). */
    public long mappedPages(final long root, final long from, final long to)
    {
        range.reset(from, to);
        format.walk(root, range);
        return range.total;
    }

    /** Free every mapped page and every table of an address space, the root included. */
    public void release(final long root)
    {
        format.walk(root, releaser);
        format.releaseAll(root, frames);
    }

    /** @return frames the slot's process holds. */
    public long held(final int slot)
    {
        return frames.held(slot);
    }

    /** @return free frames in the partition. */
    public long freeFrames()
    {
        return frames.freeFrames();
    }

    /** @return the partition. */
    public ProcessFrames frames()
    {
        return frames;
    }

    /** Collects the 4 KiB leaves inside a range (up to its capacity) and counts them all. */
    private static final class RangeCollector implements PageTableVisitor
    {
        final long[] found;
        long from;
        long to;
        int count;
        long total;

        RangeCollector(final int capacity)
        {
            found = new long[capacity];
        }

        void reset(final long start, final long end)
        {
            from = start;
            to = end;
            count = 0;
            total = 0;
        }

        public void onLeaf(final long virtualAddress, final long physicalAddress, final long size, final int flags)
        {
            if (virtualAddress >= from && virtualAddress < to)
            {
                total++;
                if (count < found.length)
                {
                    found[count++] = virtualAddress;
                }
            }
        }
    }

    /** Frees the frames that leaves map (the tables are freed after the walk). */
    private static final class PageReleaser implements PageTableVisitor
    {
        ProcessFrames frames;

        public void onLeaf(final long virtualAddress, final long physicalAddress, final long size, final int flags)
        {
            frames.freeFrame(physicalAddress);
        }
    }
}
