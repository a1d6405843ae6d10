package org.tessera.arch.host;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Locale;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;
import org.tessera.arch.spi.PhysicalMemory;

class HostPagesTest
{
    @Test
    void linuxHostsMapLazily()
    {
        final boolean linux = System.getProperty("os.name", "").toLowerCase(Locale.ROOT).startsWith("linux");
        assertEquals(linux, HostPages.lazy(), "mmap through the FFM API on Linux, eager zeroing elsewhere");
    }

    @Test
    void largeRegionIsZeroedWritableAndAligned()
    {
        // 8 GiB reserved without being touched: only a lazy mapping makes this cheap and possible
        final long size = HostPages.lazy() ? 8L << 30 : 64L << 20;
        try (Arena arena = Arena.ofShared())
        {
            final MemorySegment region = HostPages.allocate(arena, size);
            assertEquals(size, region.byteSize());
            assertEquals(0, region.address() % 4096);
            final SplittableRandom random = new SplittableRandom(7);
            for (int i = 0; i < 2_000; i++)
            {
                final long at = random.nextLong(size / 8) * 8;
                assertEquals(0L, region.get(ValueLayout.JAVA_LONG, at), "fresh memory reads zero at " + at);
                region.set(ValueLayout.JAVA_LONG, at, at ^ 0x5a5a5a5aL);
                assertEquals(at ^ 0x5a5a5a5aL, region.get(ValueLayout.JAVA_LONG, at));
            }
            region.set(ValueLayout.JAVA_BYTE, size - 1, (byte)9);
            assertEquals(9, region.get(ValueLayout.JAVA_BYTE, size - 1));
            assertThrows(IndexOutOfBoundsException.class, () -> region.get(ValueLayout.JAVA_BYTE, size));
        }
    }

    @Test
    void closingTheArenaReleasesTheRegion()
    {
        final MemorySegment region;
        try (Arena arena = Arena.ofShared())
        {
            region = HostPages.allocate(arena, 1L << 20);
            region.set(ValueLayout.JAVA_INT, 4, 1);
        }
        assertThrows(IllegalStateException.class, () -> region.get(ValueLayout.JAVA_INT, 4));
    }

    @Test
    void manyMachinesInARowDoNotHoldTheirMemory()
    {
        // 64 machines of 1 GiB each touched sparsely: eager zeroing would need 64 GiB of writes
        // and would keep nothing mapped only if every close unmapped
        for (int i = 0; i < (HostPages.lazy() ? 64 : 2); i++)
        {
            final PhysicalMemory memory = new PhysicalMemory(HostPages.lazy() ? 1L << 30 : 16L << 20);
            memory.putLong(4096L * i, i + 1);
            assertEquals(i + 1, memory.getLong(4096L * i));
            assertEquals(0L, memory.getLong(4096L * (i + 1)));
            memory.close();
        }
    }

    @Test
    void badSizesAreRefused()
    {
        try (Arena arena = Arena.ofConfined())
        {
            assertThrows(IllegalArgumentException.class, () -> HostPages.allocate(arena, 0));
            assertThrows(IllegalArgumentException.class, () -> HostPages.allocate(arena, 4097));
            assertTrue(arena.scope().isAlive());
        }
    }
}
