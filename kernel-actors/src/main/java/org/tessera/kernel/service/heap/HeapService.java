package org.tessera.kernel.service.heap;

import org.tessera.arch.spi.PhysicalMemory;
import org.tessera.kernel.runtime.Actor;
import org.tessera.kernel.runtime.ActorContext;
import org.tessera.kernel.runtime.Message;
import org.tessera.kernel.service.frame.FrameAllocatorService;
import org.tessera.kernel.service.frame.FrameStatus;
import org.tessera.kernel.service.frame.PhysicalLayout;
import org.tessera.kernel.service.memory.CorrelationTable;
import org.tessera.kernel.service.memory.DeferredOutbox;
import org.tessera.messages.memory.FrameAllocReplyDecoder;
import org.tessera.messages.memory.FrameAllocRequestEncoder;
import org.tessera.messages.memory.FrameFreeReplyDecoder;
import org.tessera.messages.memory.FrameFreeRequestEncoder;
import org.tessera.messages.memory.HeapAllocReplyEncoder;
import org.tessera.messages.memory.HeapAllocRequestDecoder;
import org.tessera.messages.memory.HeapFreeReplyEncoder;
import org.tessera.messages.memory.HeapFreeRequestDecoder;
import org.tessera.messages.memory.HeapStatsReplyEncoder;
import org.tessera.messages.memory.HeapStatsRequestDecoder;
import org.tessera.messages.memory.HeapStatusCode;
import org.tessera.messages.memory.ZoneClass;
import org.tessera.messages.runtime.ErrorCode;
import org.tessera.messages.runtime.ErrorReplyDecoder;
import org.tessera.messages.runtime.StartDecoder;
import org.tessera.messages.runtime.TimerFiredDecoder;

/**
 * The kernel heap service of one CPU: a {@link SlabAllocator} (with this CPU's magazines)
 * whose frames come from a {@link FrameReserve} kept stocked by messages to the node's
 * {@link FrameAllocatorService}. It answers:
 * <pre>
 *   HeapAllocRequest  -> HeapAllocReply
 *   HeapFreeRequest   -> HeapFreeReply    (must reach the heap that allocated the object)
 *   HeapStatsRequest  -> HeapStatsReply
 * </pre>
 * and itself sends {@code FrameAllocRequest} / {@code FrameFreeRequest} to the frame service,
 * always under its own owner id ({@link #ownerIdFor(int)}), so that the frame allocator's
 * accounting shows exactly which frames each CPU's heap holds.
 *
 * <p><b>Where frames come from.</b> The frame allocator core belongs to the frame service
 * actor, so the heap never calls it: it asks by message and holds a small reserve of runs of
 * 1, 2, 4 and 8 frames (the slab sizes), refilled below a low mark. An object allocation is
 * therefore served in place from the magazine, the depot or the reserve. When the reserve
 * lacks the run a new slab needs, the request is <em>parked</em> (a preallocated ring) and a
 * refill is asked for; the reply resumes it. When the frame service answers NO_MEMORY the
 * parked requests of that slab size are answered NO_MEMORY. Large objects (more than 2048
 * bytes) are whole frames asked for one request at a time: the request waits in a session
 * (found by the outgoing correlation id) until the frame service answers, and is recorded in
 * a table from address to frame count, so that their free is relayed as a frame free.
 *
 * <p>Session states: {@code IDLE} -&gt; {@code AWAIT_FRAMES} (a refill or a large allocation
 * in flight) -&gt; {@code IDLE}; {@code IDLE} -&gt; {@code AWAIT_FREE} (a run given back, or a
 * large free relayed) -&gt; {@code IDLE}. Every change goes through {@link #state}.
 */
