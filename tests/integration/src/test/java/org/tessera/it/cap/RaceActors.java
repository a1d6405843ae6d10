package org.tessera.it.cap;

import org.tessera.kernel.runtime.Actor;
import org.tessera.kernel.runtime.ActorAddress;
import org.tessera.kernel.runtime.ActorContext;
import org.tessera.kernel.runtime.CpuAgent;
import org.tessera.kernel.runtime.Message;
import org.tessera.kernel.runtime.ServiceIds;
import org.tessera.kernel.service.cap.CapabilityAuthorityService;
import org.tessera.kernel.service.cap.CapabilityCache;
import org.tessera.kernel.service.cap.CapabilityCacheService;
import org.tessera.kernel.service.cap.CapabilityChecker;
import org.tessera.kernel.service.cap.CapabilityError;
import org.tessera.kernel.service.cap.CapabilityShards;
import org.tessera.kernel.service.cap.CapabilityToken;
import org.tessera.kernel.service.cap.CapabilityType;
import org.tessera.kernel.service.cap.Rights;
import org.tessera.messages.cap.CapCreateEncoder;
import org.tessera.messages.cap.CapReplyDecoder;
import org.tessera.messages.cap.CapRevokeCompleteDecoder;
import org.tessera.messages.cap.CapRevokeEncoder;
import org.tessera.messages.cap.SpaceCreateEncoder;
import org.tessera.messages.cap.SpaceReplyDecoder;
import org.tessera.messages.runtime.PingRequestDecoder;
import org.tessera.messages.runtime.PingRequestEncoder;
import org.tessera.messages.runtime.StartDecoder;
import org.tessera.messages.runtime.TimerFiredDecoder;

/**
 * The actors of the revoke-versus-use race, the same in host mode and in simulation: on every
 * CPU a {@link Hammer} checks one token through its CPU's checker as fast as it can, the way a
 * service guards each request; on CPU 0 a {@link Revoker} creates the token, hands it to the
 * hammers, and revokes it after a while.
 */
final class RaceActors
{
    static final int HAMMER = ServiceIds.FIRST_USER_SERVICE;
    static final int REVOKER = ServiceIds.FIRST_USER_SERVICE + 1;
    static final int SPACE = 1;
    static final int MEM = CapabilityType.MEMORY;
    static final int READ = Rights.MEMORY_READ;
    static final int GO = 0;
    static final int TICK = 1;

    private RaceActors()
    {
    }

    /**
     * Register the capability services (one authority shard on CPU 0, a cache service on every
     * CPU), a hammer on every CPU and the revoker on CPU 0.
     *
     * @return the revoker.
     */
    static Revoker install(final CpuAgent[] cpus, final Hammer[] hammers, final long revokeDelayNanos, final int evictEvery)
    {
        final CapabilityShards shards = new CapabilityShards(cpus.length, new int[] {0});
        for (int i = 0; i < cpus.length; i++)
        {
            final CapabilityChecker checker = new CapabilityChecker(new CapabilityCache(256), shards);
            cpus[i].register(ServiceIds.CAP, CapabilityShards.CACHE_INSTANCE, new CapabilityCacheService(checker, 64));
            hammers[i] = new Hammer(checker, evictEvery);
            cpus[i].register(HAMMER, 0, hammers[i]);
        }
        cpus[0].register(ServiceIds.CAP, CapabilityShards.FIRST_AUTHORITY_INSTANCE,
            new CapabilityAuthorityService(shards, 0, 8, 64, 1024, 8, 256));
        final Revoker revoker = new Revoker(shards, cpus.length, revokeDelayNanos);
        cpus[0].register(REVOKER, 0, revoker);
        cpus[0].injectStart(ActorAddress.of(0, REVOKER, 0), 0);
        return revoker;
    }

    /** Checks the token over and over; one validation outstanding at most. */
    static final class Hammer implements Actor
    {
        final CapabilityChecker checker;
        final int evictEvery;
        final PingRequestDecoder ping = new PingRequestDecoder();
        final PingRequestEncoder tick = new PingRequestEncoder();
        long token;
        boolean running;
        volatile long attempts;
        volatile long successes;
        volatile long refusals;
        /** Successes while this CPU had already handled the revocation's CacheInvalidate (exact). */
        volatile long successesAfterInvalidation;
        /** Invalidations this CPU had handled at its last success. */
        volatile long epochAtLastSuccess = -1;

        /**
         * @param evictEvery drop the token's cache line before every n-th attempt (as conflicting
         *                   capabilities would), so that validations are often in flight; 0 never.
         */
        Hammer(final CapabilityChecker checker, final int evictEvery)
        {
            this.checker = checker;
            this.evictEvery = evictEvery;
        }

