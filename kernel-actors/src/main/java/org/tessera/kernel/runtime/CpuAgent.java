package org.tessera.kernel.runtime;

import static java.nio.ByteOrder.LITTLE_ENDIAN;

import java.nio.ByteBuffer;

import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;
import org.agrona.UnsafeApi;
import org.agrona.concurrent.Agent;
import org.agrona.concurrent.MessageHandler;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.sbe.MessageEncoderFlyweight;
import org.tessera.lockfree.Inbox;
import org.tessera.messages.runtime.EnvelopeEncoder;
import org.tessera.messages.runtime.ErrorCode;
import org.tessera.messages.runtime.ErrorReplyEncoder;
import org.tessera.messages.runtime.MessageHeaderEncoder;
import org.tessera.messages.runtime.ShutdownDecoder;
import org.tessera.messages.runtime.StartEncoder;
import org.tessera.messages.runtime.TimerFiredEncoder;

/**
 * The per-CPU loop: owns the CPU's actors, its inbox (cross-CPU messages), its local queue
 * (same-CPU messages, a {@link LocalQueue} read by this loop later in the same or the next
 * cycle, without any cross-thread synchronisation) and its timers. {@link #doWork()} reads the clock once, fires due timers, then drains the local
 * queue and the inbox, each up to a limit, and returns how much it did.
 *
 * <p>The same loop runs on its own pinned thread in host mode and is stepped by the simulator
 * in simulation mode; only the {@link Clock}, {@link Transport} and {@link TraceSink} differ.
 * Every handled message passes through {@link #onMessage}, which checks it, folds it into the
 * destination actor's digest, traces it and dispatches it.
 */
public final class CpuAgent implements Agent, ActorContext, MessageHandler
{
    /** Inbox or local-queue bytes drained per cycle by default, as a message count. */
    public static final int DEFAULT_DRAIN_LIMIT = 64;
    private static final int NO_CLAIM = Integer.MIN_VALUE;
    private static final int LOCAL_TARGET = -1;
    private static final int SCRATCH_LENGTH = 256;

    private final int cpu;
    private final int cpuCount;
    private final String roleName;
    private final Inbox inbox;
    private final LocalQueue local;
    private final Transport transport;
    private final Clock clock;
    private final TraceSink trace;
    private final TimerQueue timers;
    private final DeterministicRandom random;
    private final Actor[] actors;
    private final long[] actorDigest;
    private final long[] actorHandled;
    private final Message message = new Message();
    private final MessageHeaderEncoder headerEncoder = new MessageHeaderEncoder();
    private final EnvelopeEncoder envelopeEncoder = new EnvelopeEncoder();
    private final ErrorReplyEncoder errorEncoder = new ErrorReplyEncoder();
    private final TimerFiredEncoder timerEncoder = new TimerFiredEncoder();
    private final StartEncoder startEncoder = new StartEncoder();
    private final ShutdownDecoder shutdownDecoder = new ShutdownDecoder();
    private final UnsafeBuffer scratch;
    private final long runtimeAddress;
    private final int maxMessageLength;

    private UserExecution user;
    private long userAddress = ActorAddress.NONE;
    private long lastSliceInstructions;
    // user execution: CPU instruction count when the slice began, messages handled in place
    private long sliceStart;
    private int handledInSlice;
    // the local queue is being read (its read is not reentrant)
    private boolean readingLocal;
    private int claimOrdinal;
    private boolean localViaTransport;
    private int inboxLimit = DEFAULT_DRAIN_LIMIT;
    private int localLimit = DEFAULT_DRAIN_LIMIT;
    private int timerLimit = DEFAULT_DRAIN_LIMIT;

    private MutableDirectBuffer claimBuffer;
    private int claimIndex = NO_CLAIM;
    private int claimTarget;
    private long currentActor = ActorAddress.NONE;
    private long now;
    private long correlationCounter;
    private long sequence;
    private long instructions;
    private volatile boolean stopped;

    private long handled;
    private long sentLocal;
    private long sentRemote;
    private long backPressured;
    private long unknownDestination;
    private long malformed;
    private long timersFired;
    private long cycles;
    private long handledInPlace;
    private long longestSlice;