public final class HeapService implements Actor
{
    /** Owner ids {@code OWNER_BASE + cpu} are reserved for the per-CPU heaps. */
    public static final int OWNER_BASE = 0x4845_0000;
    /** Payload of the outbox retry timer. */
    public static final long OUTBOX_TIMER = 1;
    /** Largest object size accepted (a large allocation of 1 GiB). */
    public static final long MAX_SIZE = 1L << 30;
    /** Session state: slot free. */
    public static final int IDLE = 0;
    /** Session state: frames asked for (refill or large allocation). */
    public static final int AWAIT_FRAMES = 1;
    /** Session state: frames given back (reserve return or large free). */
    public static final int AWAIT_FREE = 2;

    private static final int NONE = -1;
    private static final int FRAME_SHIFT = 12;
    private static final int KIND_REFILL = 0;
    private static final int KIND_LARGE_ALLOC = 1;
    private static final int KIND_RETURN = 2;
    private static final int KIND_LARGE_FREE = 3;

    private final int cpu;
    private final long frameService;
    private final int ownerId;
    private final SlabAllocator slab;
    private final FrameReserve reserve;

    private final HeapAllocRequestDecoder allocRequest = new HeapAllocRequestDecoder();
    private final HeapFreeRequestDecoder freeRequest = new HeapFreeRequestDecoder();
    private final HeapStatsRequestDecoder statsRequest = new HeapStatsRequestDecoder();
    private final FrameAllocReplyDecoder frameAllocReply = new FrameAllocReplyDecoder();
    private final FrameFreeReplyDecoder frameFreeReply = new FrameFreeReplyDecoder();
    private final TimerFiredDecoder timerFired = new TimerFiredDecoder();
    private final StartDecoder start = new StartDecoder();
    private final ErrorReplyDecoder errorReply = new ErrorReplyDecoder();
    private final HeapAllocReplyEncoder allocReply = new HeapAllocReplyEncoder();
    private final HeapFreeReplyEncoder freeReply = new HeapFreeReplyEncoder();
    private final HeapStatsReplyEncoder statsReply = new HeapStatsReplyEncoder();
    private final FrameAllocRequestEncoder frameAlloc = new FrameAllocRequestEncoder();
    private final FrameFreeRequestEncoder frameFree = new FrameFreeRequestEncoder();
    private final DeferredOutbox outbox;

    private final CorrelationTable sessionsByCorrelation;
    private final int[] sessionState;
    private final int[] sessionKind;
    private final long[] requester;
    private final long[] requesterCorrelation;
    private final int[] sessionCount;
    private final long[] sessionAddress;
    private final int[] freeSessions;
    private int freeSessionCount;

    private final CorrelationTable large;
    private final int maxLarge;
    private int largeInFlight;
    private long largeFrames;
    private long largeAllocations;
    private long largeFrees;

    private final long[] parkSource;
    private final long[] parkCorrelation;
    private final int[] parkSize;
    private final int[] parkOrder;
    private int parkHead;
    private int parkCount;

    private long allocations;
    private long frees;
    private long failures;
    private long doubleFrees;
    private long invalidFrees;
    private long parked;
    private long strayReplies;
    private long returnErrors;

