package org.tessera.kernel.service.syscall;

import org.agrona.concurrent.UnsafeBuffer;
import org.tessera.arch.spi.AccessKind;
import org.tessera.arch.spi.PageTableFormat;
import org.tessera.arch.spi.PhysicalMemory;
import org.tessera.kernel.runtime.ActorAddress;
import org.tessera.kernel.runtime.Actor;
import org.tessera.kernel.runtime.ActorContext;
import org.tessera.kernel.runtime.Message;
import org.tessera.kernel.runtime.ServiceIds;
import org.tessera.messages.proc.ConsoleWriteEncoder;
import org.tessera.messages.proc.ProcessCallEncoder;
import org.tessera.messages.proc.ResumeAction;
import org.tessera.messages.proc.SyscallResultEncoder;
import org.tessera.messages.proc.SyscallTrapDecoder;
import org.tessera.messages.runtime.TimerFiredDecoder;

/**
 * One per CPU: receives every {@code ecall} of the CPU's threads as a {@code SyscallTrap}.
 * Calls that need nothing but the caller's registers, its memory and the CPU's clock are
 * answered here (write to the console, getpid, gettid, sched_yield, clock_gettime,
 * nanosleep with a timer, unknown numbers); calls on the process or its address space (exit,
 * brk, mmap, munmap, mprotect, wait4, kill, spawn) go on to the CPU's process manager as a
 * {@code ProcessCall}. The answer is always a {@code SyscallResult} to the CPU's scheduler.
 *
 * <p>A write that finds the console's queue full waits (as a write to a full terminal blocks)
 * and is retried from a timer; a call for the process manager or a resume that finds its
 * queue full is kept in order and retried the same way. Nothing a guest does can make this service drop a reply or panic.
 *
 * <p>Pointers are checked page by page against the caller's page tables as a user access
 * ({@link GuestAccess}): a bad one gets {@code -EFAULT}, never a kernel fault.
 */
public final class SyscallService implements Actor
{
    /** Bytes per {@code ConsoleWrite} message. */
    public static final int CONSOLE_CHUNK = 2048;
    /** Bytes one write call passes on at most (a larger write is partial, as Linux allows). */
    public static final int MAX_WRITE = 16 * CONSOLE_CHUNK;
    private static final long NANOS_PER_SECOND = 1_000_000_000L;
    /** Results kept while the scheduler's queue is full: one per parked thread at most. */
    private static final int PENDING_RESULTS = 1024;
    /** Timer payload of the retry timer (a thread key is never 0). */
    private static final long RETRY = 0;
    private static final long RETRY_DELAY_NANOS = 10_000;
    /** Internal result of a write that found no room for its first chunk. */
    private static final long BLOCKED = Long.MIN_VALUE;
    /** Words of a waiting call: key, pid, number, a0-a5. */
    private static final int CALL_WORDS = 9;

    private final GuestAccess guest;
    private final long realtimeOffset;
    private final long schedAddress;
    private final long procAddress;
    private final long consoleAddress;
    private final UnsafeBuffer scratch = new UnsafeBuffer(new byte[CONSOLE_CHUNK]);
    private final UnsafeBuffer timespec = new UnsafeBuffer(new byte[16]);
    private final SyscallTrapDecoder trap = new SyscallTrapDecoder();
    private final TimerFiredDecoder timer = new TimerFiredDecoder();
    private final SyscallResultEncoder result = new SyscallResultEncoder();
    private final ProcessCallEncoder call = new ProcessCallEncoder();
    private final ConsoleWriteEncoder console = new ConsoleWriteEncoder();
    private final long[] pendingKey = new long[PENDING_RESULTS];
    private final long[] pendingValue = new long[PENDING_RESULTS];
    private final boolean[] pendingYield = new boolean[PENDING_RESULTS];
    private int pendingCount;
    private final long[] writeKey = new long[PENDING_RESULTS];
    private final int[] writePid = new int[PENDING_RESULTS];
    private final long[] writeRoot = new long[PENDING_RESULTS];
    private final int[] writeFd = new int[PENDING_RESULTS];
    private final long[] writeBuf = new long[PENDING_RESULTS];
    private final long[] writeLength = new long[PENDING_RESULTS];
    private int writeCount;
    private final long[] calls = new long[PENDING_RESULTS * CALL_WORDS];
    private int callCount;
    private boolean retryArmed;
    private long handled;
    private long forwarded;
    private long waited;

