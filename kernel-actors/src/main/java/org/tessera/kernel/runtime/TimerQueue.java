package org.tessera.kernel.runtime;

/**
 * A CPU's deterministic timers: a binary min-heap on (deadline, insertion order) over
 * primitive arrays, so equal deadlines fire in the order they were set and nothing is
 * allocated after construction.
 *
 * <p>A timer id is {@code (generation << 32) | (slot + 1)}; cancelling a fired or cancelled
 * timer is detected by the generation and refused.
 */
public final class TimerQueue
{
    /** Returned by {@link #schedule} when every slot is in use. */
    public static final long FULL = -1;

    private final long[] deadline;
    private final long[] order;
    private final long[] owner;
    private final long[] payload;
    private final int[] generation;
    private final int[] heap;
    private final int[] heapIndex;
    private final int[] freeSlots;
    private int freeCount;
    private int size;
    private long insertions;

    private long firedId;
    private long firedDeadline;
    private long firedOwner;
    private long firedPayload;

    public TimerQueue(final int capacity)
    {
        deadline = new long[capacity];
        order = new long[capacity];
        owner = new long[capacity];
        payload = new long[capacity];
        generation = new int[capacity];
        heap = new int[capacity];
        heapIndex = new int[capacity];
        freeSlots = new int[capacity];
        for (int i = 0; i < capacity; i++)
        {
            freeSlots[i] = capacity - 1 - i;
            heapIndex[i] = -1;
        }
        freeCount = capacity;
    }

    /** @return timers pending. */
    public int size()
    {
        return size;
    }

    /** @return the earliest deadline, or {@link Long#MAX_VALUE} when none is pending. */
    public long nextDeadline()
    {
        return size == 0 ? Long.MAX_VALUE : deadline[heap[0]];
    }

    /**
     * Set a timer.
     *
     * @return its id (positive), or {@link #FULL}.
     */
    public long schedule(final long deadlineNs, final long ownerAddress, final long value)
    {
        if (freeCount == 0)
        {
            return FULL;
        }
        final int slot = freeSlots[--freeCount];
        deadline[slot] = deadlineNs;
        order[slot] = insertions++;
        owner[slot] = ownerAddress;
        payload[slot] = value;
        heap[size] = slot;
        heapIndex[slot] = size;
        siftUp(size);
        size++;
        return ((long)generation[slot] << 32) | (slot + 1);
    }

    /**
     * Cancel a pending timer.
     *
     * @return true if it was pending and is now cancelled.
     */
    public boolean cancel(final long timerId)
    {
        final int slot = (int)timerId - 1;
        if (slot < 0 || slot >= deadline.length || heapIndex[slot] < 0 ||
            generation[slot] != (int)(timerId >>> 32))
        {
            return false;
        }
        removeAt(heapIndex[slot]);
        release(slot);
        return true;
    }

    /**
     * Remove the earliest timer if its deadline has passed ({@code deadline - now <= 0},
     * wrap-safe). Its fields are then readable through the {@code fired*} accessors.
     *
     * @return true if a timer fired.
     */
    public boolean pollExpired(final long now)
    {
        if (size == 0)
        {
            return false;
        }
        final int slot = heap[0];
        if (deadline[slot] - now > 0)
        {
            return false;
        }
        firedId = ((long)generation[slot] << 32) | (slot + 1);
        firedDeadline = deadline[slot];
        firedOwner = owner[slot];
        firedPayload = payload[slot];
        removeAt(0);
        release(slot);
        return true;
    }

    public long firedId()
    {
        return firedId;
    }

    public long firedDeadline()
    {
        return firedDeadline;
    }

    public long firedOwner()
    {
        return firedOwner;
    }

    public long firedPayload()
    {
        return firedPayload;
    }

    private void release(final int slot)
    {
        heapIndex[slot] = -1;
        generation[slot]++;
        freeSlots[freeCount++] = slot;
    }

    private void removeAt(final int index)
    {
        size--;
        if (index != size)
        {
            final int moved = heap[size];
            heap[index] = moved;
            heapIndex[moved] = index;
            siftDown(index);
            siftUp(heapIndex[moved]);
        }
    }

    private boolean less(final int a, final int b)
    {
        final long d = deadline[a] - deadline[b];
        return d < 0 || (d == 0 && order[a] < order[b]);
    }

    private void siftUp(final int start)
    {
        int i = start;
        final int slot = heap[i];
        while (i > 0)
        {
            final int parent = (i - 1) >>> 1;
            final int p = heap[parent];
            if (!less(slot, p))
            {
                break;
            }
            heap[i] = p;
            heapIndex[p] = i;
            i = parent;
        }
        heap[i] = slot;
        heapIndex[slot] = i;
    }

    private void siftDown(final int start)
    {
        int i = start;
        final int slot = heap[i];
        while (true)
        {
            final int left = 2 * i + 1;
            if (left >= size)
            {
                break;
            }
            final int right = left + 1;
            final int child = right < size && less(heap[right], heap[left]) ? right : left;
            if (!less(heap[child], slot))
            {
                break;
            }
            heap[i] = heap[child];
            heapIndex[heap[i]] = i;
            i = child;
        }
        heap[i] = slot;
        heapIndex[slot] = i;
    }
}
