package org.tessera.kernel.runtime.trace;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.CRC32C;

import org.agrona.concurrent.UnsafeBuffer;
import org.tessera.kernel.runtime.machine.MachineDescription;
import org.tessera.messages.trace.ActorDigestsDecoder;
import org.tessera.messages.trace.ClaimRefusedDecoder;
import org.tessera.messages.trace.CpuSectionDecoder;
import org.tessera.messages.trace.HandledRecordDecoder;
import org.tessera.messages.trace.MessageHeaderDecoder;
import org.tessera.messages.trace.RunMode;
import org.tessera.messages.trace.StateRecordDecoder;
import org.tessera.messages.trace.TraceFileHeaderDecoder;

/**
 * Reads a trace file, checking everything before trusting it: the magic and format version,
 * every length against the bytes present, each CPU section's CRC-32C and record count. Any
 * mismatch is a {@link TraceFormatException} saying what and where.
 */
public final class TraceReader
{
    /** Most CPUs a trace may claim. */
    public static final int MAX_CPUS = 4096;

    private final UnsafeBuffer buffer;
    private final int length;
    private final MessageHeaderDecoder header = new MessageHeaderDecoder();
    private int position;

    private TraceReader(final byte[] bytes)
    {
        this.buffer = new UnsafeBuffer(bytes);
        this.length = bytes.length;
    }

    /** Read and check a trace file. */
    public static Trace read(final Path file) throws IOException, TraceFormatException
    {
        return read(Files.readAllBytes(file));
    }

    /** Read and check trace bytes. */
    public static Trace read(final byte[] bytes) throws TraceFormatException
    {
        return new TraceReader(bytes).readTrace();
    }

    private Trace readTrace() throws TraceFormatException
    {
        expectHeader(TraceFileHeaderDecoder.TEMPLATE_ID, "trace file header");
        final TraceFileHeaderDecoder file = new TraceFileHeaderDecoder();
        file.wrap(buffer, position, header.blockLength(), header.version());
        if (file.magic() != TraceFormat.MAGIC)
        {
            throw new TraceFormatException("not a Tessera trace: bad magic at offset 8");
        }
        if (file.formatVersion() != TraceFormat.FORMAT_VERSION)
        {
            throw new TraceFormatException("unsupported trace format version " + file.formatVersion() +
                " (this build reads version " + TraceFormat.FORMAT_VERSION + ")");
        }
        final int cpuCount = file.cpuCount();
        if (cpuCount < 1 || cpuCount > MAX_CPUS)
        {
            throw new TraceFormatException("corrupt trace: cpu count " + cpuCount);
        }
        final RunMode mode = file.mode();
        if (mode == RunMode.NULL_VAL || mode == null)
        {
            throw new TraceFormatException("corrupt trace: unknown run mode");
        }
        final long seed = file.seed();
        final long runDigest = file.runDigest();
        final MachineDescription machine;
        final org.tessera.messages.trace.Architecture architecture = file.architecture();
        if (architecture == null || architecture == org.tessera.messages.trace.Architecture.NULL_VAL)
        {
            throw new TraceFormatException("corrupt trace: unknown architecture");
        }
        try
        {
            machine = new MachineDescription(cpuCount, file.memoryBytes(), file.numaNodes(), (int)file.inboxBytes(),
                (int)file.localQueueBytes(), (int)file.selfCheckRounds(), file.selfCheckWindow(),
                architecture.name().toLowerCase());
        }
        catch (final IllegalArgumentException e)
        {
            throw new TraceFormatException("corrupt trace: machine description: " + e.getMessage());
        }
        final int descriptionAt = file.limit();
        need(descriptionAt, 4, "description length");
        final long descriptionLength = buffer.getInt(descriptionAt) & 0xFFFF_FFFFL;
        need(descriptionAt + 4, descriptionLength, "description");
        final byte[] text = new byte[(int)descriptionLength];
        file.getDescription(text, 0, text.length);
        position = file.limit();

        final List<Trace.Cpu> cpus = new ArrayList<>(cpuCount);
        for (int i = 0; i < cpuCount; i++)
        {
            cpus.add(readCpu(i));
        }
        if (position != length)
        {
            throw new TraceFormatException("corrupt trace: " + (length - position) +
                " unexpected bytes after the last CPU section at offset " + position);
        }
        return new Trace(mode, cpuCount, seed, runDigest, machine, new String(text, StandardCharsets.UTF_8),
            List.copyOf(cpus));
    }

