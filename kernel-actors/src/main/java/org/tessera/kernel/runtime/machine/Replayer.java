package org.tessera.kernel.runtime.machine;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.tessera.kernel.runtime.ActorAddress;
import org.tessera.kernel.runtime.CpuAgent;
import org.tessera.kernel.runtime.Digest;
import org.tessera.kernel.runtime.MessageLayout;
import org.tessera.kernel.runtime.TraceSink;
import org.tessera.kernel.runtime.Transport;
import org.tessera.kernel.runtime.trace.Trace;
import org.tessera.messages.runtime.StartDecoder;
import org.tessera.messages.runtime.TimerFiredDecoder;

/**
 * Replay mode: rebuilds the recorded machine and feeds each CPU exactly the messages it
 * handled, in order, with its clock at the recorded times, and back-pressure refusals where
 * the recorded run had them. Everything the actors send is checked against what the recorded
 * run delivered to the destination; every traced state change against the recorded one; every
 * actor's digest against the recorded digest. The first difference stops the replay and is
 * reported with the CPU, the message sequence number and what differed.
 */
public final class Replayer
{
    /**
     * What a replay found.
     *
     * @param messages   records replayed.
     * @param divergence the first difference, or null when the replay reproduced the run.
     * @param digest     the digest the replay computed.
     */
    public record Result(long messages, String divergence, long digest)
    {
        /** @return true when the replay reproduced the recorded run exactly. */
        public boolean exact()
        {
            return divergence == null;
        }
    }

    private Replayer()
    {
    }

    private static boolean injectedByRuntime(final byte[] record)
    {
        final UnsafeBuffer b = new UnsafeBuffer(record);
        final int templateId = b.getShort(MessageLayout.TEMPLATE_ID_OFFSET) & 0xFFFF;
        final int schemaId = b.getShort(MessageLayout.SCHEMA_ID_OFFSET) & 0xFFFF;
        return schemaId == StartDecoder.SCHEMA_ID &&
            (templateId == StartDecoder.TEMPLATE_ID || templateId == TimerFiredDecoder.TEMPLATE_ID);
    }

    private static long digest(final DirectBuffer buffer, final int offset, final int length)
    {
        return Digest.mix(Digest.SEED, buffer, offset, length);
    }

    private static String describe(final byte[] record)
    {
        final UnsafeBuffer b = new UnsafeBuffer(record);
        return "type " + (b.getShort(MessageLayout.SCHEMA_ID_OFFSET) & 0xFFFF) + "/" +
            (b.getShort(MessageLayout.TEMPLATE_ID_OFFSET) & 0xFFFF) + " from " +
            address(b.getLong(MessageLayout.SOURCE_OFFSET)) + " to " + address(b.getLong(MessageLayout.DESTINATION_OFFSET));
    }

    private static String address(final long a)
    {
        return ActorAddress.cpu(a) + "/" + ActorAddress.service(a) + "/" + ActorAddress.instance(a);
    }

