package org.tessera.kernel.service.heap;

/**
 * The heap service's stock of frames, obtained from the node's frame allocator service by
 * message and handed to its {@link SlabAllocator} synchronously: the slab allocator calls a
 * {@link FrameSource} in the middle of an allocation, and an actor cannot wait for a reply
 * there, so the frames must already be at hand.
 *
 * <p>Slabs are 1, 2, 4 or 8 frames, so the stock is four stacks of runs, one per slab size
 * ({@code order} 0 to 3); each run is exactly one allocation of the frame service, so it can
 * be freed back as it came (the frame allocator refuses a free that is not exactly one run).
 * <pre>
 *   order:     0        1        2        3
 *   run:       1 frame  2        4        8
 *   stack:     [pa pa ..]        ...                 (up to `capacity` runs each)
 *   wanted:    refill to `target` runs when stock + in flight &lt; `low`, unless starved
 *   returns:   runs freed by the slab when the stack is full, to be sent back
 * </pre>
 * A miss (slab needs a run the stock lacks) makes the allocation fail with
 * {@link HeapStatus#NO_MEMORY}; the service parks the request and asks for frames. When the
 * frame service answers NO_MEMORY the order is <em>starved</em>: no further refill is asked
 * for it until a new request misses, so an exhausted node is not asked again and again.
 */
public final class FrameReserve implements FrameSource
{
    /** Slab sizes kept: runs of 1, 2, 4 and 8 frames. */
    public static final int ORDERS = 4;
    private static final int FRAME_SHIFT = 12;

    private final int capacity;
    private final int low;
    private final int target;
    private final long[] stock;
    private final int[] stockCount;
    private final int[] inFlight;
    private final boolean[] starved;
    private final long[] misses;
    private final long[] returnAddress;
    private final int[] returnCount;
    private int returnHead;
    private int returnSize;
    private long framesHeld;
    private long totalMisses;
    private int lastMissOrder = -1;
    private long refills;
    private long refillFailures;

    /**
     * @param capacity runs kept per order (at least {@code target}).
     * @param low      refill an order when its stock plus runs in flight fall below this.
     * @param target   runs an order is refilled to.
     */
    public FrameReserve(final int capacity, final int low, final int target)
    {
        if (low < 0 || target < low || capacity < target || capacity <= 0)
        {
            throw new IllegalArgumentException("need 0 <= low <= target <= capacity, capacity > 0");
        }
        this.capacity = capacity;
        this.low = low;
        this.target = target;
        this.stock = new long[ORDERS * capacity];
        this.stockCount = new int[ORDERS];
        this.inFlight = new int[ORDERS];
        this.starved = new boolean[ORDERS];
        this.misses = new long[ORDERS];
        // Every run the slab could free while the stock is full: the slab holds at most
        // maxSlabs runs, but returns leave as soon as the service runs, so a few per order do.
        this.returnAddress = new long[ORDERS * capacity * 4];
        this.returnCount = new int[returnAddress.length];
    }

    /**
     * @param count frames.
     * @return the order of a run of {@code count} frames, or -1 when the reserve keeps no such runs.
     */
    public static int orderOf(final int count)
    {
        return switch (count)
        {
            case 1 -> 0;
            case 2 -> 1;
            case 4 -> 2;
            case 8 -> 3;
            default -> -1;
        };
    }

    @Override
    public long allocateFrames(final int count)
    {
        final int order = orderOf(count);
        if (order < 0)
        {
            return HeapStatus.INVALID;
        }
        if (stockCount[order] == 0)
        {
            misses[order]++;
            totalMisses++;
            lastMissOrder = order;
            return HeapStatus.NO_MEMORY;
        }
        framesHeld -= count;
        return stock[order * capacity + --stockCount[order]];
    }

