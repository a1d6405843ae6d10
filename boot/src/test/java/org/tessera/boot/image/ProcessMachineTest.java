package org.tessera.boot.image;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.tessera.boot.cli.ProcessRun;
import org.tessera.kernel.userland.ProcessMachine;
import org.tessera.kernel.userland.StreamConsole;

class ProcessMachineTest
{
    record Run(ProcessMachine.Result result, String out, String err, String log, long notReturned)
    {
    }

    static Run run(final String program, final boolean simulate, final long seed, final int cpus,
        final String... args) throws Exception
    {
        final Path bin = ImageReaderTest.bin();
        final byte[] elf = Files.readAllBytes(bin.resolve(program + ".elf"));
        final BootImage image = new BootImage(MachineSpec.DEFAULT.withCpus(cpus), Map.of(program, elf), program,
            List.of(program));
        final List<byte[]> argv = new ArrayList<>();
        argv.add(("bin/" + program + ".elf").getBytes(StandardCharsets.UTF_8));
        for (final String a : args)
        {
            argv.add(a.getBytes(StandardCharsets.UTF_8));
        }
        final List<byte[]> env = List.of("TESSERA_GREETING=hello from the test".getBytes(StandardCharsets.UTF_8),
            "TESSERA_NAME=qemu-diff".getBytes(StandardCharsets.UTF_8));
        final ByteArrayOutputStream out = new ByteArrayOutputStream();
        final ByteArrayOutputStream err = new ByteArrayOutputStream();
        final StringWriter log = new StringWriter();
        final StreamConsole console = new StreamConsole(out, err, new PrintWriter(log), true);
        try (ProcessMachine m = new ProcessMachine(ProcessRun.machineOf(image.machine()), List.of(program),
            List.of(elf), program, simulate, seed, null, console, argv, env))
        {
            final ProcessMachine.Result r = m.run(60_000_000_000L);
            console.flush();
            return new Run(r, out.toString(StandardCharsets.ISO_8859_1), err.toString(StandardCharsets.ISO_8859_1),
                log.toString(), m.framesNotReturned());
        }
    }

    static String expected(final String program, final String ext) throws Exception
    {
        return Files.readString(ImageReaderTest.bin().getParent().resolve("tests/expected/" + program + "." + ext),
            StandardCharsets.ISO_8859_1);
    }

    @ParameterizedTest
    @ValueSource(booleans = {true, false})
    void shouldRunHelloLikeQemu(final boolean simulate) throws Exception
    {
        final Run r = run("hello", simulate, 7, 2, "one", "two");
        assertTrue(r.result().completed(), r.result().failure() + "\n" + r.log());
        assertEquals(expected("hello", "out"), r.out(), r.log() + r.err());
        assertEquals(Integer.parseInt(expected("hello", "status").trim()), r.result().exitStatus());
        assertEquals(0, r.result().framesLeft());
        assertEquals(0, r.notReturned());
    }

    @ParameterizedTest
    @ValueSource(strings = {"hello-pie", "memory", "fault", "syscalls", "fpu", "tls", "cpubound"})
    void shouldRunEverySampleLikeQemuInSimulation(final String program) throws Exception
    {
        final String[] args = program.equals("hello-pie") ? new String[]{"one", "two"} :
            program.equals("cpubound") ? new String[]{"8"} : new String[0];
        final Run r = run(program, true, 11, 2, args);
        assertTrue(r.result().completed(), r.result().failure() + "\n" + r.log());
        assertEquals(expected(program, "out"), r.out(), r.log() + r.err());
        assertEquals(Integer.parseInt(expected(program, "status").trim()), r.result().exitStatus(), r.log());
        assertEquals(0, r.result().framesLeft());
        assertEquals(0, r.result().accountingViolations());
        assertEquals(0, r.notReturned());
    }

    @ParameterizedTest
    @ValueSource(booleans = {true, false})
    void shouldRunTheWorkersDemoOnFourCpus(final boolean simulate) throws Exception
    {
        final Run r = run("workers", simulate, 3, 4);
        assertTrue(r.result().completed(), r.result().failure() + "\n" + r.log());
        assertTrue(r.out().contains("workers: collected 4 workers, 550 primes below 4000 (sieve says 550): ok"),
            r.out() + r.log());
        assertEquals(0, r.result().exitStatus(), r.log());
        assertEquals(0, r.result().framesLeft());
        assertEquals(0, r.notReturned());
    }
}