    /** Replay a trace. */
    public static Result replay(final Trace trace)
    {
        final int n = trace.cpuCount();
        final List<Map<Long, Integer>> expected = new ArrayList<>();
        final List<Map<Long, byte[]>> examples = new ArrayList<>();
        final List<Set<Long>> refusals = new ArrayList<>();
        final List<List<Trace.State>> states = new ArrayList<>();
        for (final Trace.Cpu cpu : trace.cpus())
        {
            final Map<Long, Integer> counts = new HashMap<>();
            final Map<Long, byte[]> example = new HashMap<>();
            final Set<Long> refused = new HashSet<>();
            final List<Trace.State> stateList = new ArrayList<>();
            for (final Trace.Entry e : cpu.records())
            {
                if (e instanceof Trace.Handled h && !injectedByRuntime(h.message()))
                {
                    final long d = digest(new UnsafeBuffer(h.message()), 0, h.message().length);
                    counts.merge(d, 1, Integer::sum);
                    example.putIfAbsent(d, h.message());
                }
                else if (e instanceof Trace.Refused r)
                {
                    refused.add(key(r.sequence(), r.ordinal()));
                }
                else if (e instanceof Trace.State s)
                {
                    stateList.add(s);
                }
            }
            expected.add(counts);
            examples.add(example);
            refusals.add(refused);
            states.add(stateList);
        }

        final ReplayTransport transport = new ReplayTransport(expected, refusals);
        final StateCheck check = new StateCheck(states);
        final VirtualClock clock = new VirtualClock();
        try (Machine machine = new Machine(trace.machine(), trace.seed(), clock, inboxes -> transport, check))
        {
            final CpuAgent[] cpus = machine.cpus();
            transport.cpus = cpus;
            for (final CpuAgent cpu : cpus)
            {
                cpu.routeLocalThroughTransport();
            }
            // the replay machine is the boot machine (self-check, memory, capability and VM
            // services); a trace that delivered to actors it does not have came from another
            // kind of machine (an image's processes) and cannot be reproduced by it
            for (final Trace.Cpu cpu : trace.cpus())
            {
                for (final Trace.Handled h : cpu.handled())
                {
                    final int service = ActorAddress.service(h.destination());
                    final int instance = ActorAddress.instance(h.destination());
                    if (service != 0 && (service >= org.tessera.kernel.runtime.ServiceIds.MAX_SERVICES ||
                        instance < 0 || instance >= org.tessera.kernel.runtime.ServiceIds.MAX_INSTANCES ||
                        cpus[cpu.cpu()].actor(service, instance) == null))
                    {
                        return new Result(0, "the trace delivers messages to actor " + address(h.destination()) +
                            ", which the replay machine does not have: only runs of the boot machine (tessera boot " +
                            "without an image, tessera sim) can be replayed", machine.digest());
                    }
                }
            }
            long replayed = 0;
            for (int c = 0; c < n; c++)
            {
                transport.source = c;
                for (final Trace.Entry e : trace.cpus().get(c).records())
                {
                    if (!(e instanceof Trace.Handled h))
                    {
                        continue;
                    }
                    replayed++;
                    if (!cpus[c].replay(new UnsafeBuffer(h.message()), 0, h.message().length, h.time()))
                    {
                        return new Result(replayed, "cpu " + c + " message #" + h.sequence() +
                            ": recorded timer expiry for a timer the replay does not have pending", machine.digest());
                    }
                    final String d = transport.divergence != null ? transport.divergence : check.divergence;
                    if (d != null)
                    {
                        return new Result(replayed, "cpu " + c + " message #" + h.sequence() + " (" +
                            describe(h.message()) + "): " + d, machine.digest());
                    }
                }
                if (check.next[c] != states.get(c).size())
                {
                    return new Result(replayed, "cpu " + c + ": the recorded run traced " + states.get(c).size() +
                        " state changes, the replay " + check.next[c], machine.digest());
                }
                if (!refusals.get(c).isEmpty())
                {
                    return new Result(replayed, "cpu " + c + ": " + refusals.get(c).size() +
                        " recorded back-pressure refusals were never reached in the replay", machine.digest());
                }
            }
            for (int c = 0; c < n; c++)
            {
                for (final Map.Entry<Long, Integer> e : expected.get(c).entrySet())
                {
                    if (e.getValue() != 0)
                    {
                        return new Result(replayed, "cpu " + c + " received a message the replay never sent: " +
                            describe(examples.get(c).get(e.getKey())), machine.digest());
                    }
                }
            }
            for (final Trace.Cpu cpu : trace.cpus())
            {
                for (final Trace.ActorDigest a : cpu.actors())
                {
                    final long got = cpus[cpu.cpu()].actorDigest(ActorAddress.service(a.address()),
                        ActorAddress.instance(a.address()));
                    if (got != a.digest())
                    {
                        return new Result(replayed, "actor " + address(a.address()) + ": digest " +
                            Long.toHexString(got) + " where the recorded run had " + Long.toHexString(a.digest()),
                            machine.digest());
                    }
                }
                if (cpus[cpu.cpu()].cpuDigest() != cpu.cpuDigest())
                {
                    return new Result(replayed, "cpu " + cpu.cpu() + ": digest differs from the recorded one",
                        machine.digest());
                }
            }
            final long digest = machine.digest();
            return new Result(replayed, digest == trace.runDigest() ? null :
                "run digest " + Long.toHexString(digest) + " where the recorded run had " +
                    Long.toHexString(trace.runDigest()), digest);
        }
    }