    /**
     * @param cpu            this CPU.
     * @param format         page-table format of the address spaces.
     * @param memory         physical memory.
     * @param realtimeOffset nanoseconds added to the CPU clock for {@code CLOCK_REALTIME}.
     */
    public SyscallService(final int cpu, final PageTableFormat format, final PhysicalMemory memory,
        final long realtimeOffset)
    {
        this.guest = new GuestAccess(format, memory);
        this.realtimeOffset = realtimeOffset;
        this.schedAddress = ActorAddress.of(cpu, ServiceIds.SCHED, 0);
        this.procAddress = ActorAddress.of(cpu, ServiceIds.PROC, 0);
        this.consoleAddress = ActorAddress.of(cpu, ServiceIds.CONSOLE, 0);
    }

    public void onMessage(final Message m, final ActorContext ctx)
    {
        if (m.is(SyscallTrapDecoder.SCHEMA_ID, SyscallTrapDecoder.TEMPLATE_ID))
        {
            trap.wrap(m.buffer(), m.bodyOffset(), m.blockLength(), m.version());
            handled++;
            onTrap(ctx);
        }
        else if (m.is(TimerFiredDecoder.SCHEMA_ID, TimerFiredDecoder.TEMPLATE_ID))
        {
            timer.wrap(m.buffer(), m.bodyOffset(), m.blockLength(), m.version());
            if (timer.payload() == RETRY)
            {
                retryArmed = false;
                flushPending(ctx);
                flushCalls(ctx);
                retryWrites(ctx);
            }
            else
            {
                reply(ctx, timer.payload(), 0, ResumeAction.RETURN);
            }
        }
    }

    private void onTrap(final ActorContext ctx)
    {
        final long key = trap.threadKey();
        final long number = trap.number();
        if (number == SyscallNumbers.WRITE)
        {
            final long r = write(ctx);
            if (r == BLOCKED)
            {
                blockWrite(ctx, key);
            }
            else
            {
                reply(ctx, key, r, ResumeAction.RETURN);
            }
        }
        else if (number == SyscallNumbers.GETPID || number == SyscallNumbers.GETTID)
        {
            // one thread per process so far: the main thread's id is the pid
            reply(ctx, key, trap.pid(), ResumeAction.RETURN);
        }
        else if (number == SyscallNumbers.SCHED_YIELD)
        {
            reply(ctx, key, 0, ResumeAction.YIELD);
        }
        else if (number == SyscallNumbers.CLOCK_GETTIME)
        {
            reply(ctx, key, clockGettime(ctx), ResumeAction.RETURN);
        }
        else if (number == SyscallNumbers.NANOSLEEP)
        {
            nanosleep(ctx, key);
        }
        else if (number == SyscallNumbers.EXIT || number == SyscallNumbers.EXIT_GROUP ||
            number == SyscallNumbers.BRK || number == SyscallNumbers.MMAP || number == SyscallNumbers.MUNMAP ||
            number == SyscallNumbers.MPROTECT || number == SyscallNumbers.WAIT4 || number == SyscallNumbers.KILL ||
            number == SyscallNumbers.TESSERA_SPAWN)
        {
            forward(ctx, key);
        }
        else
        {
            reply(ctx, key, -Errno.ENOSYS, ResumeAction.RETURN);
        }
    }

    private long write(final ActorContext ctx)
    {
        final long fd = trap.a0();
        final long len = trap.a2();
        if (fd != 1 && fd != 2)
        {
            return -Errno.EBADF;
        }
        if (len < 0)
        {
            return -Errno.EINVAL;
        }
        final long total = len > MAX_WRITE ? MAX_WRITE : len;
        if (!guest.check(trap.root(), trap.a1(), total, AccessKind.READ))
        {
            return -Errno.EFAULT;
        }
        return copyToConsole(ctx, trap.pid(), trap.root(), (int)fd, trap.a1(), total);
    }

