package org.tessera.kernel.service.cap;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.tessera.kernel.runtime.Actor;
import org.tessera.kernel.runtime.ActorContext;
import org.tessera.kernel.runtime.Message;
import org.tessera.messages.runtime.PingRequestDecoder;

/**
 * A service as every kernel service guards itself: a request (here a PingRequest whose value
 * indexes the test's table of presented capabilities) is checked through the CPU's checker; on
 * a miss it is parked under a correlation id until the authority answers; a STALE answer is
 * asked again. Each outcome is recorded with the CPU's message sequence number.
 */
final class Gate implements Actor
{
    /** One presented capability: the caller's space, the token, what the request needs. */
    record Presented(int space, long token, int type, int rights)
    {
    }

    /** An outcome: the request, its result, the handled-message sequence on this CPU, whether from the cache. */
    record Outcome(int request, int code, long sequence, boolean cached)
    {
    }

    final CapabilityChecker checker;
    final List<Presented> presented = new ArrayList<>();
    final List<Outcome> outcomes = new ArrayList<>();
    final Map<Long, Integer> parked = new HashMap<>();
    final PingRequestDecoder trigger = new PingRequestDecoder();
    int stale;

    Gate(final CapabilityChecker checker)
    {
        this.checker = checker;
    }

    public void onMessage(final Message m, final ActorContext ctx)
    {
        if (m.is(PingRequestDecoder.SCHEMA_ID, PingRequestDecoder.TEMPLATE_ID))
        {
            trigger.wrap(m.buffer(), m.bodyOffset(), m.blockLength(), m.version());
            final int request = (int)trigger.value();
            final Presented p = presented.get(request);
            final int result = checker.check(p.space(), p.token(), p.type(), p.rights());
            if (result == CapabilityChecker.MISS)
            {
                ask(request, ctx);
            }
            else
            {
                outcomes.add(new Outcome(request, result, m.sequence(), true));
            }
        }
        else if (CapabilityChecker.isValidateReply(m))
        {
            final Integer request = parked.remove(m.correlationId());
            final int result = checker.onValidateReply(m);
            if (result == CapabilityChecker.STALE)
            {
                stale++;
                ask(request, ctx);
            }
            else
            {
                outcomes.add(new Outcome(request, result, m.sequence(), false));
            }
        }
    }

    private void ask(final int request, final ActorContext ctx)
    {
        final Presented p = presented.get(request);
        final long correlation = ctx.nextCorrelationId();
        if (checker.requestValidation(ctx, correlation, p.space(), p.token(), p.type(), p.rights()) < 0)
        {
            throw new IllegalStateException("test inbox full");
        }
        parked.put(correlation, request);
    }
}
