package org.tessera.kernel.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.tessera.lockfree.Inbox;
import org.tessera.messages.runtime.ErrorCode;
import org.tessera.messages.runtime.ErrorReplyDecoder;
import org.tessera.messages.runtime.PingReplyDecoder;
import org.tessera.messages.runtime.PingReplyEncoder;
import org.tessera.messages.runtime.PingRequestDecoder;
import org.tessera.messages.runtime.PingRequestEncoder;
import org.tessera.messages.runtime.StartDecoder;
import org.tessera.messages.runtime.TimerFiredDecoder;

/** Two CPU loops stepped by hand with a manual clock: no threads. */
class CpuAgentTest
{
    static final int SVC = ServiceIds.FIRST_USER_SERVICE;
    long time = 1_000;
    final Clock clock = () -> time;

    /** Records what it receives; on Start sends {@code pings} pings to {@code peer}; answers pings. */
    static final class TestActor implements Actor
    {
        final List<String> received = new ArrayList<>();
        final List<Long> correlations = new ArrayList<>();
        final PingRequestEncoder request = new PingRequestEncoder();
        final PingRequestDecoder requestDecoder = new PingRequestDecoder();
        final PingReplyEncoder reply = new PingReplyEncoder();
        final ErrorReplyDecoder error = new ErrorReplyDecoder();
        final TimerFiredDecoder timer = new TimerFiredDecoder();
        long peer;
        int pings;
        int sendResult;
        long timerAt = -1;

        public void onMessage(final Message m, final ActorContext ctx)
        {
            correlations.add(m.correlationId());
            switch (m.templateId())
            {
                case StartDecoder.TEMPLATE_ID ->
                {
                    received.add("start");
                    for (int i = 0; i < pings; i++)
                    {
                        sendResult = ctx.claim(peer, ctx.nextCorrelationId(), request, 0);
                        if (sendResult < 0)
                        {
                            break;
                        }
                        request.sequence(i).value(100 + i);
                        ctx.commit();
                    }
                    if (timerAt >= 0)
                    {
                        ctx.setTimer(timerAt, 77);
                    }
                }
                case PingRequestDecoder.TEMPLATE_ID ->
                {
                    requestDecoder.wrap(m.buffer(), m.bodyOffset(), m.blockLength(), m.version());
                    received.add("ping " + requestDecoder.value() + " from cpu " + ActorAddress.cpu(m.source()));
                    ctx.reply(m, reply, 0);
                    reply.sequence(requestDecoder.sequence()).value(requestDecoder.value() * 2).handledBy(ctx.cpu());
                    ctx.commit();
                }
                case PingReplyDecoder.TEMPLATE_ID -> received.add("reply");
                case ErrorReplyDecoder.TEMPLATE_ID ->
                {
                    error.wrap(m.buffer(), m.bodyOffset(), m.blockLength(), m.version());
                    received.add("error " + error.code());
                }
                case TimerFiredDecoder.TEMPLATE_ID ->
                {
                    timer.wrap(m.buffer(), m.bodyOffset(), m.blockLength(), m.version());
                    received.add("timer " + timer.payload() + " at " + ctx.nanoTime());
                }
                default -> received.add("other");
            }
        }
    }

    private CpuAgent[] machine(final int inboxBytes)
    {
        final Inbox[] inboxes = {new Inbox(inboxBytes), new Inbox(inboxBytes)};
        final InboxTransport transport = new InboxTransport(inboxes);
        return new CpuAgent[] {
            new CpuAgent(0, 2, inboxes[0], 4096, transport, clock, null, 1, 16),
            new CpuAgent(1, 2, inboxes[1], 4096, transport, clock, null, 2, 16)};
    }