    /**
     * @param cpu            this CPU's index.
     * @param cpuCount       CPUs in the machine.
     * @param inbox          this CPU's inbox (other CPUs write into it through their transport).
     * @param localCapacity  bytes of the local queue (a power of two).
     * @param transport      how this CPU reaches other CPUs' inboxes.
     * @param clock          the time source.
     * @param trace          where handled messages are recorded, or null.
     * @param seed           seed of this CPU's random source.
     * @param timerCapacity  timers that may be pending at once.
     */
    public CpuAgent(
        final int cpu,
        final int cpuCount,
        final Inbox inbox,
        final int localCapacity,
        final Transport transport,
        final Clock clock,
        final TraceSink trace,
        final long seed,
        final int timerCapacity)
    {
        this.cpu = cpu;
        this.cpuCount = cpuCount;
        this.roleName = "tessera-cpu";
        this.inbox = inbox;
        this.local = new LocalQueue(localCapacity);
        this.transport = transport;
        this.clock = clock;
        this.trace = trace;
        this.timers = new TimerQueue(timerCapacity);
        this.random = new DeterministicRandom(seed);
        this.actors = new Actor[ServiceIds.MAX_SERVICES * ServiceIds.MAX_INSTANCES];
        this.actorDigest = new long[actors.length];
        this.actorHandled = new long[actors.length];
        this.scratch = new UnsafeBuffer(ByteBuffer.allocateDirect(SCRATCH_LENGTH));
        this.runtimeAddress = ActorAddress.of(cpu, ServiceIds.RUNTIME, 0);
        this.maxMessageLength = Math.min(inbox.maxMessageLength(), local.maxMsgLength());
        this.now = clock.nanoTime();
        for (int i = 0; i < actorDigest.length; i++)
        {
            actorDigest[i] = Digest.SEED;
        }
    }

    /**
     * Register an actor on this CPU (boot only).
     *
     * @return its address.
     */
    public long register(final int service, final int instance, final Actor actor)
    {
        if (service <= ServiceIds.RUNTIME || service >= ServiceIds.MAX_SERVICES ||
            instance < 0 || instance >= ServiceIds.MAX_INSTANCES)
        {
            throw new IllegalArgumentException("service or instance out of range");
        }
        final int slot = slot(service, instance);
        if (actors[slot] != null)
        {
            throw new IllegalStateException("an actor is already registered at this address");
        }
        actors[slot] = actor;
        return ActorAddress.of(cpu, service, instance);
    }

    /** Limits of one cycle: messages from the inbox, the local queue and timers. */
    public void drainLimits(final int inboxMessages, final int localMessages, final int timerCount)
    {
        this.inboxLimit = inboxMessages;
        this.localLimit = localMessages;
        this.timerLimit = timerCount;
    }

    /**
     * Queue a {@code Start} message for an actor on this CPU (boot, before the loop runs).
     *
     * @return true if queued.
     */
    public boolean injectStart(final long destination, final long argument)
    {
        currentActor = runtimeAddress;
        final int offset = claim(destination, 0, startEncoder, 0);
        currentActor = ActorAddress.NONE;
        if (offset < 0)
        {
            return false;
        }
        startEncoder.cpuCount(cpuCount).argument(argument);
        commit();
        return true;
    }

    public int doWork()
    {
        cycles++;
        now = clock.nanoTime();
        int work = 0;
        while (work < timerLimit && timers.pollExpired(now))
        {
            fireTimer();
            work++;
        }
        work += readLocal();
        work += inbox.drain(this, inboxLimit);
        lastSliceInstructions = 0;
        if (user != null && user.runnable())
        {
            sliceStart = instructions;
            handledInSlice = 0;
            currentActor = userAddress;
            final long retired = user.run(this);
            currentActor = ActorAddress.NONE;
            if (claimIndex != NO_CLAIM)
            {
                throw new IllegalStateException("user execution returned with an uncommitted claim");
            }
            instructions = sliceStart + retired;
            lastSliceInstructions = retired;
            longestSlice = Math.max(longestSlice, retired);
            work += 1 + handledInSlice;
        }
        return work;
    }

    private int readLocal()
    {
        readingLocal = true;
        final int n = local.read(this, localLimit);
        readingLocal = false;
        return n;
    }

