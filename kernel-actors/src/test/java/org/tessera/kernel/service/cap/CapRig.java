package org.tessera.kernel.service.cap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import java.nio.ByteBuffer;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Function;

import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.sbe.MessageEncoderFlyweight;
import org.tessera.kernel.runtime.Actor;
import org.tessera.kernel.runtime.ActorAddress;
import org.tessera.kernel.runtime.ActorContext;
import org.tessera.kernel.runtime.Clock;
import org.tessera.kernel.runtime.CpuAgent;
import org.tessera.kernel.runtime.InboxTransport;
import org.tessera.kernel.runtime.Message;
import org.tessera.kernel.runtime.MessageLayout;
import org.tessera.kernel.runtime.ServiceIds;
import org.tessera.kernel.runtime.Transport;
import org.tessera.lockfree.Inbox;
import org.tessera.messages.cap.CapCreateEncoder;
import org.tessera.messages.cap.CapDeleteEncoder;
import org.tessera.messages.cap.CapDeriveEncoder;
import org.tessera.messages.cap.CapGrantEncoder;
import org.tessera.messages.cap.CapReplyDecoder;
import org.tessera.messages.cap.CapRevokeCompleteDecoder;
import org.tessera.messages.cap.CapRevokeEncoder;
import org.tessera.messages.cap.CapValidateEncoder;
import org.tessera.messages.cap.CapValidateReplyDecoder;
import org.tessera.messages.cap.MessageHeaderEncoder;
import org.tessera.messages.cap.SpaceCreateEncoder;
import org.tessera.messages.cap.SpaceDestroyEncoder;
import org.tessera.messages.cap.SpaceExecEncoder;
import org.tessera.messages.cap.SpaceForkEncoder;
import org.tessera.messages.cap.SpaceReplyDecoder;

/**
 * A small machine for the capability actors, stepped by hand with a manual clock: CPUs with a
 * cache service each, authority shards, and a client actor per CPU that records every reply it
 * receives. Requests are written straight into an inbox as coming from the client (what the
 * syscall layer would send), so replies land in the client.
 */
final class CapRig
{
    static final int CLIENT = ServiceIds.FIRST_USER_SERVICE;
    static final int SPACES = 64;

    long time = 1_000;
    final Clock clock = () -> time;
    final Inbox[] inboxes;
    final Transport transport;
    final CpuAgent[] cpus;
    final CapabilityShards shards;
    final CapabilityAuthorityService[] authorities;
    final CapabilityChecker[] checkers;
    final CapabilityCacheService[] caches;
    final Client[] clients;
    final UnsafeBuffer scratch = new UnsafeBuffer(ByteBuffer.allocateDirect(4096));
    final MessageHeaderEncoder header = new MessageHeaderEncoder();
    long nextCorrelation = 1;
    private long pendingDestination;

    /** A decoded reply. */
    static final class Reply
    {
        int template;
        int status;
        long token;
        long count;
        long key;
        int space;
        int rights;
        long badge;
        long epoch;
        long[] tokens;
    }

    /** Records every reply by correlation id. */
    static final class Client implements Actor
    {
        final Map<Long, Reply> replies = new HashMap<>();
        final CapReplyDecoder capReply = new CapReplyDecoder();
        final CapRevokeCompleteDecoder revokeComplete = new CapRevokeCompleteDecoder();
        final CapValidateReplyDecoder validateReply = new CapValidateReplyDecoder();
        final SpaceReplyDecoder spaceReply = new SpaceReplyDecoder();
        final org.tessera.messages.cap.SpaceOpenedDecoder spaceOpened = new org.tessera.messages.cap.SpaceOpenedDecoder();

        public void onMessage(final Message m, final ActorContext ctx)
        {
            final Reply r = new Reply();
            r.template = m.templateId();
            if (m.schemaId() != CapReplyDecoder.SCHEMA_ID)
            {
                r.status = -1000;
            }
            else if (m.templateId() == CapReplyDecoder.TEMPLATE_ID)
            {
                capReply.wrap(m.buffer(), m.bodyOffset(), m.blockLength(), m.version());
                r.status = -capReply.statusRaw();
                r.token = capReply.token();
            }
            else if (m.templateId() == CapRevokeCompleteDecoder.TEMPLATE_ID)
            {
                revokeComplete.wrap(m.buffer(), m.bodyOffset(), m.blockLength(), m.version());
                r.status = -revokeComplete.statusRaw();
                r.count = revokeComplete.revoked();
            }
            else if (m.templateId() == CapValidateReplyDecoder.TEMPLATE_ID)
            {
                validateReply.wrap(m.buffer(), m.bodyOffset(), m.blockLength(), m.version());
                r.status = -validateReply.statusRaw();
                r.space = validateReply.space();
                r.token = validateReply.token();
                r.rights = validateReply.rights();
                r.badge = validateReply.badge();
                r.epoch = validateReply.cacheEpoch();
            }
            else if (m.templateId() == SpaceReplyDecoder.TEMPLATE_ID)
            {
                spaceReply.wrap(m.buffer(), m.bodyOffset(), m.blockLength(), m.version());
                r.status = -spaceReply.statusRaw();
                r.space = spaceReply.space();
                r.key = spaceReply.key();
                r.count = spaceReply.count();
            }
            else if (m.templateId() == org.tessera.messages.cap.SpaceOpenedDecoder.TEMPLATE_ID)
            {
                spaceOpened.wrap(m.buffer(), m.bodyOffset(), m.blockLength(), m.version());
                r.status = -spaceOpened.statusRaw();
                r.space = spaceOpened.space();
                r.key = spaceOpened.key();
                final var tokens = spaceOpened.tokens();
                r.tokens = new long[tokens.count()];
                for (int i = 0; i < r.tokens.length; i++)
                {
                    r.tokens[i] = tokens.next().token();
                }
            }
            replies.put(m.correlationId(), r);
        }
    }

