package org.tessera.kernel.service.frame;

import org.tessera.kernel.runtime.Actor;
import org.tessera.kernel.runtime.ActorContext;
import org.tessera.kernel.runtime.Message;
import org.tessera.kernel.service.memory.CorrelationTable;
import org.tessera.kernel.service.memory.DeferredOutbox;
import org.tessera.messages.memory.AllocPass;
import org.tessera.messages.memory.FrameAllocReplyDecoder;
import org.tessera.messages.memory.FrameAllocReplyEncoder;
import org.tessera.messages.memory.FrameAllocRequestDecoder;
import org.tessera.messages.memory.FrameFreeReplyDecoder;
import org.tessera.messages.memory.FrameFreeReplyEncoder;
import org.tessera.messages.memory.FrameFreeRequestDecoder;
import org.tessera.messages.memory.FrameFreeRequestEncoder;
import org.tessera.messages.memory.FrameNodeAllocRequestDecoder;
import org.tessera.messages.memory.FrameNodeAllocRequestEncoder;
import org.tessera.messages.memory.FrameStatsReplyEncoder;
import org.tessera.messages.memory.FrameStatsRequestDecoder;
import org.tessera.messages.memory.FrameStatusCode;
import org.tessera.messages.memory.ZoneClass;
import org.tessera.messages.runtime.ErrorCode;
import org.tessera.messages.runtime.ErrorReplyDecoder;
import org.tessera.messages.runtime.TimerFiredDecoder;

/**
 * The frame allocator service of one NUMA node, homed on the first CPU of the node. It owns
 * the node's {@link FrameAllocatorCore} (no other actor touches it) and answers the memory
 * schema's frame messages:
 * <pre>
 *   FrameAllocRequest      -> FrameAllocReply   (walks the NUMA fallback order, see below)
 *   FrameNodeAllocRequest  -> FrameAllocReply   (from another node's service: one pass, this node only)
 *   FrameFreeRequest       -> FrameFreeReply    (relayed to the node holding the address)
 *   FrameStatsRequest      -> FrameStatsReply
 * </pre>
 *
 * <p><b>NUMA fallback by message.</b> A request is served along the fallback order of its
 * node hint (the local node first, then by distance), passes outer and nodes inner exactly as
 * {@link FrameAllocators} does: every node is tried above its low watermark before any node is
 * drained. Attempts on this node run in place; an attempt on another node is a
 * {@code FrameNodeAllocRequest} to that node's service, answered by a {@code FrameAllocReply}.
 * While it waits, the request lives in a <em>forwarding session</em> (a slot of a pool of
 * primitive arrays, found by the outgoing correlation id in a {@link CorrelationTable}); the
 * final answer is relayed to the original requester under its own correlation id. The common
 * case (this node serves in the first pass) opens no session and sends one message.
 *
 * <p>Session states: {@code IDLE} (slot free) -&gt; {@code AWAIT_NODE} (a node attempt is in
 * flight; back to {@code AWAIT_NODE} for the next node, or {@code IDLE} once answered) and
 * {@code IDLE} -&gt; {@code AWAIT_FREE} (a free relayed to the node holding the address) -&gt;
 * {@code IDLE}. Every change goes through {@link #state}, which traces it.
 *
 * <p>Errors are replies: {@code NO_MEMORY} when the whole order failed, {@code INVALID},
 * the core's distinct free codes, and {@code BUSY} when every session is in use (nothing
 * changed). Sends refused by a full queue wait in a {@link DeferredOutbox}.
 */
public final class FrameAllocatorService implements Actor
{
    /** Node hint meaning "the receiving service's node"; also "no node" in replies. */
    public static final int NODE_ANY = 65535;
    /** Payload of the outbox retry timer. */
    public static final long OUTBOX_TIMER = 1;
    /** Default forwarding sessions. */
    public static final int DEFAULT_SESSIONS = 64;
    /** Default messages that may wait for a full queue. */
    public static final int DEFAULT_OUTBOX = 1024;

    /** Session state: slot free. */
    public static final int IDLE = 0;
    /** Session state: an attempt on another node is in flight. */
    public static final int AWAIT_NODE = 1;
    /** Session state: a free was relayed to the node holding the address. */
    public static final int AWAIT_FREE = 2;

