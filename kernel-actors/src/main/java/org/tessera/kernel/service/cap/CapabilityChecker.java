package org.tessera.kernel.service.cap;

import org.tessera.kernel.runtime.ActorContext;
import org.tessera.kernel.runtime.Message;
import org.tessera.messages.cap.CapValidateEncoder;
import org.tessera.messages.cap.CapValidateReplyDecoder;

/**
 * The one reusable capability check: every service on a CPU checks the capability named by a
 * request from outside the kernel through this CPU's checker before it acts. One checker per
 * CPU, shared by the services of that CPU (they all run on its loop, so no synchronisation),
 * backed by that CPU's {@link CapabilityCache} and kept coherent by the CPU's
 * {@link CapabilityCacheService}.
 *
 * <pre>
 *   r = checker.check(space, token, type, rights)
 *   OK            act (checker.badge() names the object for the owning service)
 *   negative      refuse with that code (a cached capability of the wrong type or rights)
 *   MISS          checker.requestValidation(ctx, corr, space, token, type, rights); park the
 *                 request in a session under corr; on the CapValidateReply with corr:
 *                 r = checker.onValidateReply(m)
 *                   OK        act (the cache is filled)
 *                   STALE     an invalidation arrived meanwhile: ask again
 *                   negative  refuse
 * </pre>
 *
 * <p><b>Why a reply never resurrects a revoked token.</b> The checker counts every
 * invalidation its CPU handles (its <em>epoch</em>). A CapValidate carries the epoch at which it
 * was sent and the authority echoes it. A reply is used (to fill the cache and to let the
 * parked request act) only if the epoch has not moved. Suppose the authority validated the token
 * and later revoked it. If this CPU handled that revocation's CacheInvalidate before sending the
 * CapValidate, the authority had revoked before it validated: the reply is a refusal. If it
 * handled it after sending but before the reply, the epoch moved: the reply is STALE and ignored.
 * Otherwise the CPU has not acknowledged the revocation yet, so the revocation is not complete,
 * and the filled line is dropped when the invalidation arrives. This needs no ordering between
 * the authority's reply and its invalidation (the simulator's transport reorders them).
 */
public final class CapabilityChecker
{
    /** {@link #check}: not cached; ask the authority. */
    public static final int MISS = CapabilityCache.MISS;
    /** {@link #onValidateReply}: the cache was invalidated while the request was out; ask again. */
    public static final int STALE = 2;

    private final CapabilityCache cache;
    private final CapabilityShards shards;
    private final CapValidateEncoder validateEncoder = new CapValidateEncoder();
    private final CapValidateReplyDecoder replyDecoder = new CapValidateReplyDecoder();
    private long epoch;
    private long badge;
    private long staleReplies;
    private long validationsSent;

    /**
     * @param cache  this CPU's cache.
     * @param shards where the authority shards are.
     */
    public CapabilityChecker(final CapabilityCache cache, final CapabilityShards shards)
    {
        this.cache = cache;
        this.shards = shards;
    }

    /**
     * Check a token presented by the process owning {@code space} against this CPU's cache.
     *
     * @param space          space of the calling process (from the trapping thread, never from the request).
     * @param token          the token the request names.
     * @param requiredType   the {@link CapabilityType} the request needs.
     * @param requiredRights the rights it needs.
     * @return {@link CapabilityError#OK}, {@link #MISS}, {@link CapabilityError#WRONG_TYPE} or
     *         {@link CapabilityError#INSUFFICIENT_RIGHTS}.
     */
    public int check(final int space, final long token, final int requiredType, final int requiredRights)
    {
        final int result = cache.probe(space, token, requiredType, requiredRights);
        if (result == CapabilityError.OK)
        {
            badge = cache.hitBadge();
        }
        return result;
    }

    /**
     * Send a CapValidate for a missed check to the shard owning {@code space}.
     *
     * @param ctx           the calling actor's context.
     * @param correlationId id under which the caller parks its request.
     * @return 0, or a negative claim result ({@link ActorContext#BACK_PRESSURED}: retry later).
     */
    public int requestValidation(
        final ActorContext ctx, final long correlationId, final int space, final long token, final int requiredType,
        final int requiredRights)
    {
        final int result = ctx.claim(shards.authorityOfSpace(space), correlationId, validateEncoder, 0);
        if (result < 0)
        {
            return result;
        }
        validateEncoder.space(space).token(token).capType((short)requiredType).rights(requiredRights).cacheEpoch(epoch);
        ctx.commit();
        validationsSent++;
        return 0;
    }

    /** @return true when {@code m} is a CapValidateReply. */
    public static boolean isValidateReply(final Message m)
    {
        return m.is(CapValidateReplyDecoder.SCHEMA_ID, CapValidateReplyDecoder.TEMPLATE_ID);
    }

    /**
     * Use the authority's answer to a {@link #requestValidation}.
     *
     * @param m a CapValidateReply (its correlation id names the parked request).
     * @return {@link CapabilityError#OK} (cache filled; {@link #badge()} set), {@link #STALE}
     *         (ask again), or the negative code the authority refused with.
     */
    public int onValidateReply(final Message m)
    {
        replyDecoder.wrap(m.buffer(), m.bodyOffset(), m.blockLength(), m.version());
        final int code = CapabilityStatus.toCode(replyDecoder.statusRaw());
        final int space = replyDecoder.space();
        final long token = replyDecoder.token();
        final int rights = replyDecoder.rights();
        final long replyBadge = replyDecoder.badge();
        if (replyDecoder.cacheEpoch() != epoch)
        {
            staleReplies++;
            return STALE;
        }
        if (code == CapabilityError.OK)
        {
            cache.fill(space, token, rights, replyBadge);
            badge = replyBadge;
        }
        return code;
    }

    /** @return badge of the capability of the last successful {@link #check} or reply. */
    public long badge()
    {
        return badge;
    }

    /** Drop (space, slot); called by the cache service for each pair of a CacheInvalidate. */
    public void invalidate(final int space, final int slot)
    {
        cache.invalidate(space, slot);
    }

    /** Drop everything; called by the cache service for a flushing CacheInvalidate. */
    public void flush()
    {
        cache.flush();
    }

    /** Count one handled CacheInvalidate: replies to validations sent before it are stale. */
    public void advanceEpoch()
    {
        epoch++;
    }

    /** @return invalidations handled so far. */
    public long epoch()
    {
        return epoch;
    }

    /** @return replies ignored because an invalidation arrived while they were out. */
    public long staleReplies()
    {
        return staleReplies;
    }

    /** @return CapValidate requests sent. */
    public long validationsSent()
    {
        return validationsSent;
    }

    /** @return this CPU's cache (statistics). */
    public CapabilityCache cache()
    {
        return cache;
    }
}
