package org.tessera.bench;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.util.concurrent.TimeUnit;

import org.agrona.concurrent.MessageHandler;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.ringbuffer.OneToOneRingBuffer;
import org.agrona.concurrent.ringbuffer.RingBufferDescriptor;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.tessera.kernel.runtime.Actor;
import org.tessera.kernel.runtime.ActorAddress;
import org.tessera.kernel.runtime.ActorContext;
import org.tessera.kernel.runtime.CpuAgent;
import org.tessera.kernel.runtime.InboxTransport;
import org.tessera.kernel.runtime.Message;
import org.tessera.kernel.runtime.MessageLayout;
import org.tessera.kernel.runtime.ServiceIds;
import org.tessera.kernel.runtime.machine.HostRunner;
import org.tessera.lockfree.Inbox;
import org.tessera.messages.runtime.PingReplyDecoder;
import org.tessera.messages.runtime.PingReplyEncoder;
import org.tessera.messages.runtime.PingRequestDecoder;
import org.tessera.messages.runtime.PingRequestEncoder;

/**
 * Cross-CPU request/reply round trip between two actors on two pinned CPUs ({@code actor_rtt}),
 * measured in the same run as its limits: a raw two-thread ping-pong on two cache lines
 * ({@code spin_rtt}) and an Agrona {@link OneToOneRingBuffer} ping-pong carrying a record of the
 * same length as the actors' ping ({@code agrona_o2o_rtt}). One operation is one round trip.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class RuntimeBenchmark
{
    /** Bytes of a ping record: SBE header and the PingRequest block. */
    static final int PING_RECORD = MessageLayout.HEADER_LENGTH + PingRequestEncoder.BLOCK_LENGTH;

    /** On CPU 0: sends a ping, and the next one as soon as the reply is in. */
    static final class PingActor implements Actor
    {
        private final long peer;
        private final PingRequestEncoder request = new PingRequestEncoder();
        private final PingReplyDecoder reply = new PingReplyDecoder();
        long completed;

        PingActor(final long peer)
        {
            this.peer = peer;
        }

        public void onMessage(final Message m, final ActorContext ctx)
        {
            if (m.is(PingReplyDecoder.SCHEMA_ID, PingReplyDecoder.TEMPLATE_ID))
            {
                reply.wrap(m.buffer(), m.bodyOffset(), m.blockLength(), m.version());
                completed++;
            }
            if (ctx.claim(peer, ctx.nextCorrelationId(), request, 0) >= 0)
            {
                request.sequence(completed).value(completed);
                ctx.commit();
            }
            else
            {
                throw new IllegalStateException("back-pressured with one message in flight");
            }
        }
    }

    /** On CPU 1: answers every ping. */
    static final class EchoActor implements Actor
    {
        private final PingRequestDecoder request = new PingRequestDecoder();
        private final PingReplyEncoder reply = new PingReplyEncoder();

        public void onMessage(final Message m, final ActorContext ctx)
        {
            request.wrap(m.buffer(), m.bodyOffset(), m.blockLength(), m.version());
            if (ctx.reply(m, reply, 0) >= 0)
            {
                reply.sequence(request.sequence()).value(request.value() + 1).handledBy(ctx.cpu());
                ctx.commit();
            }
        }
    }

    /** Two CPU loops of the real runtime; CPU 1 spins on its own pinned thread. */
    @State(Scope.Benchmark)
    public static class ActorRig
    {
        CpuAgent cpu0;
        PingActor ping;
        EchoThread echo;

        @Setup(Level.Trial)
        public void setUp()
        {
            EchoThread.pinBenchmarkThread();
            final Inbox[] inboxes = {new Inbox(64 * 1024), new Inbox(64 * 1024)};
            final InboxTransport transport = new InboxTransport(inboxes);
            cpu0 = new CpuAgent(0, 2, inboxes[0], 64 * 1024, transport, HostRunner.HOST_CLOCK, null, 1, 16);
            final CpuAgent cpu1 = new CpuAgent(1, 2, inboxes[1], 64 * 1024, transport, HostRunner.HOST_CLOCK, null, 2, 16);
            final int service = ServiceIds.FIRST_USER_SERVICE;
            cpu1.register(service, 0, new EchoActor());
            ping = new PingActor(ActorAddress.of(1, service, 0));
            cpu0.register(service, 0, ping);
            echo = new EchoThread("echo-cpu-1", cpu1::doWork);
            echo.start();
            cpu0.injectStart(ActorAddress.of(0, service, 0), 0);
        }

        @TearDown(Level.Trial)
        public void tearDown() throws InterruptedException
        {
            echo.shutdown();
        }
    }

    /** Two padded cells, one written by each side. */
    @State(Scope.Benchmark)
    public static class SpinRig
    {
        static final VarHandle CELL = MethodHandles.arrayElementVarHandle(long[].class);
        static final int PING = 16;
        static final int PONG = 48;
        final long[] cells = new long[64];
        long sequence;
        EchoThread echo;

        @Setup(Level.Trial)
        public void setUp()
        {
            EchoThread.pinBenchmarkThread();
            final long[] seen = {0};
            echo = new EchoThread("echo-spin", () ->
            {
                final long v = (long)CELL.getAcquire(cells, PING);
                if (v != seen[0])
                {
                    seen[0] = v;
                    CELL.setRelease(cells, PONG, v);
                    return 1;
                }
                return 0;
            });
            echo.start();
        }

        @TearDown(Level.Trial)
        public void tearDown() throws InterruptedException
        {
            echo.shutdown();
        }
    }

    /** Two Agrona one-to-one rings, one each way. */
    @State(Scope.Benchmark)
    public static class AgronaRig
    {
        final OneToOneRingBuffer toEcho = ring();
        final OneToOneRingBuffer toBench = ring();
        final UnsafeBuffer payload = new UnsafeBuffer(ByteBuffer.allocateDirect(PING_RECORD));
        long received;
        final MessageHandler onReply = (type, buffer, index, length) -> received++;
        EchoThread echo;

        static OneToOneRingBuffer ring()
        {
            return new OneToOneRingBuffer(new UnsafeBuffer(
                ByteBuffer.allocateDirect(64 * 1024 + RingBufferDescriptor.TRAILER_LENGTH)));
        }

        @Setup(Level.Trial)
        public void setUp()
        {
            EchoThread.pinBenchmarkThread();
            final MessageHandler echoHandler = (type, buffer, index, length) ->
            {
                while (!toBench.write(type, buffer, index, length))
                {
                    Thread.onSpinWait();
                }
            };
            echo = new EchoThread("echo-agrona", () -> toEcho.read(echoHandler, 64));
            echo.start();
        }

        @TearDown(Level.Trial)
        public void tearDown() throws InterruptedException
        {
            echo.shutdown();
        }
    }

    @Benchmark
    public long actorRtt(final ActorRig rig)
    {
        return roundTrip(rig);
    }

    /** One actor round trip on the rig (the other groups print it beside their own figures). */
    static long roundTrip(final ActorRig rig)
    {
        final long target = rig.ping.completed + 1;
        while (rig.ping.completed < target)
        {
            rig.cpu0.doWork();
        }
        return target;
    }

    @Benchmark
    public long spinRtt(final SpinRig rig)
    {
        final long v = ++rig.sequence;
        SpinRig.CELL.setRelease(rig.cells, SpinRig.PING, v);
        while ((long)SpinRig.CELL.getAcquire(rig.cells, SpinRig.PONG) != v)
        {
            Thread.onSpinWait();
        }
        return v;
    }

    @Benchmark
    public long agronaO2oRtt(final AgronaRig rig)
    {
        final long target = rig.received + 1;
        rig.payload.putLong(MessageLayout.HEADER_LENGTH, target);
        while (!rig.toEcho.write(1, rig.payload, 0, PING_RECORD))
        {
            Thread.onSpinWait();
        }
        while (rig.received < target)
        {
            rig.toBench.read(rig.onReply, 64);
        }
        return target;
    }
}