    /**
     * @param cpu          this CPU.
     * @param memory       physical memory holding the objects.
     * @param frameService address of the node's frame allocator service.
     * @param ownerId      owner id of this heap's frames (see {@link #ownerIdFor(int)}).
     * @param maxSlabs     slabs this heap may hold.
     * @param maxLarge     large allocations live (or in flight) at once.
     * @param sessions     messages to the frame service in flight at once.
     * @param parkCapacity small requests that may wait for frames at once.
     * @param reserve      the frame reserve (its sizing: runs kept per slab size).
     * @param debug        red zones, poisoning and their checks.
     */
    public HeapService(
        final int cpu,
        final PhysicalMemory memory,
        final long frameService,
        final int ownerId,
        final int maxSlabs,
        final int maxLarge,
        final int sessions,
        final int parkCapacity,
        final FrameReserve reserve,
        final boolean debug)
    {
        if (ownerId <= 0 || maxLarge <= 0 || sessions <= 0 || parkCapacity <= 0)
        {
            throw new IllegalArgumentException("owner id, large table, sessions and park ring must be positive");
        }
        this.cpu = cpu;
        this.frameService = frameService;
        this.ownerId = ownerId;
        this.reserve = reserve;
        this.slab = new SlabAllocator(memory, reserve, 1, maxSlabs, debug);
        this.outbox = new DeferredOutbox(sessions + parkCapacity + maxLarge + 64, OUTBOX_TIMER);
        outbox.register(allocReply);
        outbox.register(freeReply);
        outbox.register(statsReply);
        outbox.register(frameAlloc);
        outbox.register(frameFree);
        this.sessionsByCorrelation = new CorrelationTable(sessions);
        this.sessionState = new int[sessions];
        this.sessionKind = new int[sessions];
        this.requester = new long[sessions];
        this.requesterCorrelation = new long[sessions];
        this.sessionCount = new int[sessions];
        this.sessionAddress = new long[sessions];
        this.freeSessions = new int[sessions];
        for (int i = 0; i < sessions; i++)
        {
            freeSessions[i] = sessions - 1 - i;
        }
        this.freeSessionCount = sessions;
        this.large = new CorrelationTable(maxLarge);
        this.maxLarge = maxLarge;
        this.parkSource = new long[parkCapacity];
        this.parkCorrelation = new long[parkCapacity];
        this.parkSize = new int[parkCapacity];
        this.parkOrder = new int[parkCapacity];
    }

    /**
     * @param cpu a CPU.
     * @return the owner id under which that CPU's heap holds frames.
     */
    public static int ownerIdFor(final int cpu)
    {
        return OWNER_BASE + cpu;
    }

    @Override
    public void onMessage(final Message m, final ActorContext ctx)
    {
        if (outbox.waiting() > 0)
        {
            outbox.flush(ctx);
        }
        if (m.schemaId() == HeapAllocRequestDecoder.SCHEMA_ID)
        {
            switch (m.templateId())
            {
                case HeapAllocRequestDecoder.TEMPLATE_ID -> onAllocRequest(m, ctx);
                case HeapFreeRequestDecoder.TEMPLATE_ID -> onFreeRequest(m, ctx);
                case HeapStatsRequestDecoder.TEMPLATE_ID -> onStatsRequest(m, ctx);
                case FrameAllocReplyDecoder.TEMPLATE_ID -> onFrameAllocReply(m, ctx);
                case FrameFreeReplyDecoder.TEMPLATE_ID -> onFrameFreeReply(m, ctx);
                default -> ctx.replyError(m, ErrorCode.UNSUPPORTED);
            }
        }
        else if (m.schemaId() == TimerFiredDecoder.SCHEMA_ID)
        {
            if (m.templateId() == TimerFiredDecoder.TEMPLATE_ID)
            {
                timerFired.wrap(m.buffer(), m.bodyOffset(), m.blockLength(), m.version());
                if (timerFired.payload() == OUTBOX_TIMER)
                {
                    outbox.onTimer(ctx);
                }
            }
            else if (m.templateId() == StartDecoder.TEMPLATE_ID)
            {
                start.wrap(m.buffer(), m.bodyOffset(), m.blockLength(), m.version());
            }
            else if (m.templateId() == ErrorReplyDecoder.TEMPLATE_ID)
            {
                onErrorReply(m, ctx);
            }
        }
        else
        {
            ctx.replyError(m, ErrorCode.UNSUPPORTED);
        }
        pump(ctx);
    }

    // ---- allocation ----

