package org.tessera.kernel.runtime;

/**
 * Messages an actor could not send yet (the destination's queue refused the claim), kept in the
 * order they were due, so that it sends them again, oldest first, when it retries (typically
 * from a timer). Each entry is the destination, the correlation id and two payload words;
 * what they mean is up to the actor, which encodes the message again from them.
 *
 * <p>Preallocated: a full backlog refuses ({@link #add} returns false) and the actor decides
 * what that means, usually a panic, since its capacity is sized to what can be outstanding.
 */
public final class SendBacklog
{
    private final long[] destination;
    private final long[] correlation;
    private final long[] value;
    private final long[] detail;
    private int head;
    private int count;

    /** @param capacity entries it can hold (boot only). */
    public SendBacklog(final int capacity)
    {
        if (capacity < 1)
        {
            throw new IllegalArgumentException("a send backlog holds at least one entry");
        }
        this.destination = new long[capacity];
        this.correlation = new long[capacity];
        this.value = new long[capacity];
        this.detail = new long[capacity];
    }

    /** @return true when nothing waits. */
    public boolean isEmpty()
    {
        return count == 0;
    }

    /** @return entries waiting. */
    public int size()
    {
        return count;
    }

    /**
     * Keep a message to send later, after every one kept before it.
     *
     * @return false when the backlog is full (nothing is kept).
     */
    public boolean add(final long destination, final long correlation, final long value, final long detail)
    {
        if (count == this.destination.length)
        {
            return false;
        }
        final int tail = (head + count) % this.destination.length;
        this.destination[tail] = destination;
        this.correlation[tail] = correlation;
        this.value[tail] = value;
        this.detail[tail] = detail;
        count++;
        return true;
    }

    /** @return the oldest entry's destination (the backlog must not be empty). */
    public long destination()
    {
        return destination[head];
    }

    /** @return the oldest entry's correlation id. */
    public long correlation()
    {
        return correlation[head];
    }

    /** @return the oldest entry's first payload word. */
    public long value()
    {
        return value[head];
    }

    /** @return the oldest entry's second payload word. */
    public long detail()
    {
        return detail[head];
    }

    /** Forget the oldest entry (it was sent). */
    public void remove()
    {
        if (count == 0)
        {
            throw new IllegalStateException("the send backlog is empty");
        }
        head = (head + 1) % destination.length;
        count--;
    }
}