    /**
     * @return bytes passed on, -EFAULT, or {@link #BLOCKED} when the console's queue had no room
     * for the first chunk (the write waits, as a write to a full terminal does).
     */
    private long copyToConsole(final ActorContext ctx, final int pid, final long root, final int fd,
        final long buf, final long total)
    {
        long done = 0;
        while (done < total)
        {
            final int n = (int)Math.min(CONSOLE_CHUNK, total - done);
            if (guest.copyIn(root, buf + done, scratch, 0, n) < 0)
            {
                return done > 0 ? done : -Errno.EFAULT;
            }
            if (ctx.claim(consoleAddress, 0, console, ConsoleWriteEncoder.bytesHeaderLength() + n) < 0)
            {
                return done > 0 ? done : BLOCKED;
            }
            console.pid(pid).fd((short)fd).putBytes(scratch, 0, n);
            ctx.commit();
            done += n;
        }
        return done;
    }

    private void blockWrite(final ActorContext ctx, final long key)
    {
        if (writeCount == PENDING_RESULTS)
        {
            throw new IllegalStateException("more blocked writes than threads");
        }
        writeKey[writeCount] = key;
        writePid[writeCount] = trap.pid();
        writeRoot[writeCount] = trap.root();
        writeFd[writeCount] = (int)trap.a0();
        writeBuf[writeCount] = trap.a1();
        writeLength[writeCount] = Math.min(trap.a2(), MAX_WRITE);
        writeCount++;
        waited++;
        arm(ctx);
    }

    private void retryWrites(final ActorContext ctx)
    {
        int kept = 0;
        for (int i = 0; i < writeCount; i++)
        {
            final long r = copyToConsole(ctx, writePid[i], writeRoot[i], writeFd[i], writeBuf[i], writeLength[i]);
            if (r == BLOCKED)
            {
                writeKey[kept] = writeKey[i];
                writePid[kept] = writePid[i];
                writeRoot[kept] = writeRoot[i];
                writeFd[kept] = writeFd[i];
                writeBuf[kept] = writeBuf[i];
                writeLength[kept] = writeLength[i];
                kept++;
            }
            else
            {
                reply(ctx, writeKey[i], r, ResumeAction.RETURN);
            }
        }
        writeCount = kept;
        if (writeCount > 0)
        {
            arm(ctx);
        }
    }

    private long clockGettime(final ActorContext ctx)
    {
        final long clock = trap.a0();
        final long now;
        // REALTIME, REALTIME_COARSE, TAI: the CPU clock plus the boot offset; MONOTONIC, the
        // CPU-time clocks, MONOTONIC_RAW, MONOTONIC_COARSE, BOOTTIME: the CPU clock
        if (clock == 0 || clock == 5 || clock == 11)
        {
            now = ctx.nanoTime() + realtimeOffset;
        }
        else if (clock == 1 || clock == 2 || clock == 3 || clock == 4 || clock == 6 || clock == 7)
        {
            now = ctx.nanoTime();
        }
        else
        {
            return -Errno.EINVAL;
        }
        timespec.putLong(0, now / NANOS_PER_SECOND);
        timespec.putLong(8, now % NANOS_PER_SECOND);
        return guest.copyOut(trap.root(), trap.a1(), timespec, 0, 16) < 0 ? -Errno.EFAULT : 0;
    }

    private void nanosleep(final ActorContext ctx, final long key)
    {
        if (guest.copyIn(trap.root(), trap.a0(), timespec, 0, 16) < 0)
        {
            reply(ctx, key, -Errno.EFAULT, ResumeAction.RETURN);
            return;
        }
        final long seconds = timespec.getLong(0);
        final long nanos = timespec.getLong(8);
        if (seconds < 0 || nanos < 0 || nanos >= NANOS_PER_SECOND)
        {
            reply(ctx, key, -Errno.EINVAL, ResumeAction.RETURN);
            return;
        }
        final long max = Long.MAX_VALUE / 4 / NANOS_PER_SECOND;
        final long delay = (seconds > max ? max : seconds) * NANOS_PER_SECOND + nanos;
        if (delay == 0)
        {
            reply(ctx, key, 0, ResumeAction.YIELD);
            return;
        }
        if (ctx.setTimer(ctx.nanoTime() + delay, key) < 0)
        {
            reply(ctx, key, -Errno.EAGAIN, ResumeAction.RETURN);
        }
    }

