package org.tessera.boot.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TesseraCommandTest
{
    private static final Pattern DIGEST = Pattern.compile("(?m)^digest ([0-9a-f]{16})\\s*\\z");

    record Run(int status, String out, String err)
    {
        String digest()
        {
            final Matcher m = DIGEST.matcher(err);
            assertTrue(m.find(), "the run must end with a digest line on standard error:\n" + err);
            return m.group(1);
        }
    }

    static Run tessera(final String... args)
    {
        final StringWriter out = new StringWriter();
        final StringWriter err = new StringWriter();
        final int status = TesseraCommand.execute(new PrintWriter(out, true), new PrintWriter(err, true), args);
        return new Run(status, out.toString(), err.toString());
    }

    @Test
    void shouldBootTheDefaultMachineInHostModeWithKernelOutputOnStandardError()
    {
        final Run r = tessera("boot", "--rounds", "100", "--memory", "16M");
        assertEquals(0, r.status(), r.err());
        assertEquals("", r.out(), "standard output is reserved for guest output");
        assertTrue(r.err().contains("cpu 0: handled"), r.err());
        assertTrue(r.err().contains("cpu 1: handled"), r.err());
        assertTrue(r.err().contains("self-check: ok"), r.err());
        r.digest();
    }

    @Test
    void shouldGiveTheSameDigestForTheSameSeedAndAnotherForAnotherSeed()
    {
        final String a = tessera("sim", "--seed", "11", "--cpus", "4", "--rounds", "50", "--memory", "16M").digest();
        final String b = tessera("sim", "--seed", "11", "--cpus", "4", "--rounds", "50", "--memory", "16M").digest();
        final String c = tessera("sim", "--seed", "12", "--cpus", "4", "--rounds", "50", "--memory", "16M").digest();
        final String d = tessera("boot", "--mode", "sim", "--seed", "11", "--cpus", "4", "--rounds", "50",
            "--memory", "16M").digest();
        assertEquals(a, b);
        assertNotEquals(a, c);
        assertEquals(a, d, "boot --mode sim is the same simulation");
    }

    @Test
    void shouldRecordAVerifiableTraceAndRefuseACorruptOne(@TempDir final Path dir) throws Exception
    {
        final Path trace = dir.resolve("run.trace");
        final Run run = tessera("sim", "--seed", "5", "--rounds", "30", "--memory", "16M", "--record", trace.toString());
        assertEquals(0, run.status(), run.err());
        final Run verify = tessera("trace", "verify", trace.toString());
        assertEquals(0, verify.status(), verify.err());
        assertTrue(verify.out().contains("ok, simulation mode, 2 cpus"), verify.out());
        assertTrue(verify.out().contains("digest " + run.digest()), verify.out());

        final Run replay = tessera("replay", trace.toString());
        assertEquals(0, replay.status(), replay.err());
        assertTrue(replay.err().contains("reproduced exactly"), replay.err());
        assertEquals(run.digest(), replay.digest());

        final byte[] bytes = Files.readAllBytes(trace);
        final Path cut = dir.resolve("cut.trace");
        Files.write(cut, java.util.Arrays.copyOf(bytes, bytes.length - 10));
        final Run refused = tessera("trace", "inspect", cut.toString());
        assertEquals(1, refused.status());
        assertTrue(refused.err().contains("truncated trace"), refused.err());
    }

    @Test
    void shouldGatherMemoryStatisticsByMessage()
    {
        for (final String mode : new String[] {"sim", "host"})
        {
            final Run r = tessera("stats", "--mode", mode, "--cpus", "2", "--numa-nodes", "2", "--memory", "64M",
                "--rounds", "10");
            assertEquals(0, r.status(), r.err());
            assertTrue(r.out().contains("node 0: managed"), r.out());
            assertTrue(r.out().contains("node 1: managed"), r.out());
            assertTrue(r.out().contains("node 1 free blocks: o9="), r.out());
            assertTrue(r.out().contains("heap cpu 1:"), r.out());
            assertTrue(r.out().contains("accounting: ok"), r.out());
        }
    }

    @Test
    void shouldRefuseBadOptionsClearly()
    {
        final Run mode = tessera("boot", "--mode", "warp");
        assertEquals(2, mode.status());
        assertTrue(mode.err().contains("unknown mode 'warp'"), mode.err());
        final Run memory = tessera("sim", "--memory", "lots");
        assertEquals(2, memory.status());
        assertTrue(memory.err().contains("not a size"), memory.err());
    }
}
