package org.tessera.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.classfile.ClassFile;
import java.lang.classfile.ClassModel;
import java.lang.classfile.constantpool.ClassEntry;
import java.lang.classfile.constantpool.PoolEntry;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.tessera.kernel.runtime.CpuAgent;
import org.tessera.subset.SubsetCheck;
import org.tessera.subset.Violation;

/**
 * Structural rules of the kernel, checked on the compiled classes so that they hold even if the
 * build's own wiring of the checks were removed.
 */
class KernelStructureTest
{
    private static Path classes() throws URISyntaxException
    {
        return Path.of(CpuAgent.class.getProtectionDomain().getCodeSource().getLocation().toURI());
    }

    @Test
    void shouldKeepTheRuntimeAndServicesInsideTheKernelSubset() throws Exception
    {
        final List<Violation> violations = SubsetCheck.check(classes(),
            List.of("org.tessera.kernel.runtime", "org.tessera.kernel.service"),
            List.of("org.tessera.kernel.runtime.machine", "org.tessera.kernel.runtime.trace"),
            getClass().getClassLoader());
        assertEquals(List.of(), violations);
    }

    @Test
    void shouldNeverImportAnArchitecturePackageFromGenericKernelCode() throws Exception
    {
        final List<String> offenders = new ArrayList<>();
        int checked = 0;
        try (Stream<Path> files = Files.walk(classes()))
        {
            for (final Path file : files.filter(p -> p.toString().endsWith(".class")).toList())
            {
                checked++;
                final ClassModel model = ClassFile.of().parse(read(file));
                for (final PoolEntry entry : model.constantPool())
                {
                    if (entry instanceof ClassEntry c)
                    {
                        final String name = c.asInternalName();
                        if (name.startsWith("org/tessera/arch/") && !name.startsWith("org/tessera/arch/spi/"))
                        {
                            offenders.add(model.thisClass().asInternalName() + " -> " + name);
                        }
                    }
                }
            }
        }
        assertTrue(checked > 10, "the kernel's classes were found");
        assertEquals(List.of(), offenders, "generic kernel code reaches architectures only through the arch SPI");
    }

    private static byte[] read(final Path file)
    {
        try
        {
            return Files.readAllBytes(file);
        }
        catch (final IOException e)
        {
            throw new IllegalStateException(e);
        }
    }
}
