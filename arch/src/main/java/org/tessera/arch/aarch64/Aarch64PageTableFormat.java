package org.tessera.arch.aarch64;

import org.tessera.arch.spi.AccessKind;
import org.tessera.arch.spi.PageFlags;
import org.tessera.arch.spi.PageTableFormat;
import org.tessera.arch.spi.PhysicalMemory;

/**
 * AArch64 VMSAv8-64 stage 1, 4 KiB granule, TCR_EL1.T0SZ=16 (48-bit VA, walk starts at L0),
 * for TTBR0_EL1 (user) tables.
 *
 * <pre>
 * Table descriptor (L0-L2):
 *  63  62:61   60      59      58:48  47                    12 11   2 1 0
 * +--+-------+-------+-------+------+------------------------+------+-+-+
 * |NS|APTable|UXNTab |PXNTab | ign  | next-level table [47:12]| ign  |1|1|
 * +--+-------+-------+-------+------+------------------------+------+-+-+
 *
 * Block (L1: 1 GiB, L2: 2 MiB, bits[1:0]=01) / page (L3: 4 KiB, bits[1:0]=11) descriptor:
 *  63:59  58:55 54  53  52 51  50:48 47             12 11 10  9:8  7:6  5   4:2    1 0
 * +-----+------+---+---+--+---+-----+----------------+--+--+----+----+--+--------+-+-+
 * | ign | SW   |UXN|PXN|Ct|DBM| res | output address |nG|AF| SH | AP |NS|AttrIndx|x|1|
 * +-----+------+---+---+--+---+-----+----------------+--+--+----+----+--+--------+-+-+
 * </pre>
 * The output address starts at bit 30 in an L1 block and bit 21 in an L2 block. AP[2:1]
 * (bits 7:6): 00 EL1 RW, 01 EL1+EL0 RW, 10 EL1 RO, 11 EL1+EL0 RO. Table descriptors carry
 * no restrictions (APTable, UXNTable, PXNTable zero) so the leaf alone decides.
 *
 * <p>Encoding choices: user mappings set AP[1] and PXN (the kernel never executes user
 * code); kernel mappings set UXN. AttrIndx 0 is normal memory (MAIR_EL1 Attr0 = 0xFF,
 * write-back) with SH inner shareable; AttrIndx 1 is device memory (Attr1 = 0x04,
 * Device-nGnRE), SH 00. nG is set unless the mapping is global.
 *
 * <p>Dirty state: AArch64 has no D bit. Writable mappings carry DBM (bit 51); with hardware
 * dirty-state management (TCR_EL1.HA=HD=1, FEAT_HAFDBS, which the MMU model implements) a
 * writable-clean page has AP[2]=1 and the first write clears AP[2]. So "dirty" is DBM=1 and
 * AP[2]=0. When write permission is taken away from a dirty page the state moves to software
 * bit 55 (as Linux does), so dirtiness survives a protect. Accessed is AF (bit 10), which
 * HA=1 sets on first use instead of faulting.
 */
public final class Aarch64PageTableFormat extends PageTableFormat
{
    /** Descriptor type bits [1:0]. */
    public static final long TYPE_MASK = 0b11L;
    /** Table descriptor (L0-L2) or page descriptor (L3). */
    public static final long TYPE_TABLE_OR_PAGE = 0b11L;
    /** Block descriptor (L1, L2). */
    public static final long TYPE_BLOCK = 0b01L;
    /** AttrIndx field shift (bits 4:2). */
    public static final int ATTR_INDEX_SHIFT = 2;
    /** MAIR index of normal write-back memory. */
    public static final long ATTR_NORMAL = 0;
    /** MAIR index of device memory. */
    public static final long ATTR_DEVICE = 1;
    /** AP[1]: EL0 access. */
    public static final long AP_EL0 = 1L << 6;
    /** AP[2]: read-only. */
    public static final long AP_READ_ONLY = 1L << 7;
    /** SH[1:0] = 0b11, inner shareable. */
    public static final long SH_INNER = 0b11L << 8;
    /** Access flag. */
    public static final long AF = 1L << 10;
    /** Not global. */
    public static final long NG = 1L << 11;
    /** Dirty bit modifier. */
    public static final long DBM = 1L << 51;
    /** Privileged execute-never. */
    public static final long PXN = 1L << 53;
    /** Unprivileged execute-never. */
    public static final long UXN = 1L << 54;
    /** Software-use bit 55: dirty state of a page that is no longer writable. */
    public static final long SW_DIRTY = 1L << 55;
    /** Table descriptor PXNTable. */
    public static final long PXN_TABLE = 1L << 59;
    /** Table descriptor UXNTable. */
    public static final long UXN_TABLE = 1L << 60;
    /** Table descriptor APTable[0]: no EL0 access below. */
    public static final long AP_TABLE_NO_EL0 = 1L << 61;
    /** Table descriptor APTable[1]: no write access below. */
    public static final long AP_TABLE_READ_ONLY = 1L << 62;
    /** Output address bits [47:12]. */
    public static final long ADDRESS_MASK = 0x0000_FFFF_FFFF_F000L;

    /**
     * @param memory physical memory the tables live in.
     */
    public Aarch64PageTableFormat(final PhysicalMemory memory)
    {
        super(memory);
    }

    @Override
    public int physicalAddressBits()
    {
        return 48;
    }