    /**
     * Handle this CPU's queued same-CPU messages now, in place, in queue order, as the start of
     * the next loop cycle would (up to the same limit), without ending the user slice: the
     * user-execution hook calls it after a trap it sent to an actor of this CPU, so that the
     * reply can resume the thread within the same slice. The messages are checked, digested
     * and traced like any other (the trace records them at the instruction count the slice
     * has reached); the clock, timers and inbox wait for the next cycle.
     *
     * <p>Only the user-execution hook may call it, between engine runs, with no claim open.
     * It handles nothing (and returns 0) while the local queue is being read or in replay,
     * where same-CPU messages go through the transport.
     *
     * @param retiredInSlice user instructions retired so far in the current slice.
     * @return messages handled.
     */
    public int handleLocalNow(final long retiredInSlice)
    {
        if (readingLocal || localViaTransport || currentActor != userAddress || claimIndex != NO_CLAIM)
        {
            return 0;
        }
        final int ordinal = claimOrdinal;
        instructions = sliceStart + retiredInSlice;
        final int handledNow = readLocal();
        currentActor = userAddress;
        claimOrdinal = ordinal;
        handledInSlice += handledNow;
        handledInPlace += handledNow;
        return handledNow;
    }

    /**
     * Attach the scheduler's user-execution hook (boot only); its sends come from {@code owner}.
     */
    public void attachUserExecution(final long owner, final UserExecution execution)
    {
        if (ActorAddress.cpu(owner) != cpu)
        {
            throw new IllegalArgumentException("the owner of a CPU's user execution must live on that CPU");
        }
        this.userAddress = owner;
        this.user = execution;
    }

    /**
     * Replay only: send every message, same-CPU ones included, through the transport, so that
     * a replay sees (and checks) everything the CPU sends instead of handling it again.
     */
    public void routeLocalThroughTransport()
    {
        this.localViaTransport = true;
    }

    /** @return the handling sequence number of the message being (or last) handled. */
    public long sequence()
    {
        return sequence;
    }

    /** @return claims made since the current message began handling. */
    public int claimOrdinal()
    {
        return claimOrdinal;
    }

    /**
     * Replay only: handle one recorded record as the CPU did, with the clock at the recorded
     * time. A recorded {@code TimerFired} also removes its timer from the queue, as firing did.
     *
     * @return false when the record is a timer that was not pending (the replay diverged).
     */
    public boolean replay(final DirectBuffer buffer, final int offset, final int length, final long time)
    {
        now = time;
        if (length < MessageLayout.MIN_RECORD_LENGTH)
        {
            malformed++;
            return true;
        }
        final int templateId = buffer.getShort(offset + MessageLayout.TEMPLATE_ID_OFFSET, LITTLE_ENDIAN) & 0xFFFF;
        final int schemaId = buffer.getShort(offset + MessageLayout.SCHEMA_ID_OFFSET, LITTLE_ENDIAN) & 0xFFFF;
        if (schemaId == TimerFiredEncoder.SCHEMA_ID && templateId == TimerFiredEncoder.TEMPLATE_ID)
        {
            final long timerId = buffer.getLong(offset + MessageLayout.HEADER_LENGTH + TimerFiredEncoder.timerIdEncodingOffset(),
                LITTLE_ENDIAN);
            if (!timers.cancel(timerId))
            {
                return false;
            }
            timersFired++;
        }
        dispatch(MessageLayout.msgTypeId(schemaId, templateId), buffer, offset, length);
        return true;
    }

    /** @return user instructions retired in the last cycle's slice (0 if none ran). */
    public long lastSliceInstructions()
    {
        return lastSliceInstructions;
    }

    /** @return user instructions retired on this CPU so far. */
    public long instructions()
    {
        return instructions;
    }

    public String roleName()
    {
        return roleName;
    }

    /** @return true once this CPU's runtime handled a {@code Shutdown}. */
    public boolean isStopped()
    {
        return stopped;
    }

    /** @return true when a call to {@link #doWork()} now would find something to do. */
    public boolean hasWork(final long time)
    {
        return local.size() > 0 || !inbox.isEmpty() || timers.nextDeadline() - time <= 0 ||
            (user != null && user.runnable());
    }

    /** @return the earliest pending timer deadline, or {@link Long#MAX_VALUE}. */
    public long nextTimerDeadline()
    {
        return timers.nextDeadline();
    }