    private void onAllocRequest(final Message m, final ActorContext ctx)
    {
        allocRequest.wrap(m.buffer(), m.bodyOffset(), m.blockLength(), m.version());
        final long size = allocRequest.size();
        if (size <= 0 || size > MAX_SIZE)
        {
            failures++;
            sendAllocReply(ctx, m.source(), m.correlationId(), HeapStatus.INVALID, -1, 0);
            return;
        }
        if (size > SlabAllocator.MAX_SLAB_OBJECT)
        {
            allocateLarge(ctx, m.source(), m.correlationId(), (int)((size + (1 << FRAME_SHIFT) - 1) >>> FRAME_SHIFT));
            return;
        }
        final long missesBefore = reserve.totalMisses();
        final long pa = slab.allocate((int)size, 0);
        if (pa >= 0)
        {
            allocations++;
            sendAllocReply(ctx, m.source(), m.correlationId(), HeapStatus.OK, pa, SlabAllocator.classSize(SlabAllocator.classOf((int)size)));
            return;
        }
        if (pa == HeapStatus.NO_MEMORY && reserve.totalMisses() != missesBefore)
        {
            final int order = reserve.lastMissOrder();
            reserve.demand(order);
            if (park(m.source(), m.correlationId(), (int)size, order))
            {
                return;
            }
            failures++;
            sendAllocReply(ctx, m.source(), m.correlationId(), HeapStatus.BUSY, -1, 0);
            return;
        }
        failures++;
        sendAllocReply(ctx, m.source(), m.correlationId(), (int)pa, -1, 0);
    }

    private void allocateLarge(final ActorContext ctx, final long source, final long correlation, final int count)
    {
        if (large.size() + largeInFlight >= maxLarge)
        {
            failures++;
            sendAllocReply(ctx, source, correlation, HeapStatus.NO_MEMORY, -1, 0);
            return;
        }
        final int s = openSession(KIND_LARGE_ALLOC, source, correlation);
        if (s == NONE)
        {
            failures++;
            sendAllocReply(ctx, source, correlation, HeapStatus.BUSY, -1, 0);
            return;
        }
        sessionCount[s] = count;
        largeInFlight++;
        requestFrames(ctx, s, count);
    }

    private void requestFrames(final ActorContext ctx, final int s, final int count)
    {
        final long correlation = ctx.nextCorrelationId();
        if (outbox.open(ctx, frameService, correlation, frameAlloc, 0) < 0)
        {
            throw new IllegalStateException("frame service address names no CPU");
        }
        frameAlloc.count(count)
            .zoneClass(ZoneClass.NORMAL)
            .ownerId(ownerId)
            .nodeHint(FrameAllocatorService.NODE_ANY);
        outbox.close(ctx);
        sessionsByCorrelation.put(correlation, s);
        state(ctx, s, AWAIT_FRAMES, count);
    }

    private void onFrameAllocReply(final Message m, final ActorContext ctx)
    {
        final int s = sessionsByCorrelation.remove(m.correlationId());
        if (s == NONE || sessionState[s] != AWAIT_FRAMES)
        {
            strayReplies++;
            return;
        }
        frameAllocReply.wrap(m.buffer(), m.bodyOffset(), m.blockLength(), m.version());
        final boolean ok = frameAllocReply.statusRaw() == 0;
        framesArrived(ctx, s, ok, ok ? frameAllocReply.physicalAddress() : -1);
    }

    private void framesArrived(final ActorContext ctx, final int s, final boolean ok, final long pa)
    {
        final int kind = sessionKind[s];
        final int count = sessionCount[s];
        final long source = requester[s];
        final long correlation = requesterCorrelation[s];
        closeSession(ctx, s, ok ? 1 : 0);
        if (kind == KIND_REFILL)
        {
            final int order = FrameReserve.orderOf(count);
            if (ok)
            {
                reserve.refilled(order, pa);
            }
            else
            {
                reserve.refillFailed(order);
            }
            resumeParked(ctx);
            return;
        }
        largeInFlight--;
        if (!ok)
        {
            failures++;
            sendAllocReply(ctx, source, correlation, HeapStatus.NO_MEMORY, -1, 0);
            return;
        }
        large.put(pa + 1, count);
        largeFrames += count;
        largeAllocations++;
        allocations++;
        sendAllocReply(ctx, source, correlation, HeapStatus.OK, pa, count << FRAME_SHIFT);
    }

