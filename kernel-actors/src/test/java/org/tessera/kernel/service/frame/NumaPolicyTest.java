package org.tessera.kernel.service.frame;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import org.junit.jupiter.api.Test;

class NumaPolicyTest
{
    @Test
    void shouldOrderNodesByDistanceThenId()
    {
        final NumaPolicy policy = new NumaPolicy(TestLayouts.threeNodes());

        assertArrayEquals(new int[]{0, 2, 1}, row(policy, 0));
        assertArrayEquals(new int[]{1, 2, 0}, row(policy, 1));
        assertArrayEquals(new int[]{2, 0, 1}, row(policy, 2));
    }

    private static int[] row(final NumaPolicy policy, final int local)
    {
        final int[] row = new int[policy.nodeCount()];
        for (int i = 0; i < row.length; i++)
        {
            row[i] = policy.fallbackNode(local, i);
        }
        return row;
    }
}
