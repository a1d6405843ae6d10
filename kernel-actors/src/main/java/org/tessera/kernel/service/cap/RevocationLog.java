package org.tessera.kernel.service.cap;

/**
 * A fixed-capacity list of revoked (space, slot) pairs, each packed in a long as
 * {@code spaceId << 32 | slotIndex}: what the authority broadcasts in its CacheInvalidate
 * messages. Sized to the derivation tree's capacity (plus a space's slot count for exec and
 * destroy), a log never overflows; overflowing is a kernel bug and panics.
 */
public final class RevocationLog implements RevocationListener
{
    private final long[] entries;
    private int size;

    /**
     * @param capacity maximum number of pairs between two {@link #clear()} calls.
     */
    public RevocationLog(final int capacity)
    {
        this.entries = new long[capacity];
    }

    @Override
    public void onRevoked(final int spaceId, final int slotIndex)
    {
        if (size == entries.length)
        {
            throw new IllegalStateException("revocation log overflow");
        }
        entries[size++] = ((long)spaceId << 32) | (slotIndex & 0xFFFF_FFFFL);
    }

    /** Forget all pairs. */
    public void clear()
    {
        size = 0;
    }

    /** @return number of pairs logged. */
    public int size()
    {
        return size;
    }

    /** @return the packed pair at {@code index}. */
    public long entry(final int index)
    {
        return entries[index];
    }

    /** @return space id of the pair at {@code index}. */
    public int spaceId(final int index)
    {
        return (int)(entries[index] >>> 32);
    }

    /** @return slot index of the pair at {@code index}. */
    public int slotIndex(final int index)
    {
        return (int)entries[index];
    }

    /** @return capacity in pairs. */
    public int capacity()
    {
        return entries.length;
    }
}
