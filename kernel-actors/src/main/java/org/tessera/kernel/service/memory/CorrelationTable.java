package org.tessera.kernel.service.memory;

/**
 * An open-addressing table from a correlation id to a session slot, in two primitive arrays
 * built by the constructor: linear probing, deletion by backward shift (no tombstones, so
 * lookups never degrade however many sessions come and go). The capacity is twice the number
 * of sessions rounded up to a power of two, so the load factor stays at most one half.
 *
 * <p>Correlation id 0 marks an empty cell; the runtime never issues it
 * ({@code ActorContext.nextCorrelationId()} carries the CPU number in its high bits).
 */
public final class CorrelationTable
{
    private static final long EMPTY = 0;

    private final long[] keys;
    private final int[] values;
    private final int mask;
    private int size;

    /**
     * @param maxEntries most entries held at once.
     */
    public CorrelationTable(final int maxEntries)
    {
        if (maxEntries <= 0 || maxEntries > 1 << 28)
        {
            throw new IllegalArgumentException("maxEntries out of range");
        }
        int capacity = 2;
        while (capacity < 2 * maxEntries)
        {
            capacity <<= 1;
        }
        keys = new long[capacity];
        values = new int[capacity];
        mask = capacity - 1;
    }

    private int home(final long key)
    {
        // Fibonacci hashing spreads the sequential low bits of correlation ids over the table.
        return (int)((key * 0x9E3779B97F4A7C15L) >>> 32) & mask;
    }

    /**
     * @param key   a correlation id, not 0 and not already present.
     * @param value the session slot.
     */
    public void put(final long key, final int value)
    {
        if (key == EMPTY)
        {
            throw new IllegalStateException("correlation id 0 cannot be a key");
        }
        if (2 * (size + 1) > keys.length)
        {
            throw new IllegalStateException("correlation table full");
        }
        int i = home(key);
        while (keys[i] != EMPTY)
        {
            if (keys[i] == key)
            {
                throw new IllegalStateException("correlation id already present");
            }
            i = (i + 1) & mask;
        }
        keys[i] = key;
        values[i] = value;
        size++;
    }

    /**
     * @param key a correlation id.
     * @return its slot, or -1 when absent.
     */
    public int get(final long key)
    {
        if (key == EMPTY)
        {
            return -1;
        }
        int i = home(key);
        while (keys[i] != EMPTY)
        {
            if (keys[i] == key)
            {
                return values[i];
            }
            i = (i + 1) & mask;
        }
        return -1;
    }

    /**
     * @param key a correlation id.
     * @return its slot (now removed), or -1 when absent.
     */
    public int remove(final long key)
    {
        if (key == EMPTY)
        {
            return -1;
        }
        int i = home(key);
        while (keys[i] != EMPTY && keys[i] != key)
        {
            i = (i + 1) & mask;
        }
        if (keys[i] == EMPTY)
        {
            return -1;
        }
        final int value = values[i];
        // Backward shift: move later members of the probe run into the hole when their home
        // position does not lie cyclically in (hole, current].
        int hole = i;
        int j = (i + 1) & mask;
        while (keys[j] != EMPTY)
        {
            final int h = home(keys[j]);
            final boolean stays = hole <= j ? (hole < h && h <= j) : (hole < h || h <= j);
            if (!stays)
            {
                keys[hole] = keys[j];
                values[hole] = values[j];
                hole = j;
            }
            j = (j + 1) & mask;
        }
        keys[hole] = EMPTY;
        size--;
        return value;
    }

    /** @return entries held. */
    public int size()
    {
        return size;
    }
}
