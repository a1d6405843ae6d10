package org.tessera.kernel.runtime.machine;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.util.Optional;

/**
 * Pins the calling thread to one host core through the Foreign Function &amp; Memory API calling
 * Linux {@code sched_setaffinity}. Where the call is missing (not Linux) it reports that and
 * pins nothing.
 */
public final class Affinity
{
    private static final long MASK_BYTES = 128;
    private static final MethodHandle SET_AFFINITY = lookup("sched_setaffinity");
    private static final MethodHandle GET_AFFINITY = lookup("sched_getaffinity");
    // The cores the process may use, read once before anything is pinned: a thread inherits the
    // mask of the thread that created it, so asking later from a pinned thread (or a thread it
    // started) would see only that thread's one core.
    private static final int[] PROCESS_CORES = queryCores();

    private Affinity()
    {
    }

    @SuppressWarnings("restricted") // the one native call Tessera makes on the host: sched_(get|set)affinity
    private static MethodHandle lookup(final String name)
    {
        final Linker linker = Linker.nativeLinker();
        final Optional<MemorySegment> symbol = linker.defaultLookup().find(name);
        return symbol.map(s -> linker.downcallHandle(s, FunctionDescriptor.of(
            ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_LONG, ValueLayout.ADDRESS))).orElse(null);
    }

    /** @return true when pinning is possible on this host. */
    public static boolean available()
    {
        return SET_AFFINITY != null && GET_AFFINITY != null;
    }

    /**
     * @return the host cores this process may run on, in increasing order (empty when
     * unknown), as they were when this class was first used.
     */
    public static int[] allowedCores()
    {
        return PROCESS_CORES.clone();
    }

    private static int[] queryCores()
    {
        if (!available())
        {
            return new int[0];
        }
        try (Arena arena = Arena.ofConfined())
        {
            final MemorySegment mask = arena.allocate(MASK_BYTES);
            final int rc = (int)GET_AFFINITY.invokeExact(0, MASK_BYTES, mask);
            if (rc != 0)
            {
                return new int[0];
            }
            int count = 0;
            for (int bit = 0; bit < MASK_BYTES * 8; bit++)
            {
                if ((mask.get(ValueLayout.JAVA_BYTE, bit >> 3) & (1 << (bit & 7))) != 0)
                {
                    count++;
                }
            }
            final int[] cores = new int[count];
            int k = 0;
            for (int bit = 0; bit < MASK_BYTES * 8; bit++)
            {
                if ((mask.get(ValueLayout.JAVA_BYTE, bit >> 3) & (1 << (bit & 7))) != 0)
                {
                    cores[k++] = bit;
                }
            }
            return cores;
        }
        catch (final Throwable t)
        {
            return new int[0];
        }
    }

    /**
     * Pin the calling thread to {@code core}.
     *
     * @return true if the kernel accepted it.
     */
    public static boolean pinCurrentThread(final int core)
    {
        if (!available() || core < 0 || core >= MASK_BYTES * 8)
        {
            return false;
        }
        try (Arena arena = Arena.ofConfined())
        {
            final MemorySegment mask = arena.allocate(MASK_BYTES);
            mask.set(ValueLayout.JAVA_BYTE, core >> 3, (byte)(1 << (core & 7)));
            return (int)SET_AFFINITY.invokeExact(0, MASK_BYTES, mask) == 0;
        }
        catch (final Throwable t)
        {
            return false;
        }
    }
}
