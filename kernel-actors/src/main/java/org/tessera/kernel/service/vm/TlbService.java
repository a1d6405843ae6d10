package org.tessera.kernel.service.vm;

import org.tessera.arch.spi.AccessKind;
import org.tessera.arch.spi.PageFlags;
import org.tessera.arch.spi.PageTableFormat;
import org.tessera.arch.spi.PageTableStatus;
import org.tessera.arch.spi.Tlb;
import org.tessera.kernel.runtime.Actor;
import org.tessera.kernel.runtime.ActorAddress;
import org.tessera.kernel.runtime.ActorContext;
import org.tessera.kernel.runtime.Message;
import org.tessera.kernel.runtime.ServiceIds;
import org.tessera.messages.runtime.ErrorCode;
import org.tessera.messages.runtime.TimerFiredDecoder;
import org.tessera.messages.vm.InvalidateScope;
import org.tessera.messages.vm.SpaceActivateEncoder;
import org.tessera.messages.vm.SpaceActivateReplyDecoder;
import org.tessera.messages.vm.SpaceSwitchDecoder;
import org.tessera.messages.vm.SpaceSwitchReplyEncoder;
import org.tessera.messages.vm.TlbInvalidateAckEncoder;
import org.tessera.messages.vm.TlbInvalidateDecoder;
import org.tessera.messages.vm.VmStatus;

/**
 * One per CPU, at {@code (cpu, ServiceIds.VM, INSTANCE)}: owns the CPU's {@link Tlb} (tagged by
 * address-space id) and knows which spaces this CPU may cache.
 *
 * <p>Per space, its state on this CPU:
 * <pre>
 *   INACTIVE --SpaceSwitch--> ACTIVATING --SpaceActivateReply OK--> ACTIVE
 *       ^                        |  \--reply not OK--> INACTIVE            |
 *       |                        |                                         |
 *       |        TlbInvalidate(SPACE_DESTROYED) while ACTIVATING           |
 *       |                        v                                         |
 *       +---reply (any)--- CANCELLED        TlbInvalidate(SPACE_DESTROYED)-+--> INACTIVE
 * </pre>
 * The CPU caches a space's translations only while it is ACTIVE: the VM service added the CPU
 * to the space's shootdown set before answering the activation, so every later change reaches
 * this TLB. Messages can overtake each other in flight, so a destruction seen while the
 * activation is still unanswered cancels it (the answer, arriving later, carries a root that is
 * being freed).
 *
 * <p>{@link #access} is the MMU of this CPU, called by the CPU's execution engine on the CPU's
 * own thread between message handlers (so it never races with an invalidation): a TLB lookup,
 * else a walk of the running space's tables that fills the TLB. A permission failure drops the
 * entry, as hardware does when it raises the fault, so the retried access walks the tables the
 * VM service fixed.
 */
public final class TlbService implements Actor
{
    /** Instance of the TLB service under {@link ServiceIds#VM} on every CPU. */
    public static final int INSTANCE = 1;
    /** {@link #access} result when no address space is running on the CPU. */
    public static final long NO_SPACE = -100;
    /** Delay before a send refused by back-pressure is retried, nanoseconds. */
    public static final long RETRY_NANOS = 2_000;

    private static final byte INACTIVE = 0;
    private static final byte ACTIVATING = 1;
    private static final byte ACTIVE = 2;
    private static final byte CANCELLED = 3;

    private static final int REASON_SWITCH = 1;
    private static final int REASON_ACTIVATED = 2;
    private static final int REASON_REFUSED = 3;
    private static final int REASON_DESTROYED = 4;

    private static final int SEND_ACK = 1;
    private static final int SEND_SWITCH_REPLY = 2;
    private static final int SEND_ACTIVATE = 3;

    private final Tlb tlb;
    private final PageTableFormat format;
    private final long vm;
    private final int maxAsid;
    private final byte[] states;
    private final long[] roots;
    private final long[] switchRequester;
    private final long[] switchCorrelation;
    private int current;
    private long currentRoot = -1;

    // Sends refused by back-pressure, retried in order from a timer.
    private final int[] outKind;
    private final long[] outDestination;
    private final long[] outCorrelation;
    private final long[] outA;
    private final long[] outB;
    private final long[] outC;
    private int outHead;
    private int outCount;
    private boolean timerArmed;

