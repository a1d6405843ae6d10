package org.tessera.kernel.service.cap;

/**
 * Rights bit sets, one vocabulary per {@link CapabilityType}. Rights are stored in the slot (16
 * bits), never in the token, so a holder cannot raise them by editing its token. The same bit
 * means different things for different types; {@link #validMask(int)} says which bits a type
 * defines, and a capability whose rights use any other bit is never created.
 *
 * <pre>
 * bit:            0         1         2        3
 * MEMORY          map       read      write    execute
 * ENDPOINT        send      receive   manage
 * PROCESS         control   debug     signal
 * THREAD          control
 * ADDRESS_SPACE   map       manage
 * INTERRUPT_LINE  use       manage
 * IO_PORT_RANGE   use       manage
 * MMIO_REGION     use       manage
 * </pre>
 */
public final class Rights
{
    /** No rights. */
    public static final int NONE = 0;

    /** Memory: map the frames into an address space. */
    public static final int MEMORY_MAP = 1;
    /** Memory: read. */
    public static final int MEMORY_READ = 2;
    /** Memory: write. */
    public static final int MEMORY_WRITE = 4;
    /** Memory: execute. */
    public static final int MEMORY_EXECUTE = 8;
    /** All memory rights. */
    public static final int MEMORY_ALL = MEMORY_MAP | MEMORY_READ | MEMORY_WRITE | MEMORY_EXECUTE;

    /** Endpoint: send messages. */
    public static final int ENDPOINT_SEND = 1;
    /** Endpoint: receive messages. */
    public static final int ENDPOINT_RECEIVE = 2;
    /** Endpoint: manage (destroy, rebind). */
    public static final int ENDPOINT_MANAGE = 4;
    /** All endpoint rights. */
    public static final int ENDPOINT_ALL = ENDPOINT_SEND | ENDPOINT_RECEIVE | ENDPOINT_MANAGE;

    /** Process: control (kill, suspend, resume, wait). */
    public static final int PROCESS_CONTROL = 1;
    /** Process: debug (read and write its memory and registers). */
    public static final int PROCESS_DEBUG = 2;
    /** Process: signal. */
    public static final int PROCESS_SIGNAL = 4;
    /** All process rights. */
    public static final int PROCESS_ALL = PROCESS_CONTROL | PROCESS_DEBUG | PROCESS_SIGNAL;

    /** Thread: control (suspend, resume, set priority, read registers). */
    public static final int THREAD_CONTROL = 1;
    /** All thread rights. */
    public static final int THREAD_ALL = THREAD_CONTROL;

    /** Address space: map and unmap pages. */
    public static final int ADDRESS_SPACE_MAP = 1;
    /** Address space: manage (destroy, attach to a process). */
    public static final int ADDRESS_SPACE_MANAGE = 2;
    /** All address-space rights. */
    public static final int ADDRESS_SPACE_ALL = ADDRESS_SPACE_MAP | ADDRESS_SPACE_MANAGE;

    /** Hardware access (interrupt line, I/O ports, MMIO): use. */
    public static final int HARDWARE_USE = 1;
    /** Hardware access: manage (route, acknowledge, configure). */
    public static final int HARDWARE_MANAGE = 2;
    /** All hardware-access rights. */
    public static final int HARDWARE_ALL = HARDWARE_USE | HARDWARE_MANAGE;

    private Rights()
    {
    }

    /**
     * The rights a type defines.
     *
     * @param type a {@link CapabilityType} value.
     * @return its valid rights mask, 0 for an undefined type.
     */
    public static int validMask(final int type)
    {
        switch (type)
        {
            case CapabilityType.MEMORY:
                return MEMORY_ALL;
            case CapabilityType.ENDPOINT:
                return ENDPOINT_ALL;
            case CapabilityType.PROCESS:
                return PROCESS_ALL;
            case CapabilityType.THREAD:
                return THREAD_ALL;
            case CapabilityType.ADDRESS_SPACE:
                return ADDRESS_SPACE_ALL;
            case CapabilityType.INTERRUPT_LINE:
            case CapabilityType.IO_PORT_RANGE:
            case CapabilityType.MMIO_REGION:
                return HARDWARE_ALL;
            default:
                return 0;
        }
    }

    /** @return true when every right in {@code rights} is defined for {@code type}. */
    public static boolean isValidFor(final int type, final int rights)
    {
        return (rights & ~validMask(type)) == 0;
    }

    /** @return true when {@code child} holds no right {@code parent} lacks (attenuation). */
    public static boolean isSubset(final int child, final int parent)
    {
        return (child & ~parent) == 0;
    }
}