    @Test
    void shouldDispatchSameCpuMessagesInPlaceWithoutTheInbox()
    {
        final CpuAgent[] cpus = machine(4096);
        final TestActor a = new TestActor();
        final TestActor b = new TestActor();
        a.peer = cpus[0].register(SVC, 1, b);
        a.pings = 3;
        final long addressA = cpus[0].register(SVC, 0, a);
        cpus[0].injectStart(addressA, 0);
        while (cpus[0].doWork() > 0)
        {
            time += 10;
        }
        assertEquals(List.of("ping 100 from cpu 0", "ping 101 from cpu 0", "ping 102 from cpu 0"), b.received);
        assertEquals(List.of("start", "reply", "reply", "reply"), a.received);
        assertEquals(0, cpus[0].inbox().claims(), "same-CPU messages never touch the inbox");
        assertEquals(7, cpus[0].sentLocal(), "the boot Start, three pings and three replies");
        assertEquals(a.correlations.subList(1, 4), b.correlations, "replies carry the request's correlation id");
    }

    /** User execution that pings an actor of its CPU, then asks for in-place handling. */
    static final class PingingUser implements UserExecution
    {
        final PingRequestEncoder request = new PingRequestEncoder();
        final List<String> log;
        long peer;
        int rounds;
        long sourceAfter;
        int handledNow;

        PingingUser(final List<String> log)
        {
            this.log = log;
        }

        public boolean runnable()
        {
            return rounds > 0;
        }

        public long run(final ActorContext ctx)
        {
            rounds--;
            ctx.claim(peer, 5, request, 0);
            request.sequence(rounds).value(7);
            ctx.commit();
            log.add("sent");
            handledNow = ctx.handleLocalNow(40);
            log.add("back");
            sourceAfter = ctx.self();
            return 100;
        }
    }

    @Test
    void shouldHandleSameCpuMessagesInPlaceWithinAUserSlice()
    {
        final List<String> log = new ArrayList<>();
        final List<Long> instructionsSeen = new ArrayList<>();
        final TraceSink sink = new TraceSink()
        {
            public void onHandled(final int cpu, final long sequence, final int msgTypeId,
                final org.agrona.DirectBuffer buffer, final int offset, final int length, final long time,
                final long instructions)
            {
                instructionsSeen.add(instructions);
            }

            public void onState(final int cpu, final long sequence, final long actor, final int state,
                final int reason, final long time)
            {
            }

            public void onRefused(final int cpu, final long sequence, final int ordinal, final long destination)
            {
            }
        };
        final Inbox inbox = new Inbox(4096);
        final CpuAgent cpu = new CpuAgent(0, 1, inbox, 4096, new InboxTransport(new Inbox[] {inbox}), clock, sink,
            1, 16);
        final TestActor pinged = new TestActor();
        final Actor b = (m, ctx) ->
        {
            log.add("handled");
            pinged.onMessage(m, ctx);
        };
        final PingingUser user = new PingingUser(log);
        user.peer = cpu.register(SVC, 1, b);
        final TestActor owner = new TestActor();
        final long ownerAddress = cpu.register(SVC, 0, owner);
        cpu.attachUserExecution(ownerAddress, user);
        user.rounds = 2;
        cpu.doWork();
        // the ping and the reply to the user's owner, both within the slice
        assertEquals(List.of("sent", "handled", "back"), log);
        assertEquals(2, user.handledNow);
        assertEquals(List.of("reply"), owner.received);
        assertEquals(ownerAddress, user.sourceAfter, "the slice goes on as the owner after handling in place");
        assertEquals(List.of(40L, 40L), instructionsSeen, "traced at the instruction count the slice reached");
        assertEquals(100, cpu.instructions());
        assertEquals(2, cpu.handledInPlace());
        cpu.doWork();
        assertEquals(List.of(40L, 40L, 140L, 140L), instructionsSeen);
        assertEquals(200, cpu.instructions());

        // replay sends same-CPU messages through the transport: nothing is handled in place
        final CpuAgent replaying = new CpuAgent(0, 1, new Inbox(4096), 4096,
            new InboxTransport(new Inbox[] {new Inbox(4096)}), clock, null, 1, 16);
        final PingingUser second = new PingingUser(new ArrayList<>());
        second.peer = replaying.register(SVC, 1, new TestActor());
        replaying.attachUserExecution(replaying.register(SVC, 0, new TestActor()), second);
        replaying.routeLocalThroughTransport();
        second.rounds = 1;
        replaying.doWork();
        assertEquals(0, second.handledNow);
        assertEquals(0, replaying.handledInPlace());
    }

