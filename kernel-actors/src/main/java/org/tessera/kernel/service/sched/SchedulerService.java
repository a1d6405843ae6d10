package org.tessera.kernel.service.sched;

import org.tessera.arch.spi.UserEngine;
import org.tessera.kernel.runtime.Actor;
import org.tessera.kernel.runtime.ActorAddress;
import org.tessera.kernel.runtime.ActorContext;
import org.tessera.kernel.runtime.Message;
import org.tessera.kernel.runtime.SendBacklog;
import org.tessera.kernel.runtime.ServiceIds;
import org.tessera.kernel.runtime.UserExecution;
import org.tessera.kernel.service.proc.Pids;
import org.tessera.messages.proc.FaultTrapEncoder;
import org.tessera.messages.proc.ResumeAction;
import org.tessera.messages.proc.SyscallResultDecoder;
import org.tessera.messages.proc.SyscallTrapEncoder;
import org.tessera.messages.proc.ThreadStartDecoder;
import org.tessera.messages.proc.ThreadStopDecoder;
import org.tessera.messages.vm.InvalidateScope;
import org.tessera.messages.vm.TlbInvalidateAckEncoder;
import org.tessera.messages.vm.TlbInvalidateDecoder;
import org.tessera.messages.proc.ThreadsStoppedEncoder;
import org.tessera.messages.runtime.TimerFiredDecoder;

/**
 * One per CPU: the run queue, the thread contexts (integer and FP registers, pc, fcsr), and
 * the CPU's RV64 engine with its ASID-tagged TLB.
 *
 * <p>A thread is in one of three states: free, runnable (current or queued) or parked (a trap
 * message is out and the thread waits for its {@code SyscallResult}). {@link #run} runs the
 * current thread until its tick budget is used up (the engine stops after exactly that many
 * instructions, so preemption is exact and repeatable) or it traps. A used-up budget rotates
 * the queue; an {@code ecall} becomes a {@code SyscallTrap} to this CPU's syscall service and a
 * fault a {@code FaultTrap} to this CPU's process manager. A trap that cannot be sent (local
 * queue full) is kept and sent again before anything else runs.
 *
 * <p>Threads are named in messages by a key (generation &lt;&lt; 32 | slot) that changes every
 * time a slot is reused, so a late result for a thread that was killed is recognised and dropped.
 */
public final class SchedulerService implements Actor, UserExecution
{
    private static final int FREE = 0;
    private static final int RUNNABLE = 1;
    private static final int PARKED = 2;
    private static final int TRAP_SYSCALL = 3;
    private static final int TRAP_FAULT = 4;
    private static final int NONE = -1;
    private static final int TLB_ENTRIES = 256;
    private static final int ACKS = 1024;
    /** Traps per slice whose replies are handled in place before the loop cycle ends. */
    private static final int IN_PLACE_ROUNDS = 32;

    private final int cpu;
    private final int cpuCount;
    private final long tick;
    private final UserEngine engine;
    private final long[] keys;
    private final int[] state;
    private final int[] pids;
    private final long[] roots;
    private final long[] retired;
    private final int[] queue;
    private final int[] trapped;
    private final int[] trapCause;
    private final int[] trapKind;
    private final int[] trapAccess;
    /** ThreadsStopped confirmations a full queue refused (value: pid, detail: instructions). */
    private final SendBacklog stopped;
    private boolean retryArmed;
    private final long[] trapValue;
    private final int capacity;

    private final SyscallResultDecoder resultDecoder = new SyscallResultDecoder();
    private final ThreadStartDecoder startDecoder = new ThreadStartDecoder();
    private final ThreadStopDecoder stopDecoder = new ThreadStopDecoder();
    private final SyscallTrapEncoder trapEncoder = new SyscallTrapEncoder();
    private final FaultTrapEncoder faultEncoder = new FaultTrapEncoder();
    private final ThreadsStoppedEncoder stoppedEncoder = new ThreadsStoppedEncoder();

    private long syscallAddress;
    private long procAddress;
    private int queueHead;
    private int queueCount;
    private int trappedCount;
    private int current = NONE;
    private long quantumLeft;
    private long loadedRoot = -1;
    private int loadedAsid = -1;
    private final int[] asids;
    private final TlbInvalidateDecoder invalidateDecoder = new TlbInvalidateDecoder();
    private final TlbInvalidateAckEncoder ackEncoder = new TlbInvalidateAckEncoder();
    /** Acknowledgements a full queue refused, kept in order (at most one per VM session; value: batch). */
    private final SendBacklog acks = new SendBacklog(ACKS);
    private long invalidations;
    private long generation;
    private long switches;
    private long ticks;
    private long syscalls;
    private long faults;
    private long totalRetired;

