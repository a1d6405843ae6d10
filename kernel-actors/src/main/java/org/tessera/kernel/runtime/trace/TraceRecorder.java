package org.tessera.kernel.runtime.trace;

import static java.nio.ByteOrder.LITTLE_ENDIAN;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.zip.CRC32C;

import org.agrona.DirectBuffer;
import org.agrona.ExpandableDirectByteBuffer;
import org.tessera.kernel.runtime.ActorAddress;
import org.tessera.kernel.runtime.CpuAgent;
import org.tessera.kernel.runtime.MessageLayout;
import org.tessera.kernel.runtime.ServiceIds;
import org.tessera.kernel.runtime.TraceSink;
import org.tessera.kernel.runtime.machine.MachineDescription;
import org.tessera.messages.trace.ActorDigestsEncoder;
import org.tessera.messages.trace.ClaimRefusedEncoder;
import org.tessera.messages.trace.CpuSectionEncoder;
import org.tessera.messages.trace.HandledRecordEncoder;
import org.tessera.messages.trace.MessageHeaderEncoder;
import org.tessera.messages.trace.RunMode;
import org.tessera.messages.trace.StateRecordEncoder;
import org.tessera.messages.trace.TraceFileHeaderEncoder;

/**
 * Records every handled message per CPU into an in-memory buffer owned by that CPU (so
 * recording takes no lock), and writes the trace file when the run ends.
 */
public final class TraceRecorder implements TraceSink
{
    private final int cpuCount;
    private final ExpandableDirectByteBuffer[] buffers;
    private final int[] positions;
    private final long[] counts;
    private final MessageHeaderEncoder[] headers;
    private final HandledRecordEncoder[] handled;
    private final StateRecordEncoder[] states;
    private final ClaimRefusedEncoder[] refusals;

    public TraceRecorder(final int cpuCount)
    {
        this.cpuCount = cpuCount;
        buffers = new ExpandableDirectByteBuffer[cpuCount];
        positions = new int[cpuCount];
        counts = new long[cpuCount];
        headers = new MessageHeaderEncoder[cpuCount];
        handled = new HandledRecordEncoder[cpuCount];
        states = new StateRecordEncoder[cpuCount];
        refusals = new ClaimRefusedEncoder[cpuCount];
        for (int i = 0; i < cpuCount; i++)
        {
            buffers[i] = new ExpandableDirectByteBuffer(1 << 20);
            headers[i] = new MessageHeaderEncoder();
            handled[i] = new HandledRecordEncoder();
            states[i] = new StateRecordEncoder();
            refusals[i] = new ClaimRefusedEncoder();
        }
    }

    public void onHandled(
        final int cpu, final long sequence, final int msgTypeId, final DirectBuffer buffer, final int offset,
        final int length, final long time, final long instructions)
    {
        final ExpandableDirectByteBuffer out = buffers[cpu];
        final int start = positions[cpu];
        out.checkLimit(start + MessageHeaderEncoder.ENCODED_LENGTH + HandledRecordEncoder.BLOCK_LENGTH +
            HandledRecordEncoder.messageHeaderLength() + length);
        final HandledRecordEncoder e = handled[cpu];
        e.wrapAndApplyHeader(out, start, headers[cpu])
            .sequence(sequence)
            .source(buffer.getLong(offset + MessageLayout.SOURCE_OFFSET, LITTLE_ENDIAN))
            .destination(buffer.getLong(offset + MessageLayout.DESTINATION_OFFSET, LITTLE_ENDIAN))
            .msgTypeId(msgTypeId)
            .time(time)
            .instructions(instructions)
            .putMessage(buffer, offset, length);
        positions[cpu] = start + MessageHeaderEncoder.ENCODED_LENGTH + e.encodedLength();
        counts[cpu]++;
    }

    public void onState(
        final int cpu, final long sequence, final long actor, final int state, final int reason, final long time)
    {
        final ExpandableDirectByteBuffer out = buffers[cpu];
        final int start = positions[cpu];
        out.checkLimit(start + MessageHeaderEncoder.ENCODED_LENGTH + StateRecordEncoder.BLOCK_LENGTH);
        final StateRecordEncoder e = states[cpu];
        e.wrapAndApplyHeader(out, start, headers[cpu])
            .sequence(sequence).actor(actor).state(state).reason(reason).time(time);
        positions[cpu] = start + MessageHeaderEncoder.ENCODED_LENGTH + e.encodedLength();
        counts[cpu]++;
    }

    public void onRefused(final int cpu, final long sequence, final int ordinal, final long destination)
    {
        final ExpandableDirectByteBuffer out = buffers[cpu];
        final int start = positions[cpu];
        out.checkLimit(start + MessageHeaderEncoder.ENCODED_LENGTH + ClaimRefusedEncoder.BLOCK_LENGTH);
        final ClaimRefusedEncoder e = refusals[cpu];
        e.wrapAndApplyHeader(out, start, headers[cpu]).sequence(sequence).ordinal(ordinal).destination(destination);
        positions[cpu] = start + MessageHeaderEncoder.ENCODED_LENGTH + e.encodedLength();
        counts[cpu]++;
    }

