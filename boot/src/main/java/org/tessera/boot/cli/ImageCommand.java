package org.tessera.boot.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

import org.tessera.boot.elf.ElfFile;
import org.tessera.boot.elf.ElfFormatException;
import org.tessera.boot.image.BootImage;
import org.tessera.boot.image.ImageFormatException;
import org.tessera.boot.image.ImageReader;
import org.tessera.boot.image.ImageWriter;
import org.tessera.boot.image.MachineSpec;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code tessera image build|inspect}: make and show boot images. */
@Command(name = "image", description = "Build and inspect boot images (machine description + ELF programs + init).",
    subcommands = {ImageCommand.Build.class, ImageCommand.Inspect.class})
public final class ImageCommand
{
    /** @return the exit status of {@code tessera image ARGS...}, output to the given writers. */
    public static int execute(final PrintWriter out, final PrintWriter err, final String... args)
    {
        return new CommandLine(new ImageCommand()).setOut(out).setErr(err).execute(args);
    }

    /** {@code tessera image build}. */
    @Command(name = "build", description = "Build an image from ELF programs; each is named after its file without " +
        "'.elf'.")
    public static final class Build implements Callable<Integer>
    {
        @Spec
        CommandSpec spec;

        @Option(names = "--out", required = true, description = "The image file to write.")
        Path out;

        @Option(names = "--cpus", description = "Virtual CPUs (default: ${DEFAULT-VALUE}).", defaultValue = "2")
        int cpus;

        @Option(names = "--memory", description = "Physical memory, e.g. 512M (default: ${DEFAULT-VALUE}).",
            defaultValue = "512M", converter = SizeConverter.class)
        long memory;

        @Option(names = "--numa-nodes", description = "NUMA nodes (default: ${DEFAULT-VALUE}).", defaultValue = "1")
        int numaNodes;

        @Option(names = "--tick", description = "User instructions per scheduler tick (default: ${DEFAULT-VALUE}).",
            defaultValue = "100000")
        long tick;

        @Option(names = "--init", required = true, description = "Name of the program init runs.")
        String init;

        @Option(names = "--arg", description = "An argument of init after argv[0] (repeatable).")
        List<String> args = new ArrayList<>();

        @Parameters(paramLabel = "PROGRAM.elf", arity = "1..*", description = "The programs.")
        List<Path> programs;

        public Integer call() throws IOException
        {
            final PrintWriter err = spec.commandLine().getErr();
            final Map<String, byte[]> named = new LinkedHashMap<>();
            for (final Path p : programs)
            {
                String name = p.getFileName().toString();
                if (name.endsWith(".elf"))
                {
                    name = name.substring(0, name.length() - 4);
                }
                final byte[] bytes = Files.readAllBytes(p);
                try
                {
                    ElfFile.parse(bytes);
                }
                catch (final ElfFormatException e)
                {
                    err.println("tessera: " + p + ": " + e.getMessage());
                    return 1;
                }
                if (named.put(name, bytes) != null)
                {
                    err.println("tessera: two programs are named '" + name + "'");
                    return 1;
                }
            }
            final List<String> argv = new ArrayList<>();
            argv.add(init);
            argv.addAll(args);
            final BootImage image;
            try
            {
                image = new BootImage(new MachineSpec(MachineSpec.ARCH_RISCV64, cpus, memory, numaNodes, tick,
                    MachineSpec.POLICY_ROUND_ROBIN), named, init, argv);
            }
            catch (final IllegalArgumentException e)
            {
                err.println("tessera: " + e.getMessage());
                return 1;
            }
            ImageWriter.write(image, out);
            err.println("tessera: wrote " + out + " (" + Files.size(out) + " bytes, " + named.size() + " programs)");
            return 0;
        }
    }

    /** {@code tessera image inspect}. */
    @Command(name = "inspect", description = "Check an image and show its machine, programs and init.")
    public static final class Inspect implements Callable<Integer>
    {
        @Spec
        CommandSpec spec;

        @Parameters(paramLabel = "FILE", description = "The image file.")
        Path file;

        public Integer call() throws IOException
        {
            final BootImage image;
            try
            {
                image = ImageReader.read(file);
            }
            catch (final ImageFormatException e)
            {
                spec.commandLine().getErr().println("tessera: " + file + ": " + e.getMessage());
                return 1;
            }
            final PrintWriter out = spec.commandLine().getOut();
            out.println("image " + file + ": format version 1, checksum ok");
            out.println("machine: " + image.machine().describe());
            out.println("init: " + image.initName() + " argv " + image.initArgv());
            for (final String name : image.programNames())
            {
                final byte[] elf = image.program(name);
                try
                {
                    final ElfFile f = ElfFile.parse(elf);
                    out.printf("program %-12s %8d bytes, %s, entry 0x%x, %d load segments%n", name, elf.length,
                        f.type() == ElfFile.ET_DYN ? "static-pie" : "static", f.entry(), f.loadSegments().size());
                }
                catch (final ElfFormatException e)
                {
                    out.println("program " + name + ": " + e.getMessage());
                }
            }
            out.flush();
            return 0;
        }
    }
}
