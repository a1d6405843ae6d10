package org.tessera.kernel.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class SendBacklogTest
{
    @Test
    void shouldGiveEntriesBackOldestFirstAcrossTheWrap()
    {
        final SendBacklog b = new SendBacklog(3);
        assertTrue(b.isEmpty());
        long next = 0;
        long expected = 0;
        for (int round = 0; round < 10; round++)
        {
            while (b.add(next, next + 1, next + 2, next + 3))
            {
                next += 10;
            }
            assertEquals(3, b.size(), "full at capacity");
            // send two, keep one: the next round adds behind it
            for (int i = 0; i < 2; i++)
            {
                assertEquals(expected, b.destination());
                assertEquals(expected + 1, b.correlation());
                assertEquals(expected + 2, b.value());
                assertEquals(expected + 3, b.detail());
                b.remove();
                expected += 10;
            }
            assertEquals(1, b.size());
        }
        b.remove();
        assertTrue(b.isEmpty());
        assertThrows(IllegalStateException.class, b::remove);
        assertThrows(IllegalArgumentException.class, () -> new SendBacklog(0));
    }
}