    /**
     * @param cpu      this CPU.
     * @param cpuCount CPUs in the machine.
     * @param threads  threads this CPU can hold.
     * @param tick     user instructions per scheduler tick.
     * @param engine   this CPU's user-mode engine (architecture SPI), holding one context per thread.
     */
    public SchedulerService(final int cpu, final int cpuCount, final int threads, final long tick, final UserEngine engine)
    {
        if (threads < 1 || threads > 0xFFFF || tick < 1 || engine.contexts() < threads)
        {
            throw new IllegalArgumentException("threads must be 1..65535, the tick positive, an engine context per thread");
        }
        this.cpu = cpu;
        this.cpuCount = cpuCount;
        this.tick = tick;
        this.engine = engine;
        this.capacity = threads;
        this.keys = new long[threads];
        this.state = new int[threads];
        this.pids = new int[threads];
        this.roots = new long[threads];
        this.asids = new int[threads];
        this.retired = new long[threads];
        this.queue = new int[threads];
        this.trapped = new int[threads];
        this.trapCause = new int[threads];
        this.trapKind = new int[threads];
        this.trapAccess = new int[threads];
        this.stopped = new SendBacklog(threads);
        this.trapValue = new long[threads];
        this.syscallAddress = ActorAddress.of(cpu, ServiceIds.SYSCALL, 0);
        this.procAddress = ActorAddress.of(cpu, ServiceIds.PROC, 0);
    }

    // ------------------------------------------------------------------ messages

    public void onMessage(final Message m, final ActorContext ctx)
    {
        if (m.is(TimerFiredDecoder.SCHEMA_ID, TimerFiredDecoder.TEMPLATE_ID))
        {
            retryArmed = false;
            flushStopped(ctx);
            flushAcks(ctx);
            return;
        }
        if (m.is(TlbInvalidateDecoder.SCHEMA_ID, TlbInvalidateDecoder.TEMPLATE_ID))
        {
            onInvalidate(m, ctx);
            return;
        }
        if (m.schemaId() != SyscallResultDecoder.SCHEMA_ID)
        {
            return;
        }
        switch (m.templateId())
        {
            case SyscallResultDecoder.TEMPLATE_ID -> onResult(m);
            case ThreadStartDecoder.TEMPLATE_ID -> onStart(m);
            case ThreadStopDecoder.TEMPLATE_ID -> onStop(m, ctx);
            default ->
            {
            }
        }
    }

    private void onResult(final Message m)
    {
        resultDecoder.wrap(m.buffer(), m.bodyOffset(), m.blockLength(), m.version());
        final long key = resultDecoder.threadKey();
        final int t = (int)(key & 0xFFFF);
        if (t >= capacity || keys[t] != key || state[t] != PARKED)
        {
            return;
        }
        final short action = resultDecoder.actionRaw();
        if (action != ResumeAction.RETRY.value())
        {
            engine.completeSyscall(t, resultDecoder.value());
        }
        if (resultDecoder.flushTlb() != 0)
        {
            engine.flushAddressSpace(asids[t]);
        }
        state[t] = RUNNABLE;
        enqueue(t);
    }

    private void onStart(final Message m)
    {
        startDecoder.wrap(m.buffer(), m.bodyOffset(), m.blockLength(), m.version());
        int t = NONE;
        for (int i = 0; i < capacity; i++)
        {
            if (state[i] == FREE)
            {
                t = i;
                break;
            }
        }
        if (t == NONE)
        {
            throw new IllegalStateException("scheduler thread table full: the process manager admitted too many");
        }
        generation++;
        keys[t] = (generation << 32) | t;
        pids[t] = startDecoder.pid();
        roots[t] = startDecoder.root();
        final int asid = startDecoder.asid();
        asids[t] = asid > 0 && asid != ThreadStartDecoder.asidNullValue() ? asid : Pids.asid(pids[t], cpuCount);
        retired[t] = 0;
        engine.resetContext(t, startDecoder.pc(), startDecoder.sp(), 0);
        state[t] = RUNNABLE;
        enqueue(t);
    }

    private void onStop(final Message m, final ActorContext ctx)
    {
        stopDecoder.wrap(m.buffer(), m.bodyOffset(), m.blockLength(), m.version());
        final int pid = stopDecoder.pid();
        long instructions = 0;
        int asid = Pids.asid(pid, cpuCount);
        for (int t = 0; t < capacity; t++)
        {
            if (state[t] != FREE && pids[t] == pid)
            {
                asid = asids[t];
                instructions += retired[t];
                state[t] = FREE;
                keys[t] = 0;
                if (current == t)
                {
                    current = NONE;
                }
            }
        }
        compactQueues();
        engine.flushAddressSpace(asid);
        loadedRoot = -1;
        if (!stopped.isEmpty() || !sendStopped(ctx, pid, instructions))
        {
            // the process manager's queue is full: confirm later, in order, from a timer
            if (!stopped.add(procAddress, 0, pid, instructions))
            {
                throw new IllegalStateException("more pending stop confirmations than threads");
            }
            armRetry(ctx);
        }
    }

