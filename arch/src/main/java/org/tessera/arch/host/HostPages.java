package org.tessera.arch.host;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.util.Locale;
import java.util.Optional;

/**
 * Zeroed host memory for a machine's physical memory, taken from the host kernel the way a
 * hypervisor takes guest RAM: one private anonymous {@code mmap} with {@code MAP_NORESERVE}, so
 * a page costs nothing until the guest first touches it and the host kernel hands it out
 * already zeroed. {@link Arena#allocate} instead writes zeros over the whole region at once, which
 * for a 512 MiB machine is most of its start-up time and all of its resident memory.
 *
 * <p>The call goes through the Foreign Function &amp; Memory API to libc's {@code mmap} and
 * {@code munmap} on Linux. Anywhere else, or if the mapping is refused, it falls back to
 * {@link Arena#allocate} (same contents, zeroed eagerly). On bare metal there is no host: the
 * machine's RAM is the physical memory, and none of this is compiled.
 */
public final class HostPages
{
    private static final int PROT_READ_WRITE = 0x1 | 0x2;
    // Linux values, the same on x86_64, aarch64 and riscv64
    private static final int MAP_PRIVATE = 0x02;
    private static final int MAP_ANONYMOUS = 0x20;
    private static final int MAP_NORESERVE = 0x4000;
    private static final long PAGE = 4096;

    private static final MethodHandle MMAP;
    private static final MethodHandle MUNMAP;

    static
    {
        MethodHandle mmap = null;
        MethodHandle munmap = null;
        if (System.getProperty("os.name", "").toLowerCase(Locale.ROOT).startsWith("linux") &&
            !Boolean.getBoolean("tessera.eagerMemory"))
        {
            mmap = downcall("mmap", FunctionDescriptor.of(ValueLayout.ADDRESS, ValueLayout.ADDRESS,
                ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT,
                ValueLayout.JAVA_LONG));
            munmap = downcall("munmap", FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS,
                ValueLayout.JAVA_LONG));
        }
        // both or neither
        final boolean both = mmap != null && munmap != null;
        MMAP = both ? mmap : null;
        MUNMAP = both ? munmap : null;
    }

    private HostPages()
    {
    }

    @SuppressWarnings("restricted") // libc mmap/munmap: the host's own way to hand out zeroed pages
    private static MethodHandle downcall(final String name, final FunctionDescriptor descriptor)
    {
        try
        {
            final Linker linker = Linker.nativeLinker();
            final SymbolLookup libc = linker.defaultLookup();
            final Optional<MemorySegment> symbol = libc.find(name);
            return symbol.map(s -> linker.downcallHandle(s, descriptor)).orElse(null);
        }
        catch (final RuntimeException | Error e)
        {
            // native access refused or no linker for this platform: the eager fallback serves
            return null;
        }
    }

    /** @return true when memory is mapped lazily from the host kernel rather than zeroed eagerly. */
    public static boolean lazy()
    {
        return MMAP != null;
    }

    /**
     * Zeroed memory of {@code size} bytes, page aligned, released when {@code arena} closes.
     *
     * @param arena owner of the memory: closing it unmaps (or frees) the region.
     * @param size  bytes, a positive multiple of 4096.
     * @return the region.
     */
    @SuppressWarnings("restricted") // giving the mapped address its size and owner
    public static MemorySegment allocate(final Arena arena, final long size)
    {
        if (size <= 0 || size % PAGE != 0)
        {
            throw new IllegalArgumentException("host memory size must be a positive multiple of 4096: " + size);
        }
        if (MMAP != null)
        {
            final MemorySegment mapped = map(size);
            if (mapped != null)
            {
                return mapped.reinterpret(size, arena, HostPages::unmap);
            }
        }
        return arena.allocate(size, PAGE);
    }

    private static MemorySegment map(final long size)
    {
        try
        {
            final MemorySegment at = (MemorySegment)MMAP.invokeExact(MemorySegment.NULL, size, PROT_READ_WRITE,
                MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0L);
            // MAP_FAILED is (void *)-1
            return at.address() == -1L || at.address() == 0L ? null : at;
        }
        catch (final Throwable t)
        {
            return null;
        }
    }

    private static void unmap(final MemorySegment region)
    {
        final int rc;
        try
        {
            rc = (int)MUNMAP.invokeExact(region, region.byteSize());
        }
        catch (final Throwable t)
        {
            throw new IllegalStateException("munmap failed", t);
        }
        if (rc != 0)
        {
            throw new IllegalStateException("munmap of " + region.byteSize() + " bytes failed");
        }
    }
}