    private final SpaceSwitchDecoder switchDecoder = new SpaceSwitchDecoder();
    private final SpaceActivateReplyDecoder activateReplyDecoder = new SpaceActivateReplyDecoder();
    private final TlbInvalidateDecoder invalidateDecoder = new TlbInvalidateDecoder();
    private final SpaceSwitchReplyEncoder switchReply = new SpaceSwitchReplyEncoder();
    private final SpaceActivateEncoder activate = new SpaceActivateEncoder();
    private final TlbInvalidateAckEncoder ack = new TlbInvalidateAckEncoder();

    private long invalidationsHandled;
    private long entriesDropped;
    private long walks;
    private long permissionFaults;

    /**
     * @param tlb     this CPU's TLB.
     * @param format  the machine's page-table format (for walks on a TLB miss).
     * @param vm      address of the VM service.
     * @param maxAsid highest address-space id the VM service hands out.
     * @param backlog sends that may wait for room in a full queue at once.
     */
    public TlbService(final Tlb tlb, final PageTableFormat format, final long vm, final int maxAsid, final int backlog)
    {
        this.tlb = tlb;
        this.format = format;
        this.vm = vm;
        this.maxAsid = maxAsid;
        states = new byte[maxAsid + 1];
        roots = new long[maxAsid + 1];
        switchRequester = new long[maxAsid + 1];
        switchCorrelation = new long[maxAsid + 1];
        outKind = new int[backlog];
        outDestination = new long[backlog];
        outCorrelation = new long[backlog];
        outA = new long[backlog];
        outB = new long[backlog];
        outC = new long[backlog];
    }

    /**
     * @param cpu a CPU.
     * @return the address of its TLB service.
     */
    public static long address(final int cpu)
    {
        return ActorAddress.of(cpu, ServiceIds.VM, INSTANCE);
    }

    @Override
    public void onMessage(final Message m, final ActorContext ctx)
    {
        if (m.schemaId() == TlbInvalidateDecoder.SCHEMA_ID)
        {
            switch (m.templateId())
            {
                case TlbInvalidateDecoder.TEMPLATE_ID -> onInvalidate(m, ctx);
                case SpaceSwitchDecoder.TEMPLATE_ID -> onSwitch(m, ctx);
                case SpaceActivateReplyDecoder.TEMPLATE_ID -> onActivateReply(m, ctx);
                default -> ctx.replyError(m, ErrorCode.UNSUPPORTED);
            }
            return;
        }
        if (m.is(TimerFiredDecoder.SCHEMA_ID, TimerFiredDecoder.TEMPLATE_ID))
        {
            timerArmed = false;
            flush(ctx);
        }
    }

    private void onInvalidate(final Message m, final ActorContext ctx)
    {
        final TlbInvalidateDecoder d = invalidateDecoder;
        d.wrap(m.buffer(), m.bodyOffset(), m.blockLength(), m.version());
        final int asid = d.asid();
        final short scope = d.scopeRaw();
        final long batchId = d.batchId();
        final long before = tlb.entriesInvalidated();
        if (scope == InvalidateScope.RANGES.value())
        {
            final TlbInvalidateDecoder.RangesDecoder ranges = d.ranges();
            while (ranges.hasNext())
            {
                ranges.next();
                tlb.invalidateRange(asid, ranges.virtualAddress(), ranges.length());
            }
        }
        else
        {
            // WHOLE_SPACE and SPACE_DESTROYED (and any scope this version does not know:
            // dropping more than asked is always safe).
            tlb.invalidateAsid(asid);
        }
        if (scope == InvalidateScope.SPACE_DESTROYED.value() && asid >= 1 && asid <= maxAsid)
        {
            if (states[asid] == ACTIVATING)
            {
                state(asid, CANCELLED, REASON_DESTROYED, ctx);
            }
            else if (states[asid] == ACTIVE)
            {
                state(asid, INACTIVE, REASON_DESTROYED, ctx);
            }
            if (current == asid)
            {
                current = 0;
                currentRoot = -1;
            }
        }
        final long dropped = tlb.entriesInvalidated() - before;
        invalidationsHandled++;
        entriesDropped += dropped;
        send(ctx, SEND_ACK, m.source(), m.correlationId(), batchId, asid, dropped);
    }