    /** @return true when neither the local queue nor the inbox holds a message. */
    public boolean queuesEmpty()
    {
        return local.size() == 0 && inbox.isEmpty();
    }

    public void onMessage(final int msgTypeId, final MutableDirectBuffer buffer, final int index, final int length)
    {
        dispatch(msgTypeId, buffer, index, length);
    }

    private void dispatch(final int msgTypeId, final DirectBuffer buffer, final int index, final int length)
    {
        if (length < MessageLayout.MIN_RECORD_LENGTH)
        {
            malformed++;
            return;
        }
        // the SBE header in one load (blockLength | templateId | schemaId | version, 16 bits
        // each, little-endian): its middle 32 bits are the record type id
        final long header = buffer.getLong(index, LITTLE_ENDIAN);
        final int blockLength = (int)header & 0xFFFF;
        final long destination = buffer.getLong(index + MessageLayout.DESTINATION_OFFSET, LITTLE_ENDIAN);
        if ((int)(header >>> 16) != msgTypeId ||
            blockLength < MessageLayout.ENVELOPE_LENGTH ||
            blockLength > length - MessageLayout.HEADER_LENGTH ||
            ActorAddress.cpu(destination) != cpu)
        {
            malformed++;
            return;
        }

        final Message m = message;
        m.buffer = buffer;
        m.recordOffset = index;
        m.length = length;
        m.schemaId = (int)(header >>> 32) & 0xFFFF;
        m.templateId = (int)(header >>> 16) & 0xFFFF;
        m.blockLength = blockLength;
        m.version = (int)(header >>> 48);
        m.correlationId = buffer.getLong(index + MessageLayout.CORRELATION_ID_OFFSET, LITTLE_ENDIAN);
        m.source = buffer.getLong(index + MessageLayout.SOURCE_OFFSET, LITTLE_ENDIAN);
        m.destination = destination;
        m.timestamp = buffer.getLong(index + MessageLayout.TIMESTAMP_OFFSET, LITTLE_ENDIAN);

        final int service = ActorAddress.service(destination);
        final int instance = ActorAddress.instance(destination);
        if (service == ServiceIds.RUNTIME && instance == 0)
        {
            m.sequence = ++sequence;
            claimOrdinal = 0;
            handled++;
            record(msgTypeId, buffer, index, length);
            onRuntimeMessage(m);
            return;
        }
        final Actor actor = service < ServiceIds.MAX_SERVICES && instance >= 0 &&
            instance < ServiceIds.MAX_INSTANCES ? actors[slot(service, instance)] : null;
        if (actor == null)
        {
            unknownDestination++;
            if (!m.is(ErrorReplyEncoder.SCHEMA_ID, ErrorReplyEncoder.TEMPLATE_ID))
            {
                currentActor = runtimeAddress;
                replyError(m, ErrorCode.UNKNOWN_DESTINATION);
                currentActor = ActorAddress.NONE;
            }
            return;
        }

        final int slot = slot(service, instance);
        m.sequence = ++sequence;
        claimOrdinal = 0;
        handled++;
        actorHandled[slot]++;
        actorDigest[slot] = Digest.mix(Digest.mix(actorDigest[slot], buffer, index, length), now);
        record(msgTypeId, buffer, index, length);
        currentActor = destination;
        actor.onMessage(m, this);
        currentActor = ActorAddress.NONE;
        if (claimIndex != NO_CLAIM)
        {
            throw new IllegalStateException("actor returned with an uncommitted claim");
        }
    }

    private void record(final int msgTypeId, final DirectBuffer buffer, final int index, final int length)
    {
        if (trace != null)
        {
            trace.onHandled(cpu, sequence, msgTypeId, buffer, index, length, now, instructions);
        }
    }

    private void onRuntimeMessage(final Message m)
    {
        if (m.is(ShutdownDecoder.SCHEMA_ID, ShutdownDecoder.TEMPLATE_ID))
        {
            shutdownDecoder.wrap(m.buffer(), m.bodyOffset(), m.blockLength(), m.version());
            stopped = true;
        }
    }

