package org.tessera.boot.elf;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.List;
import java.util.stream.Stream;

/**
 * The committed sample programs in {@code user/bin}, found by walking up from the working
 * directory to the repository root.
 */
final class UserPrograms
{
    private UserPrograms()
    {
    }

    static Path binDirectory()
    {
        for (Path dir = Paths.get("").toAbsolutePath(); dir != null; dir = dir.getParent())
        {
            final Path bin = dir.resolve("user").resolve("bin");
            if (Files.isDirectory(bin) && Files.isRegularFile(dir.resolve("user").resolve("Makefile")))
            {
                return bin;
            }
        }
        throw new IllegalStateException("no user/bin above " + Paths.get("").toAbsolutePath());
    }

    static List<Path> all()
    {
        try (Stream<Path> files = Files.list(binDirectory()))
        {
            final List<Path> elfs = files.filter(p -> p.getFileName().toString().endsWith(".elf")).sorted().toList();
            if (elfs.isEmpty())
            {
                throw new IllegalStateException("no .elf files in " + binDirectory());
            }
            return elfs;
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException(ex);
        }
    }

    static byte[] read(final String name)
    {
        try
        {
            return Files.readAllBytes(binDirectory().resolve(name));
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException(ex);
        }
    }
}
