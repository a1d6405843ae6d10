package org.tessera.kernel.runtime;

/**
 * Actor addresses packed into a {@code long}, the same fields as the SBE {@code actorAddress}
 * composite:
 * <pre>
 *   63            48 47            32 31                             0
 *  +----------------+----------------+--------------------------------+
 *  |      cpu       |    service     |            instance            |
 *  +----------------+----------------+--------------------------------+
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
        return ((long)(cpu & 0xFFFF) << 48) | ((long)(service & 0xFFFF) << 32) | (instance & 0xFFFF_FFFFL);
    }

    public static int cpu(final long address)
    {
        return (int)(address >>> 48) & 0xFFFF;
    }

    public static int service(final long address)
    {
        return (int)(address >>> 32) & 0xFFFF;
    }

    public static int instance(final long address)
    {
        return (int)address;
    }
}
