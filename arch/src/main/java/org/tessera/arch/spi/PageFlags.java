package org.tessera.arch.spi;

import org.tessera.subset.HostOnly;

/**
 * Architecture-neutral attributes of a mapping, as an {@code int} bit set. Each page-table
 * format translates them to and from its own entry bits (see {@code docs/pagetable-export.md}
 * for the exact bits per architecture).
 *
 * <p>Rules every format applies: a mapping needs at least one of {@link #READ}, {@link #WRITE}
 * or {@link #EXECUTE}; {@link #WRITE} needs {@link #READ} (write-only is reserved on RISC-V
 * and cannot be expressed on x86_64 or AArch64). x86_64 and AArch64 have no read-disable bit,
 * so on them every valid mapping is readable. {@link #ACCESSED} and {@link #DIRTY} are state
 * the MMU sets; passing them to a map call presets them.
 */
public final class PageFlags
{
    /** Data loads permitted. */
    public static final int READ = 1;
    /** Data stores permitted. */
    public static final int WRITE = 1 << 1;
    /** Instruction fetches permitted. */
    public static final int EXECUTE = 1 << 2;
    /** Accessible from user mode (x86 U/S, AArch64 EL0 via AP[1], RISC-V U). */
    public static final int USER = 1 << 3;
    /** Global: matches every address-space id in a TLB. */
    public static final int GLOBAL = 1 << 4;
    /** The page has been accessed since this bit was last cleared. */
    public static final int ACCESSED = 1 << 5;
    /** The page has been written since this bit was last cleared. */
    public static final int DIRTY = 1 << 6;
    /**
     * Memory attribute: device (uncached, no speculation). Absent means normal write-back
     * memory. x86_64 uses PCD|PWT, AArch64 AttrIndx 1; RISC-V Sv48 has no memory-type bits
     * (physical memory attributes decide), so there it is not encoded.
     */
    public static final int DEVICE = 1 << 7;

    /** Normal write-back memory: the value of the memory attribute when {@link #DEVICE} is clear. */
    public static final int MEMORY_NORMAL = 0;
    /** The access permission bits. */
    public static final int PERMISSIONS = READ | WRITE | EXECUTE;
    /** State bits maintained by the MMU. */
    public static final int ACCESSED_DIRTY = ACCESSED | DIRTY;
    /** Every defined bit. */
    public static final int ALL = READ | WRITE | EXECUTE | USER | GLOBAL | ACCESSED | DIRTY | DEVICE;

    private PageFlags()
    {
    }

    /**
     * @param flags a flag set.
     * @return true when the set is acceptable to {@code map} and {@code protect}.
     */
    public static boolean isValid(final int flags)
    {
        return (flags & ~ALL) == 0 &&
            (flags & PERMISSIONS) != 0 &&
            ((flags & WRITE) == 0 || (flags & READ) != 0);
    }

    /**
     * @param flags a flag set.
     * @return a short form such as {@code "rwxugAD-"}, one column per bit, {@code '-'} when clear.
     */
    @HostOnly
    public static String toString(final int flags)
    {
        final char[] letters = {'r', 'w', 'x', 'u', 'g', 'A', 'D', 'd'};
        final StringBuilder builder = new StringBuilder(letters.length);
        for (int i = 0; i < letters.length; i++)
        {
            builder.append((flags & (1 << i)) != 0 ? letters[i] : '-');
        }
        return builder.toString();
    }
}