    /**
     * A shootdown from the CPU's process VM: this CPU's TLB is the user engine's, so drop the
     * space's translations there (all of them: the engine's TLB is small and refills on its own)
     * and acknowledge. The VM answers the change that caused it only after this acknowledgement,
     * so a thread resumed by that answer can no longer use a translation it took away.
     */
    private void onInvalidate(final Message m, final ActorContext ctx)
    {
        invalidateDecoder.wrap(m.buffer(), m.bodyOffset(), m.blockLength(), m.version());
        final int asid = invalidateDecoder.asid();
        final long batch = invalidateDecoder.batchId();
        engine.flushAddressSpace(asid);
        invalidations++;
        if (asid == loadedAsid && invalidateDecoder.scope() == InvalidateScope.SPACE_DESTROYED)
        {
            // the root is being freed: the next thread loads its space afresh
            loadedRoot = -1;
        }
        if (!acks.isEmpty() || !sendAck(ctx, m.source(), m.correlationId(), batch))
        {
            if (!acks.add(m.source(), m.correlationId(), batch, 0))
            {
                throw new IllegalStateException("more pending TLB acknowledgements than VM sessions");
            }
            armRetry(ctx);
        }
    }

    private boolean sendAck(final ActorContext ctx, final long to, final long correlation, final long batch)
    {
        if (ctx.claim(to, correlation, ackEncoder, 0) < 0)
        {
            return false;
        }
        ackEncoder.batchId(batch);
        ctx.commit();
        return true;
    }

    private void flushAcks(final ActorContext ctx)
    {
        while (!acks.isEmpty() && sendAck(ctx, acks.destination(), acks.correlation(), acks.value()))
        {
            acks.remove();
        }
        if (!acks.isEmpty())
        {
            armRetry(ctx);
        }
    }

    private boolean sendStopped(final ActorContext ctx, final int pid, final long instructions)
    {
        if (ctx.claim(procAddress, 0, stoppedEncoder, 0) < 0)
        {
            return false;
        }
        stoppedEncoder.pid(pid).instructions(instructions);
        ctx.commit();
        return true;
    }

    private void flushStopped(final ActorContext ctx)
    {
        while (!stopped.isEmpty() && sendStopped(ctx, (int)stopped.value(), stopped.detail()))
        {
            stopped.remove();
        }
        if (!stopped.isEmpty())
        {
            armRetry(ctx);
        }
    }

    private void armRetry(final ActorContext ctx)
    {
        if (!retryArmed && ctx.setTimer(ctx.nanoTime() + 10_000, 0) >= 0)
        {
            retryArmed = true;
        }
    }

    /** Drop freed threads from the run queue and the pending-trap list, keeping the order of the rest. */
    private void compactQueues()
    {
        int kept = 0;
        for (int i = 0; i < queueCount; i++)
        {
            final int t = queue[(queueHead + i) % capacity];
            if (state[t] == RUNNABLE)
            {
                queue[(queueHead + kept) % capacity] = t;
                kept++;
            }
        }
        queueCount = kept;
        kept = 0;
        for (int i = 0; i < trappedCount; i++)
        {
            final int t = trapped[i];
            if (state[t] == TRAP_SYSCALL || state[t] == TRAP_FAULT)
            {
                trapped[kept++] = t;
            }
        }
        trappedCount = kept;
    }

    private void enqueue(final int t)
    {
        // a compare instead of a remainder: this runs on every trap result and every switch
        int at = queueHead + queueCount;
        if (at >= capacity)
        {
            at -= capacity;
        }
        queue[at] = t;
        queueCount++;
    }

    // ------------------------------------------------------------------ user execution

    public boolean runnable()
    {
        return current != NONE || queueCount > 0 || trappedCount > 0;
    }