    @Test
    void shouldDeliverCrossCpuMessagesThroughTheInbox()
    {
        final CpuAgent[] cpus = machine(4096);
        final TestActor a = new TestActor();
        final TestActor b = new TestActor();
        a.peer = cpus[1].register(SVC, 0, b);
        a.pings = 2;
        cpus[0].injectStart(cpus[0].register(SVC, 0, a), 0);
        cpus[0].doWork();
        assertTrue(b.received.isEmpty());
        assertEquals(2, cpus[0].sentRemote());
        cpus[1].doWork();
        assertEquals(List.of("ping 100 from cpu 0", "ping 101 from cpu 0"), b.received);
        cpus[0].doWork();
        assertEquals(List.of("start", "reply", "reply"), a.received);
    }

    @Test
    void shouldReportBackPressureToTheSenderAndLoseNothing()
    {
        final CpuAgent[] cpus = machine(1024);
        final TestActor a = new TestActor();
        final TestActor b = new TestActor();
        a.peer = cpus[1].register(SVC, 0, b);
        a.pings = 1000;
        cpus[0].injectStart(cpus[0].register(SVC, 0, a), 0);
        cpus[0].doWork();
        assertEquals(ActorContext.BACK_PRESSURED, a.sendResult);
        final long sent = cpus[0].sentRemote();
        assertTrue(sent > 0 && sent < 1000, "some sends fit, then the inbox pushed back: " + sent);
        assertEquals(1, cpus[0].backPressured());
        cpus[1].drainLimits(10_000, 10_000, 10);
        cpus[1].doWork();
        assertEquals(sent, b.received.size(), "every committed message is delivered");
        assertEquals(sent, cpus[1].inbox().messagesDrained());
    }

    @Test
    void shouldReportLocalQueueBackPressureToTheSenderAndLoseNothing()
    {
        final CpuAgent[] cpus = machine(4096);
        final TestActor a = new TestActor();
        final List<Long> pings = new ArrayList<>();
        final PingRequestDecoder decoder = new PingRequestDecoder();
        // a sink: it takes the pings without answering, so only the sender fills the queue
        a.peer = cpus[0].register(SVC, 1, (m, ctx) ->
        {
            decoder.wrap(m.buffer(), m.bodyOffset(), m.blockLength(), m.version());
            pings.add(decoder.value());
        });
        a.pings = 1000;
        cpus[0].injectStart(cpus[0].register(SVC, 0, a), 0);
        cpus[0].drainLimits(1, 1, 1);
        cpus[0].doWork();
        assertEquals(ActorContext.BACK_PRESSURED, a.sendResult, "the 4 KiB local queue pushes back");
        final long sent = cpus[0].sentLocal() - 1;
        assertTrue(sent > 0 && sent < 1000, "some pings fit, then the local queue pushed back: " + sent);
        assertEquals(1, cpus[0].backPressured());
        assertEquals(0, cpus[0].inbox().claims(), "same-CPU messages never touch the inbox");
        while (cpus[0].doWork() > 0)
        {
            time += 10;
        }
        assertEquals(sent, pings.size(), "every committed ping is delivered, one a cycle");
        for (int i = 0; i < pings.size(); i++)
        {
            assertEquals(100 + i, pings.get(i), "in the order sent");
        }
        assertTrue(cpus[0].queuesEmpty());
    }

    @Test
    void shouldAnswerAnUnknownDestinationWithAnError()
    {
        final CpuAgent[] cpus = machine(4096);
        final TestActor a = new TestActor();
        a.peer = ActorAddress.of(1, SVC, 5);
        a.pings = 1;
        cpus[0].injectStart(cpus[0].register(SVC, 0, a), 0);
        cpus[0].doWork();
        cpus[1].doWork();
        assertEquals(1, cpus[1].unknownDestination());
        cpus[0].doWork();
        assertEquals(List.of("start", "error " + ErrorCode.UNKNOWN_DESTINATION), a.received);
    }

