package org.tessera.arch.tools;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Independent MMU models, written from the manuals with bit arithmetic only: no class of the
 * code under test is used, so a misreading of a manual shared by both would have to be made
 * twice. They walk raw physical memory (as written to {@code memory.bin}) like the hardware:
 *
 * <ul>
 * <li>x86_64: Intel SDM vol. 3A §4.5 (4-level paging) and §4.6 (access rights), with
 * CR0.WP=1, CR4.PGE=1, CR4.SMEP=1, CR4.SMAP=0, IA32_EFER.NXE=1, MAXPHYADDR 52. Accessed and
 * dirty flags are not needed for permission (the CPU sets them).</li>
 * <li>AArch64: Arm ARM D8 (VMSAv8-64), stage 1 EL1&amp;0, TTBR0_EL1, 4 KiB granule,
 * T0SZ=16 (walk starts at L0), TCR_EL1.HA=HD=0 (no hardware AF/dirty management: AF=0 is an
 * Access flag fault and DBM is ignored), hierarchical permissions enabled, SCTLR_EL1.WXN=0,
 * PSTATE.PAN=0.</li>
 * <li>RISC-V Sv48: privileged spec "Virtual Address Translation Process", with no Svnapot,
 * Svpbmt or Svadu (A=0, or D=0 on a store, is a page fault: Svade), SUM=1, MXR=0.</li>
 * </ul>
 * Each walk answers null for a translation (not-present) fault, or a {@link Walk} holding
 * the leaf and whether the access is permitted.
 */
final class ReferenceMmu
{
    /** Access kinds, numbered independently of the code under test. */
    static final int LOAD = 0;
    static final int STORE = 1;
    static final int FETCH = 2;

    private final ByteBuffer memory;

    /**
     * @param image raw physical memory from address 0; reads beyond it return zero.
     */
    ReferenceMmu(final byte[] image)
    {
        this.memory = ByteBuffer.wrap(image).order(ByteOrder.LITTLE_ENDIAN);
    }

    /**
     * The result of a walk that reached a leaf.
     *
     * @param physicalAddress translated address.
     * @param leaf            the leaf entry.
     * @param level           0 for a 4 KiB leaf, 1 for 2 MiB, 2 for 1 GiB, 3 for 512 GiB.
     * @param permitted       whether the access is allowed.
     */
    record Walk(long physicalAddress, long leaf, int level, boolean permitted)
    {
    }

    private long read(final long address)
    {
        if (address < 0 || address + 8 > memory.capacity())
        {
            return 0;
        }
        return memory.getLong((int)address);
    }

    private static int index(final long va, final int shift)
    {
        return (int)((va >>> shift) & 0x1FF);
    }

    private static boolean bit(final long value, final int bit)
    {
        return ((value >>> bit) & 1) != 0;
    }

    // ------------------------------------------------------------------------------ x86_64

    Walk x86(final long cr3, final long va, final int access, final boolean user)
    {
        // Canonical: bits 63:47 all equal (else #GP, reported here as no translation).
        final long top = va >> 47;
        if (top != 0 && top != -1)
        {
            return null;
        }
        final long addressMask = 0x000F_FFFF_FFFF_F000L;
        boolean allUser = true;
        boolean allWritable = true;
        boolean anyXd = false;
        long table = cr3 & addressMask;
        final int[] shifts = {39, 30, 21, 12};
        for (int depth = 0; depth < 4; depth++)
        {
            final long entry = read(table + 8L * index(va, shifts[depth]));
            if (!bit(entry, 0))
            {
                return null;
            }
            allUser &= bit(entry, 2);
            allWritable &= bit(entry, 1);
            anyXd |= bit(entry, 63);
            final int level = 3 - depth;
            final boolean pageSize = level > 0 && bit(entry, 7);
            if (level == 3 && pageSize)
            {
                return null; // PS is reserved in a PML4E
            }
            if (level == 0 || pageSize)
            {
                final long pageMask = (1L << shifts[depth]) - 1;
                // Reserved: large-page address bits below the page size, except PAT (bit 12).
                if (level > 0 && (entry & addressMask & pageMask & ~(1L << 12)) != 0)
                {
                    return null;
                }
                final long pa = (entry & addressMask & ~pageMask) | (va & pageMask);
                return new Walk(pa, entry, level, x86Permits(access, user, allUser, allWritable, anyXd));
            }
            table = entry & addressMask;
        }
        return null;
    }