    private static long key(final long sequence, final int ordinal)
    {
        return sequence * 65_536 + ordinal;
    }

    /** Accepts every send, checks it against what the recorded run delivered, refuses where it refused. */
    private static final class ReplayTransport implements Transport
    {
        final List<Map<Long, Integer>> expected;
        final List<Set<Long>> refusals;
        final UnsafeBuffer staging = new UnsafeBuffer(ByteBuffer.allocateDirect(64 * 1024));
        CpuAgent[] cpus;
        int source;
        int stagedLength;
        String divergence;

        ReplayTransport(final List<Map<Long, Integer>> expected, final List<Set<Long>> refusals)
        {
            this.expected = expected;
            this.refusals = refusals;
        }

        public int tryClaim(final int dstCpu, final int msgTypeId, final int length)
        {
            final CpuAgent cpu = cpus[source];
            if (refusals.get(source).remove(key(cpu.sequence(), cpu.claimOrdinal() - 1)))
            {
                return BACK_PRESSURED;
            }
            if (length > staging.capacity())
            {
                divergence = "sent a message of " + length + " bytes, larger than any inbox takes";
                return BACK_PRESSURED;
            }
            stagedLength = length;
            return 0;
        }

        public MutableDirectBuffer buffer(final int dstCpu)
        {
            return staging;
        }

        public void commit(final int dstCpu, final int index)
        {
            final long d = digest(staging, 0, stagedLength);
            final Map<Long, Integer> counts = expected.get(dstCpu);
            final Integer left = counts.get(d);
            if (left == null || left == 0)
            {
                if (divergence == null)
                {
                    final byte[] bytes = new byte[stagedLength];
                    staging.getBytes(0, bytes);
                    divergence = "sent a message that the recorded run never delivered: " + describe(bytes);
                }
                return;
            }
            counts.put(d, left - 1);
        }

        public void abort(final int dstCpu, final int index)
        {
            stagedLength = 0;
        }
    }

    /** Compares each traced state change with the recorded one, in order. */
    private static final class StateCheck implements TraceSink
    {
        final List<List<Trace.State>> states;
        final int[] next;
        String divergence;

        StateCheck(final List<List<Trace.State>> states)
        {
            this.states = states;
            this.next = new int[states.size()];
        }

        public void onHandled(
            final int cpu, final long sequence, final int msgTypeId, final DirectBuffer buffer, final int offset,
            final int length, final long time, final long instructions)
        {
        }

        public void onState(
            final int cpu, final long sequence, final long actor, final int state, final int reason, final long time)
        {
            final List<Trace.State> recorded = states.get(cpu);
            final Trace.State expected = next[cpu] < recorded.size() ? recorded.get(next[cpu]) : null;
            next[cpu]++;
            if (divergence == null && (expected == null || expected.sequence() != sequence || expected.actor() != actor ||
                expected.state() != state || expected.reason() != reason))
            {
                divergence = "actor " + address(actor) + " changed to state " + state + " (reason " + reason + ")" +
                    (expected == null ? ", a change the recorded run did not make" :
                        " where the recorded run changed to " + expected.state() + " (reason " + expected.reason() + ")");
            }
        }

        public void onRefused(final int cpu, final long sequence, final int ordinal, final long destination)
        {
        }
    }
}
