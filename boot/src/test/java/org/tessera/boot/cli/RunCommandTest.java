package org.tessera.boot.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RunCommandTest
{
    record Output(int status, String out, String err)
    {
    }

    static Path bin()
    {
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent())
        {
            if (Files.isRegularFile(dir.resolve("user/Makefile")))
            {
                return dir.resolve("user/bin");
            }
        }
        throw new IllegalStateException("no user/bin");
    }

    static Output run(final String... args)
    {
        final ByteArrayOutputStream out = new ByteArrayOutputStream();
        final StringWriter err = new StringWriter();
        final PrintWriter w = new PrintWriter(new OutputStreamWriter(out, StandardCharsets.ISO_8859_1));
        final int status = RunCommand.execute(w, new PrintWriter(err), args);
        w.flush();
        return new Output(status, out.toString(StandardCharsets.ISO_8859_1), err.toString());
    }

    @Test
    void shouldGiveTheGuestArgv0AndEnvironmentAsAsked()
    {
        final Output o = run("--mode", "sim", "-E", "TESSERA_GREETING=hi", "-E", "TESSERA_NAME=x", "-0", "prog",
            bin().resolve("hello.elf").toString(), "--not-an-option", "b");
        assertEquals(0, o.status(), o.err());
        assertTrue(o.out().contains("argv[0] = \"prog\"\nargv[1] = \"--not-an-option\"\nargv[2] = \"b\"\n"), o.out());
        assertTrue(o.out().contains("TESSERA_GREETING = \"hi\"\nTESSERA_NAME = \"x\"\n"), o.out());
        assertTrue(o.err().contains("digest "), "the digest goes to standard error");
        assertTrue(!o.out().contains("digest"), "standard output carries only the guest's output");
    }

    @Test
    void shouldTakeArgv0AsTypedAndRemoveVariables()
    {
        final String typed = bin().resolve("hello.elf").toString();
        final Output o = run("--mode", "sim", "-E", "TESSERA_GREETING=hi", "-U", "TESSERA_GREETING", typed);
        assertEquals(0, o.status(), o.err());
        assertTrue(o.out().contains("argv[0] = \"" + typed + "\""), o.out());
        assertTrue(!o.out().contains("TESSERA_GREETING = \"hi\""), o.out());
    }

    @Test
    void shouldExitWithInitsStatusAndSignal()
    {
        assertEquals(139, run("--mode", "sim", bin().resolve("fault.elf").toString()).status());
        assertEquals(120, run("--mode", "sim", "--cpus", "3", bin().resolve("workers.elf").toString(), "--worker", "3")
            .status());
    }

    @Test
    void shouldRefuseBadInput(@TempDir final Path tmp) throws Exception
    {
        final Path junk = tmp.resolve("junk.elf");
        Files.write(junk, new byte[]{0x7F, 'E', 'L', 'F', 1, 2, 3});
        final Output notElf = run(junk.toString());
        assertEquals(1, notElf.status());
        assertTrue(notElf.err().contains("junk.elf"), notElf.err());
        assertEquals(1, run(tmp.resolve("missing.elf").toString()).status());
        assertEquals(2, run("--mode", "warp", bin().resolve("hello.elf").toString()).status());
        assertEquals(2, run("--cpus", "0", bin().resolve("hello.elf").toString()).status());
        assertEquals(2, run("-E", "NOEQUALS", bin().resolve("hello.elf").toString()).status());
    }

    @Test
    void shouldRefuseACorruptImageAtBoot(@TempDir final Path tmp) throws Exception
    {
        final Path image = tmp.resolve("bad.img");
        final byte[] demo = Files.readAllBytes(bin().getParent().getParent().resolve("images/demo.img"));
        demo[demo.length / 2] ^= 1;
        Files.write(image, demo);
        final StringWriter err = new StringWriter();
        assertEquals(1, ProcessRun.boot(image, null, true, 1L, null, 10, new PrintWriter(new StringWriter()),
            new PrintWriter(err)));
        assertTrue(err.toString().contains("CRC-32C mismatch"), err.toString());
    }

    @Test
    void shouldBuildAnImageOnlyFromElfPrograms(@TempDir final Path tmp) throws Exception
    {
        final Path junk = tmp.resolve("junk.elf");
        Files.write(junk, new byte[100]);
        final StringWriter err = new StringWriter();
        assertEquals(1, ImageCommand.execute(new PrintWriter(new StringWriter()), new PrintWriter(err), "build",
            "--out", tmp.resolve("x.img").toString(), "--init", "junk", junk.toString()));
        assertTrue(err.toString().contains("junk.elf"), err.toString());
        final StringWriter err2 = new StringWriter();
        assertEquals(1, ImageCommand.execute(new PrintWriter(new StringWriter()), new PrintWriter(err2), "build",
            "--out", tmp.resolve("x.img").toString(), "--init", "nothere", bin().resolve("hello.elf").toString()));
        assertTrue(err2.toString().contains("nothere"), err2.toString());
    }

    @Test
    void shouldRecordATraceThatVerifies(@TempDir final Path tmp)
    {
        final Path trace = tmp.resolve("hello.trace");
        final Output o = run("--mode", "sim", "--seed", "3", "--record", trace.toString(),
            bin().resolve("hello.elf").toString());
        assertEquals(0, o.status(), o.err());
        final java.util.regex.Matcher digest = java.util.regex.Pattern.compile("(?m)^digest ([0-9a-f]{16})$")
            .matcher(o.err());
        assertTrue(digest.find(), o.err());
        final StringWriter out = new StringWriter();
        assertEquals(0, TesseraCommand.execute(new PrintWriter(out), new PrintWriter(new StringWriter()), "trace",
            "verify", trace.toString()));
        assertTrue(out.toString().contains("digest " + digest.group(1)), out.toString());
    }
}
