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
    private long handled;
    private long forwarded;

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
            reply(ctx, timer.payload(), 0, ResumeAction.RETURN);
        }
    }

    private void onTrap(final ActorContext ctx)
    {
        final long key = trap.threadKey();
        final long number = trap.number();
        if (number == SyscallNumbers.WRITE)
        {
            reply(ctx, key, write(ctx), ResumeAction.RETURN);
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
        final long buf = trap.a1();
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
        if (!guest.check(trap.root(), buf, total, AccessKind.READ))
        {
            return -Errno.EFAULT;
        }
        long done = 0;
        while (done < total)
        {
            final int n = (int)Math.min(CONSOLE_CHUNK, total - done);
            if (guest.copyIn(trap.root(), buf + done, scratch, 0, n) < 0)
            {
                return done > 0 ? done : -Errno.EFAULT;
            }
            if (ctx.claim(consoleAddress, 0, console, ConsoleWriteEncoder.bytesHeaderLength() + n) < 0)
            {
                return done > 0 ? done : -Errno.EAGAIN;
            }
            console.pid(trap.pid()).fd((short)fd).putBytes(scratch, 0, n);
            ctx.commit();
            done += n;
        }
        return done;
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

    private void forward(final ActorContext ctx, final long key)
    {
        if (ctx.claim(procAddress, key, call, 0) < 0)
        {
            reply(ctx, key, -Errno.EAGAIN, ResumeAction.RETURN);
            return;
        }
        call.threadKey(key).pid(trap.pid()).number(trap.number()).a0(trap.a0()).a1(trap.a1()).a2(trap.a2())
            .a3(trap.a3()).a4(trap.a4()).a5(trap.a5());
        ctx.commit();
        forwarded++;
    }

    private void reply(final ActorContext ctx, final long key, final long value, final ResumeAction action)
    {
        if (ctx.claim(schedAddress, key, result, 0) < 0)
        {
            throw new IllegalStateException("local queue full: cannot resume a thread");
        }
        result.threadKey(key).value(value).action(action).flushTlb((short)0);
        ctx.commit();
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
