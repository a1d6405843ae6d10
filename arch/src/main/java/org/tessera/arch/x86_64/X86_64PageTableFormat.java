package org.tessera.arch.x86_64;

import org.tessera.arch.spi.AccessKind;
import org.tessera.arch.spi.PageFlags;
import org.tessera.arch.spi.PageTableFormat;
import org.tessera.arch.spi.PhysicalMemory;

/**
 * x86_64 4-level paging (CR4.PAE=1, EFER.LME=1, CR4.LA57=0), Intel SDM vol. 3A §4.5.
 *
 * <pre>
 *  63 62      52 51                         12 11  9 8 7  6 5 4   3   2   1  0
 * +--+----------+-----------------------------+-----+-+--+-+-+---+---+---+---+-+
 * |XD| ignored  | physical address [51:12]    | ign |G|PS|D|A|PCD|PWT|U/S|R/W|P|
 * +--+----------+-----------------------------+-----+-+--+-+-+---+---+---+---+-+
 * </pre>
 * PS (bit 7) marks a 1 GiB page in a PDPTE and a 2 MiB page in a PDE; it is reserved in a
 * PML4E and is the PAT bit in a PTE (left 0). In 2 MiB/1 GiB entries bit 12 is PAT (left 0)
 * and the address starts at bit 21/30. G and D are meaningful in leaves only.
 *
 * <p>Table entries are P|R/W, plus U/S once any user mapping lies below, and never XD, so
 * that the leaf alone decides the permissions. Device memory is PCD|PWT (PAT entry 3, UC,
 * with the power-on PAT). Modelled control state: CR0.WP=1, EFER.NXE=1, CR4.SMEP=1,
 * CR4.SMAP=0, 1 GiB pages supported, MAXPHYADDR 52.
 */
public final class X86_64PageTableFormat extends PageTableFormat
{
    /** Present. */
    public static final long P = 1L;
    /** Read/write. */
    public static final long RW = 1L << 1;
    /** User/supervisor. */
    public static final long US = 1L << 2;
    /** Page-level write-through. */
    public static final long PWT = 1L << 3;
    /** Page-level cache disable. */
    public static final long PCD = 1L << 4;
    /** Accessed. */
    public static final long A = 1L << 5;
    /** Dirty (leaves only). */
    public static final long D = 1L << 6;
    /** Page size: the PDPTE/PDE maps a 1 GiB/2 MiB page. */
    public static final long PS = 1L << 7;
    /** Global (leaves only). */
    public static final long G = 1L << 8;
    /** Execute-disable. */
    public static final long XD = 1L << 63;
    /** Physical address bits [51:12]. */
    public static final long ADDRESS_MASK = 0x000F_FFFF_FFFF_F000L;

    /**
     * @param memory physical memory the tables live in.
     */
    public X86_64PageTableFormat(final PhysicalMemory memory)
    {
        super(memory);
    }

    @Override
    public int physicalAddressBits()
    {
        return 52;
    }

    @Override
    protected int entryKind(final long entry, final int level)
    {
        if ((entry & P) == 0)
        {
            return INVALID;
        }
        if (level == 0)
        {
            return LEAF;
        }
        if ((entry & PS) == 0)
        {
            return TABLE;
        }
        if (level == ROOT_LEVEL)
        {
            // PS is reserved in a PML4E: a reserved-bit page fault.
            return INVALID;
        }
        // Large-page address bits below the page size (except PAT at bit 12) are reserved.
        final long reserved = (levelSize(level) - 1) & ADDRESS_MASK & ~(1L << 12);
        return (entry & reserved) == 0 ? LEAF : INVALID;
    }

    @Override
    protected long tableAddress(final long entry)
    {
        return entry & ADDRESS_MASK;
    }

    @Override
    protected long tableEntry(final long table, final int flags, final int level)
    {
        return table | P | RW | ((flags & PageFlags.USER) != 0 ? US : 0);
    }

    @Override
    protected long widenTableEntry(final long entry, final int flags, final int level)
    {
        return (flags & PageFlags.USER) != 0 ? entry | US | RW : entry | RW;
    }

    @Override
    protected boolean leafAllowed(final int level)
    {
        return level < ROOT_LEVEL;
    }

    @Override
    protected long leafEntry(final long physicalAddress, final int level, final int flags)
    {
        long entry = physicalAddress | P;
        if ((flags & PageFlags.WRITE) != 0)
        {
            entry |= RW;
        }
        if ((flags & PageFlags.USER) != 0)
        {
            entry |= US;
        }
        if ((flags & PageFlags.DEVICE) != 0)
        {
            entry |= PCD | PWT;
        }
        if ((flags & PageFlags.ACCESSED) != 0)
        {
            entry |= A;
        }
        if ((flags & PageFlags.DIRTY) != 0)
        {
            entry |= D;
        }
        if (level > 0)
        {
            entry |= PS;
        }
        if ((flags & PageFlags.GLOBAL) != 0)
        {
            entry |= G;
        }
        if ((flags & PageFlags.EXECUTE) == 0)
        {
            entry |= XD;
        }
        return entry;
    }

    @Override
    protected long leafAddress(final long entry, final int level)
    {
        return entry & ADDRESS_MASK & -levelSize(level);
    }

    @Override
    protected int leafFlags(final long entry, final int level)
    {
        int flags = PageFlags.READ;
        if ((entry & RW) != 0)
        {
            flags |= PageFlags.WRITE;
        }
        if ((entry & XD) == 0)
        {
            flags |= PageFlags.EXECUTE;
        }
        if ((entry & US) != 0)
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
        if ((entry & PCD) != 0)
        {
            flags |= PageFlags.DEVICE;
        }
        return flags;
    }

    @Override
    protected long initialRestriction()
    {
        // R/W and U/S are ANDed over the walk, XD is ORed: start permissive.
        return RW | US;
    }

    @Override
    protected long restrict(final long restriction, final long entry)
    {
        return (restriction & (entry | ~(RW | US))) | (entry & XD);
    }

    @Override
    protected boolean permits(final long entry, final long restriction, final int accessKind, final boolean userMode)
    {
        final long effective = (entry & restriction & (RW | US)) | ((entry | restriction) & XD);
        final boolean userPage = (effective & US) != 0;
        if (userMode && !userPage)
        {
            return false;
        }
        return switch (accessKind)
        {
            case AccessKind.READ -> true;
            case AccessKind.WRITE -> (effective & RW) != 0;
            case AccessKind.EXECUTE -> (effective & XD) == 0 && (userMode || !userPage);
            default -> false;
        };
    }

    @Override
    protected long markUsed(final long entry, final int accessKind)
    {
        return accessKind == AccessKind.WRITE ? entry | A | D : entry | A;
    }

    @Override
    protected long markTableUsed(final long entry)
    {
        return entry | A;
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