        public void onMessage(final Message m, final ActorContext ctx)
        {
            if (m.is(PingRequestDecoder.SCHEMA_ID, PingRequestDecoder.TEMPLATE_ID))
            {
                ping.wrap(m.buffer(), m.bodyOffset(), m.blockLength(), m.version());
                if (ping.sequence() == GO)
                {
                    token = ping.value();
                    running = true;
                }
                attempt(ctx);
            }
            else if (CapabilityChecker.isValidateReply(m))
            {
                final int result = checker.onValidateReply(m);
                if (result == CapabilityChecker.STALE)
                {
                    ask(ctx);
                    return;
                }
                outcome(result);
                next(ctx);
            }
        }

        private void attempt(final ActorContext ctx)
        {
            if (!running)
            {
                return;
            }
            attempts++;
            if (evictEvery > 0 && attempts % evictEvery == 0)
            {
                checker.cache().invalidate(SPACE, CapabilityToken.slotIndex(token));
            }
            final int result = checker.check(SPACE, token, MEM, READ);
            if (result == CapabilityChecker.MISS)
            {
                ask(ctx);
                return;
            }
            outcome(result);
            next(ctx);
        }

        private void ask(final ActorContext ctx)
        {
            if (checker.requestValidation(ctx, ctx.nextCorrelationId(), SPACE, token, MEM, READ) < 0)
            {
                next(ctx);
            }
        }

        private void outcome(final int result)
        {
            if (result == CapabilityError.OK)
            {
                successes++;
                epochAtLastSuccess = checker.epoch();
                if (checker.epoch() > 0)
                {
                    successesAfterInvalidation++;
                }
            }
            else
            {
                refusals++;
            }
        }

        private void next(final ActorContext ctx)
        {
            if (ctx.claim(ctx.self(), 0, tick, 0) >= 0)
            {
                tick.sequence(TICK).value(0);
                ctx.commit();
            }
        }
    }

    /** Opens the space, creates the token, hands it out, revokes it after a delay. */
    static final class Revoker implements Actor
    {
        final CapabilityShards shards;
        final int cpuCount;
        final long delay;
        final SpaceCreateEncoder spaceCreate = new SpaceCreateEncoder();
        final CapCreateEncoder create = new CapCreateEncoder();
        final CapRevokeEncoder revoke = new CapRevokeEncoder();
        final PingRequestEncoder go = new PingRequestEncoder();
        final CapReplyDecoder capReply = new CapReplyDecoder();
        final CapRevokeCompleteDecoder complete = new CapRevokeCompleteDecoder();
        long token;
        volatile long revokeSentAt = -1;
        volatile boolean completed;
        volatile int completionStatus = 1;
        volatile long completedAt;

        Revoker(final CapabilityShards shards, final int cpuCount, final long delay)
        {
            this.shards = shards;
            this.cpuCount = cpuCount;
            this.delay = delay;
        }

        public void onMessage(final Message m, final ActorContext ctx)
        {
            if (m.is(StartDecoder.SCHEMA_ID, StartDecoder.TEMPLATE_ID))
            {
                send(ctx, ctx.claim(shards.authorityOfSpace(SPACE), 1, spaceCreate, 0));
                spaceCreate.space(SPACE);
                ctx.commit();
            }
            else if (m.is(SpaceReplyDecoder.SCHEMA_ID, SpaceReplyDecoder.TEMPLATE_ID))
            {
                send(ctx, ctx.claim(shards.authorityOfSpace(SPACE), 2, create, 0));
                create.space(SPACE).objectId(99).badge(990).capType((short)MEM).rights(READ).flags((short)0);
                ctx.commit();
            }
            else if (m.is(CapReplyDecoder.SCHEMA_ID, CapReplyDecoder.TEMPLATE_ID))
            {
                capReply.wrap(m.buffer(), m.bodyOffset(), m.blockLength(), m.version());
                token = capReply.token();
                for (int cpu = 0; cpu < cpuCount; cpu++)
                {
                    send(ctx, ctx.claim(ActorAddress.of(cpu, HAMMER, 0), 3, go, 0));
                    go.sequence(GO).value(token);
                    ctx.commit();
                }
                ctx.setTimer(ctx.nanoTime() + delay, 0);
            }
            else if (m.is(TimerFiredDecoder.SCHEMA_ID, TimerFiredDecoder.TEMPLATE_ID))
            {
                send(ctx, ctx.claim(shards.authorityOfSpace(SPACE), 4, revoke, 0));
                revoke.space(SPACE).token(token);
                ctx.commit();
                revokeSentAt = ctx.nanoTime();
            }
            else if (m.is(CapRevokeCompleteDecoder.SCHEMA_ID, CapRevokeCompleteDecoder.TEMPLATE_ID))
            {
                complete.wrap(m.buffer(), m.bodyOffset(), m.blockLength(), m.version());
                completionStatus = -complete.statusRaw();
                completedAt = ctx.nanoTime();
                completed = true;
            }
        }

        private static void send(final ActorContext ctx, final int claim)
        {
            if (claim < 0)
            {
                throw new IllegalStateException("race test: inbox full");
            }
        }
    }
}