    private void fireTimer()
    {
        final long owner = timers.firedOwner();
        final int length = MessageLayout.HEADER_LENGTH + TimerFiredEncoder.BLOCK_LENGTH;
        headerEncoder.wrap(scratch, 0)
            .blockLength(TimerFiredEncoder.BLOCK_LENGTH)
            .templateId(TimerFiredEncoder.TEMPLATE_ID)
            .schemaId(TimerFiredEncoder.SCHEMA_ID)
            .version(TimerFiredEncoder.SCHEMA_VERSION);
        timerEncoder.wrap(scratch, MessageLayout.HEADER_LENGTH);
        envelopeEncoder.wrap(scratch, MessageLayout.HEADER_LENGTH)
            .correlationId(0)
            .timestamp(now);
        scratch.putLong(MessageLayout.SOURCE_OFFSET, runtimeAddress, LITTLE_ENDIAN);
        scratch.putLong(MessageLayout.DESTINATION_OFFSET, owner, LITTLE_ENDIAN);
        timerEncoder.timerId(timers.firedId()).deadline(timers.firedDeadline()).payload(timers.firedPayload());
        timersFired++;
        dispatch(MessageLayout.msgTypeId(TimerFiredEncoder.SCHEMA_ID, TimerFiredEncoder.TEMPLATE_ID),
            scratch, 0, length);
    }

    private static int slot(final int service, final int instance)
    {
        return service * ServiceIds.MAX_INSTANCES + instance;
    }

    // ---- ActorContext ----

    public int cpu()
    {
        return cpu;
    }

    public int cpuCount()
    {
        return cpuCount;
    }

    public long self()
    {
        return currentActor;
    }

    public long nanoTime()
    {
        return now;
    }

    public long nextRandom()
    {
        return random.nextLong();
    }

    public long nextCorrelationId()
    {
        return ((long)(cpu + 1) << 40) | ++correlationCounter;
    }

    public int claim(
        final long destination, final long correlationId, final MessageEncoderFlyweight encoder, final int varLength)
    {
        // Kept small so that the JIT inlines it into each sender, where the encoder's class is
        // known: its identity and its wrap are then direct calls, not megamorphic interface
        // calls (there is one encoder class per message type). The ring work stays out of line.
        final int bodyOffset = claimRecord(destination, correlationId, encoder.sbeSchemaId(),
            encoder.sbeTemplateId(), encoder.sbeBlockLength(), encoder.sbeSchemaVersion(), varLength);
        if (bodyOffset >= 0)
        {
            encoder.wrap(claimBuffer, bodyOffset);
        }
        return bodyOffset;
    }

    private int claimRecord(
        final long destination,
        final long correlationId,
        final int schemaId,
        final int templateId,
        final int blockLength,
        final int version,
        final int varLength)
    {
        if (claimIndex != NO_CLAIM)
        {
            throw new IllegalStateException("a claim is already open: commit or abort it first");
        }
        final int dstCpu = ActorAddress.cpu(destination);
        if (dstCpu >= cpuCount)
        {
            return NO_SUCH_CPU;
        }
        final int length = MessageLayout.HEADER_LENGTH + blockLength + varLength;
        if (varLength < 0 || length > maxMessageLength)
        {
            return TOO_LARGE;
        }
        final int msgTypeId = MessageLayout.msgTypeId(schemaId, templateId);
        final int index;
        final MutableDirectBuffer buffer;
        final int ordinal = claimOrdinal++;
        if (dstCpu == cpu && !localViaTransport)
        {
            index = local.tryClaim(msgTypeId, length);
            buffer = local.buffer();
            claimTarget = LOCAL_TARGET;
        }
        else
        {
            index = transport.tryClaim(dstCpu, msgTypeId, length);
            buffer = index < 0 ? null : transport.buffer(dstCpu);
            claimTarget = dstCpu;
        }
        if (index < 0)
        {
            backPressured++;
            if (trace != null)
            {
                trace.onRefused(cpu, sequence, ordinal, destination);
            }
            return BACK_PRESSURED;
        }
        // the SBE header and the envelope as whole words, the bytes their generated encoders
        // write (MessageLayout): actorAddress composites have the packed long's exact layout
        // (one bounds check for the five words, then plain little-endian stores)
        buffer.boundsCheck(index, MessageLayout.MIN_RECORD_LENGTH);
        final byte[] array = buffer.byteArray();
        final long at = buffer.addressOffset() + index;
        UnsafeApi.putLongUnaligned(array, at, MessageLayout.header(blockLength, templateId, schemaId, version), false);
        UnsafeApi.putLongUnaligned(array, at + MessageLayout.CORRELATION_ID_OFFSET, correlationId, false);
        UnsafeApi.putLongUnaligned(array, at + MessageLayout.SOURCE_OFFSET, currentActor, false);
        UnsafeApi.putLongUnaligned(array, at + MessageLayout.DESTINATION_OFFSET, destination, false);
        UnsafeApi.putLongUnaligned(array, at + MessageLayout.TIMESTAMP_OFFSET, now, false);
        final int bodyOffset = index + MessageLayout.HEADER_LENGTH;
        claimBuffer = buffer;
        claimIndex = index;
        return bodyOffset;
    }