    private boolean park(final long source, final long correlation, final int size, final int order)
    {
        if (parkCount == parkSource.length)
        {
            return false;
        }
        final int i = (parkHead + parkCount) % parkSource.length;
        parkSource[i] = source;
        parkCorrelation[i] = correlation;
        parkSize[i] = size;
        parkOrder[i] = order;
        parkCount++;
        parked++;
        return true;
    }

    /**
     * Retry every parked request once, in arrival order: served, parked again while frames of
     * its slab size are still coming, or answered NO_MEMORY when that size is starved.
     */
    private void resumeParked(final ActorContext ctx)
    {
        int n = parkCount;
        while (n-- > 0)
        {
            final int i = parkHead;
            parkHead = (parkHead + 1) % parkSource.length;
            parkCount--;
            final long source = parkSource[i];
            final long correlation = parkCorrelation[i];
            final int size = parkSize[i];
            final long missesBefore = reserve.totalMisses();
            final long pa = slab.allocate(size, 0);
            if (pa >= 0)
            {
                allocations++;
                sendAllocReply(ctx, source, correlation, HeapStatus.OK, pa, SlabAllocator.classSize(SlabAllocator.classOf(size)));
            }
            else if (pa == HeapStatus.NO_MEMORY && reserve.totalMisses() != missesBefore &&
                !reserve.starved(reserve.lastMissOrder()))
            {
                park(source, correlation, size, reserve.lastMissOrder());
            }
            else
            {
                failures++;
                sendAllocReply(ctx, source, correlation, pa == HeapStatus.NO_MEMORY ? HeapStatus.NO_MEMORY : (int)pa, -1, 0);
            }
        }
    }

    private void sendAllocReply(
        final ActorContext ctx, final long destination, final long correlation, final int status, final long pa,
        final int granted)
    {
        if (outbox.open(ctx, destination, correlation, allocReply, 0) < 0)
        {
            return;
        }
        allocReply.status(HeapStatusCode.get((short)-status)).physicalAddress(pa).grantedBytes(granted);
        outbox.close(ctx);
    }

    // ---- free ----

    private void onFreeRequest(final Message m, final ActorContext ctx)
    {
        freeRequest.wrap(m.buffer(), m.bodyOffset(), m.blockLength(), m.version());
        final long pa = freeRequest.physicalAddress();
        if (pa >= 0)
        {
            final int count = large.remove(pa + 1);
            if (count != NONE)
            {
                final int s = openSession(KIND_LARGE_FREE, m.source(), m.correlationId());
                if (s == NONE)
                {
                    large.put(pa + 1, count);
                    sendFreeReply(ctx, m.source(), m.correlationId(), HeapStatus.BUSY, pa);
                    return;
                }
                largeFrames -= count;
                largeFrees++;
                frees++;
                returnFrames(ctx, s, pa, count);
                return;
            }
        }
        final int status = slab.free(pa, 0);
        if (status == HeapStatus.OK || status == HeapStatus.REDZONE_CORRUPTED)
        {
            frees++;
        }
        else if (status == HeapStatus.DOUBLE_FREE)
        {
            doubleFrees++;
        }
        else
        {
            invalidFrees++;
        }
        sendFreeReply(ctx, m.source(), m.correlationId(), status, pa);
    }

    private void returnFrames(final ActorContext ctx, final int s, final long pa, final int count)
    {
        sessionAddress[s] = pa;
        sessionCount[s] = count;
        final long correlation = ctx.nextCorrelationId();
        if (outbox.open(ctx, frameService, correlation, frameFree, 0) < 0)
        {
            throw new IllegalStateException("frame service address names no CPU");
        }
        frameFree.physicalAddress(pa).count(count).ownerId(ownerId);
        outbox.close(ctx);
        sessionsByCorrelation.put(correlation, s);
        state(ctx, s, AWAIT_FREE, count);
    }

