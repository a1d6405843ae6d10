package org.tessera.it.proc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Point 7 of issue 4 from the outside: {@code user/bin/captest.elf}, a guest program, binds its
 * handles to forged, altered, attenuated, revoked and foreign tokens and checks that no write,
 * memory call, kill or spawn gets through, then that its genuine tokens still work. Each check
 * prints its attempt count and how many were wrongly accepted; the program exits with the
 * number of failed checks. Removing any one check from the system call service makes one of
 * these lines fail (and the exit status nonzero).
 */
class CapabilityEnforcementTest
{
    private static final Pattern LINE =
        Pattern.compile("(?m)^captest: (.+?)\\s+(\\d+) attempts, (\\d+) accepted: (ok|FAILED)$");

    record Check(String name, long attempts, long accepted, boolean ok)
    {
    }

    static List<Check> checks(final String out)
    {
        final List<Check> checks = new ArrayList<>();
        final Matcher m = LINE.matcher(out);
        while (m.find())
        {
            checks.add(new Check(m.group(1), Long.parseLong(m.group(2)), Long.parseLong(m.group(3)),
                m.group(4).equals("ok")));
        }
        return checks;
    }

    @ParameterizedTest
    @ValueSource(strings = {"host", "sim"})
    void shouldRefuseEveryForgedAlteredAttenuatedRevokedAndForeignToken(final String mode)
    {
        final ConformanceTest.Output o = ConformanceTest.run("--mode", mode, "--cpus", "2",
            ConformanceTest.user().resolve("bin/captest.elf").toString());
        final String out = new String(o.out(), StandardCharsets.ISO_8859_1);
        final List<Check> checks = checks(out);
        assertEquals(12, checks.size(), out + o.err());
        long attempts = 0;
        for (final Check c : checks)
        {
            assertTrue(c.ok(), c + "\n" + out);
            assertEquals(0, c.accepted(), c.toString());
            attempts += c.attempts();
        }
        // the forged and altered checks alone make over 4,000 attempts
        assertTrue(attempts > 4_000, "attempts " + attempts);
        assertTrue(out.endsWith("captest: all checks held\n"), out);
        assertEquals(0, o.status(), o.err());
        assertTrue(o.err().contains("0 frames not returned"), o.err());
    }

    @ParameterizedTest
    @ValueSource(longs = {1, 2, 3})
    void shouldGiveTheSameOutputAndDigestForTheSameSeed(final long seed)
    {
        final String elf = ConformanceTest.user().resolve("bin/captest.elf").toString();
        final ConformanceTest.Output a = ConformanceTest.run("--mode", "sim", "--seed", Long.toString(seed), elf);
        final ConformanceTest.Output b = ConformanceTest.run("--mode", "sim", "--seed", Long.toString(seed), elf);
        assertEquals(0, a.status(), a.err());
        assertEquals(new String(a.out(), StandardCharsets.ISO_8859_1), new String(b.out(), StandardCharsets.ISO_8859_1));
        assertEquals(a.digest(), b.digest());
    }
}
