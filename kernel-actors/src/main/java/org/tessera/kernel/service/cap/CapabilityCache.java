package org.tessera.kernel.service.cap;

/**
 * One CPU's cache of successful capability validations, so that a service on that CPU can check
 * a token without asking the authority shard that owns the space.
 *
 * <p>Direct-mapped: a (space id, slot index) pair hashes to exactly one line, so an invalidation
 * by (space, slot) touches one line whatever generation the cached token had. A line holds the
 * full token (which carries generation, type and flags), the space id and the slot's rights. A
 * hit needs the presented token to equal the cached one bit for bit; only successful validations
 * are cached, so a miss falls back to {@link CapabilitySpace#check}.
 *
 * <pre>
 *   line = fibonacciHash(spaceId &lt;&lt; 14 | slot) &gt;&gt;&gt; (32 - log2(lines))
 *   tokens[line]  : long   cached token, 0 = empty
 *   spaces[line]  : int    space id
 *   rights[line]  : int    rights of the slot when validated
 * </pre>
 *
 * <p>Coherence: the authority revokes in its spaces first, then sends CacheInvalidate for every
 * revoked (space, slot) to every CPU, each CPU calls {@link #invalidate} and acknowledges, and
 * only then is the revocation reported complete. Used only by its own CPU's loop.
 */
public final class CapabilityCache implements RevocationListener
{
    /** Returned by {@link #probe} when the token is not cached. */
    public static final int MISS = 1;

    private static final int HASH = 0x9E3779B1;

    private final int shift;
    private final long[] tokens;
    private final int[] spaces;
    private final int[] rights;
    private final long[] badges;
    private int hitLine;
    private long hits;
    private long misses;
    private long invalidations;
    private long flushes;

    /**
     * @param lines number of lines, a power of two from 2 to 2^30.
     */
    public CapabilityCache(final int lines)
    {
        if (lines < 2 || lines > (1 << 30) || Integer.bitCount(lines) != 1)
        {
            throw new IllegalArgumentException("cache lines must be a power of two from 2 to 2^30");
        }
        this.shift = 32 - Integer.numberOfTrailingZeros(lines);
        this.tokens = new long[lines];
        this.spaces = new int[lines];
        this.rights = new int[lines];
        this.badges = new long[lines];
    }

    /**
     * Look a token up without falling back to the space.
     *
     * @return {@link CapabilityError#OK}, {@link CapabilityError#WRONG_TYPE},
     *         {@link CapabilityError#INSUFFICIENT_RIGHTS} on a hit, {@link #MISS} otherwise.
     */
    public int probe(final int spaceId, final long token, final int requiredType, final int requiredRights)
    {
        final int line = line(spaceId, CapabilityToken.slotIndex(token));
        if (token == 0L || tokens[line] != token || spaces[line] != spaceId)
        {
            misses++;
            return MISS;
        }
        hits++;
        hitLine = line;
        if (CapabilityToken.type(token) != requiredType)
        {
            return CapabilityError.WRONG_TYPE;
        }
        if ((requiredRights & ~rights[line]) != 0)
        {
            return CapabilityError.INSUFFICIENT_RIGHTS;
        }
        return CapabilityError.OK;
    }

    /**
     * Cache a successful validation.
     *
     * @param spaceId    space the token was validated in.
     * @param token      the token.
     * @param slotRights all rights of the slot.
     */
    public void fill(final int spaceId, final long token, final int slotRights)
    {
        fill(spaceId, token, slotRights, 0L);
    }

    /**
     * Cache a successful validation with the slot's badge.
     *
     * @param spaceId    space the token was validated in.
     * @param token      the token.
     * @param slotRights all rights of the slot.
     * @param badge      the slot's badge, returned by {@link #hitBadge()} after a hit.
     */
    public void fill(final int spaceId, final long token, final int slotRights, final long badge)
    {
        final int line = line(spaceId, CapabilityToken.slotIndex(token));
        tokens[line] = token;
        spaces[line] = spaceId;
        rights[line] = slotRights;
        badges[line] = badge;
    }

    /** @return badge of the line the last hit of {@link #probe} found. */
    public long hitBadge()
    {
        return badges[hitLine];
    }

    /**
     * Validate through the cache, falling back to {@code space} on a miss and caching success.
     * This is the check a service on the space's own shard uses; on other CPUs the fallback is a
     * Validate request to the authority whose reply calls {@link #fill}.
     *
     * @return as {@link CapabilitySpace#check}.
     */
    public int check(final CapabilitySpace space, final long token, final int requiredType, final int requiredRights)
    {
        final int cached = probe(space.spaceId(), token, requiredType, requiredRights);
        if (cached != MISS)
        {
            return cached;
        }
        final int result = space.check(token, requiredType, requiredRights);
        if (result == CapabilityError.OK)
        {
            final int slot = CapabilityToken.slotIndex(token);
            fill(space.spaceId(), token, space.rights(slot), space.badge(slot));
        }
        return result;
    }

    /**
     * Drop whatever is cached for (space, slot), any generation.
     *
     * @return true when a line was dropped.
     */
    public boolean invalidate(final int spaceId, final int slotIndex)
    {
        final int line = line(spaceId, slotIndex);
        if (tokens[line] != 0L && spaces[line] == spaceId && CapabilityToken.slotIndex(tokens[line]) == slotIndex)
        {
            tokens[line] = 0L;
            invalidations++;
            return true;
        }
        return false;
    }

    @Override
    public void onRevoked(final int spaceId, final int slotIndex)
    {
        invalidate(spaceId, slotIndex);
    }

    /** Drop every line (e.g. when the CPU changes authority shard or a space is destroyed). */
    public void flush()
    {
        for (int i = 0; i < tokens.length; i++)
        {
            tokens[i] = 0L;
        }
        flushes++;
    }

    /** @return number of lines. */
    public int lines()
    {
        return tokens.length;
    }

    /** @return number of valid lines (O(lines), for diagnostics and tests). */
    public int occupancy()
    {
        int count = 0;
        for (int i = 0; i < tokens.length; i++)
        {
            if (tokens[i] != 0L)
            {
                count++;
            }
        }
        return count;
    }

    /** @return number of probes that hit. */
    public long hits()
    {
        return hits;
    }

    /** @return number of probes that missed. */
    public long misses()
    {
        return misses;
    }

    /** @return number of lines dropped by {@link #invalidate}. */
    public long invalidations()
    {
        return invalidations;
    }

    /** @return number of {@link #flush} calls. */
    public long flushes()
    {
        return flushes;
    }

    private int line(final int spaceId, final int slotIndex)
    {
        return (((spaceId << CapabilityToken.SLOT_BITS) | (slotIndex & CapabilityToken.SLOT_MASK)) * HASH) >>> shift;
    }
}