    CapRig(final int cpuCount, final int[] shardCpu)
    {
        this(cpuCount, shardCpu, InboxTransport::new);
    }

    CapRig(final int cpuCount, final int[] shardCpu, final Function<Inbox[], Transport> transports)
    {
        this(cpuCount, shardCpu, transports, 64 * 1024);
    }

    CapRig(final int cpuCount, final int[] shardCpu, final Function<Inbox[], Transport> transports, final int inboxBytes)
    {
        inboxes = new Inbox[cpuCount];
        for (int i = 0; i < cpuCount; i++)
        {
            inboxes[i] = new Inbox(inboxBytes);
        }
        transport = transports.apply(inboxes);
        cpus = new CpuAgent[cpuCount];
        shards = new CapabilityShards(cpuCount, shardCpu);
        checkers = new CapabilityChecker[cpuCount];
        caches = new CapabilityCacheService[cpuCount];
        clients = new Client[cpuCount];
        for (int i = 0; i < cpuCount; i++)
        {
            cpus[i] = new CpuAgent(i, cpuCount, inboxes[i], 64 * 1024, transport, clock, null, 7 + i, 64);
            checkers[i] = new CapabilityChecker(new CapabilityCache(1024), shards);
            caches[i] = new CapabilityCacheService(checkers[i], 64);
            cpus[i].register(ServiceIds.CAP, CapabilityShards.CACHE_INSTANCE, caches[i]);
            clients[i] = new Client();
            cpus[i].register(CLIENT, 0, clients[i]);
        }
        authorities = new CapabilityAuthorityService[shardCpu.length];
        for (int k = 0; k < shardCpu.length; k++)
        {
            authorities[k] = new CapabilityAuthorityService(shards, k, SPACES, 4096, 20_000, 8, 256);
            cpus[shardCpu[k]].register(ServiceIds.CAP, CapabilityShards.FIRST_AUTHORITY_INSTANCE + k, authorities[k]);
        }
    }

    long client(final int cpu)
    {
        return ActorAddress.of(cpu, CLIENT, 0);
    }

    /** Start a request from the client of {@code fromCpu}; fill the returned encoder, then {@link #post}. */
    <E extends MessageEncoderFlyweight> E request(final int fromCpu, final long destination, final long correlation, final E encoder)
    {
        header.wrap(scratch, 0).blockLength(encoder.sbeBlockLength()).templateId(encoder.sbeTemplateId())
            .schemaId(encoder.sbeSchemaId()).version(encoder.sbeSchemaVersion());
        encoder.wrap(scratch, MessageLayout.HEADER_LENGTH);
        scratch.putLong(MessageLayout.CORRELATION_ID_OFFSET, correlation, java.nio.ByteOrder.LITTLE_ENDIAN);
        scratch.putLong(MessageLayout.SOURCE_OFFSET, client(fromCpu), java.nio.ByteOrder.LITTLE_ENDIAN);
        scratch.putLong(MessageLayout.DESTINATION_OFFSET, destination, java.nio.ByteOrder.LITTLE_ENDIAN);
        scratch.putLong(MessageLayout.TIMESTAMP_OFFSET, time, java.nio.ByteOrder.LITTLE_ENDIAN);
        pendingDestination = destination;
        return encoder;
    }

    void post(final MessageEncoderFlyweight encoder)
    {
        final int length = MessageLayout.HEADER_LENGTH + encoder.encodedLength();
        final boolean offered = inboxes[ActorAddress.cpu(pendingDestination)].offer(
            MessageLayout.msgTypeId(encoder.sbeSchemaId(), encoder.sbeTemplateId()), scratch, 0, length);
        if (!offered)
        {
            throw new IllegalStateException("test inbox full");
        }
    }