    @Override
    protected int entryKind(final long entry, final int level)
    {
        final long type = entry & TYPE_MASK;
        if (level == 0)
        {
            return type == TYPE_TABLE_OR_PAGE ? LEAF : INVALID;
        }
        if (type == TYPE_TABLE_OR_PAGE)
        {
            return TABLE;
        }
        // 4 KiB granule without FEAT_LPA2: no block descriptor at L0.
        return type == TYPE_BLOCK && level < ROOT_LEVEL ? LEAF : INVALID;
    }

    @Override
    protected long tableAddress(final long entry)
    {
        return entry & ADDRESS_MASK;
    }

    @Override
    protected long tableEntry(final long table, final int flags, final int level)
    {
        return table | TYPE_TABLE_OR_PAGE;
    }

    @Override
    protected boolean leafAllowed(final int level)
    {
        return level < ROOT_LEVEL;
    }

    @Override
    protected long leafEntry(final long physicalAddress, final int level, final int flags)
    {
        long entry = physicalAddress | (level == 0 ? TYPE_TABLE_OR_PAGE : TYPE_BLOCK);
        final boolean user = (flags & PageFlags.USER) != 0;
        final boolean write = (flags & PageFlags.WRITE) != 0;
        final boolean dirty = (flags & PageFlags.DIRTY) != 0;
        if ((flags & PageFlags.DEVICE) != 0)
        {
            entry |= ATTR_DEVICE << ATTR_INDEX_SHIFT;
        }
        else
        {
            entry |= (ATTR_NORMAL << ATTR_INDEX_SHIFT) | SH_INNER;
        }
        if (user)
        {
            entry |= AP_EL0;
        }
        if (write)
        {
            entry |= dirty ? DBM : DBM | AP_READ_ONLY;
        }
        else
        {
            entry |= AP_READ_ONLY;
            if (dirty)
            {
                entry |= SW_DIRTY;
            }
        }
        if ((flags & PageFlags.ACCESSED) != 0)
        {
            entry |= AF;
        }
        if ((flags & PageFlags.GLOBAL) == 0)
        {
            entry |= NG;
        }
        final boolean execute = (flags & PageFlags.EXECUTE) != 0;
        if (user)
        {
            entry |= execute ? PXN : PXN | UXN;
        }
        else
        {
            entry |= execute ? UXN : PXN | UXN;
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
        final boolean user = (entry & AP_EL0) != 0;
        if ((entry & (AP_READ_ONLY | DBM)) != AP_READ_ONLY)
        {
            flags |= PageFlags.WRITE;
        }
        if ((entry & (user ? UXN : PXN)) == 0)
        {
            flags |= PageFlags.EXECUTE;
        }
        if (user)
        {
            flags |= PageFlags.USER;
        }
        if ((entry & NG) == 0)
        {
            flags |= PageFlags.GLOBAL;
        }
        if ((entry & AF) != 0)
        {
            flags |= PageFlags.ACCESSED;
        }
        if (isDirty(entry))
        {
            flags |= PageFlags.DIRTY;
        }
        if (((entry >>> ATTR_INDEX_SHIFT) & 0b111) == ATTR_DEVICE)
        {
            flags |= PageFlags.DEVICE;
        }
        return flags;
    }

    private static boolean isDirty(final long entry)
    {
        return (entry & SW_DIRTY) != 0 || (entry & (DBM | AP_READ_ONLY)) == DBM;
    }

    @Override
    protected long initialRestriction()
    {
        return 0;
    }

    @Override
    protected long restrict(final long restriction, final long entry)
    {
        return restriction | (entry & (PXN_TABLE | UXN_TABLE | AP_TABLE_NO_EL0 | AP_TABLE_READ_ONLY));
    }

    @Override
    protected boolean permits(final long entry, final long restriction, final int accessKind, final boolean userMode)
    {
        final boolean el0Access = (entry & AP_EL0) != 0 && (restriction & AP_TABLE_NO_EL0) == 0;
        // With HD=1 a DBM page is writable: the write clears AP[2] instead of faulting.
        final boolean writable = (entry & (AP_READ_ONLY | DBM)) != AP_READ_ONLY &&
            (restriction & AP_TABLE_READ_ONLY) == 0;
        if (userMode)
        {
            return switch (accessKind)
            {
                case AccessKind.READ -> el0Access;
                case AccessKind.WRITE -> el0Access && writable;
                case AccessKind.EXECUTE -> ((entry | restriction) & (UXN | UXN_TABLE)) == 0;
                default -> false;
            };
        }
        return switch (accessKind)
        {
            case AccessKind.READ -> true;
            case AccessKind.WRITE -> writable;
            // Memory writable at EL0 is never executable at EL1.
            case AccessKind.EXECUTE -> ((entry | restriction) & (PXN | PXN_TABLE)) == 0 && !(el0Access && writable);
            default -> false;
        };
    }

    @Override
    protected long markUsed(final long entry, final int accessKind)
    {
        final long accessed = entry | AF;
        return accessKind == AccessKind.WRITE ? accessed & ~AP_READ_ONLY : accessed;
    }

    @Override
    protected long clearState(final long entry, final int which)
    {
        long next = entry;
        if ((which & PageFlags.ACCESSED) != 0)
        {
            next &= ~AF;
        }
        if ((which & PageFlags.DIRTY) != 0)
        {
            next &= ~SW_DIRTY;
            if ((next & DBM) != 0)
            {
                next |= AP_READ_ONLY;
            }
        }
        return next;
    }

    @Override
    protected long canonical(final long virtualAddress)
    {
        return virtualAddress & 0x0000_FFFF_FFFF_FFFFL;
    }
}