    private void onSwitch(final Message m, final ActorContext ctx)
    {
        switchDecoder.wrap(m.buffer(), m.bodyOffset(), m.blockLength(), m.version());
        final int asid = switchDecoder.asid();
        if (asid == 0)
        {
            current = 0;
            currentRoot = -1;
            send(ctx, SEND_SWITCH_REPLY, m.source(), m.correlationId(), VmStatus.OK.value(), 0, 0);
            return;
        }
        if (asid > maxAsid)
        {
            send(ctx, SEND_SWITCH_REPLY, m.source(), m.correlationId(), VmStatus.NO_SUCH_SPACE.value(), current, 0);
            return;
        }
        final byte state = states[asid];
        if (state == ACTIVE)
        {
            current = asid;
            currentRoot = roots[asid];
            send(ctx, SEND_SWITCH_REPLY, m.source(), m.correlationId(), VmStatus.OK.value(), asid, 0);
        }
        else if (state == INACTIVE)
        {
            state(asid, ACTIVATING, REASON_SWITCH, ctx);
            switchRequester[asid] = m.source();
            switchCorrelation[asid] = m.correlationId();
            send(ctx, SEND_ACTIVATE, vm, ctx.nextCorrelationId(), asid, 0, 0);
        }
        else
        {
            send(ctx, SEND_SWITCH_REPLY, m.source(), m.correlationId(), VmStatus.BUSY.value(), current, 0);
        }
    }

    private void onActivateReply(final Message m, final ActorContext ctx)
    {
        activateReplyDecoder.wrap(m.buffer(), m.bodyOffset(), m.blockLength(), m.version());
        final int asid = activateReplyDecoder.asid();
        if (asid < 1 || asid > maxAsid)
        {
            return;
        }
        final short status = activateReplyDecoder.statusRaw();
        final byte state = states[asid];
        if (state == ACTIVATING && status == VmStatus.OK.value())
        {
            state(asid, ACTIVE, REASON_ACTIVATED, ctx);
            roots[asid] = activateReplyDecoder.root();
            current = asid;
            currentRoot = roots[asid];
            send(ctx, SEND_SWITCH_REPLY, switchRequester[asid], switchCorrelation[asid], status, asid, 0);
        }
        else if (state == ACTIVATING || state == CANCELLED)
        {
            state(asid, INACTIVE, state == CANCELLED ? REASON_DESTROYED : REASON_REFUSED, ctx);
            final short refused = state == CANCELLED ? VmStatus.NO_SUCH_SPACE.value() : status;
            send(ctx, SEND_SWITCH_REPLY, switchRequester[asid], switchCorrelation[asid], refused, current, 0);
        }
    }

    /** The one place a space's state on this CPU changes: traced as {@code asid << 8 | state}. */
    private void state(final int asid, final byte next, final int reason, final ActorContext ctx)
    {
        states[asid] = next;
        ctx.traceState((asid << 8) | next, reason);
    }

    /**
     * The MMU: translate an access of the running space through the TLB, walking the page
     * tables (and filling the TLB) on a miss. Called on this CPU's thread only.
     *
     * @param virtualAddress the address accessed.
     * @param accessKind     {@link AccessKind}.
     * @return the physical address, or {@link #NO_SPACE}, {@link PageTableStatus#NOT_MAPPED},
     * {@link PageTableStatus#PERMISSION}, {@link PageTableStatus#BAD_ADDRESS}: a page fault to
     * report to the VM service.
     */
    public long access(final long virtualAddress, final int accessKind)
    {
        if (current == 0)
        {
            return NO_SPACE;
        }
        final int entry = tlb.lookup(current, virtualAddress);
        if (entry != Tlb.MISS)
        {
            final int flags = tlb.flags(entry);
            if (!permits(flags, accessKind))
            {
                // The fault discards the entry: the retry sees the tables as they are now.
                tlb.invalidatePage(current, virtualAddress);
                permissionFaults++;
                return PageTableStatus.PERMISSION;
            }
            if (accessKind != AccessKind.WRITE || (flags & PageFlags.DIRTY) != 0)
            {
                return tlb.physicalAddress(entry, virtualAddress);
            }
            // First write through a clean entry: walk again so the entry becomes dirty.
        }
        walks++;
        final long pa = format.translate(currentRoot, virtualAddress, accessKind, true);
        if (pa < 0)
        {
            if (pa == PageTableStatus.PERMISSION)
            {
                permissionFaults++;
            }
            return pa;
        }
        final int flags = format.flags(currentRoot, virtualAddress);
        final long size = format.pageSize(currentRoot, virtualAddress);
        if (flags >= 0 && size > 0)
        {
            tlb.insert(current, virtualAddress, pa, size, flags);
        }
        return pa;
    }

