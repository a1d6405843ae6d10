package org.tessera.kernel.service.syscall;

import org.agrona.concurrent.UnsafeBuffer;
import org.tessera.arch.spi.AccessKind;
import org.tessera.arch.spi.PageTableFormat;
import org.tessera.arch.spi.PhysicalMemory;
import org.tessera.kernel.runtime.ActorAddress;
import org.tessera.kernel.runtime.Actor;
import org.tessera.kernel.runtime.ActorContext;
import org.tessera.kernel.runtime.Message;
import org.tessera.kernel.runtime.SendBacklog;
import org.tessera.kernel.runtime.ServiceIds;
import org.tessera.kernel.service.cap.CapabilityChecker;
import org.tessera.kernel.service.cap.CapabilityError;
import org.tessera.kernel.service.cap.CapabilityShards;
import org.tessera.kernel.service.cap.CapabilityStatus;
import org.tessera.kernel.service.cap.CapabilityType;
import org.tessera.kernel.service.cap.Rights;
import org.tessera.kernel.service.proc.Pids;
import org.tessera.messages.cap.CapDeleteEncoder;
import org.tessera.messages.cap.CapDeriveEncoder;
import org.tessera.messages.cap.CapReplyDecoder;
import org.tessera.messages.cap.CapRevokeCompleteDecoder;
import org.tessera.messages.cap.CapRevokeEncoder;
import org.tessera.messages.proc.ConsoleWriteEncoder;
import org.tessera.messages.proc.ProcessCallEncoder;
import org.tessera.messages.proc.ResumeAction;
import org.tessera.messages.proc.SyscallResultEncoder;
import org.tessera.messages.proc.SyscallTrapDecoder;
import org.tessera.messages.runtime.ErrorReplyDecoder;
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
    /** Words of a waiting or parked call: key, pid, root, number, a0-a5 (see {@link #storeCall}). */
    private static final int CALL_WORDS = 10;

    /** {@link #processHandle}: the call names a child (its handle lives in the parent's child records). */
    private static final int CHILD_HANDLE = HandleTable.HANDLES;
    private static final int PARK_SEND_VALIDATE = 1;
    private static final int PARK_WAIT_VALIDATE = 2;
    private static final int PARK_SEND_REQUEST = 3;
    private static final int PARK_WAIT_REQUEST = 4;

    private final int cpuCount;
    private final HandleTable handles;
    private final CapabilityChecker checker;
    private final CapabilityShards shards;
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
    private final CapReplyDecoder capReply = new CapReplyDecoder();
    private final CapRevokeCompleteDecoder revokeComplete = new CapRevokeCompleteDecoder();
    private final CapDeriveEncoder derive = new CapDeriveEncoder();
    private final CapRevokeEncoder revoke = new CapRevokeEncoder();
    private final CapDeleteEncoder delete = new CapDeleteEncoder();
    // the call being handled: from a SyscallTrap, or a parked call resumed
    private long cKey;
    private int cPid;
    private long cRoot;
    private long cNumber;
    private long cA0;
    private long cA1;
    private long cA2;
    private long cA3;
    private long cA4;
    private long cA5;
    /** What the last passed capability check named (its badge). */
    private long badge;
    private int deniedNow;
    // calls waiting for the capability authority: a cache miss, or derive, revoke and delete
    private final long[] parked = new long[PENDING_RESULTS * CALL_WORDS];
    private final int[] parkState = new int[PENDING_RESULTS];
    private final long[] parkToken = new long[PENDING_RESULTS];
    private final int[] parkSpace = new int[PENDING_RESULTS];
    private final int[] parkType = new int[PENDING_RESULTS];
    private final int[] parkRights = new int[PENDING_RESULTS];
    private final int[] parkDenied = new int[PENDING_RESULTS];
    private int parkCount;
    private long parkedCalls;
    private long refused;
    /** Results a full queue refused, in order (correlation: thread key, value, detail: 1 to yield). */
    private final SendBacklog pending = new SendBacklog(PENDING_RESULTS);
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
     * @param cpuCount       CPUs of the machine.
     * @param format         page-table format of the address spaces.
     * @param memory         physical memory.
     * @param realtimeOffset nanoseconds added to the CPU clock for {@code CLOCK_REALTIME}.
     * @param handles        this CPU's handle table (filled by its process manager).
     * @param checker        this CPU's capability checker.
     * @param shards         where the capability authority shards are.
     */
    public SyscallService(final int cpu, final int cpuCount, final PageTableFormat format,
        final PhysicalMemory memory, final long realtimeOffset, final HandleTable handles,
        final CapabilityChecker checker, final CapabilityShards shards)
    {
        this.cpuCount = cpuCount;
        this.handles = handles;
        this.checker = checker;
        this.shards = shards;
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
            cKey = trap.threadKey();
            cPid = trap.pid();
            cNumber = trap.number();
            if (cNumber == SyscallNumbers.GETPID || cNumber == SyscallNumbers.GETTID)
            {
                // the hottest calls read nothing more of the trap: one thread per process so
                // far, so the main thread's id is the pid
                reply(ctx, cKey, cPid, ResumeAction.RETURN);
                return;
            }
            if (cNumber == SyscallNumbers.SCHED_YIELD)
            {
                reply(ctx, cKey, 0, ResumeAction.YIELD);
                return;
            }
            cRoot = trap.root();
            cA0 = trap.a0();
            cA1 = trap.a1();
            cA2 = trap.a2();
            cA3 = trap.a3();
            cA4 = trap.a4();
            cA5 = trap.a5();
            dispatch(ctx, false);
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
                retryParked(ctx);
            }
            else
            {
                reply(ctx, timer.payload(), 0, ResumeAction.RETURN);
            }
        }
        else if (CapabilityChecker.isValidateReply(m))
        {
            onValidateReply(m, ctx);
        }
        else if (m.is(CapReplyDecoder.SCHEMA_ID, CapReplyDecoder.TEMPLATE_ID))
        {
            capReply.wrap(m.buffer(), m.bodyOffset(), m.blockLength(), m.version());
            final int code = CapabilityStatus.toCode(capReply.statusRaw());
            capabilityAnswer(ctx, m.correlationId(), code == CapabilityError.OK ? capReply.token() : code, code);
        }
        else if (m.is(CapRevokeCompleteDecoder.SCHEMA_ID, CapRevokeCompleteDecoder.TEMPLATE_ID))
        {
            revokeComplete.wrap(m.buffer(), m.bodyOffset(), m.blockLength(), m.version());
            final int code = CapabilityStatus.toCode(revokeComplete.statusRaw());
            capabilityAnswer(ctx, m.correlationId(), code == CapabilityError.OK ? revokeComplete.revoked() : code, code);
        }
        else if (m.is(ErrorReplyDecoder.SCHEMA_ID, ErrorReplyDecoder.TEMPLATE_ID))
        {
            // a request of ours the authority could not take: the waiting call fails, nothing hangs
            capabilityAnswer(ctx, m.correlationId(), -Errno.EAGAIN, CapabilityStatus.BUSY);
        }
    }

    /**
     * Act on the current call. Calls that act on an object through a handle are first checked
     * against the caller's capability space ({@link #authorise}); {@code authorised} is true
     * when the check already passed (a parked call resumed by the authority's answer) and
     * {@link #badge} names the object.
     */
    private void dispatch(final ActorContext ctx, final boolean authorised)
    {
        final long key = cKey;
        final long number = cNumber;
        // getpid, gettid and sched_yield never get here (answered from the trap at once)
        final int slot = Pids.slot(cPid, cpuCount);
        if (number == SyscallNumbers.WRITE)
        {
            if (cA0 < 0 || cA0 > 2 || !handles.isOpen(slot, cPid))
            {
                reply(ctx, key, -Errno.EBADF, ResumeAction.RETURN);
                return;
            }
            if (!authorised && !authorise(ctx, slot, handles.token(slot, (int)cA0), CapabilityType.ENDPOINT,
                Rights.ENDPOINT_SEND, Errno.EBADF))
            {
                return;
            }
            final long r = write(ctx, (int)badge);
            if (r == BLOCKED)
            {
                blockWrite(ctx, key, (int)badge);
            }
            else
            {
                reply(ctx, key, r, ResumeAction.RETURN);
            }
        }
        else if (number == SyscallNumbers.CLOCK_GETTIME)
        {
            reply(ctx, key, clockGettime(ctx), ResumeAction.RETURN);
        }
        else if (number == SyscallNumbers.NANOSLEEP)
        {
            nanosleep(ctx, key);
        }
        else if (number == SyscallNumbers.EXIT || number == SyscallNumbers.EXIT_GROUP)
        {
            // ending oneself names no object (as zx_process_exit takes no handle)
            forward(ctx, key, cA0);
        }
        else if (number == SyscallNumbers.WAIT4)
        {
            wait4(ctx, slot, authorised);
        }
        else if (number == SyscallNumbers.BRK || number == SyscallNumbers.MMAP || number == SyscallNumbers.MUNMAP ||
            number == SyscallNumbers.MPROTECT)
        {
            if (!authorised && !authorise(ctx, slot, handles.isOpen(slot, cPid) ?
                handles.token(slot, HandleTable.ASPACE) : HandleTable.NONE, CapabilityType.ADDRESS_SPACE,
                Rights.ADDRESS_SPACE_MAP, Errno.EPERM))
            {
                return;
            }
            if (badge != cPid)
            {
                // a capability to another process's address space: mapping there is not offered
                reply(ctx, key, -Errno.EPERM, ResumeAction.RETURN);
                return;
            }
            forward(ctx, key, cA0);
        }
        else if (number == SyscallNumbers.KILL)
        {
            kill(ctx, slot, authorised);
        }
        else if (number == SyscallNumbers.TESSERA_SPAWN)
        {
            if (!authorised && !authorise(ctx, slot, handles.isOpen(slot, cPid) ?
                handles.token(slot, HandleTable.SELF) : HandleTable.NONE, CapabilityType.PROCESS,
                Rights.PROCESS_CONTROL, Errno.EPERM))
            {
                return;
            }
            forward(ctx, key, cA0);
        }
        else if (number == SyscallNumbers.TESSERA_CAP_GET)
        {
            reply(ctx, key, capGet(slot), ResumeAction.RETURN);
        }
        else if (number == SyscallNumbers.TESSERA_CAP_BIND)
        {
            reply(ctx, key, capBind(slot), ResumeAction.RETURN);
        }
        else if (number == SyscallNumbers.TESSERA_CAP_DERIVE || number == SyscallNumbers.TESSERA_CAP_REVOKE ||
            number == SyscallNumbers.TESSERA_CAP_DELETE)
        {
            capabilityRequest(ctx, slot);
        }
        else
        {
            reply(ctx, key, -Errno.ENOSYS, ResumeAction.RETURN);
        }
    }

    /**
     * kill(pid, sig) names the process through a capability: the caller's own for itself, the
     * one it holds for a child otherwise. A pid it holds nothing for is a process it cannot see
     * ({@code -ESRCH}); a capability that fails the check is {@code -EPERM}. The process
     * manager signals the process the capability's badge names, not the raw argument.
     */
    private void kill(final ActorContext ctx, final int slot, final boolean authorised)
    {
        if (cA0 <= 0 || cA0 >= Pids.PID_LIMIT || !handles.isOpen(slot, cPid))
        {
            // 0, -1 and process groups: refused by the process manager as before (no object named)
            forward(ctx, cKey, cA0);
            return;
        }
        if (!authorised)
        {
            final long token = cA0 == cPid ? handles.token(slot, HandleTable.SELF) :
                handles.childToken(cPid, (int)cA0);
            if (token == HandleTable.NONE)
            {
                reply(ctx, cKey, -Errno.ESRCH, ResumeAction.RETURN);
                return;
            }
            if (!authorise(ctx, slot, token, CapabilityType.PROCESS, Rights.PROCESS_SIGNAL, Errno.EPERM))
            {
                return;
            }
        }
        forward(ctx, cKey, badge);
    }

    /**
     * wait4 for one child names it through the parent's capability for it (CONTROL, as
     * waiting on a Zircon process handle needs a right); wait4 for any child reads only the
     * caller's own records. A pid the caller holds no capability for goes on unchecked: the
     * process manager answers {@code -ECHILD} unless it is a child whose capability could not
     * be created.
     */
    private void wait4(final ActorContext ctx, final int slot, final boolean authorised)
    {
        if (!authorised && cA0 > 0 && cA0 < Pids.PID_LIMIT && handles.isOpen(slot, cPid))
        {
            final long token = handles.childToken(cPid, (int)cA0);
            if (token != HandleTable.NONE &&
                !authorise(ctx, slot, token, CapabilityType.PROCESS, Rights.PROCESS_CONTROL, Errno.EPERM))
            {
                return;
            }
        }
        forward(ctx, cKey, cA0);
    }

    /**
     * The one capability check of a call, through the CPU's checker: true when it passed
     * ({@link #badge} names the object); otherwise the call was answered with {@code -denied}
     * or parked until the authority answers a cache miss.
     */
    private boolean authorise(final ActorContext ctx, final int slot, final long token, final int type,
        final int rights, final int denied)
    {
        if (token == HandleTable.NONE || !handles.isOpen(slot, cPid))
        {
            refused++;
            reply(ctx, cKey, -denied, ResumeAction.RETURN);
            return false;
        }
        final int space = handles.space(slot);
        final int r = checker.check(space, token, type, rights);
        if (r == CapabilityError.OK)
        {
            badge = checker.badge();
            return true;
        }
        if (r != CapabilityChecker.MISS)
        {
            refused++;
            reply(ctx, cKey, -denied, ResumeAction.RETURN);
            return false;
        }
        final int p = park(ctx, PARK_SEND_VALIDATE);
        parkToken[p] = token;
        parkSpace[p] = space;
        parkType[p] = type;
        parkRights[p] = rights;
        parkDenied[p] = denied;
        sendParked(ctx, p);
        return false;
    }

    /**
     * The handle a cap call's {@code which} (a0) and {@code arg} (a1) name among the caller's
     * own: a {@link HandleTable} index, {@link #CHILD_HANDLE}, or a negative errno
     * ({@code -EBADF} for a descriptor outside 0-2, {@code -EINVAL} for an unknown kind).
     */
    private int processHandle()
    {
        if (cA0 == SyscallNumbers.CAP_FD)
        {
            return cA1 >= 0 && cA1 <= 2 ? HandleTable.FD_0 + (int)cA1 : -Errno.EBADF;
        }
        if (cA0 == SyscallNumbers.CAP_SELF)
        {
            return HandleTable.SELF;
        }
        if (cA0 == SyscallNumbers.CAP_ASPACE)
        {
            return HandleTable.ASPACE;
        }
        return cA0 == SyscallNumbers.CAP_CHILD ? CHILD_HANDLE : -Errno.EINVAL;
    }

    private boolean isChildPid(final long pid)
    {
        return pid > 0 && pid < Pids.PID_LIMIT;
    }

    private long capGet(final int slot)
    {
        if (!handles.isOpen(slot, cPid))
        {
            return -Errno.EBADF;
        }
        final int handle = processHandle();
        if (handle == CHILD_HANDLE)
        {
            final long token = isChildPid(cA1) ? handles.childToken(cPid, (int)cA1) : HandleTable.NONE;
            return token == HandleTable.NONE ? -Errno.ESRCH : token;
        }
        if (handle < 0)
        {
            return handle;
        }
        final long token = handles.token(slot, handle);
        // a token is never in [-4095, -1]: its top 16 bits hold a space id below 65535
        return token == HandleTable.NONE ? -Errno.EBADF : token;
    }

    private long capBind(final int slot)
    {
        if (!handles.isOpen(slot, cPid))
        {
            return -Errno.EBADF;
        }
        final int handle = processHandle();
        if (handle == CHILD_HANDLE)
        {
            return isChildPid(cA1) && handles.bindChild(cPid, (int)cA1, cA2) ? 0 : -Errno.ESRCH;
        }
        if (handle < 0)
        {
            return handle;
        }
        handles.bind(slot, handle, cA2);
        return 0;
    }

    /** derive, revoke and delete: the authority shard of the caller's space checks the token and acts. */
    private void capabilityRequest(final ActorContext ctx, final int slot)
    {
        if (!handles.isOpen(slot, cPid))
        {
            reply(ctx, cKey, -Errno.EBADF, ResumeAction.RETURN);
            return;
        }
        if (cNumber == SyscallNumbers.TESSERA_CAP_DERIVE && (cA1 < 0 || cA1 > 0xFFFF || cA2 < 0 || cA2 > 0xFF))
        {
            reply(ctx, cKey, -Errno.EINVAL, ResumeAction.RETURN);
            return;
        }
        final int p = park(ctx, PARK_SEND_REQUEST);
        parkSpace[p] = handles.space(slot);
        sendParked(ctx, p);
    }

    /** Copy the current call (with {@code key} and first argument {@code a0}) to {@code words[at..at+9]}. */
    private void storeCall(final long[] words, final int at, final long key, final long a0)
    {
        words[at] = key;
        words[at + 1] = cPid;
        words[at + 2] = cRoot;
        words[at + 3] = cNumber;
        words[at + 4] = a0;
        words[at + 5] = cA1;
        words[at + 6] = cA2;
        words[at + 7] = cA3;
        words[at + 8] = cA4;
        words[at + 9] = cA5;
    }

    /** Keep the current call until the authority answers; @return its entry. */
    private int park(final ActorContext ctx, final int state)
    {
        if (parkCount == PENDING_RESULTS)
        {
            throw new IllegalStateException("more parked calls than threads");
        }
        final int p = parkCount++;
        parkState[p] = state;
        storeCall(parked, p * CALL_WORDS, cKey, cA0);
        parkedCalls++;
        return p;
    }

    /** Send what parked entry {@code p} waits for; when the queue is full it is sent from the timer. */
    private void sendParked(final ActorContext ctx, final int p)
    {
        final long key = parked[p * CALL_WORDS];
        final int at = p * CALL_WORDS;
        if (parkState[p] == PARK_SEND_VALIDATE)
        {
            if (checker.requestValidation(ctx, key, parkSpace[p], parkToken[p], parkType[p], parkRights[p]) < 0)
            {
                arm(ctx);
                return;
            }
            parkState[p] = PARK_WAIT_VALIDATE;
            return;
        }
        final long destination = shards.authorityOfSpace(parkSpace[p]);
        final long number = parked[at + 3];
        if (number == SyscallNumbers.TESSERA_CAP_DERIVE)
        {
            if (ctx.claim(destination, key, derive, 0) < 0)
            {
                arm(ctx);
                return;
            }
            derive.space(parkSpace[p]).token(parked[at + 4]).rights((int)parked[at + 5]).flags((short)parked[at + 6]);
        }
        else if (number == SyscallNumbers.TESSERA_CAP_REVOKE)
        {
            if (ctx.claim(destination, key, revoke, 0) < 0)
            {
                arm(ctx);
                return;
            }
            revoke.space(parkSpace[p]).token(parked[at + 4]);
        }
        else
        {
            if (ctx.claim(destination, key, delete, 0) < 0)
            {
                arm(ctx);
                return;
            }
            delete.space(parkSpace[p]).token(parked[at + 4]);
        }
        ctx.commit();
        parkState[p] = PARK_WAIT_REQUEST;
    }

    private void retryParked(final ActorContext ctx)
    {
        for (int p = 0; p < parkCount; p++)
        {
            if (parkState[p] == PARK_SEND_VALIDATE || parkState[p] == PARK_SEND_REQUEST)
            {
                sendParked(ctx, p);
            }
        }
    }

    /** @return the entry waiting under {@code key} in {@code state}, or -1. */
    private int findParked(final long key, final int state)
    {
        for (int p = 0; p < parkCount; p++)
        {
            if (parked[p * CALL_WORDS] == key && parkState[p] == state)
            {
                return p;
            }
        }
        return -1;
    }

    /** Make entry {@code p} the current call again and forget the entry. */
    private void unpark(final int p)
    {
        final int at = p * CALL_WORDS;
        cKey = parked[at];
        cPid = (int)parked[at + 1];
        cRoot = parked[at + 2];
        cNumber = parked[at + 3];
        cA0 = parked[at + 4];
        cA1 = parked[at + 5];
        cA2 = parked[at + 6];
        cA3 = parked[at + 7];
        cA4 = parked[at + 8];
        cA5 = parked[at + 9];
        deniedNow = parkDenied[p];
        final int last = parkCount - 1;
        if (p != last)
        {
            System.arraycopy(parked, last * CALL_WORDS, parked, at, CALL_WORDS);
            parkState[p] = parkState[last];
            parkToken[p] = parkToken[last];
            parkSpace[p] = parkSpace[last];
            parkType[p] = parkType[last];
            parkRights[p] = parkRights[last];
            parkDenied[p] = parkDenied[last];
        }
        parkCount = last;
    }

    private void onValidateReply(final Message m, final ActorContext ctx)
    {
        final int p = findParked(m.correlationId(), PARK_WAIT_VALIDATE);
        if (p < 0)
        {
            return;
        }
        unpark(p);
        final int r = checker.onValidateReply(m);
        if (!handles.isOpen(Pids.slot(cPid, cpuCount), cPid))
        {
            // the process ended while its call waited: nobody to answer
            return;
        }
        if (r == CapabilityError.OK)
        {
            badge = checker.badge();
            dispatch(ctx, true);
        }
        else if (r == CapabilityChecker.STALE)
        {
            dispatch(ctx, false);
        }
        else
        {
            refused++;
            reply(ctx, cKey, -deniedNow, ResumeAction.RETURN);
        }
    }

    /** The authority answered a derive, revoke or delete (or could not take it). */
    private void capabilityAnswer(final ActorContext ctx, final long correlation, final long value, final int code)
    {
        int p = findParked(correlation, PARK_WAIT_REQUEST);
        if (p < 0)
        {
            p = findParked(correlation, PARK_WAIT_VALIDATE);
            if (p < 0)
            {
                return;
            }
        }
        unpark(p);
        if (cNumber == SyscallNumbers.TESSERA_CAP_DELETE && code == CapabilityError.OK)
        {
            reply(ctx, cKey, 0, ResumeAction.RETURN);
            return;
        }
        reply(ctx, cKey, code == CapabilityError.OK ? value : -Errno.ofCapability(code), ResumeAction.RETURN);
    }

    private long write(final ActorContext ctx, final int stream)
    {
        final long len = cA2;
        if (len < 0)
        {
            return -Errno.EINVAL;
        }
        final long total = len > MAX_WRITE ? MAX_WRITE : len;
        if (!guest.check(cRoot, cA1, total, AccessKind.READ))
        {
            return -Errno.EFAULT;
        }
        return copyToConsole(ctx, cPid, cRoot, stream, cA1, total);
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

    private void blockWrite(final ActorContext ctx, final long key, final int stream)
    {
        if (writeCount == PENDING_RESULTS)
        {
            throw new IllegalStateException("more blocked writes than threads");
        }
        writeKey[writeCount] = key;
        writePid[writeCount] = cPid;
        writeRoot[writeCount] = cRoot;
        writeFd[writeCount] = stream;
        writeBuf[writeCount] = cA1;
        writeLength[writeCount] = Math.min(cA2, MAX_WRITE);
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
        final long clock = cA0;
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
        return guest.copyOut(cRoot, cA1, timespec, 0, 16) < 0 ? -Errno.EFAULT : 0;
    }

    private void nanosleep(final ActorContext ctx, final long key)
    {
        if (guest.copyIn(cRoot, cA0, timespec, 0, 16) < 0)
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

    /**
     * Pass the current call to the process manager, its first argument replaced by {@code a0}
     * (kill: the pid the checked capability names); when the queue is full the call waits, in order.
     */
    private void forward(final ActorContext ctx, final long key, final long a0)
    {
        if (callCount == 0 && sendCall(ctx, key, cPid, cNumber, a0, cA1, cA2, cA3, cA4, cA5))
        {
            return;
        }
        if (callCount == PENDING_RESULTS)
        {
            throw new IllegalStateException("more waiting calls than threads");
        }
        storeCall(calls, callCount * CALL_WORDS, key, a0);
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
            if (!sendCall(ctx, calls[at], calls[at + 1], calls[at + 3], calls[at + 4], calls[at + 5], calls[at + 6],
                calls[at + 7], calls[at + 8], calls[at + 9]))
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
        if (pending.isEmpty() && send(ctx, key, value, action == ResumeAction.YIELD))
        {
            return;
        }
        if (!pending.add(schedAddress, key, value, action == ResumeAction.YIELD ? 1 : 0))
        {
            throw new IllegalStateException("more pending results than threads");
        }
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
        while (!pending.isEmpty() && send(ctx, pending.correlation(), pending.value(), pending.detail() != 0))
        {
            pending.remove();
        }
        if (!pending.isEmpty())
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

    /** @return calls refused by their capability check. */
    public long refused()
    {
        return refused;
    }

    /** @return calls that waited for the capability authority (cache misses, derive, revoke, delete). */
    public long parkedCalls()
    {
        return parkedCalls;
    }

    /** @return calls waiting for the capability authority now. */
    public int parkedNow()
    {
        return parkCount;
    }

    /** @return traps passed on to the process manager. */
    public long forwarded()
    {
        return forwarded;
    }
}
