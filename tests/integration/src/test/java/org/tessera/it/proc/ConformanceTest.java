package org.tessera.it.proc;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.tessera.boot.cli.ProcessRun;
import org.tessera.boot.cli.RunCommand;

/**
 * Point 9 of issue 5: every sample program that uses only Linux-numbered calls gives, under
 * {@code tessera run} (run in-process through its command-line entry point), the same
 * standard output byte for byte and the same exit status as the committed {@code qemu-riscv64}
 * reference in {@code user/tests/expected}, in host and in simulation mode, with the same
 * argv[0] and environment variables as {@code user/tests/qemu-diff.sh} uses.
 */
class ConformanceTest
{
    static final String[] PROGRAMS = {"hello", "hello-pie", "cpubound", "memory", "fault", "syscalls", "fpu", "tls"};

    /** What one run printed. */
    record Output(int status, byte[] out, String err)
    {
        String digest()
        {
            final Matcher m = Pattern.compile("(?m)^digest ([0-9a-f]{16})$").matcher(err);
            return m.find() ? m.group(1) : null;
        }
    }

    static Path user()
    {
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent())
        {
            if (Files.isRegularFile(dir.resolve("user/Makefile")))
            {
                return dir.resolve("user");
            }
        }
        throw new IllegalStateException("no user/ above the working directory");
    }

    static List<String> argsFor(final String program)
    {
        return switch (program)
        {
            case "hello", "hello-pie" -> List.of("one", "two");
            case "cpubound" -> List.of("8");
            default -> List.of();
        };
    }

    static Output run(final String... args)
    {
        final ByteArrayOutputStream out = new ByteArrayOutputStream();
        final StringWriter err = new StringWriter();
        final PrintWriter outWriter = new PrintWriter(new OutputStreamWriter(out, StandardCharsets.ISO_8859_1));
        final int status = RunCommand.execute(outWriter, new PrintWriter(err), args);
        outWriter.flush();
        return new Output(status, out.toByteArray(), err.toString());
    }

    static Output runSample(final String program, final String mode, final long seed)
    {
        final List<String> cmd = new ArrayList<>(List.of("--mode", mode, "--seed", Long.toString(seed),
            "-E", "TESSERA_GREETING=hello from the test", "-E", "TESSERA_NAME=qemu-diff",
            "-0", "bin/" + program + ".elf", user().resolve("bin/" + program + ".elf").toString()));
        cmd.addAll(argsFor(program));
        return run(cmd.toArray(String[]::new));
    }

    static Stream<Arguments> samples()
    {
        return Stream.of(PROGRAMS).flatMap(p -> Stream.of(Arguments.of(p, "host"), Arguments.of(p, "sim")));
    }

    @ParameterizedTest(name = "{0} in {1} mode")
    @MethodSource("samples")
    void shouldMatchQemuByteForByte(final String program, final String mode) throws Exception
    {
        final Output o = runSample(program, mode, 42);
        final Path expected = user().resolve("tests/expected");
        assertArrayEquals(Files.readAllBytes(expected.resolve(program + ".out")), o.out(),
            program + " in " + mode + " mode, stderr:\n" + o.err());
        assertEquals(Integer.parseInt(Files.readString(expected.resolve(program + ".status")).trim()), o.status(),
            o.err());
        assertTrue(o.err().contains(", 0 frames not returned"), o.err());
    }

    @ParameterizedTest
    @ValueSource(strings = {"syscalls", "cpubound", "memory"})
    void shouldGiveTheSameOutputAndDigestForTheSameSeed(final String program)
    {
        final Output a = runSample(program, "sim", 1234);
        final Output b = runSample(program, "sim", 1234);
        assertArrayEquals(a.out(), b.out());
        assertEquals(a.status(), b.status());
        assertTrue(a.digest() != null, a.err());
        assertEquals(a.digest(), b.digest(), "same seed, same digest");
    }

    @ParameterizedTest
    @ValueSource(strings = {"host", "sim"})
    void shouldBootTheDemoImage(final String mode)
    {
        final ByteArrayOutputStream out = new ByteArrayOutputStream();
        final StringWriter err = new StringWriter();
        final PrintWriter outWriter = new PrintWriter(new OutputStreamWriter(out, StandardCharsets.ISO_8859_1));
        final int status = ProcessRun.boot(user().getParent().resolve("images/demo.img"), null, mode.equals("sim"),
            7L, null, 120, outWriter, new PrintWriter(err));
        outWriter.flush();
        final String text = out.toString(StandardCharsets.ISO_8859_1);
        assertEquals(0, status, err.toString());
        assertEquals("""
            workers: spawning 4 workers
            worker 0: 168 primes in [0, 1000)
            worker 1: 135 primes in [1000, 2000)
            worker 2: 127 primes in [2000, 3000)
            worker 3: 120 primes in [3000, 4000)
            workers: collected 4 workers, 550 primes below 4000 (sieve says 550): ok
            """, text);
        assertTrue(err.toString().contains(", 0 frames not returned"), err.toString());
    }

    @Test
    void shouldRunSixteenWorkersOnTwoCpusAndReapThemAll()
    {
        final Output o = run("--mode", "sim", "--seed", "9", "--verbose", user().resolve("bin/workers.elf").toString(),
            "16");
        final String text = new String(o.out(), StandardCharsets.ISO_8859_1);
        assertEquals(0, o.status(), o.err());
        assertTrue(text.contains("collected 16 workers, 1862 primes below 16000 (sieve says 1862): ok"), text);
        assertEquals(16, Pattern.compile("(?m)^tessera: pid (?!1 )\\d+ exited with status 1\\d\\d on cpu")
            .matcher(o.err()).results().count(), o.err());
        assertTrue(o.err().contains(", 0 frames not returned"), o.err());
    }

    @Test
    void shouldRefuseWorkersSpawnUnderQemuSemanticsWithoutTheImage()
    {
        // workers --worker K is plain Linux: it exits with its prime count
        final Output o = run("--mode", "sim", user().resolve("bin/workers.elf").toString(), "--worker", "1");
        assertEquals(135, o.status(), o.err());
    }
}
