package org.tessera.kernel.runtime.machine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.tessera.kernel.runtime.MessageLayout;
import org.tessera.kernel.runtime.trace.Trace;
import org.tessera.kernel.runtime.trace.TraceReader;
import org.tessera.kernel.runtime.trace.TraceRecorder;
import org.tessera.messages.runtime.PingRequestEncoder;
import org.tessera.messages.trace.RunMode;

class ReplayerTest
{
    @TempDir
    Path dir;

    private Trace simulateAndRecord(final MachineDescription d, final long seed) throws Exception
    {
        final TraceRecorder recorder = new TraceRecorder(d.cpus());
        final Simulator sim = new Simulator(d, seed, SimulationOptions.DEFAULT, recorder);
        final Path file = dir.resolve("sim-" + seed + ".trace");
        try (Machine m = sim.machine())
        {
            final RunResult r = sim.run();
            assertTrue(r.completed(), r::failure);
            recorder.write(file, RunMode.SIMULATION, seed, r.digest(), d, "test", m.cpus());
        }
        return TraceReader.read(file);
    }

    @ParameterizedTest
    @ValueSource(longs = {1, 2, 3})
    void shouldReproduceASimulatedRunMessageByMessage(final long seed) throws Exception
    {
        System.out.println("seed " + seed);
        final Trace trace = simulateAndRecord(
            MachineDescription.DEFAULT.withCpus(3).withMemory(1 << 20).withSelfCheck(40, 8), seed);
        final Replayer.Result r = Replayer.replay(trace);
        assertTrue(r.exact(), r.divergence());
        assertEquals(trace.runDigest(), r.digest());
        assertTrue(r.messages() > 3 * 3 * 40 * 2);
    }

    @Test
    void shouldReproduceARunWithBackPressureRefusals() throws Exception
    {
        final Trace trace = simulateAndRecord(
            MachineDescription.DEFAULT.withCpus(4).withMemory(1 << 20).withSelfCheck(50, 16).withInbox(1024), 9);
        final long refusals = trace.cpus().stream().flatMap(c -> c.records().stream())
            .filter(Trace.Refused.class::isInstance).count();
        assertTrue(refusals > 0, "the run must have been back-pressured");
        final Replayer.Result r = Replayer.replay(trace);
        assertTrue(r.exact(), r.divergence());
    }

    @Test
    void shouldReproduceAHostModeRun() throws Exception
    {
        final MachineDescription d = MachineDescription.DEFAULT.withCpus(2).withMemory(1 << 20).withSelfCheck(100, 8);
        final TraceRecorder recorder = new TraceRecorder(2);
        final Path file = dir.resolve("host.trace");
        try (Machine m = HostRunner.build(d, 5, recorder))
        {
            final RunResult r = HostRunner.run(m, TimeUnit.SECONDS.toNanos(60), new PrintWriter(new StringWriter()));
            assertTrue(r.completed(), r::failure);
            recorder.write(file, RunMode.HOST, 5, r.digest(), d, "host test", m.cpus());
        }
        final Replayer.Result r = Replayer.replay(TraceReader.read(file));
        assertTrue(r.exact(), r.divergence());
    }

    @Test
    void shouldStopWhereATamperedRecordMakesTheRunDiverge() throws Exception
    {
        final Trace trace = simulateAndRecord(
            MachineDescription.DEFAULT.withCpus(2).withMemory(1 << 20).withSelfCheck(20, 4), 4);
        // change the value carried by one ping that CPU 1 handled: its reply no longer matches
        final Trace.Handled ping = trace.cpus().get(1).handled().stream()
            .filter(h -> (h.msgTypeId() & 0xFFFF) == PingRequestEncoder.TEMPLATE_ID)
            .filter(h -> org.tessera.kernel.runtime.ActorAddress.cpu(h.source()) == 0).skip(5).findFirst().orElseThrow();
        final int valueOffset = MessageLayout.HEADER_LENGTH + PingRequestEncoder.valueEncodingOffset();
        ping.message()[valueOffset] ^= 0x5A;
        final Replayer.Result r = Replayer.replay(trace);
        assertFalse(r.exact());
        assertNotNull(r.divergence());
        // CPUs are replayed in order, so the first difference is found where CPU 0 sends the ping whose
        // recorded delivery on CPU 1 no longer matches
        assertTrue(r.divergence().startsWith("cpu 0 message #"), r.divergence());
        assertTrue(r.divergence().endsWith("sent a message that the recorded run never delivered: type 1/10 from 0/1/0 " +
            "to 1/1/0"), r.divergence());
    }
}