    /** @return records captured so far on {@code cpu}. */
    public long recordCount(final int cpu)
    {
        return counts[cpu];
    }

    /**
     * Write the trace file. Call after every CPU loop has stopped.
     *
     * @param file        destination (replaced if it exists).
     * @param mode        how the run was driven.
     * @param seed        the run's seed.
     * @param runDigest   the digest printed for the run.
     * @param machine     the machine that ran (replay rebuilds it from this).
     * @param description the machine description and command line.
     * @param cpus        the CPUs, for their digests.
     */
    public void write(
        final Path file, final RunMode mode, final long seed, final long runDigest, final MachineDescription machine,
        final String description, final CpuAgent[] cpus) throws IOException
    {
        final ExpandableDirectByteBuffer scratch = new ExpandableDirectByteBuffer(4096);
        final MessageHeaderEncoder header = new MessageHeaderEncoder();
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
            StandardOpenOption.TRUNCATE_EXISTING))
        {
            final byte[] text = description.getBytes(StandardCharsets.UTF_8);
            final TraceFileHeaderEncoder fileHeader = new TraceFileHeaderEncoder();
            fileHeader.wrapAndApplyHeader(scratch, 0, header)
                .magic(TraceFormat.MAGIC)
                .formatVersion(TraceFormat.FORMAT_VERSION)
                .mode(mode)
                .cpuCount(cpuCount)
                .seed(seed)
                .runDigest(runDigest)
                .memoryBytes(machine.memoryBytes())
                .numaNodes(machine.numaNodes())
                .inboxBytes(machine.inboxBytes())
                .localQueueBytes(machine.localQueueBytes())
                .selfCheckRounds(machine.selfCheckRounds())
                .selfCheckWindow(machine.selfCheckWindow())
                .architecture(org.tessera.messages.trace.Architecture.valueOf(machine.architecture().toUpperCase()))
                .putDescription(text, 0, text.length);
            writeFully(channel, scratch, MessageHeaderEncoder.ENCODED_LENGTH + fileHeader.encodedLength());

            for (int cpu = 0; cpu < cpuCount; cpu++)
            {
                final ExpandableDirectByteBuffer records = buffers[cpu];
                final int length = positions[cpu];
                final CRC32C crc = new CRC32C();
                final ByteBuffer view = records.byteBuffer().duplicate();
                view.limit(length).position(0);
                crc.update(view);
                final CpuSectionEncoder section = new CpuSectionEncoder();
                section.wrapAndApplyHeader(scratch, 0, header)
                    .cpu(cpu)
                    .recordCount(counts[cpu])
                    .byteLength(length)
                    .checksum(crc.getValue())
                    .cpuDigest(cpus[cpu].cpuDigest());
                writeFully(channel, scratch, MessageHeaderEncoder.ENCODED_LENGTH + section.encodedLength());
                writeFully(channel, records, length);

                int actorCount = 0;
                for (int service = 0; service < ServiceIds.MAX_SERVICES; service++)
                {
                    for (int instance = 0; instance < ServiceIds.MAX_INSTANCES; instance++)
                    {
                        if (cpus[cpu].actor(service, instance) != null)
                        {
                            actorCount++;
                        }
                    }
                }
                final ActorDigestsEncoder digests = new ActorDigestsEncoder();
                scratch.checkLimit(64 + actorCount * 24);
                digests.wrapAndApplyHeader(scratch, 0, header).cpu(cpu);
                final ActorDigestsEncoder.ActorsEncoder actors = digests.actorsCount(actorCount);
                for (int service = 0; service < ServiceIds.MAX_SERVICES; service++)
                {
                    for (int instance = 0; instance < ServiceIds.MAX_INSTANCES; instance++)
                    {
                        if (cpus[cpu].actor(service, instance) != null)
                        {
                            actors.next()
                                .address(ActorAddress.of(cpu, service, instance))
                                .handled(cpus[cpu].handledBy(service, instance))
                                .digest(cpus[cpu].actorDigest(service, instance));
                        }
                    }
                }
                writeFully(channel, scratch, MessageHeaderEncoder.ENCODED_LENGTH + digests.encodedLength());
            }
        }
    }

    private static void writeFully(final FileChannel channel, final ExpandableDirectByteBuffer buffer, final int length)
        throws IOException
    {
        final ByteBuffer view = buffer.byteBuffer().duplicate();
        view.limit(length).position(0);
        while (view.hasRemaining())
        {
            channel.write(view);
        }
    }
}