    private void onFrameFreeReply(final Message m, final ActorContext ctx)
    {
        final int s = sessionsByCorrelation.remove(m.correlationId());
        if (s == NONE || sessionState[s] != AWAIT_FREE)
        {
            strayReplies++;
            return;
        }
        frameFreeReply.wrap(m.buffer(), m.bodyOffset(), m.blockLength(), m.version());
        freesAnswered(ctx, s, -frameFreeReply.statusRaw());
    }

    private void freesAnswered(final ActorContext ctx, final int s, final int frameStatus)
    {
        final int kind = sessionKind[s];
        final long source = requester[s];
        final long correlation = requesterCorrelation[s];
        final long pa = sessionAddress[s];
        closeSession(ctx, s, -frameStatus);
        if (frameStatus != FrameStatus.OK)
        {
            // The frame service refused frames this heap held: its accounting and ours disagree.
            returnErrors++;
        }
        if (kind == KIND_LARGE_FREE)
        {
            final int status = frameStatus == FrameStatus.OK ? HeapStatus.OK
                : frameStatus == FrameStatus.DOUBLE_FREE ? HeapStatus.DOUBLE_FREE : HeapStatus.INVALID;
            sendFreeReply(ctx, source, correlation, status, pa);
        }
    }

    private void onErrorReply(final Message m, final ActorContext ctx)
    {
        final int s = sessionsByCorrelation.remove(m.correlationId());
        if (s == NONE)
        {
            strayReplies++;
            return;
        }
        errorReply.wrap(m.buffer(), m.bodyOffset(), m.blockLength(), m.version());
        // The frame service could not be reached: frames asked for did not come, frames given
        // back were not taken.
        if (sessionState[s] == AWAIT_FRAMES)
        {
            framesArrived(ctx, s, false, -1);
        }
        else
        {
            freesAnswered(ctx, s, FrameStatus.NOT_MANAGED);
        }
    }

    private void sendFreeReply(
        final ActorContext ctx, final long destination, final long correlation, final int status, final long pa)
    {
        if (outbox.open(ctx, destination, correlation, freeReply, 0) < 0)
        {
            return;
        }
        freeReply.status(HeapStatusCode.get((short)-status)).physicalAddress(pa);
        outbox.close(ctx);
    }

    // ---- reserve upkeep ----

    /** After every message: ask for runs the reserve wants, give back runs it cannot keep. */
    private void pump(final ActorContext ctx)
    {
        for (int order = 0; order < FrameReserve.ORDERS; order++)
        {
            int want = reserve.wanted(order);
            if (want == 0 && parkCount > 0 && waitingOn(order))
            {
                want = reserve.needed(order);
            }
            while (want-- > 0)
            {
                final int s = openSession(KIND_REFILL, 0, 0);
                if (s == NONE)
                {
                    return;
                }
                sessionCount[s] = 1 << order;
                reserve.requested(order);
                requestFrames(ctx, s, 1 << order);
            }
        }
        while (reserve.hasReturn())
        {
            final int s = openSession(KIND_RETURN, 0, 0);
            if (s == NONE)
            {
                return;
            }
            returnFrames(ctx, s, reserve.nextReturnAddress(), reserve.nextReturnCount());
            reserve.popReturn();
        }
    }

    private boolean waitingOn(final int order)
    {
        for (int k = 0; k < parkCount; k++)
        {
            if (parkOrder[(parkHead + k) % parkSource.length] == order)
            {
                return true;
            }
        }
        return false;
    }

    // ---- statistics ----

    private void onStatsRequest(final Message m, final ActorContext ctx)
    {
        statsRequest.wrap(m.buffer(), m.bodyOffset(), m.blockLength(), m.version());
        final int varLength = HeapStatsReplyEncoder.SizeClassesEncoder.sbeHeaderSize() +
            SlabAllocator.CLASS_COUNT * HeapStatsReplyEncoder.SizeClassesEncoder.sbeBlockLength();
        if (outbox.open(ctx, m.source(), m.correlationId(), statsReply, varLength) < 0)
        {
            return;
        }
        statsReply.cpu(cpu)
            .allocations(allocations)
            .frees(frees)
            .failures(failures)
            .liveLargeAllocations(large.size())
            .slabFrames(slab.framesHeld())
            .largeFrames(largeFrames)
            .reserveFrames(reserve.framesHeld())
            .doubleFrees(doubleFrees)
            .invalidFrees(invalidFrees);
        final HeapStatsReplyEncoder.SizeClassesEncoder classes = statsReply.sizeClassesCount(SlabAllocator.CLASS_COUNT);
        for (int c = 0; c < SlabAllocator.CLASS_COUNT; c++)
        {
            classes.next().objectBytes(SlabAllocator.classSize(c)).liveObjects(slab.liveObjects(c)).slabs(slab.slabs(c));
        }
        outbox.close(ctx);
    }