    @Override
    public int freeFrames(final long physicalAddress, final int count)
    {
        final int order = orderOf(count);
        if (order < 0 || physicalAddress < 0 || (physicalAddress & ((1L << FRAME_SHIFT) - 1)) != 0)
        {
            return HeapStatus.INVALID;
        }
        keep(order, physicalAddress);
        return HeapStatus.OK;
    }

    private void keep(final int order, final long physicalAddress)
    {
        if (stockCount[order] < capacity)
        {
            stock[order * capacity + stockCount[order]++] = physicalAddress;
            framesHeld += 1L << order;
            return;
        }
        if (returnSize == returnAddress.length)
        {
            throw new IllegalStateException("frame reserve return queue overflow");
        }
        final int i = (returnHead + returnSize) % returnAddress.length;
        returnAddress[i] = physicalAddress;
        returnCount[i] = 1 << order;
        returnSize++;
        framesHeld += 1L << order;
    }

    /**
     * @param order a reserve order.
     * @return runs to ask the frame service for now (0 when stocked, in flight or starved).
     */
    public int wanted(final int order)
    {
        final int have = stockCount[order] + inFlight[order];
        return starved[order] || have >= low ? 0 : target - have;
    }

    /**
     * A fresh request missed on {@code order}: ask for frames again even if it was starved.
     *
     * @param order the order that missed.
     */
    public void demand(final int order)
    {
        starved[order] = false;
    }

    /**
     * @param order a reserve order.
     * @return runs to ask for so that a request waiting on this order can progress: at least one
     *         when nothing is in stock or in flight and the order is not starved.
     */
    public int needed(final int order)
    {
        final int w = wanted(order);
        if (w > 0)
        {
            return w;
        }
        return !starved[order] && stockCount[order] == 0 && inFlight[order] == 0 ? 1 : 0;
    }

    /** @param order a run of that order was asked for. */
    public void requested(final int order)
    {
        inFlight[order]++;
    }

    /**
     * A run asked for arrived.
     *
     * @param order           its order.
     * @param physicalAddress its address.
     */
    public void refilled(final int order, final long physicalAddress)
    {
        inFlight[order]--;
        refills++;
        starved[order] = false;
        keep(order, physicalAddress);
    }

    /**
     * A run asked for was refused (the frame service is out of memory).
     *
     * @param order its order.
     */
    public void refillFailed(final int order)
    {
        inFlight[order]--;
        refillFailures++;
        starved[order] = true;
    }

    /** @return true when a run waits to be given back to the frame service. */
    public boolean hasReturn()
    {
        return returnSize > 0;
    }

    /** @return address of the next run to give back. */
    public long nextReturnAddress()
    {
        return returnAddress[returnHead];
    }

    /** @return frames of the next run to give back. */
    public int nextReturnCount()
    {
        return returnCount[returnHead];
    }

    /** The next run to give back has been sent to the frame service. */
    public void popReturn()
    {
        framesHeld -= returnCount[returnHead];
        returnHead = (returnHead + 1) % returnAddress.length;
        returnSize--;
    }

    /**
     * @param order a reserve order.
     * @return runs in stock.
     */
    public int stock(final int order)
    {
        return stockCount[order];
    }

    /**
     * @param order a reserve order.
     * @return runs asked for and not yet answered.
     */
    public int inFlight(final int order)
    {
        return inFlight[order];
    }

    /**
     * @param order a reserve order.
     * @return true while the frame service refused the last refill and no new request missed.
     */
    public boolean starved(final int order)
    {
        return starved[order];
    }

    /** @return frames held: in stock and waiting to be given back. */
    public long framesHeld()
    {
        return framesHeld;
    }

    /** @return misses so far (compare before and after a slab call to see whether it missed). */
    public long totalMisses()
    {
        return totalMisses;
    }

    /** @return the order of the last miss, -1 before any. */
    public int lastMissOrder()
    {
        return lastMissOrder;
    }

    /** @return runs received from the frame service. */
    public long refills()
    {
        return refills;
    }

    /** @return refills the frame service refused. */
    public long refillFailures()
    {
        return refillFailures;
    }
}