    /** Pass a call to the process manager; when its queue is full the call waits, in order. */
    private void forward(final ActorContext ctx, final long key)
    {
        if (callCount == 0 && sendCall(ctx, key, trap.pid(), trap.number(), trap.a0(), trap.a1(), trap.a2(),
            trap.a3(), trap.a4(), trap.a5()))
        {
            return;
        }
        if (callCount == PENDING_RESULTS)
        {
            throw new IllegalStateException("more waiting calls than threads");
        }
        final int at = callCount * CALL_WORDS;
        calls[at] = key;
        calls[at + 1] = trap.pid();
        calls[at + 2] = trap.number();
        calls[at + 3] = trap.a0();
        calls[at + 4] = trap.a1();
        calls[at + 5] = trap.a2();
        calls[at + 6] = trap.a3();
        calls[at + 7] = trap.a4();
        calls[at + 8] = trap.a5();
        callCount++;
        waited++;
        arm(ctx);
    }

    private boolean sendCall(final ActorContext ctx, final long key, final long pid, final long number, final long a0,
        final long a1, final long a2, final long a3, final long a4, final long a5)
    {
        if (ctx.claim(procAddress, key, call, 0) < 0)
        {
            return false;
        }
        call.threadKey(key).pid((int)pid).number(number).a0(a0).a1(a1).a2(a2).a3(a3).a4(a4).a5(a5);
        ctx.commit();
        forwarded++;
        return true;
    }

    private void flushCalls(final ActorContext ctx)
    {
        int sent = 0;
        while (sent < callCount)
        {
            final int at = sent * CALL_WORDS;
            if (!sendCall(ctx, calls[at], calls[at + 1], calls[at + 2], calls[at + 3], calls[at + 4], calls[at + 5],
                calls[at + 6], calls[at + 7], calls[at + 8]))
            {
                break;
            }
            sent++;
        }
        for (int i = sent * CALL_WORDS; i < callCount * CALL_WORDS; i++)
        {
            calls[i - sent * CALL_WORDS] = calls[i];
        }
        callCount -= sent;
        if (callCount > 0)
        {
            arm(ctx);
        }
    }

    /**
     * Resume a thread. When the scheduler's queue is full (console output can fill it) the
     * result is kept, in order, and sent again from a timer: never dropped, never a panic.
     */
    private void reply(final ActorContext ctx, final long key, final long value, final ResumeAction action)
    {
        if (pendingCount == 0 && send(ctx, key, value, action == ResumeAction.YIELD))
        {
            return;
        }
        if (pendingCount == PENDING_RESULTS)
        {
            throw new IllegalStateException("more pending results than threads");
        }
        pendingKey[pendingCount] = key;
        pendingValue[pendingCount] = value;
        pendingYield[pendingCount] = action == ResumeAction.YIELD;
        pendingCount++;
        waited++;
        arm(ctx);
    }

    private boolean send(final ActorContext ctx, final long key, final long value, final boolean yield)
    {
        if (ctx.claim(schedAddress, key, result, 0) < 0)
        {
            return false;
        }
        result.threadKey(key).value(value).action(yield ? ResumeAction.YIELD : ResumeAction.RETURN).flushTlb((short)0);
        ctx.commit();
        return true;
    }

    private void flushPending(final ActorContext ctx)
    {
        int sent = 0;
        while (sent < pendingCount && send(ctx, pendingKey[sent], pendingValue[sent], pendingYield[sent]))
        {
            sent++;
        }
        for (int i = sent; i < pendingCount; i++)
        {
            pendingKey[i - sent] = pendingKey[i];
            pendingValue[i - sent] = pendingValue[i];
            pendingYield[i - sent] = pendingYield[i];
        }
        pendingCount -= sent;
        if (pendingCount > 0)
        {
            arm(ctx);
        }
    }

    /** @return writes waiting for room in the console's queue. */
    public int blockedWrites()
    {
        return writeCount;
    }

    private void arm(final ActorContext ctx)
    {
        if (!retryArmed && ctx.setTimer(ctx.nanoTime() + RETRY_DELAY_NANOS, RETRY) >= 0)
        {
            retryArmed = true;
        }
    }

    /** @return writes, calls and results that had to wait for room in a full queue. */
    public long waited()
    {
        return waited;
    }

    /** @return traps handled. */
    public long handled()
    {
        return handled;
    }

    /** @return traps passed on to the process manager. */
    public long forwarded()
    {
        return forwarded;
    }
}
