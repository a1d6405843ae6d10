package org.tessera.kernel.service.memory;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.LongStream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class CorrelationTableTest
{
    static LongStream seeds()
    {
        return LongStream.of(1, 2, 3, 42, 0xC0FFEE, 977);
    }

    @ParameterizedTest(name = "seed {0}")
    @MethodSource("seeds")
    void shouldAgreeWithAHashMapUnderRandomPutsAndRemoves(final long seed)
    {
        final Random random = new Random(seed);
        final int max = 1 + random.nextInt(100);
        final CorrelationTable table = new CorrelationTable(max);
        final Map<Long, Integer> model = new HashMap<>();
        final List<Long> keys = new ArrayList<>();
        long next = ((long)(1 + random.nextInt(4)) << 40) | random.nextInt(1000);
        for (int step = 0; step < 20_000; step++)
        {
            if (model.size() < max && (keys.isEmpty() || random.nextBoolean()))
            {
                // Mostly sequential ids, as the runtime issues them, sometimes far apart.
                next += random.nextInt(8) == 0 ? 1 + random.nextInt(1 << 20) : 1;
                final int value = random.nextInt(max);
                table.put(next, value);
                model.put(next, value);
                keys.add(next);
            }
            else
            {
                final long key = random.nextInt(10) == 0 ? next + 1 + random.nextInt(100) : keys.remove(random.nextInt(keys.size()));
                final Integer expected = model.remove(key);
                assertEquals(expected == null ? -1 : expected, table.remove(key), "seed " + seed + " step " + step);
            }
            assertEquals(model.size(), table.size());
            if (!keys.isEmpty())
            {
                final long probe = keys.get(random.nextInt(keys.size()));
                assertEquals(model.get(probe), table.get(probe));
            }
        }
    }

    @Test
    void shouldRefuseZeroDuplicatesAndOverflow()
    {
        final CorrelationTable table = new CorrelationTable(2);
        assertThrows(IllegalStateException.class, () -> table.put(0, 1));
        table.put(5, 1);
        assertThrows(IllegalStateException.class, () -> table.put(5, 2));
        table.put(6, 2);
        assertThrows(IllegalStateException.class, () -> table.put(7, 3));
        assertEquals(-1, table.get(0));
        assertEquals(-1, table.remove(8));
    }
}
