package org.tessera.boot.cli;

import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.Callable;

import org.tessera.arch.tools.PageTableExport;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code tessera debug}: tools for looking inside the kernel's data structures. */
@Command(name = "debug", description = "Debugging tools.", subcommands = DebugCommand.PageTable.class)
final class DebugCommand
{
    /** {@code tessera debug pagetable}. */
    @Command(name = "pagetable", description = "Build an address space from a mapping list and write its physical " +
        "memory (DIR/memory.bin, from physical address 0) and root table address (DIR/root.txt) so an independent " +
        "MMU model can walk the tables. Format: docs/pagetable-export.md.")
    static final class PageTable implements Callable<Integer>
    {
        @Spec
        CommandSpec spec;

        @Option(names = "--arch", required = true, description = "x86_64, aarch64 or riscv64.")
        String arch;

        @Option(names = "--map", required = true, paramLabel = "SPEC",
            description = "Mapping list: one 'virt phys size flags' line each (hex, 4K/2M/1G, flags from r w x u g).")
        Path map;

        @Option(names = "--out", required = true, paramLabel = "DIR", description = "Output directory.")
        Path out;

        public Integer call()
        {
            try
            {
                final PageTableExport.Result r = PageTableExport.run(arch, map, out);
                spec.commandLine().getErr().printf("pagetable: %s, %d mappings, %d table frames, root 0x%x, %d bytes " +
                    "of memory written to %s%n", arch, r.mappings(), r.tableFrames(), r.root(), r.memoryBytes(), out);
                return 0;
            }
            catch (final IllegalArgumentException e)
            {
                spec.commandLine().getErr().println("tessera: " + map + ": " + e.getMessage());
                return 1;
            }
            catch (final IOException e)
            {
                spec.commandLine().getErr().println("tessera: " + e.getMessage());
                return 1;
            }
        }
    }
}