    private Trace.Cpu readCpu(final int expectedCpu) throws TraceFormatException
    {
        expectHeader(CpuSectionDecoder.TEMPLATE_ID, "section header of CPU " + expectedCpu);
        final CpuSectionDecoder section = new CpuSectionDecoder();
        section.wrap(buffer, position, header.blockLength(), header.version());
        position += header.blockLength();
        if (section.cpu() != expectedCpu)
        {
            throw new TraceFormatException("corrupt trace: section for CPU " + section.cpu() +
                " where CPU " + expectedCpu + " was expected");
        }
        final long byteLength = section.byteLength();
        need(position, byteLength, "records of CPU " + expectedCpu);
        final CRC32C crc = new CRC32C();
        crc.update(ByteBuffer.wrap(buffer.byteArray(), position, (int)byteLength));
        if (crc.getValue() != section.checksum())
        {
            throw new TraceFormatException("corrupt trace: checksum mismatch in the records of CPU " + expectedCpu);
        }
        final long recordCount = section.recordCount();
        final int end = position + (int)byteLength;
        final List<Trace.Entry> records = new ArrayList<>();
        final HandledRecordDecoder handled = new HandledRecordDecoder();
        final StateRecordDecoder state = new StateRecordDecoder();
        final ClaimRefusedDecoder refused = new ClaimRefusedDecoder();
        while (position < end)
        {
            readHeader("record " + records.size() + " of CPU " + expectedCpu, end);
            if (header.templateId() == HandledRecordDecoder.TEMPLATE_ID)
            {
                need(position, header.blockLength() + 4L, "record " + records.size(), end);
                handled.wrap(buffer, position, header.blockLength(), header.version());
                final int dataAt = handled.limit();
                final long dataLength = buffer.getInt(dataAt) & 0xFFFF_FFFFL;
                need(dataAt + 4, dataLength, "message bytes of record " + records.size(), end);
                final long sequence = handled.sequence();
                final long source = handled.source();
                final long destination = handled.destination();
                final int msgTypeId = handled.msgTypeId();
                final long time = handled.time();
                final long instructions = handled.instructions();
                final byte[] message = new byte[(int)dataLength];
                handled.getMessage(message, 0, message.length);
                records.add(new Trace.Handled(sequence, source, destination, msgTypeId, time, instructions, message));
                position = handled.limit();
            }
            else if (header.templateId() == StateRecordDecoder.TEMPLATE_ID)
            {
                need(position, header.blockLength(), "record " + records.size(), end);
                state.wrap(buffer, position, header.blockLength(), header.version());
                records.add(new Trace.State(state.sequence(), state.actor(), state.state(), state.reason(), state.time()));
                position += header.blockLength();
            }
            else if (header.templateId() == ClaimRefusedDecoder.TEMPLATE_ID)
            {
                need(position, header.blockLength(), "record " + records.size(), end);
                refused.wrap(buffer, position, header.blockLength(), header.version());
                records.add(new Trace.Refused(refused.sequence(), (int)refused.ordinal(), refused.destination()));
                position += header.blockLength();
            }
            else
            {
                throw new TraceFormatException("corrupt trace: unknown record type " + header.templateId() +
                    " in CPU " + expectedCpu + " at offset " + (position - MessageHeaderDecoder.ENCODED_LENGTH));
            }
        }
        if (records.size() != recordCount)
        {
            throw new TraceFormatException("corrupt trace: CPU " + expectedCpu + " holds " + records.size() +
                " records, its header says " + recordCount);
        }

        expectHeader(ActorDigestsDecoder.TEMPLATE_ID, "actor digests of CPU " + expectedCpu);
        final ActorDigestsDecoder digests = new ActorDigestsDecoder();
        need(position, header.blockLength() + ActorDigestsDecoder.ActorsDecoder.sbeHeaderSize(), "actor digests");
        digests.wrap(buffer, position, header.blockLength(), header.version());
        final int groupAt = position + header.blockLength();
        final int entryLength = buffer.getShort(groupAt) & 0xFFFF;
        final int entries = buffer.getShort(groupAt + 2) & 0xFFFF;
        need(groupAt + ActorDigestsDecoder.ActorsDecoder.sbeHeaderSize(), (long)entryLength * entries, "actor digests");
        final List<Trace.ActorDigest> actors = new ArrayList<>(entries);
        digests.cpu();
        for (final ActorDigestsDecoder.ActorsDecoder a : digests.actors())
        {
            actors.add(new Trace.ActorDigest(a.address(), a.handled(), a.digest()));
        }
        position = digests.limit();
        return new Trace.Cpu(expectedCpu, section.cpuDigest(), List.copyOf(records), List.copyOf(actors));
    }

    private void expectHeader(final int templateId, final String what) throws TraceFormatException
    {
        readHeader(what, length);
        if (header.templateId() != templateId)
        {
            throw new TraceFormatException("corrupt trace: expected the " + what + " at offset " +
                (position - MessageHeaderDecoder.ENCODED_LENGTH) + ", found record type " + header.templateId());
        }
        need(position, header.blockLength(), what);
    }

    private void readHeader(final String what, final int end) throws TraceFormatException
    {
        need(position, MessageHeaderDecoder.ENCODED_LENGTH, what, end);
        header.wrap(buffer, position);
        if (header.schemaId() != MessageHeaderDecoder.SCHEMA_ID)
        {
            throw new TraceFormatException(position == 0 ? "not a Tessera trace file" :
                "corrupt trace: wrong schema id " + header.schemaId() + " at offset " + position);
        }
        position += MessageHeaderDecoder.ENCODED_LENGTH;
    }

    private void need(final long at, final long bytes, final String what) throws TraceFormatException
    {
        need(at, bytes, what, length);
    }

    private void need(final long at, final long bytes, final String what, final long end) throws TraceFormatException
    {
        if (bytes < 0 || at + bytes > end)
        {
            throw new TraceFormatException("truncated trace: " + what + " needs " + bytes + " bytes at offset " + at +
                ", only " + Math.max(0, end - at) + " remain");
        }
    }
}