    // ---- sessions ----

    private int openSession(final int kind, final long source, final long correlation)
    {
        if (freeSessionCount == 0)
        {
            return NONE;
        }
        final int s = freeSessions[--freeSessionCount];
        sessionKind[s] = kind;
        requester[s] = source;
        requesterCorrelation[s] = correlation;
        return s;
    }

    private void closeSession(final ActorContext ctx, final int s, final int reason)
    {
        state(ctx, s, IDLE, reason);
        freeSessions[freeSessionCount++] = s;
    }

    /** Every session state change goes through here, and into the trace. */
    private void state(final ActorContext ctx, final int s, final int next, final int reason)
    {
        sessionState[s] = next;
        ctx.traceState((s << 8) | next, reason);
    }

    // ---- host-side observation (read while the CPU is not running) ----

    /** @return the CPU this heap serves. */
    public int cpu()
    {
        return cpu;
    }

    /** @return the owner id of this heap's frames. */
    public int ownerId()
    {
        return ownerId;
    }

    /** @return the slab allocator. */
    public SlabAllocator slab()
    {
        return slab;
    }

    /** @return the frame reserve. */
    public FrameReserve reserve()
    {
        return reserve;
    }

    /**
     * @return frames this heap holds: slabs, live large allocations and the reserve (frames
     *         being given back count until the frame service took them).
     */
    public long framesHeld()
    {
        long returning = 0;
        for (int s = 0; s < sessionState.length; s++)
        {
            if (sessionState[s] == AWAIT_FREE)
            {
                returning += sessionCount[s];
            }
        }
        return slab.framesHeld() + largeFrames + reserve.framesHeld() + returning;
    }

    /** @return successful allocations (small and large). */
    public long allocations()
    {
        return allocations;
    }

    /** @return successful frees (small and large). */
    public long frees()
    {
        return frees;
    }

    /** @return allocations answered with an error. */
    public long failures()
    {
        return failures;
    }

    /** @return frees refused as DOUBLE_FREE. */
    public long doubleFrees()
    {
        return doubleFrees;
    }

    /** @return frees refused as NOT_HEAP or INVALID. */
    public long invalidFrees()
    {
        return invalidFrees;
    }

    /** @return live large allocations. */
    public int liveLargeAllocations()
    {
        return large.size();
    }

    /** @return frames of live large allocations. */
    public long largeFrames()
    {
        return largeFrames;
    }

    /** @return large allocations served. */
    public long largeAllocations()
    {
        return largeAllocations;
    }

    /** @return large frees relayed. */
    public long largeFrees()
    {
        return largeFrees;
    }

    /** @return requests ever parked waiting for frames. */
    public long parked()
    {
        return parked;
    }

    /** @return requests parked now. */
    public int parkedNow()
    {
        return parkCount;
    }

    /** @return messages to the frame service in flight. */
    public int sessionsInUse()
    {
        return freeSessions.length - freeSessionCount;
    }

    /** @return frame frees the frame service refused (0 unless accounting is broken). */
    public long returnErrors()
    {
        return returnErrors;
    }

    /** @return replies that matched no session. */
    public long strayReplies()
    {
        return strayReplies;
    }

    /** @return the outbox of sends waiting for room. */
    public DeferredOutbox outbox()
    {
        return outbox;
    }
}