    private static final int NONE = -1;
    private static final long MAX_OWNER = Integer.MAX_VALUE;

    private final FrameAllocatorCore core;
    private final PhysicalLayout layout;
    private final NumaPolicy policy;
    private final int node;
    private final int nodeCount;
    private final long[] nodeServices;

    private final FrameAllocRequestDecoder allocRequest = new FrameAllocRequestDecoder();
    private final FrameNodeAllocRequestDecoder nodeRequest = new FrameNodeAllocRequestDecoder();
    private final FrameAllocReplyDecoder allocReplyIn = new FrameAllocReplyDecoder();
    private final FrameFreeRequestDecoder freeRequest = new FrameFreeRequestDecoder();
    private final FrameFreeReplyDecoder freeReplyIn = new FrameFreeReplyDecoder();
    private final FrameStatsRequestDecoder statsRequest = new FrameStatsRequestDecoder();
    private final TimerFiredDecoder timerFired = new TimerFiredDecoder();
    private final ErrorReplyDecoder errorReply = new ErrorReplyDecoder();
    private final FrameAllocReplyEncoder allocReply = new FrameAllocReplyEncoder();
    private final FrameNodeAllocRequestEncoder nodeRequestOut = new FrameNodeAllocRequestEncoder();
    private final FrameFreeRequestEncoder freeRequestOut = new FrameFreeRequestEncoder();
    private final FrameFreeReplyEncoder freeReply = new FrameFreeReplyEncoder();
    private final FrameStatsReplyEncoder statsReply = new FrameStatsReplyEncoder();
    private final DeferredOutbox outbox;

    private final CorrelationTable table;
    private final int[] sessionState;
    private final long[] requester;
    private final long[] requesterCorrelation;
    private final long[] outgoingCorrelation;
    private final int[] sessionCount;
    private final int[] sessionZone;
    private final int[] sessionOwner;
    private final int[] sessionBase;
    private final int[] sessionPass;
    private final int[] sessionRank;
    private final long[] sessionAddress;
    private final int[] freeSessions;
    private int freeSessionCount;

    private long requests;
    private long localAllocations;
    private long remoteAllocations;
    private long servedForOtherNodes;
    private long failures;
    private long invalidRequests;
    private long busy;
    private long forwards;
    private long strayReplies;
    private long undeliverable;

    /**
     * @param core         this node's allocator core (owned by this actor from now on).
     * @param layout       the physical layout.
     * @param policy       the NUMA fallback order.
     * @param nodeServices address of every node's frame service, indexed by node id.
     * @param sessions     forwarding sessions (requests waiting on another node at once).
     * @param outboxSize   messages that may wait for a full destination queue.
     */
    public FrameAllocatorService(
        final FrameAllocatorCore core,
        final PhysicalLayout layout,
        final NumaPolicy policy,
        final long[] nodeServices,
        final int sessions,
        final int outboxSize)
    {
        if (nodeServices.length != layout.nodeCount() || policy.nodeCount() != layout.nodeCount() || sessions <= 0)
        {
            throw new IllegalArgumentException("one service address per node and at least one session are needed");
        }
        this.core = core;
        this.layout = layout;
        this.policy = policy;
        this.node = core.node();
        this.nodeCount = layout.nodeCount();
        this.nodeServices = nodeServices.clone();
        this.outbox = new DeferredOutbox(outboxSize, OUTBOX_TIMER);
        outbox.register(allocReply);
        outbox.register(nodeRequestOut);
        outbox.register(freeRequestOut);
        outbox.register(freeReply);
        outbox.register(statsReply);
        this.table = new CorrelationTable(sessions);
        this.sessionState = new int[sessions];
        this.requester = new long[sessions];
        this.requesterCorrelation = new long[sessions];
        this.outgoingCorrelation = new long[sessions];
        this.sessionCount = new int[sessions];
        this.sessionZone = new int[sessions];
        this.sessionOwner = new int[sessions];
        this.sessionBase = new int[sessions];
        this.sessionPass = new int[sessions];
        this.sessionRank = new int[sessions];
        this.sessionAddress = new long[sessions];
        this.freeSessions = new int[sessions];
        for (int i = 0; i < sessions; i++)
        {
            freeSessions[i] = sessions - 1 - i;
        }
        this.freeSessionCount = sessions;
    }

