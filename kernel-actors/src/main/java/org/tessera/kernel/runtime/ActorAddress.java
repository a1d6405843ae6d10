package org.tessera.kernel.runtime;

/**
 * Actor addresses packed into a {@code long} exactly as the SBE {@code actorAddress} composite
 * lies in a message (little-endian: cpu first), so the runtime reads and writes an address
 * with one 8-byte access:
 * <pre>
 *   63                             32 31            16 15             0
 *  +--------------------------------+----------------+----------------+
 *  |            instance            |    service     |      cpu       |
 *  +--------------------------------+----------------+----------------+
 * </pre>
 * Address 0 (cpu 0, service 0, instance 0) is the runtime of CPU 0.
 */
public final class ActorAddress
{
    /** No actor (used as the source of messages injected at boot). */
    public static final long NONE = -1L;

    private ActorAddress()
    {
    }

    public static long of(final int cpu, final int service, final int instance)
    {
        return ((long)instance << 32) | ((long)(service & 0xFFFF) << 16) | (cpu & 0xFFFF);
    }

    public static int cpu(final long address)
    {
        return (int)address & 0xFFFF;
    }

    public static int service(final long address)
    {
        return (int)(address >>> 16) & 0xFFFF;
    }

    public static int instance(final long address)
    {
        return (int)(address >>> 32);
    }
}
