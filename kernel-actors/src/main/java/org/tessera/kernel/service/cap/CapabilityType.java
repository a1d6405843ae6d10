package org.tessera.kernel.service.cap;

/**
 * Capability types: the 4-bit type field of a token and of a slot. Value 0 is never issued, so
 * the all-zero token and any token whose type field is 0 are invalid everywhere. Values 9 to 15
 * are reserved. The hardware kinds (interrupt line, I/O port range, MMIO region) are checked by
 * the same path as every other type even though no driver exists yet.
 */
public final class CapabilityType
{
    /** Not a type: never issued. */
    public static final int NONE = 0;
    /** A range of physical memory (frames). */
    public static final int MEMORY = 1;
    /** An IPC endpoint. */
    public static final int ENDPOINT = 2;
    /** A process. */
    public static final int PROCESS = 3;
    /** A thread. */
    public static final int THREAD = 4;
    /** An address space (page-table root). */
    public static final int ADDRESS_SPACE = 5;
    /** A hardware interrupt line. */
    public static final int INTERRUPT_LINE = 6;
    /** A range of I/O ports. */
    public static final int IO_PORT_RANGE = 7;
    /** A memory-mapped I/O region. */
    public static final int MMIO_REGION = 8;

    /** Largest defined type value. */
    public static final int MAX = MMIO_REGION;

    private CapabilityType()
    {
    }

    /** @return true when {@code type} is one of the defined types (not {@link #NONE}). */
    public static boolean isValid(final int type)
    {
        return type >= MEMORY && type <= MAX;
    }

    /** @return true for the hardware-access types. */
    public static boolean isHardware(final int type)
    {
        return type >= INTERRUPT_LINE && type <= MMIO_REGION;
    }
}