    public long run(final ActorContext ctx)
    {
        long slice = 0;
        for (int round = 1; ; round++)
        {
            if (trappedCount > 0 && !resendTraps(ctx))
            {
                return slice;
            }
            if (current == NONE)
            {
                if (queueCount == 0)
                {
                    return slice;
                }
                current = queue[queueHead];
                queueHead = queueHead + 1 == capacity ? 0 : queueHead + 1;
                queueCount--;
                quantumLeft = tick;
                switches++;
            }
            final int t = current;
            if (roots[t] != loadedRoot || asids[t] != loadedAsid)
            {
                engine.addressSpace(roots[t], asids[t]);
                loadedRoot = roots[t];
                loadedAsid = asids[t];
            }
            // after a trap handled in place, the rest of the slice's tick at most: a thread
            // whose quantum goes on simply stays current for the next cycle
            final int outcome = engine.run(t, round == 1 ? quantumLeft : Math.min(quantumLeft, tick - slice));
            final long done = engine.lastRetired();
            quantumLeft -= done;
            retired[t] += done;
            totalRetired += done;
            slice += done;
            if (outcome == UserEngine.BUDGET)
            {
                if (quantumLeft <= 0)
                {
                    ticks++;
                    state[t] = RUNNABLE;
                    enqueue(t);
                    current = NONE;
                }
                return slice;
            }
            if (outcome == UserEngine.INTERRUPT)
            {
                engine.takeInterrupts();
                return slice;
            }
            current = NONE;
            trapCause[t] = outcome == UserEngine.SYSCALL ? 0 : engine.faultCause();
            trapValue[t] = outcome == UserEngine.SYSCALL ? 0 : engine.faultValue();
            trapKind[t] = outcome == UserEngine.SYSCALL ? 0 : engine.faultKind();
            trapAccess[t] = outcome == UserEngine.SYSCALL ? -1 : engine.faultAccess();
            state[t] = outcome == UserEngine.SYSCALL ? TRAP_SYSCALL : TRAP_FAULT;
            if (outcome == UserEngine.SYSCALL)
            {
                syscalls++;
            }
            else
            {
                faults++;
            }
            if (!sendTrap(ctx, t))
            {
                trapped[trappedCount++] = t;
                return slice;
            }
            // The trap went to an actor of this CPU: have it (and what it sends on this CPU)
            // handled now, in place, so that a call it answers at once resumes the thread in
            // this same slice instead of in the next loop cycle. Every state this actor keeps
            // is consistent here (the thread is parked, none is current), so the reply can be
            // handled by onMessage while this run is on the stack. A slice ends after at most
            // IN_PLACE_ROUNDS traps or once it has run a tick's worth of instructions, so the
            // clock, timers and inbox are served as often as without it.
            if (round >= IN_PLACE_ROUNDS || slice >= tick || ctx.handleLocalNow(slice) == 0)
            {
                return slice;
            }
        }
    }

    private boolean resendTraps(final ActorContext ctx)
    {
        while (trappedCount > 0)
        {
            final int t = trapped[0];
            if (!sendTrap(ctx, t))
            {
                return false;
            }
            trappedCount--;
            for (int i = 0; i < trappedCount; i++)
            {
                trapped[i] = trapped[i + 1];
            }
        }
        return true;
    }

    private boolean sendTrap(final ActorContext ctx, final int t)
    {
        if (state[t] == TRAP_SYSCALL)
        {
            if (ctx.claim(syscallAddress, keys[t], trapEncoder, 0) < 0)
            {
                return false;
            }
            trapEncoder.threadKey(keys[t]).pid(pids[t]).root(roots[t]).number(engine.syscallNumber(t))
                .a0(engine.syscallArgument(t, 0)).a1(engine.syscallArgument(t, 1)).a2(engine.syscallArgument(t, 2))
                .a3(engine.syscallArgument(t, 3)).a4(engine.syscallArgument(t, 4)).a5(engine.syscallArgument(t, 5));
        }
        else
        {
            if (ctx.claim(procAddress, keys[t], faultEncoder, 0) < 0)
            {
                return false;
            }
            faultEncoder.threadKey(keys[t]).pid(pids[t]).cause(trapCause[t]).tval(trapValue[t])
                .pc(engine.programCounter(t)).kind((short)trapKind[t]).access((byte)trapAccess[t]);
        }
        ctx.commit();
        state[t] = PARKED;
        return true;
    }

    // ------------------------------------------------------------------ observation

    /** @return shootdowns of the CPU's process VM handled (each dropped a space's TLB entries). */
    public long invalidations()
    {
        return invalidations;
    }

    /** @return the CPU's engine (statistics, tests). */
    public UserEngine engine()
    {
        return engine;
    }

    /** @return threads that exist on this CPU (runnable or parked). */
    public int threads()
    {
        int n = 0;
        for (int t = 0; t < capacity; t++)
        {
            n += state[t] == FREE ? 0 : 1;
        }
        return n;
    }

    /** @return thread switches (a thread taken from the run queue). */
    public long switches()
    {
        return switches;
    }

    /** @return budgets used up (timer ticks that preempted a thread). */
    public long ticks()
    {
        return ticks;
    }

    /** @return ecalls trapped. */
    public long syscalls()
    {
        return syscalls;
    }

    /** @return faults trapped. */
    public long faults()
    {
        return faults;
    }

    /** @return user instructions retired on this CPU. */
    public long retired()
    {
        return totalRetired;
    }

    /** @return this CPU's index. */
    public int cpu()
    {
        return cpu;
    }
}