    @Override
    public void onMessage(final Message m, final ActorContext ctx)
    {
        if (outbox.waiting() > 0)
        {
            outbox.flush(ctx);
        }
        if (m.schemaId() == FrameAllocRequestDecoder.SCHEMA_ID)
        {
            switch (m.templateId())
            {
                case FrameAllocRequestDecoder.TEMPLATE_ID -> onAllocRequest(m, ctx);
                case FrameNodeAllocRequestDecoder.TEMPLATE_ID -> onNodeAllocRequest(m, ctx);
                case FrameAllocReplyDecoder.TEMPLATE_ID -> onAllocReply(m, ctx);
                case FrameFreeRequestDecoder.TEMPLATE_ID -> onFreeRequest(m, ctx);
                case FrameFreeReplyDecoder.TEMPLATE_ID -> onFreeReply(m, ctx);
                case FrameStatsRequestDecoder.TEMPLATE_ID -> onStatsRequest(m, ctx);
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
            else if (m.templateId() == ErrorReplyDecoder.TEMPLATE_ID)
            {
                onErrorReply(m, ctx);
            }
            // Start needs nothing: the core was built at boot.
        }
        else
        {
            ctx.replyError(m, ErrorCode.UNSUPPORTED);
        }
    }

    // ---- allocation ----

    private void onAllocRequest(final Message m, final ActorContext ctx)
    {
        final FrameAllocRequestDecoder r = allocRequest;
        r.wrap(m.buffer(), m.bodyOffset(), m.blockLength(), m.version());
        requests++;
        final long count = r.count();
        final int zone = r.zoneClassRaw();
        final long owner = r.ownerId();
        final int hint = r.nodeHint();
        if (count <= 0 || count > 1L << core.maxOrder() || zone >= PhysicalLayout.ZONE_COUNT || owner <= 0 ||
            owner > MAX_OWNER || (hint != NODE_ANY && hint >= nodeCount))
        {
            invalidRequests++;
            sendAllocReply(ctx, m.source(), m.correlationId(), FrameStatus.INVALID, -1, 0, NODE_ANY);
            return;
        }
        final int base = hint == NODE_ANY ? node : hint;
        walk(ctx, NONE, m.source(), m.correlationId(), (int)count, zone, (int)owner, base,
            FrameAllocatorCore.PASS_BALANCED, 0);
    }

    /**
     * Continue a request's walk along the fallback order from ({@code pass}, {@code rank}):
     * attempts on this node in place, the first attempt on another node by message (then the
     * walk resumes when its reply comes in).
     */
    private void walk(
        final ActorContext ctx, final int session, final long source, final long correlation, final int count,
        final int zone, final int owner, final int base, final int startPass, final int startRank)
    {
        int s = session;
        int pass = startPass;
        int rank = startRank;
        while (pass <= FrameAllocatorCore.PASS_LAST_RESORT)
        {
            final int target = policy.fallbackNode(base, rank);
            if (target == node)
            {
                final long pa = core.allocateInPass(count, zone, owner, pass);
                if (pa >= 0 || pa == FrameStatus.INVALID)
                {
                    finishAlloc(ctx, s, source, correlation, pa, count, node);
                    return;
                }
            }
            else
            {
                if (s == NONE)
                {
                    s = openSession(source, correlation);
                    if (s == NONE)
                    {
                        busy++;
                        sendAllocReply(ctx, source, correlation, FrameStatus.BUSY, -1, 0, NODE_ANY);
                        return;
                    }
                    sessionCount[s] = count;
                    sessionZone[s] = zone;
                    sessionOwner[s] = owner;
                    sessionBase[s] = base;
                }
                sessionPass[s] = pass;
                sessionRank[s] = rank;
                if (sendNodeRequest(ctx, s, target))
                {
                    return;
                }
                // No CPU at that address (a misconfigured machine): the node cannot serve.
            }
            rank++;
            if (rank == nodeCount)
            {
                rank = 0;
                pass++;
            }
        }
        failures++;
        finishAlloc(ctx, s, source, correlation, FrameStatus.NO_MEMORY, 0, NODE_ANY);
    }

    private boolean sendNodeRequest(final ActorContext ctx, final int s, final int target)
    {
        final long correlation = ctx.nextCorrelationId();
        if (outbox.open(ctx, nodeServices[target], correlation, nodeRequestOut, 0) < 0)
        {
            return false;
        }
        nodeRequestOut.count(sessionCount[s])
            .zoneClass(ZoneClass.get((short)sessionZone[s]))
            .ownerId(sessionOwner[s])
            .pass(AllocPass.get((short)sessionPass[s]))
            .originNode(node);
        outbox.close(ctx);
        outgoingCorrelation[s] = correlation;
        table.put(correlation, s);
        forwards++;
        state(ctx, s, AWAIT_NODE, target);
        return true;
    }

    private void finishAlloc(
        final ActorContext ctx, final int s, final long source, final long correlation, final long result,
        final int count, final int servedBy)
    {
        if (s != NONE)
        {
            closeSession(ctx, s, servedBy);
        }
        if (result >= 0)
        {
            if (servedBy == node)
            {
                localAllocations++;
            }
            else
            {
                remoteAllocations++;
            }
            sendAllocReply(ctx, source, correlation, FrameStatus.OK, result, count, servedBy);
        }
        else
        {
            if (result == FrameStatus.INVALID)
            {
                invalidRequests++;
            }
            sendAllocReply(ctx, source, correlation, (int)result, -1, 0, NODE_ANY);
        }
    }

    private void sendAllocReply(
        final ActorContext ctx, final long destination, final long correlation, final int status, final long pa,
        final int count, final int servedBy)
    {
        if (outbox.open(ctx, destination, correlation, allocReply, 0) < 0)
        {
            undeliverable++;
            return;
        }
        allocReply.status(FrameStatusCode.get((short)-status))
            .physicalAddress(pa)
            .count(count)
            .nodeServed(servedBy);
        outbox.close(ctx);
    }

    private void onNodeAllocRequest(final Message m, final ActorContext ctx)
    {
        final FrameNodeAllocRequestDecoder r = nodeRequest;
        r.wrap(m.buffer(), m.bodyOffset(), m.blockLength(), m.version());
        final long count = r.count();
        final long owner = r.ownerId();
        final int zone = r.zoneClassRaw();
        final int pass = r.passRaw();
        long pa = FrameStatus.INVALID;
        if (count > 0 && count <= 1L << core.maxOrder() && owner > 0 && owner <= MAX_OWNER &&
            zone < PhysicalLayout.ZONE_COUNT && pass <= FrameAllocatorCore.PASS_LAST_RESORT)
        {
            pa = core.allocateInPass((int)count, zone, (int)owner, pass);
        }
        if (pa >= 0)
        {
            servedForOtherNodes++;
            sendAllocReply(ctx, m.source(), m.correlationId(), FrameStatus.OK, pa, (int)count, node);
        }
        else
        {
            sendAllocReply(ctx, m.source(), m.correlationId(), (int)pa, -1, 0, NODE_ANY);
        }
    }

    private void onAllocReply(final Message m, final ActorContext ctx)
    {
        final int s = table.remove(m.correlationId());
        if (s == NONE || sessionState[s] != AWAIT_NODE)
        {
            strayReplies++;
            return;
        }
        final FrameAllocReplyDecoder r = allocReplyIn;
        r.wrap(m.buffer(), m.bodyOffset(), m.blockLength(), m.version());
        final int status = -r.statusRaw();
        if (status == FrameStatus.OK)
        {
            finishAlloc(ctx, s, requester[s], requesterCorrelation[s], r.physicalAddress(), sessionCount[s], r.nodeServed());
        }
        else if (status == FrameStatus.INVALID)
        {
            finishAlloc(ctx, s, requester[s], requesterCorrelation[s], FrameStatus.INVALID, 0, NODE_ANY);
        }
        else
        {
            resumeWalk(ctx, s);
        }
    }

    private void resumeWalk(final ActorContext ctx, final int s)
    {
        int pass = sessionPass[s];
        int rank = sessionRank[s] + 1;
        if (rank == nodeCount)
        {
            rank = 0;
            pass++;
        }
        walk(ctx, s, requester[s], requesterCorrelation[s], sessionCount[s], sessionZone[s], sessionOwner[s],
            sessionBase[s], pass, rank);
    }

    private void onErrorReply(final Message m, final ActorContext ctx)
    {
        final int s = table.remove(m.correlationId());
        if (s == NONE)
        {
            strayReplies++;
            return;
        }
        errorReply.wrap(m.buffer(), m.bodyOffset(), m.blockLength(), m.version());
        // The runtime could not deliver to that node's service: that node cannot serve.
        if (sessionState[s] == AWAIT_NODE)
        {
            resumeWalk(ctx, s);
        }
        else
        {
            final long source = requester[s];
            final long correlation = requesterCorrelation[s];
            final long pa = sessionAddress[s];
            final int count = sessionCount[s];
            closeSession(ctx, s, NODE_ANY);
            sendFreeReply(ctx, source, correlation, FrameStatus.NOT_MANAGED, pa, count, NODE_ANY);
        }
    }

    // ---- free ----

    private void onFreeRequest(final Message m, final ActorContext ctx)
    {
        final FrameFreeRequestDecoder r = freeRequest;
        r.wrap(m.buffer(), m.bodyOffset(), m.blockLength(), m.version());
        final long pa = r.physicalAddress();
        final long count = r.count();
        final long owner = r.ownerId();
        if (pa < 0 || count <= 0 || count > 1L << core.maxOrder() || owner <= 0 || owner > MAX_OWNER)
        {
            sendFreeReply(ctx, m.source(), m.correlationId(), FrameStatus.INVALID, pa, (int)Math.min(count, Integer.MAX_VALUE), NODE_ANY);
            return;
        }
        final int holder = layout.nodeOf(pa);
        if (holder < 0)
        {
            sendFreeReply(ctx, m.source(), m.correlationId(), FrameStatus.NOT_MANAGED, pa, (int)count, NODE_ANY);
            return;
        }
        if (holder == node)
        {
            final int status = core.free(pa, (int)count, (int)owner);
            sendFreeReply(ctx, m.source(), m.correlationId(), status, pa, (int)count, node);
            return;
        }
        final int s = openSession(m.source(), m.correlationId());
        if (s == NONE)
        {
            busy++;
            sendFreeReply(ctx, m.source(), m.correlationId(), FrameStatus.BUSY, pa, (int)count, NODE_ANY);
            return;
        }
        sessionAddress[s] = pa;
        sessionCount[s] = (int)count;
        sessionOwner[s] = (int)owner;
        final long correlation = ctx.nextCorrelationId();
        if (outbox.open(ctx, nodeServices[holder], correlation, freeRequestOut, 0) < 0)
        {
            closeSession(ctx, s, NODE_ANY);
            sendFreeReply(ctx, m.source(), m.correlationId(), FrameStatus.NOT_MANAGED, pa, (int)count, NODE_ANY);
            return;
        }
        freeRequestOut.physicalAddress(pa).count(count).ownerId(owner);
        outbox.close(ctx);
        outgoingCorrelation[s] = correlation;
        table.put(correlation, s);
        forwards++;
        state(ctx, s, AWAIT_FREE, holder);
    }

    private void onFreeReply(final Message m, final ActorContext ctx)
    {
        final int s = table.remove(m.correlationId());
        if (s == NONE || sessionState[s] != AWAIT_FREE)
        {
            strayReplies++;
            return;
        }
        final FrameFreeReplyDecoder r = freeReplyIn;
        r.wrap(m.buffer(), m.bodyOffset(), m.blockLength(), m.version());
        final long source = requester[s];
        final long correlation = requesterCorrelation[s];
        final int handledBy = r.node();
        closeSession(ctx, s, handledBy);
        sendFreeReply(ctx, source, correlation, -r.statusRaw(), r.physicalAddress(), (int)r.count(), handledBy);
    }

    private void sendFreeReply(
        final ActorContext ctx, final long destination, final long correlation, final int status, final long pa,
        final int count, final int handledBy)
    {
        if (outbox.open(ctx, destination, correlation, freeReply, 0) < 0)
        {
            undeliverable++;
            return;
        }
        freeReply.status(FrameStatusCode.get((short)-status))
            .physicalAddress(pa)
            .count(Math.max(count, 0))
            .node(handledBy);
        outbox.close(ctx);
    }

    // ---- statistics ----

    private void onStatsRequest(final Message m, final ActorContext ctx)
    {
        statsRequest.wrap(m.buffer(), m.bodyOffset(), m.blockLength(), m.version());
        final int orders = core.maxOrder() - BuddyAllocator.MIN_ORDER + 1;
        final int varLength = FrameStatsReplyEncoder.ZonesEncoder.sbeHeaderSize() +
            PhysicalLayout.ZONE_COUNT * FrameStatsReplyEncoder.ZonesEncoder.sbeBlockLength() +
            FrameStatsReplyEncoder.OrdersEncoder.sbeHeaderSize() +
            orders * FrameStatsReplyEncoder.OrdersEncoder.sbeBlockLength();
        if (outbox.open(ctx, m.source(), m.correlationId(), statsReply, varLength) < 0)
        {
            undeliverable++;
            return;
        }
        final FrameStatsReplyEncoder e = statsReply;
        e.node(node)
            .managedFrames(core.managedFrames())
            .freeFrames(core.freeFrames())
            .allocations(core.allocations())
            .frees(core.frees())
            .failures(failures)
            .rejectedFrees(core.rejectedFrees())
            .invalidRequests(invalidRequests)
            .remoteAllocations(remoteAllocations)
            .servedForOtherNodes(servedForOtherNodes)
            .fragmentationIndex((short)core.fragmentationIndex());
        final FrameStatsReplyEncoder.ZonesEncoder zones = e.zonesCount(PhysicalLayout.ZONE_COUNT);
        for (int z = 0; z < PhysicalLayout.ZONE_COUNT; z++)
        {
            zones.next()
                .zone(ZoneClass.get((short)z))
                .managedFrames(core.zone(z).managedFrames())
                .freeFrames(core.freeFrames(z))
                .pressureEvents(core.pressureEvents(z));
        }
        final FrameStatsReplyEncoder.OrdersEncoder blocks = e.ordersCount(orders);
        for (int k = BuddyAllocator.MIN_ORDER; k <= core.maxOrder(); k++)
        {
            blocks.next().order((short)k).freeBlocks(core.freeBlocks(k));
        }
        outbox.close(ctx);
    }

    // ---- sessions ----

    private int openSession(final long source, final long correlation)
    {
        if (freeSessionCount == 0)
        {
            return NONE;
        }
        final int s = freeSessions[--freeSessionCount];
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

    // ---- host-side observation ----

    /** @return this node's core (read it only while the service's CPU is not running). */
    public FrameAllocatorCore core()
    {
        return core;
    }

    /** @return the node this service serves. */
    public int node()
    {
        return node;
    }

    /** @return allocation requests received (not counting other services' node attempts). */
    public long requests()
    {
        return requests;
    }

    /** @return requests served by this node's memory. */
    public long localAllocations()
    {
        return localAllocations;
    }

    /** @return requests served by another node. */
    public long remoteAllocations()
    {
        return remoteAllocations;
    }

    /** @return node attempts from other services that this node served. */
    public long servedForOtherNodes()
    {
        return servedForOtherNodes;
    }

    /** @return requests that ended in NO_MEMORY after the whole fallback order. */
    public long failures()
    {
        return failures;
    }

    /** @return requests answered INVALID. */
    public long invalidRequests()
    {
        return invalidRequests;
    }

    /** @return requests answered BUSY (every session in use). */
    public long busy()
    {
        return busy;
    }

    /** @return messages sent to other nodes' services (node attempts and relayed frees). */
    public long forwards()
    {
        return forwards;
    }

    /** @return replies that matched no session. */
    public long strayReplies()
    {
        return strayReplies;
    }

    /** @return replies that could not be sent because their destination CPU does not exist. */
    public long undeliverable()
    {
        return undeliverable;
    }

    /** @return sessions in use. */
    public int sessionsInUse()
    {
        return freeSessions.length - freeSessionCount;
    }

    /** @return the outbox of sends waiting for room. */
    public DeferredOutbox outbox()
    {
        return outbox;
    }
}
