package org.tessera.kernel.service.frame;

/**
 * A bitmap of free frames for requests under 512 frames: one bit per frame, set when the
 * frame is free <em>and held by this allocator</em>. Runs of {@code n} contiguous free frames
 * are found first-fit from a rotating hint (next-fit: the search starts where the previous
 * allocation ended and wraps once), scanning 64-bit words with
 * {@link Long#numberOfTrailingZeros(long)} so that empty words are skipped in one step and a
 * run of ones is measured in one step.
 *
 * <pre>
 *   word i (bit 0 = frame base + 64 i):  ...0011110000111111
 *                                                  ^^^^^^ run of 6 starting at bit 0
 * </pre>
 *
 * <p>It starts with no frame: its owner ({@link ZoneAllocator}) gives it frames with
 * {@link #release(long, int)} and takes back whole free chunks with {@link #withdraw(long, int)}.
 * It does not validate its callers; the ownership record of {@link FrameAllocatorCore} does.
 */
public final class BitmapAllocator
{
    private final long baseFrame;
    private final int frameCount;
    private final long[] words;
    private int hint;
    private long freeFrames;

    /**
     * @param baseFrame  first frame covered (a multiple of 64 keeps chunks word aligned).
     * @param frameCount frames covered.
     */
    public BitmapAllocator(final long baseFrame, final int frameCount)
    {
        this.baseFrame = baseFrame;
        this.frameCount = frameCount;
        this.words = new long[(frameCount + 63) >>> 6];
    }

    /**
     * Take {@code n} contiguous free frames.
     *
     * @param n frames wanted, at least 1.
     * @return the first frame number, or -1 when no run of {@code n} free frames exists.
     */
    public long allocate(final int n)
    {
        if (n <= 0 || n > freeFrames)
        {
            return -1;
        }
        int start = findRun(n, hint, frameCount);
        if (start < 0 && hint > 0)
        {
            start = findRun(n, 0, Math.min(frameCount, hint + n - 1));
        }
        if (start < 0)
        {
            return -1;
        }
        clearRange(start, n);
        freeFrames -= n;
        hint = start + n >= frameCount ? 0 : start + n;
        return baseFrame + start;
    }

    /**
     * Take {@code n} free frames starting exactly at {@code frame}; used when a fresh chunk
     * has just been borrowed, so the caller knows the frames are free.
     *
     * @param frame first frame.
     * @param n     frames.
     */
    public void allocateAt(final long frame, final int n)
    {
        final int start = (int)(frame - baseFrame);
        clearRange(start, n);
        freeFrames -= n;
        hint = start + n >= frameCount ? 0 : start + n;
    }

    /**
     * Mark frames free (a free, or frames handed to this allocator).
     *
     * @param frame first frame.
     * @param n     frames.
     */
    public void release(final long frame, final int n)
    {
        setRange((int)(frame - baseFrame), n);
        freeFrames += n;
    }

    /**
     * Take free frames out of this allocator (a whole free chunk given back to the buddy).
     *
     * @param frame first frame.
     * @param n     frames, all currently free here.
     */
    public void withdraw(final long frame, final int n)
    {
        clearRange((int)(frame - baseFrame), n);
        freeFrames -= n;
    }

    /**
     * @param frame a frame number.
     * @return true when the frame is free here.
     */
    public boolean isFree(final long frame)
    {
        final long i = frame - baseFrame;
        return i >= 0 && i < frameCount && (words[(int)(i >>> 6)] & (1L << i)) != 0;
    }

    /** @return free frames held. */
    public long freeFrames()
    {
        return freeFrames;
    }

    /**
     * @param frame first frame of a range.
     * @param n     frames.
     * @return free frames in the range, counted from the bits (for consistency checks).
     */
    public int countFree(final long frame, final int n)
    {
        int count = 0;
        int from = (int)(frame - baseFrame);
        final int end = from + n;
        while (from < end)
        {
            final int bit = from & 63;
            final int len = Math.min(64 - bit, end - from);
            count += Long.bitCount(words[from >>> 6] & mask(bit, len));
            from += len;
        }
        return count;
    }

    /**
     * Walk the maximal runs of free frames.
     *
     * @param minLength only runs at least this long are counted.
     * @return frames in maximal free runs of at least {@code minLength} frames.
     */
    public long framesInRunsOfAtLeast(final int minLength)
    {
        long total = 0;
        int p = 0;
        while (p < frameCount)
        {
            final int start = nextSet(p);
            if (start < 0)
            {
                break;
            }
            final int end = nextClear(start);
            if (end - start >= minLength)
            {
                total += end - start;
            }
            p = end;
        }
        return total;
    }

    /** @return number of maximal runs of free frames. */
    public int freeRuns()
    {
        int runs = 0;
        int p = 0;
        while (p < frameCount)
        {
            final int start = nextSet(p);
            if (start < 0)
            {
                break;
            }
            runs++;
            p = nextClear(start);
        }
        return runs;
    }

    private int nextSet(final int from)
    {
        int wi = from >>> 6;
        long w = words[wi] & (-1L << (from & 63));
        while (w == 0)
        {
            wi++;
            if (wi >= words.length)
            {
                return -1;
            }
            w = words[wi];
        }
        final int p = (wi << 6) + Long.numberOfTrailingZeros(w);
        return p < frameCount ? p : -1;
    }

    private int nextClear(final int from)
    {
        int wi = from >>> 6;
        long w = ~words[wi] & (-1L << (from & 63));
        while (w == 0)
        {
            wi++;
            if (wi >= words.length)
            {
                return frameCount;
            }
            w = ~words[wi];
        }
        return Math.min(frameCount, (wi << 6) + Long.numberOfTrailingZeros(w));
    }

    /**
     * First run of {@code n} set bits starting at or after {@code from} and ending at or
     * before {@code to}; -1 when none.
     */
    private int findRun(final int n, final int from, final int to)
    {
        int p = from;
        int runStart = 0;
        int runLength = 0;
        while (p < to)
        {
            final int bit = p & 63;
            final long w = words[p >>> 6] >>> bit;
            if (w == 0)
            {
                runLength = 0;
                p += 64 - bit;
                continue;
            }
            final int zeros = Long.numberOfTrailingZeros(w);
            if (zeros > 0)
            {
                runLength = 0;
                p += zeros;
                continue;
            }
            // Bits above the word's end were shifted in as zeros, so ~w stops the count there.
            final int ones = Long.numberOfTrailingZeros(~w);
            if (runLength == 0)
            {
                runStart = p;
            }
            runLength += ones;
            p += ones;
            if (runLength >= n)
            {
                return runStart + n <= to ? runStart : -1;
            }
        }
        return -1;
    }

    private void setRange(final int from, final int n)
    {
        int p = from;
        final int end = from + n;
        while (p < end)
        {
            final int bit = p & 63;
            final int len = Math.min(64 - bit, end - p);
            words[p >>> 6] |= mask(bit, len);
            p += len;
        }
    }

    private void clearRange(final int from, final int n)
    {
        int p = from;
        final int end = from + n;
        while (p < end)
        {
            final int bit = p & 63;
            final int len = Math.min(64 - bit, end - p);
            words[p >>> 6] &= ~mask(bit, len);
            p += len;
        }
    }

    private static long mask(final int bit, final int len)
    {
        return len == 64 ? -1L : ((1L << len) - 1) << bit;
    }
}
