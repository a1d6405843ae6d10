package org.tessera.arch.riscv64.engine;

import org.tessera.arch.spi.PhysicalMemory;

/**
 * User-mode address translation through a RISC-V Sv48 page table in {@link PhysicalMemory},
 * cached in a direct-mapped software TLB tagged by ASID.
 *
 * <p>The walk follows the privileged specification: four levels of 512 eight-byte entries,
 * leaves at any level (4 KiB pages, 2 MiB mega-, 1 GiB giga- and 512 GiB terapages, whose
 * physical page number must be aligned to their size), virtual addresses whose bits 63:48 do not
 * copy bit 47 fault. A user access needs U; fetch needs X, load needs R (MXR is off), store needs
 * W. Accessed and dirty bits follow Svade: this MMU never writes a PTE; a leaf with A clear, or a
 * store to a leaf with D clear, is a page fault and the kernel sets the bit. Bits 63:54 (N,
 * PBMT, reserved) must be zero, W without R is reserved: both fault. A table or page outside
 * physical memory is an access fault.
 *
 * <pre>
 *   63    54 53    37 36    28 27    19 18    10 9  8 7 6 5 4 3 2 1 0
 *  +--------+--------+--------+--------+--------+----+-+-+-+-+-+-+-+-+
 *  | 0      | PPN[3] | PPN[2] | PPN[1] | PPN[0] |RSW |D|A|G|U|X|W|R|V|
 *  +--------+--------+--------+--------+--------+----+-+-+-+-+-+-+-+-+
 * </pre>
 *
 * <p>The TLB holds one 4 KiB translation per entry (a superpage fills entries page by page),
 * with the leaf's permission bits and level, so {@link #flushPage(int, long)} drops every entry
 * the leaf covering that address produced. Global mappings are cached per ASID (the G bit is not
 * used to share entries, which the specification allows). On a TLB hit whose cached
 * permissions refuse the access the table is walked again, so a kernel that upgrades a PTE
 * (sets A or D, adds W) need not flush first.
 *
 * <p>Owned by one CPU: translate and the flush methods are called from that CPU's thread.
 */
public final class Sv48Mmu implements GuestMemory
{
    /** PTE bit: valid. */
    public static final long PTE_V = 1;
    /** PTE bit: readable. */
    public static final long PTE_R = 1 << 1;
    /** PTE bit: writable. */
    public static final long PTE_W = 1 << 2;
    /** PTE bit: executable. */
    public static final long PTE_X = 1 << 3;
    /** PTE bit: user accessible. */
    public static final long PTE_U = 1 << 4;
    /** PTE bit: global. */
    public static final long PTE_G = 1 << 5;
    /** PTE bit: accessed. */
    public static final long PTE_A = 1 << 6;
    /** PTE bit: dirty. */
    public static final long PTE_D = 1 << 7;
    /** satp MODE value for Sv48. */
    public static final int SATP_MODE_SV48 = 9;

    private static final long VPN_MASK = (1L << 36) - 1;
    private static final long PPN_MASK = (1L << 44) - 1;
    private static final long VALID_KEY = 1L << 63;

    private final PhysicalMemory memory;
    private final int mask;
    private final long[] keys;
    private final long[] frames;
    private final int[] bits;

    private long rootAddress;
    private int asid;
    // see mappingVersion: bumped by every root change and flush
    private long version;
    private long hits;
    private long misses;

    /**
     * @param memory     physical memory holding the page tables and pages.
     * @param tlbEntries TLB size, a power of two.
     */
    public Sv48Mmu(final PhysicalMemory memory, final int tlbEntries)
    {
        if (tlbEntries <= 0 || Integer.bitCount(tlbEntries) != 1)
        {
            throw new IllegalArgumentException("TLB size must be a power of two");
        }
        this.memory = memory;
        this.mask = tlbEntries - 1;
        this.keys = new long[tlbEntries];
        this.frames = new long[tlbEntries];
        this.bits = new int[tlbEntries];
    }

    /**
     * Switch address space: the root table's physical page number and the ASID. Entries of
     * other ASIDs stay in the TLB.
     */
    public void root(final long rootPpn, final int asid)
    {
        if ((rootPpn & ~PPN_MASK) != 0 || (asid & ~0xFFFF) != 0)
        {
            throw new IllegalArgumentException("root PPN is 44 bits and ASID 16 bits");
        }
        if (rootPpn << 12 != rootAddress || asid != this.asid)
        {
            version++;
        }
        this.rootAddress = rootPpn << 12;
        this.asid = asid;
    }