    private static boolean x86Permits(
        final int access, final boolean user, final boolean userAddress, final boolean writable, final boolean xd)
    {
        if (user)
        {
            if (!userAddress)
            {
                return false;
            }
            return access == LOAD || (access == STORE && writable) || (access == FETCH && !xd);
        }
        return switch (access)
        {
            case LOAD -> true; // SMAP=0
            case STORE -> writable; // CR0.WP=1
            default -> !xd && !userAddress; // SMEP=1
        };
    }

    // ----------------------------------------------------------------------------- AArch64

    Walk aarch64(final long ttbr0, final long va, final int access, final boolean el0)
    {
        if ((va >>> 48) != 0)
        {
            return null; // outside the TTBR0 range for T0SZ=16
        }
        final long outputMask = 0x0000_FFFF_FFFF_F000L;
        boolean apTableNoEl0 = false;
        boolean apTableReadOnly = false;
        boolean uxnTable = false;
        boolean pxnTable = false;
        long table = ttbr0 & outputMask;
        final int[] shifts = {39, 30, 21, 12};
        for (int level = 0; level <= 3; level++)
        {
            final long descriptor = read(table + 8L * index(va, shifts[level]));
            final int type = (int)(descriptor & 3);
            if (level < 3 && type == 3)
            {
                apTableNoEl0 |= bit(descriptor, 61);
                apTableReadOnly |= bit(descriptor, 62);
                uxnTable |= bit(descriptor, 60);
                pxnTable |= bit(descriptor, 59);
                table = descriptor & outputMask;
                continue;
            }
            final boolean block = (level == 1 || level == 2) && type == 1;
            final boolean page = level == 3 && type == 3;
            if (!block && !page)
            {
                return null; // invalid, or reserved (L0 block, L3 0b01)
            }
            if (!bit(descriptor, 10))
            {
                return null; // Access flag fault (HA=0)
            }
            final long pageMask = (1L << shifts[level]) - 1;
            final long pa = (descriptor & outputMask & ~pageMask) | (va & pageMask);
            final boolean ap1 = bit(descriptor, 6) && !apTableNoEl0;
            final boolean ap2 = bit(descriptor, 7) || apTableReadOnly;
            final boolean uxn = bit(descriptor, 54) || uxnTable;
            final boolean pxn = bit(descriptor, 53) || pxnTable;
            final boolean permitted;
            if (el0)
            {
                permitted = switch (access)
                {
                    case LOAD -> ap1;
                    case STORE -> ap1 && !ap2;
                    default -> !uxn;
                };
            }
            else
            {
                permitted = switch (access)
                {
                    case LOAD -> true;
                    case STORE -> !ap2;
                    // A location writable at EL0 is treated as PXN.
                    default -> !pxn && !(ap1 && !ap2);
                };
            }
            return new Walk(pa, descriptor, 3 - level, permitted);
        }
        return null;
    }

    // ---------------------------------------------------------------------------- RISC-V

    Walk sv48(final long satpPpn, final long va, final int access, final boolean userMode)
    {
        if ((va >> 47) != 0 && (va >> 47) != -1)
        {
            return null; // bits 63:48 must equal bit 47
        }
        long a = satpPpn << 12;
        for (int i = 3; i >= 0; i--)
        {
            final long pte = read(a + 8L * ((va >>> (12 + 9 * i)) & 0x1FF));
            final boolean v = bit(pte, 0);
            final boolean r = bit(pte, 1);
            final boolean w = bit(pte, 2);
            final boolean x = bit(pte, 3);
            if (!v || (!r && w) || (pte >>> 54) != 0)
            {
                return null;
            }
            final long ppn = (pte >>> 10) & ((1L << 44) - 1);
            if (!r && !x)
            {
                if ((pte & 0xD0) != 0)
                {
                    return null; // U, A, D reserved in non-leaf entries
                }
                a = ppn << 12;
                continue;
            }
            if (i > 0 && (ppn & ((1L << (9 * i)) - 1)) != 0)
            {
                return null; // misaligned superpage
            }
            final boolean u = bit(pte, 4);
            final boolean accessed = bit(pte, 6);
            final boolean dirty = bit(pte, 7);
            boolean permitted;
            if (userMode)
            {
                permitted = u;
            }
            else
            {
                permitted = !u || access != FETCH; // SUM=1; never execute U pages in S-mode
            }
            permitted &= switch (access)
            {
                case LOAD -> r; // MXR=0
                case STORE -> w;
                default -> x;
            };
            // Svade: A clear, or D clear on a store, is a page fault even if permitted.
            permitted &= accessed && (access != STORE || dirty);
            final long pageMask = (1L << (12 + 9 * i)) - 1;
            final long pa = ((ppn << 12) & ~pageMask) | (va & pageMask);
            return new Walk(pa, pte, i, permitted);
        }
        return null;
    }
}