    @Test
    void shouldRefuseAClaimForACpuThatDoesNotExist()
    {
        final CpuAgent[] cpus = machine(4096);
        final TestActor a = new TestActor();
        a.peer = ActorAddress.of(7, SVC, 0);
        a.pings = 1;
        cpus[0].injectStart(cpus[0].register(SVC, 0, a), 0);
        cpus[0].doWork();
        assertEquals(ActorContext.NO_SUCH_CPU, a.sendResult);
    }

    @Test
    void shouldRefuseAMessageLongerThanAnyQueueTakes()
    {
        final CpuAgent[] cpus = machine(4096);
        final int[] result = new int[1];
        final Actor big = (m, ctx) -> result[0] = ctx.claim(ActorAddress.of(1, SVC, 0), 0, new PingRequestEncoder(), 100_000);
        cpus[0].injectStart(cpus[0].register(SVC, 0, big), 0);
        cpus[0].doWork();
        assertEquals(ActorContext.TOO_LARGE, result[0]);
    }

    @Test
    void shouldCountMalformedRecordsAndKeepRunning()
    {
        final CpuAgent[] cpus = machine(4096);
        final TestActor b = new TestActor();
        final long addressB = cpus[1].register(SVC, 0, b);
        final UnsafeBuffer garbage = new UnsafeBuffer(ByteBuffer.allocateDirect(64));
        for (int i = 0; i < 64; i++)
        {
            garbage.putByte(i, (byte)(i * 37));
        }
        cpus[1].inbox().offer(12345, garbage, 0, 64);
        cpus[1].inbox().offer(7, garbage, 0, 5);
        final TestActor a = new TestActor();
        a.peer = addressB;
        a.pings = 1;
        cpus[0].injectStart(cpus[0].register(SVC, 0, a), 0);
        cpus[0].doWork();
        cpus[1].doWork();
        assertEquals(2, cpus[1].malformed());
        assertEquals(List.of("ping 100 from cpu 0"), b.received);
    }

    @Test
    void shouldFireTimersAtTheirDeadline()
    {
        final CpuAgent[] cpus = machine(4096);
        final TestActor a = new TestActor();
        a.timerAt = 5_000;
        cpus[0].injectStart(cpus[0].register(SVC, 0, a), 0);
        cpus[0].doWork();
        time = 4_999;
        cpus[0].doWork();
        assertEquals(List.of("start"), a.received);
        time = 5_000;
        cpus[0].doWork();
        assertEquals(List.of("start", "timer 77 at 5000"), a.received);
        assertEquals(1, cpus[0].timersFired());
    }

    @Test
    void shouldDigestTheHandledHistory()
    {
        final long[] digests = new long[3];
        for (int run = 0; run < 3; run++)
        {
            time = 1_000;
            final CpuAgent[] cpus = machine(4096);
            final TestActor a = new TestActor();
            final TestActor b = new TestActor();
            a.peer = cpus[1].register(SVC, 0, b);
            a.pings = run == 2 ? 3 : 2;
            cpus[0].injectStart(cpus[0].register(SVC, 0, a), 0);
            cpus[0].doWork();
            cpus[1].doWork();
            cpus[0].doWork();
            digests[run] = Digest.mix(cpus[0].cpuDigest(), cpus[1].cpuDigest());
        }
        assertEquals(digests[0], digests[1], "same history, same digest");
        assertNotEquals(digests[0], digests[2], "different history, different digest");
    }

    @Test
    void shouldPanicWhenAnActorLeavesAClaimOpen()
    {
        final CpuAgent[] cpus = machine(4096);
        final Actor leaky = (m, ctx) -> ctx.claim(ActorAddress.of(1, SVC, 0), 0, new PingRequestEncoder(), 0);
        cpus[0].injectStart(cpus[0].register(SVC, 0, leaky), 0);
        assertThrows(IllegalStateException.class, cpus[0]::doWork);
    }
}