    /** Switch address space from a satp value (MODE 9 = Sv48 in bits 63:60, ASID 59:44, PPN 43:0). */
    public void satp(final long satp)
    {
        if ((satp >>> 60) != SATP_MODE_SV48)
        {
            throw new IllegalArgumentException("satp mode is not Sv48");
        }
        root(satp & PPN_MASK, (int)((satp >>> 44) & 0xFFFF));
    }

    /** @return the current ASID. */
    public int asid()
    {
        return asid;
    }

    /** @return TLB hits since construction. */
    public long hits()
    {
        return hits;
    }

    /** @return TLB misses (table walks) since construction. */
    public long misses()
    {
        return misses;
    }

    /** Drop every cached translation. */
    public void flushAll()
    {
        version++;
        for (int i = 0; i <= mask; i++)
        {
            keys[i] = 0;
        }
    }

    /** Drop every cached translation of one address space. */
    public void flushAsid(final int asid)
    {
        version++;
        for (int i = 0; i <= mask; i++)
        {
            if (keys[i] != 0 && keyAsid(keys[i]) == asid)
            {
                keys[i] = 0;
            }
        }
    }

    /** Drop the cached translations that the leaf mapping {@code va} in {@code asid} produced. */
    public void flushPage(final int asid, final long va)
    {
        version++;
        final long vpn = (va >>> 12) & VPN_MASK;
        for (int i = 0; i <= mask; i++)
        {
            final long key = keys[i];
            if (key != 0 && keyAsid(key) == asid)
            {
                final int shift = 9 * (bits[i] >>> 8);
                if (((key & VPN_MASK) >>> shift) == (vpn >>> shift))
                {
                    keys[i] = 0;
                }
            }
        }
    }

    private static int keyAsid(final long key)
    {
        return (int)((key >>> 36) & 0xFFFF);
    }

    @Override
    public long mappingVersion()
    {
        return version;
    }

    @Override
    public PhysicalMemory physical()
    {
        return memory;
    }

    @Override
    public long translate(final long virtualAddress, final int access)
    {
        final long top = virtualAddress >> 47;
        if (top != 0 && top != -1)
        {
            return PAGE_FAULT;
        }
        final long vpn = (virtualAddress >>> 12) & VPN_MASK;
        final long key = VALID_KEY | ((long)asid << 36) | vpn;
        // The ASID takes part in the index so that address spaces with the same layout (every
        // process has its code at the same address) do not evict each other.
        final int index = (int)(vpn ^ (vpn >>> 16) ^ (asid * 37L)) & mask;
        if (keys[index] == key && permits(bits[index], access))
        {
            hits++;
            return frames[index] | (virtualAddress & 0xFFF);
        }
        return walk(virtualAddress, vpn, key, index, access);
    }

    private static boolean permits(final long pte, final int access)
    {
        if ((pte & (PTE_U | PTE_A)) != (PTE_U | PTE_A))
        {
            return false;
        }
        return switch (access)
        {
            case FETCH -> (pte & PTE_X) != 0;
            case LOAD -> (pte & PTE_R) != 0;
            case STORE -> (pte & (PTE_W | PTE_D)) == (PTE_W | PTE_D);
            default -> (pte & (PTE_R | PTE_W | PTE_D)) == (PTE_R | PTE_W | PTE_D);
        };
    }

    private long walk(final long va, final long vpn, final long key, final int index, final int access)
    {
        misses++;
        long table = rootAddress;
        for (int level = 3; level >= 0; level--)
        {
            final long entryAddress = table + ((vpn >>> (9 * level)) & 511) * 8;
            if (!memory.contains(entryAddress, 8))
            {
                return ACCESS_FAULT;
            }
            final long pte = memory.getLongVolatile(entryAddress);
            if ((pte & PTE_V) == 0 || (pte & (PTE_R | PTE_W)) == PTE_W || (pte >>> 54) != 0)
            {
                return PAGE_FAULT;
            }
            final long ppn = (pte >>> 10) & PPN_MASK;
            if ((pte & (PTE_R | PTE_X)) == 0)
            {
                table = ppn << 12;
                continue;
            }
            final long levelMask = (1L << (9 * level)) - 1;
            if ((ppn & levelMask) != 0 || !permits(pte, access))
            {
                return PAGE_FAULT;
            }
            final long frame = (ppn | (vpn & levelMask)) << 12;
            if (!memory.contains(frame, 4096))
            {
                return ACCESS_FAULT;
            }
            keys[index] = key;
            frames[index] = frame;
            bits[index] = (int)(pte & 0xFF) | (level << 8);
            return frame | (va & 0xFFF);
        }
        return PAGE_FAULT;
    }
}
