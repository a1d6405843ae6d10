package org.tessera.arch.riscv64.paging;

import org.tessera.arch.spi.AccessKind;
import org.tessera.arch.spi.PageFlags;
import org.tessera.arch.spi.PageTableFormat;
import org.tessera.arch.spi.PhysicalMemory;

/**
 * RISC-V Sv48 (privileged architecture, "Sv48: Page-Based 48-bit Virtual-Memory System").
 *
 * <pre>
 *  63   54 53      37 36      28 27      19 18      10 9 8 7 6 5 4 3 2 1 0
 * +-------+----------+----------+----------+----------+---+-+-+-+-+-+-+-+-+
 * |reserved| PPN[3]  |  PPN[2]  |  PPN[1]  |  PPN[0]  |RSW|D|A|G|U|X|W|R|V|
 * +-------+----------+----------+----------+----------+---+-+-+-+-+-+-+-+-+
 * </pre>
 * A valid entry with R=W=X=0 points to the next table (its A, D and U are left 0 as the
 * spec asks); any other valid entry is a leaf, at any level: 4 KiB, 2 MiB mega, 1 GiB giga
 * or 512 GiB tera page, whose PPN fields below its level must be zero. W=1 with R=0 is
 * reserved. Bits 63:54 are zero (no Svnapot, no Svpbmt), so there is no memory-type bit:
 * {@link PageFlags#DEVICE} is not encoded, physical memory attributes decide.
 *
 * <p>Modelled control state: sstatus.SUM=1 (supervisor loads and stores may touch U pages;
 * supervisor instruction fetch from a U page always faults), MXR=0, hardware A/D updating
 * (Svadu). Virtual addresses must have bits 63:48 equal to bit 47.
 */
public final class Sv48PageTableFormat extends PageTableFormat
{
    /** Valid. */
    public static final long V = 1L;
    /** Readable. */
    public static final long R = 1L << 1;
    /** Writable. */
    public static final long W = 1L << 2;
    /** Executable. */
    public static final long X = 1L << 3;
    /** User-mode accessible. */
    public static final long U = 1L << 4;
    /** Global. */
    public static final long G = 1L << 5;
    /** Accessed. */
    public static final long A = 1L << 6;
    /** Dirty. */
    public static final long D = 1L << 7;
    /** Position of the PPN in an entry. */
    public static final int PPN_SHIFT = 10;
    /** Width of the PPN (44 bits: a 56-bit physical address). */
    public static final int PPN_BITS = 44;
    /** Reserved bits 63:54. */
    public static final long RESERVED = -1L << 54;

    private static final long PPN_MASK = (1L << PPN_BITS) - 1;

    /**
     * @param memory physical memory the tables live in.
     */
    public Sv48PageTableFormat(final PhysicalMemory memory)
    {
        super(memory);
    }

    @Override
    public int physicalAddressBits()
    {
        return 56;
    }

    @Override
    protected int entryKind(final long entry, final int level)
    {
        if ((entry & V) == 0 || (entry & RESERVED) != 0 || (entry & (R | W)) == W)
        {
            return INVALID;
        }
        if ((entry & (R | W | X)) == 0)
        {
            return level > 0 ? TABLE : INVALID;
        }
        // A superpage whose PPN is not aligned to its size is a page fault.
        final long lowPpn = (1L << (9 * level)) - 1;
        return ((entry >>> PPN_SHIFT) & lowPpn) == 0 ? LEAF : INVALID;
    }

    @Override
    protected long tableAddress(final long entry)
    {
        return ((entry >>> PPN_SHIFT) & PPN_MASK) << 12;
    }

    @Override
    protected long tableEntry(final long table, final int flags, final int level)
    {
        return ((table >>> 12) << PPN_SHIFT) | V;
    }

    @Override
    protected boolean leafAllowed(final int level)
    {
        return true;
    }

    @Override
    protected long leafEntry(final long physicalAddress, final int level, final int flags)
    {
        long entry = ((physicalAddress >>> 12) << PPN_SHIFT) | V;
        if ((flags & PageFlags.READ) != 0)
        {
            entry |= R;
        }
        if ((flags & PageFlags.WRITE) != 0)
        {
            entry |= W;
        }
        if ((flags & PageFlags.EXECUTE) != 0)
        {
            entry |= X;
        }
        if ((flags & PageFlags.USER) != 0)
        {
            entry |= U;
        }
        if ((flags & PageFlags.GLOBAL) != 0)
        {
            entry |= G;
        }
        if ((flags & PageFlags.ACCESSED) != 0)
        {
            entry |= A;
        }
        if ((flags & PageFlags.DIRTY) != 0)
        {
            entry |= D;
        }
        return entry;
    }

    @Override
    protected long leafAddress(final long entry, final int level)
    {
        return ((entry >>> PPN_SHIFT) & PPN_MASK) << 12;
    }

    @Override
    protected int leafFlags(final long entry, final int level)
    {
        int flags = 0;
        if ((entry & R) != 0)
        {
            flags |= PageFlags.READ;
        }
        if ((entry & W) != 0)
        {
            flags |= PageFlags.WRITE;
        }
        if ((entry & X) != 0)
        {
            flags |= PageFlags.EXECUTE;
        }
        if ((entry & U) != 0)
        {
            flags |= PageFlags.USER;
        }
        if ((entry & G) != 0)
        {
            flags |= PageFlags.GLOBAL;
        }
        if ((entry & A) != 0)
        {
            flags |= PageFlags.ACCESSED;
        }
        if ((entry & D) != 0)
        {
            flags |= PageFlags.DIRTY;
        }
        return flags;
    }

    @Override
    protected long initialRestriction()
    {
        return 0;
    }

    @Override
    protected long restrict(final long restriction, final long entry)
    {
        // Sv48 non-leaf entries carry no permissions.
        return restriction;
    }

    @Override
    protected boolean permits(final long entry, final long restriction, final int accessKind, final boolean userMode)
    {
        final boolean userPage = (entry & U) != 0;
        if (userMode != userPage && (userMode || accessKind == AccessKind.EXECUTE))
        {
            return false;
        }
        return switch (accessKind)
        {
            case AccessKind.READ -> (entry & R) != 0;
            case AccessKind.WRITE -> (entry & W) != 0;
            case AccessKind.EXECUTE -> (entry & X) != 0;
            default -> false;
        };
    }

    @Override
    protected long markUsed(final long entry, final int accessKind)
    {
        return accessKind == AccessKind.WRITE ? entry | A | D : entry | A;
    }

    @Override
    protected long clearState(final long entry, final int which)
    {
        long next = entry;
        if ((which & PageFlags.ACCESSED) != 0)
        {
            next &= ~A;
        }
        if ((which & PageFlags.DIRTY) != 0)
        {
            next &= ~D;
        }
        return next;
    }

    @Override
    protected long canonical(final long virtualAddress)
    {
        return (virtualAddress << 16) >> 16;
    }
}
