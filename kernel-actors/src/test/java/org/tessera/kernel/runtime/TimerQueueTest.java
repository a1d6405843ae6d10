package org.tessera.kernel.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class TimerQueueTest
{
    @Test
    void shouldFireInDeadlineOrderAndEqualDeadlinesInInsertionOrder()
    {
        final TimerQueue q = new TimerQueue(8);
        q.schedule(30, 1, 300);
        q.schedule(10, 1, 100);
        q.schedule(20, 1, 201);
        q.schedule(20, 1, 202);
        assertFalse(q.pollExpired(9));
        final List<Long> fired = new ArrayList<>();
        while (q.pollExpired(100))
        {
            fired.add(q.firedPayload());
        }
        assertEquals(List.of(100L, 201L, 202L, 300L), fired);
    }

    @Test
    void shouldCancelOnlyPendingTimersOfTheRightGeneration()
    {
        final TimerQueue q = new TimerQueue(2);
        final long a = q.schedule(10, 1, 1);
        assertTrue(q.cancel(a));
        assertFalse(q.cancel(a), "a cancelled timer cannot be cancelled again");
        final long b = q.schedule(10, 1, 2);
        assertEquals((int)a, (int)b, "slot reused");
        assertFalse(q.cancel(a), "the old id must not cancel the slot's new timer");
        assertTrue(q.pollExpired(10));
        assertEquals(b, q.firedId());
        assertFalse(q.cancel(b), "a fired timer cannot be cancelled");
    }

    @Test
    void shouldReportFullAndCompareDeadlinesWrapSafe()
    {
        final TimerQueue q = new TimerQueue(1);
        assertTrue(q.schedule(Long.MAX_VALUE - 5, 1, 1) > 0);
        assertEquals(TimerQueue.FULL, q.schedule(0, 1, 2));
        assertFalse(q.pollExpired(Long.MAX_VALUE - 6));
        assertTrue(q.pollExpired(Long.MIN_VALUE + 3), "now has wrapped past the deadline");
    }

    @ParameterizedTest
    @ValueSource(longs = {1, 2, 3, 4, 5})
    void shouldMatchASortedModelUnderRandomOperations(final long seed)
    {
        System.out.println("seed " + seed);
        final Random random = new Random(seed);
        final TimerQueue q = new TimerQueue(64);
        final List<long[]> model = new ArrayList<>(); // {deadline, order, id}
        long order = 0;
        long now = 0;
        for (int op = 0; op < 5000; op++)
        {
            final int kind = random.nextInt(3);
            if (kind == 0 && model.size() < 64)
            {
                final long deadline = now + random.nextInt(100);
                final long id = q.schedule(deadline, 7, order);
                model.add(new long[] {deadline, order++, id});
            }
            else if (kind == 1 && !model.isEmpty())
            {
                final long[] victim = model.remove(random.nextInt(model.size()));
                assertTrue(q.cancel(victim[2]));
            }
            else
            {
                now += random.nextInt(20);
                model.sort((x, y) -> x[0] != y[0] ? Long.compare(x[0], y[0]) : Long.compare(x[1], y[1]));
                while (!model.isEmpty() && model.get(0)[0] <= now)
                {
                    assertTrue(q.pollExpired(now));
                    final long[] expected = model.remove(0);
                    assertEquals(expected[1], q.firedPayload());
                    assertEquals(expected[2], q.firedId());
                }
                assertFalse(q.pollExpired(now));
            }
            assertEquals(model.size(), q.size());
        }
    }
}