    /** Step every CPU until none has anything to do. */
    void settle()
    {
        for (int round = 0; round < 10_000; round++)
        {
            int work = 0;
            for (final CpuAgent cpu : cpus)
            {
                work += cpu.doWork();
            }
            time += 100;
            boolean empty = true;
            for (final CpuAgent cpu : cpus)
            {
                empty &= cpu.queuesEmpty();
            }
            // A drain that only skipped the ring's wrap padding reports no work: look at the queues.
            if (work == 0 && empty)
            {
                long next = Long.MAX_VALUE;
                for (final CpuAgent cpu : cpus)
                {
                    next = Math.min(next, cpu.nextTimerDeadline());
                }
                if (next == Long.MAX_VALUE)
                {
                    return;
                }
                time = Math.max(time, next);
            }
        }
        throw new IllegalStateException("machine did not settle");
    }

    Reply await(final int cpu, final long correlation)
    {
        settle();
        final Reply r = clients[cpu].replies.get(correlation);
        assertNotNull(r, "no reply to request " + correlation + ", deferred replies " +
            authorities[0].repliesDeferred() + ", errors " + authorities[0].errorsReceived() +
            ", back-pressured " + cpus[0].backPressured() + ", unknown " + cpus[0].unknownDestination() + ", malformed " + cpus[0].malformed() + "/" + cpus[cpus.length - 1].malformed() + ", handled " + cpus[0].handled() + " last " + clients[0].replies.keySet().stream().mapToLong(Long::longValue).max());
        return r;
    }

    long authorityOf(final int space)
    {
        return shards.authorityOfSpace(space);
    }

    Reply openSpace(final int space)
    {
        final long c = nextCorrelation++;
        post(request(0, authorityOf(space), c, new SpaceCreateEncoder()).space(space));
        return await(0, c);
    }

    /** SpaceOpen with {@code caps} initial capabilities: object i, badge 10 * i, the given type and rights. */
    Reply openWith(final int space, final int caps, final int type, final int rights, final int flags)
    {
        final long c = nextCorrelation++;
        final var open = request(0, authorityOf(space), c, new org.tessera.messages.cap.SpaceOpenEncoder()).space(space);
        final var group = open.capsCount(caps);
        for (int i = 0; i < caps; i++)
        {
            group.next().objectId(i).badge(10L * i).capType((short)type).rights(rights).flags((short)flags);
        }
        post(open);
        return await(0, c);
    }

    Reply create(final int space, final long object, final int type, final int rights, final int flags, final long badge)
    {
        final long c = nextCorrelation++;
        post(request(0, authorityOf(space), c, new CapCreateEncoder())
            .space(space).objectId(object).badge(badge).capType((short)type).rights(rights).flags((short)flags));
        return await(0, c);
    }

    long createOk(final int space, final long object, final int type, final int rights, final int flags)
    {
        final Reply r = create(space, object, type, rights, flags, object * 10);
        assertEquals(CapabilityError.OK, r.status, "create");
        return r.token;
    }

    Reply derive(final int space, final long token, final int rights, final int flags)
    {
        final long c = nextCorrelation++;
        post(request(0, authorityOf(space), c, new CapDeriveEncoder()).space(space).token(token).rights(rights)
            .flags((short)flags));
        return await(0, c);
    }

    Reply grant(final int from, final long token, final int to, final int rights, final int flags)
    {
        final long c = nextCorrelation++;
        post(request(0, authorityOf(from), c, new CapGrantEncoder()).fromSpace(from).token(token).toSpace(to)
            .rights(rights).flags((short)flags));
        return await(0, c);
    }

    /** Send a revoke without stepping the machine; returns its correlation id. */
    long sendRevoke(final int space, final long token)
    {
        final long c = nextCorrelation++;
        post(request(0, authorityOf(space), c, new CapRevokeEncoder()).space(space).token(token));
        return c;
    }

    Reply revoke(final int space, final long token)
    {
        return await(0, sendRevoke(space, token));
    }

    Reply delete(final int space, final long token)
    {
        final long c = nextCorrelation++;
        post(request(0, authorityOf(space), c, new CapDeleteEncoder()).space(space).token(token));
        return await(0, c);
    }

    Reply validate(final int space, final long token, final int type, final int rights)
    {
        final long c = nextCorrelation++;
        post(request(0, authorityOf(space), c, new CapValidateEncoder()).space(space).token(token)
            .capType((short)type).rights(rights).cacheEpoch(0));
        return await(0, c);
    }

    Reply fork(final int parent, final int child)
    {
        final long c = nextCorrelation++;
        post(request(0, authorityOf(parent), c, new SpaceForkEncoder()).parentSpace(parent).childSpace(child));
        return await(0, c);
    }

    Reply exec(final int space)
    {
        final long c = nextCorrelation++;
        post(request(0, authorityOf(space), c, new SpaceExecEncoder()).space(space));
        return await(0, c);
    }

    Reply destroy(final int space)
    {
        final long c = nextCorrelation++;
        post(request(0, authorityOf(space), c, new SpaceDestroyEncoder()).space(space));
        return await(0, c);
    }
}
