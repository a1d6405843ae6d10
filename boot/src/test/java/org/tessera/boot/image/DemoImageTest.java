package org.tessera.boot.image;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tessera.boot.cli.ImageCommand;

/**
 * The bundled demo image ({@code images/demo.img}) is exactly what {@link #DEMO_COMMAND}
 * builds from the committed {@code user/bin/workers.elf}: rebuild it with that command when
 * this test fails.
 */
class DemoImageTest
{
    /** The reproducible command, run from the repository root. */
    static final String[] DEMO_COMMAND = {"build", "--out", "images/demo.img", "--cpus", "4", "--init", "workers",
        "user/bin/workers.elf"};

    @Test
    void shouldMatchTheCommittedDemoImage(@TempDir final Path tmp) throws Exception
    {
        final Path root = ImageReaderTest.bin().getParent().getParent();
        final String[] args = DEMO_COMMAND.clone();
        args[2] = tmp.resolve("demo.img").toString();
        args[args.length - 1] = root.resolve(args[args.length - 1]).toString();
        final StringWriter err = new StringWriter();
        assertEquals(0, ImageCommand.execute(new PrintWriter(new StringWriter()), new PrintWriter(err), args),
            err.toString());
        final byte[] fresh = Files.readAllBytes(tmp.resolve("demo.img"));
        assertArrayEquals(fresh, Files.readAllBytes(root.resolve("images/demo.img")),
            "images/demo.img is stale: rebuild with 'tessera image " + String.join(" ", DEMO_COMMAND) + "'");
        final BootImage demo = ImageReader.fromBytes(fresh);
        assertEquals(4, demo.machine().cpus());
        assertEquals("workers", demo.initName());
    }

    @Test
    void shouldInspectAndRefuseCorruptFiles(@TempDir final Path tmp) throws Exception
    {
        final Path root = ImageReaderTest.bin().getParent().getParent();
        final StringWriter out = new StringWriter();
        assertEquals(0, ImageCommand.execute(new PrintWriter(out), new PrintWriter(new StringWriter()), "inspect",
            root.resolve("images/demo.img").toString()));
        org.junit.jupiter.api.Assertions.assertTrue(out.toString().contains("4 cpus"), out.toString());
        final byte[] bytes = Files.readAllBytes(root.resolve("images/demo.img"));
        final Path cut = tmp.resolve("cut.img");
        Files.write(cut, java.util.Arrays.copyOf(bytes, bytes.length / 2));
        final StringWriter err = new StringWriter();
        assertEquals(1, ImageCommand.execute(new PrintWriter(new StringWriter()), new PrintWriter(err), "inspect",
            cut.toString()));
        org.junit.jupiter.api.Assertions.assertTrue(err.toString().contains("truncated"), err.toString());
    }
}
