package org.tessera.kernel.runtime.trace;

import java.util.List;

import org.tessera.kernel.runtime.machine.MachineDescription;
import org.tessera.messages.trace.RunMode;

/**
 * A trace file as read back: the run's header and, per CPU, the records it handled in order.
 *
 * @param mode        how the run was driven.
 * @param cpuCount    CPUs recorded.
 * @param seed        the run's seed.
 * @param runDigest   the digest the run printed.
 * @param machine     the machine that ran.
 * @param description machine description and command line.
 * @param cpus        one entry per CPU, in CPU order.
 */
public record Trace(RunMode mode, int cpuCount, long seed, long runDigest, MachineDescription machine,
    String description, List<Cpu> cpus)
{
    /**
     * One CPU's section.
     *
     * @param cpu       CPU index.
     * @param cpuDigest the CPU's digest at the end of the run.
     * @param records   handled messages and state changes, in order.
     * @param actors    per-actor digests.
     */
    public record Cpu(int cpu, long cpuDigest, List<Entry> records, List<ActorDigest> actors)
    {
        /** @return the handled messages only. */
        public List<Handled> handled()
        {
            return records.stream().filter(Handled.class::isInstance).map(Handled.class::cast).toList();
        }
    }

    /** A record of a CPU's section. */
    public sealed interface Entry permits Handled, State, Refused
    {
        /** @return the handling sequence number it belongs to. */
        long sequence();
    }

    /**
     * A handled message.
     *
     * @param sequence     handling sequence number.
     * @param source       sender address.
     * @param destination  receiver address.
     * @param msgTypeId    (schemaId &lt;&lt; 16) | templateId.
     * @param time         CPU clock when handled.
     * @param instructions user instructions retired so far.
     * @param message      the record bytes (SBE header, envelope, payload).
     */
    public record Handled(long sequence, long source, long destination, int msgTypeId, long time, long instructions,
        byte[] message) implements Entry
    {
    }

    /**
     * A state change.
     *
     * @param sequence sequence of the message being handled.
     * @param actor    actor address.
     * @param state    new state.
     * @param reason   why.
     * @param time     CPU clock.
     */
    public record State(long sequence, long actor, int state, int reason, long time) implements Entry
    {
    }

    /**
     * A send refused by back-pressure.
     *
     * @param sequence    sequence of the message being handled.
     * @param ordinal     which claim of that handler.
     * @param destination where it was going.
     */
    public record Refused(long sequence, int ordinal, long destination) implements Entry
    {
    }

    /**
     * Digest of one actor.
     *
     * @param address actor address.
     * @param handled messages handled.
     * @param digest  digest of them.
     */
    public record ActorDigest(long address, long handled, long digest)
    {
    }
}