    public MutableDirectBuffer claimedBuffer()
    {
        return claimBuffer;
    }

    public void commit()
    {
        final int index = claimIndex;
        if (index == NO_CLAIM)
        {
            throw new IllegalStateException("no claim to commit");
        }
        claimIndex = NO_CLAIM;
        claimBuffer = null;
        if (claimTarget == LOCAL_TARGET)
        {
            local.commit(index);
            sentLocal++;
        }
        else
        {
            transport.commit(claimTarget, index);
            sentRemote++;
        }
    }

    public void abort()
    {
        final int index = claimIndex;
        if (index == NO_CLAIM)
        {
            throw new IllegalStateException("no claim to abort");
        }
        claimIndex = NO_CLAIM;
        claimBuffer = null;
        if (claimTarget == LOCAL_TARGET)
        {
            local.abort(index);
        }
        else
        {
            transport.abort(claimTarget, index);
        }
    }

    public int reply(final Message request, final MessageEncoderFlyweight encoder, final int varLength)
    {
        return claim(request.source(), request.correlationId(), encoder, varLength);
    }

    public int replyError(final Message request, final ErrorCode code)
    {
        final int result = claim(request.source(), request.correlationId(), errorEncoder, 0);
        if (result < 0)
        {
            return result;
        }
        errorEncoder.code(code).schemaId(request.schemaId()).templateId(request.templateId()).detail(0);
        commit();
        return 0;
    }

    public long setTimer(final long deadline, final long payload)
    {
        return timers.schedule(deadline, currentActor, payload);
    }

    public boolean cancelTimer(final long timerId)
    {
        return timers.cancel(timerId);
    }

    public void traceState(final int state, final int reason)
    {
        if (trace != null)
        {
            trace.onState(cpu, sequence, currentActor, state, reason, now);
        }
    }

    // ---- host-side observation (read after the loop has stopped, or for statistics) ----

    /** @return digest of every message handled by the actor in {@code slot} order, 0 if none. */
    public long actorDigest(final int service, final int instance)
    {
        return actorDigest[slot(service, instance)];
    }

    /** @return the digest of this CPU: every registered actor's digest, in address order. */
    public long cpuDigest()
    {
        long d = Digest.mix(Digest.SEED, cpu);
        for (int slot = 0; slot < actors.length; slot++)
        {
            if (actors[slot] != null)
            {
                d = Digest.mix(Digest.mix(d, slot), actorDigest[slot]);
            }
        }
        return Digest.mix(d, handled);
    }

    /** @return the actor registered at an address of this CPU, or null. */
    public Actor actor(final int service, final int instance)
    {
        return actors[slot(service, instance)];
    }

    public long handled()
    {
        return handled;
    }

    public long handledBy(final int service, final int instance)
    {
        return actorHandled[slot(service, instance)];
    }

    public long sentLocal()
    {
        return sentLocal;
    }

    public long sentRemote()
    {
        return sentRemote;
    }

    public long backPressured()
    {
        return backPressured;
    }

    public long unknownDestination()
    {
        return unknownDestination;
    }

    public long malformed()
    {
        return malformed;
    }

    public long timersFired()
    {
        return timersFired;
    }

    public long cycles()
    {
        return cycles;
    }

    /** @return the most user instructions one slice has retired. */
    public long longestSlice()
    {
        return longestSlice;
    }

    /** @return messages handled in place within a user slice ({@link #handleLocalNow}). */
    public long handledInPlace()
    {
        return handledInPlace;
    }

    public Inbox inbox()
    {
        return inbox;
    }
}
