package org.tessera.kernel.runtime.trace;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tessera.kernel.runtime.ActorAddress;
import org.tessera.kernel.runtime.Digest;
import org.tessera.kernel.runtime.MessageLayout;
import org.tessera.kernel.runtime.ServiceIds;
import org.tessera.kernel.runtime.machine.Machine;
import org.tessera.kernel.runtime.machine.MachineDescription;
import org.tessera.kernel.runtime.machine.RunResult;
import org.tessera.kernel.runtime.machine.SimulationOptions;
import org.tessera.kernel.runtime.machine.Simulator;
import org.tessera.messages.trace.RunMode;

class TraceRoundTripTest
{
    @TempDir
    static Path dir;
    static Path file;
    static byte[] bytes;
    static long runDigest;
    static long[] handled;

    @BeforeAll
    static void record() throws IOException
    {
        final MachineDescription d = MachineDescription.DEFAULT.withCpus(3).withMemory(1 << 20).withSelfCheck(20, 4);
        final TraceRecorder recorder = new TraceRecorder(3);
        final Simulator sim = new Simulator(d, 77, SimulationOptions.DEFAULT, recorder);
        try (Machine m = sim.machine())
        {
            final RunResult r = sim.run();
            assertTrue(r.completed());
            runDigest = r.digest();
            handled = new long[3];
            for (int i = 0; i < 3; i++)
            {
                handled[i] = m.cpus()[i].handled();
            }
            file = dir.resolve("run.trace");
            recorder.write(file, RunMode.SIMULATION, 77, r.digest(), d, "test run", m.cpus());
        }
        bytes = Files.readAllBytes(file);
    }

    @Test
    void shouldReadBackEveryHandledMessageInOrder() throws Exception
    {
        final Trace t = TraceReader.read(file);
        assertEquals(RunMode.SIMULATION, t.mode());
        assertEquals(3, t.cpuCount());
        assertEquals(77, t.seed());
        assertEquals(runDigest, t.runDigest());
        assertEquals("test run", t.description());
        for (final Trace.Cpu cpu : t.cpus())
        {
            assertEquals(handled[cpu.cpu()], cpu.handled().size());
            long expected = 1;
            long selfCheckDigest = Digest.SEED;
            for (final Trace.Handled h : cpu.handled())
            {
                assertEquals(expected++, h.sequence(), "per-CPU sequence has no gaps");
                assertEquals(cpu.cpu(), ActorAddress.cpu(h.destination()));
                final UnsafeBuffer b = new UnsafeBuffer(h.message());
                assertEquals(h.msgTypeId(), MessageLayout.msgTypeId(b.getShort(4) & 0xFFFF, b.getShort(2) & 0xFFFF));
                if (ActorAddress.service(h.destination()) == ServiceIds.SELF_CHECK)
                {
                    selfCheckDigest = Digest.mix(Digest.mix(selfCheckDigest, b, 0, h.message().length), h.time());
                }
            }
            final Trace.ActorDigest recorded = cpu.actors().get(0);
            assertEquals(ActorAddress.of(cpu.cpu(), ServiceIds.SELF_CHECK, 0), recorded.address());
            assertEquals(selfCheckDigest, recorded.digest(), "the recorded messages reproduce the actor's digest");
        }
    }

    @Test
    void shouldRefuseEveryTruncation()
    {
        for (int cut = 0; cut < bytes.length; cut += Math.max(1, bytes.length / 200))
        {
            final byte[] truncated = Arrays.copyOf(bytes, cut);
            final TraceFormatException e = assertThrows(TraceFormatException.class, () -> TraceReader.read(truncated),
                "a trace cut at " + cut + " bytes must be refused");
            assertTrue(e.getMessage().startsWith("truncated") || e.getMessage().startsWith("not a Tessera") ||
                e.getMessage().startsWith("corrupt"), e.getMessage());
        }
    }

    @Test
    void shouldRefuseCorruptedRecordsBadMagicAndNewerVersions()
    {
        final byte[] flipped = bytes.clone();
        flipped[bytes.length / 2] ^= 0x40;
        assertThrows(TraceFormatException.class, () -> TraceReader.read(flipped));

        final byte[] magic = bytes.clone();
        magic[8] ^= 1;
        assertEquals("not a Tessera trace: bad magic at offset 8",
            assertThrows(TraceFormatException.class, () -> TraceReader.read(magic)).getMessage());

        final byte[] version = bytes.clone();
        version[16] = 9;
        assertTrue(assertThrows(TraceFormatException.class, () -> TraceReader.read(version)).getMessage()
            .startsWith("unsupported trace format version 9"));

        final byte[] trailing = Arrays.copyOf(bytes, bytes.length + 3);
        assertTrue(assertThrows(TraceFormatException.class, () -> TraceReader.read(trailing)).getMessage()
            .contains("unexpected bytes"));

    }
}