    private static boolean permits(final int flags, final int accessKind)
    {
        if ((flags & PageFlags.USER) == 0)
        {
            return false;
        }
        final int needed = accessKind == AccessKind.WRITE ? PageFlags.WRITE :
            accessKind == AccessKind.EXECUTE ? PageFlags.EXECUTE : PageFlags.READ;
        return (flags & needed) != 0;
    }

    // ---------------------------------------------------------------------------------------
    // Sending, with a backlog for back-pressure (an acknowledgement is never dropped).
    // ---------------------------------------------------------------------------------------

    private void send(
        final ActorContext ctx, final int kind, final long destination, final long correlationId,
        final long a, final long b, final long c)
    {
        if (outCount == 0 && trySend(ctx, kind, destination, correlationId, a, b, c))
        {
            return;
        }
        if (outCount == outKind.length)
        {
            throw new IllegalStateException("tlb: backlog of refused sends is full");
        }
        final int tail = (outHead + outCount) % outKind.length;
        outKind[tail] = kind;
        outDestination[tail] = destination;
        outCorrelation[tail] = correlationId;
        outA[tail] = a;
        outB[tail] = b;
        outC[tail] = c;
        outCount++;
        armTimer(ctx);
    }

    private void flush(final ActorContext ctx)
    {
        while (outCount > 0)
        {
            final int h = outHead;
            if (!trySend(ctx, outKind[h], outDestination[h], outCorrelation[h], outA[h], outB[h], outC[h]))
            {
                armTimer(ctx);
                return;
            }
            outHead = (h + 1) % outKind.length;
            outCount--;
        }
    }

    private void armTimer(final ActorContext ctx)
    {
        if (!timerArmed)
        {
            if (ctx.setTimer(ctx.nanoTime() + RETRY_NANOS, 0) < 0)
            {
                throw new IllegalStateException("tlb: no timer left to retry a back-pressured send");
            }
            timerArmed = true;
        }
    }

    private boolean trySend(
        final ActorContext ctx, final int kind, final long destination, final long correlationId,
        final long a, final long b, final long c)
    {
        final int result;
        if (kind == SEND_ACK)
        {
            result = ctx.claim(destination, correlationId, ack, 0);
            if (result >= 0)
            {
                ack.batchId(a).asid((int)b).cpu(ctx.cpu()).entriesDropped(c);
            }
        }
        else if (kind == SEND_SWITCH_REPLY)
        {
            result = ctx.claim(destination, correlationId, switchReply, 0);
            if (result >= 0)
            {
                switchReply.status(VmStatus.get((short)a)).asid((int)b).cpu(ctx.cpu());
            }
        }
        else
        {
            result = ctx.claim(destination, correlationId, activate, 0);
            if (result >= 0)
            {
                activate.asid((int)a);
            }
        }
        if (result == ActorContext.NO_SUCH_CPU)
        {
            // Nobody to tell; nothing to keep.
            return true;
        }
        if (result < 0)
        {
            return false;
        }
        ctx.commit();
        return true;
    }

    // ---------------------------------------------------------------------------------------
    // Inspection.
    // ---------------------------------------------------------------------------------------

    /** @return this CPU's TLB. */
    public Tlb tlb()
    {
        return tlb;
    }

    /** @return the address-space id running on this CPU, 0 for none. */
    public int currentAsid()
    {
        return current;
    }

    /**
     * @param asid an address-space id.
     * @return true when this CPU may cache the space's translations.
     */
    public boolean isActive(final int asid)
    {
        return asid >= 1 && asid <= maxAsid && states[asid] == ACTIVE;
    }

    /** @return TlbInvalidate messages handled. */
    public long invalidationsHandled()
    {
        return invalidationsHandled;
    }

    /** @return TLB entries those invalidations dropped. */
    public long entriesDropped()
    {
        return entriesDropped;
    }

    /** @return page-table walks done on TLB misses. */
    public long walks()
    {
        return walks;
    }

    /** @return accesses refused for lack of permission. */
    public long permissionFaults()
    {
        return permissionFaults;
    }
}
