package org.tessera.kernel.service.proc;

import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.tessera.arch.spi.AccessKind;
import org.tessera.arch.spi.PageFlags;
import org.tessera.arch.spi.UserEngine;
import org.tessera.arch.spi.PageTableFormat;
import org.tessera.arch.spi.PhysicalMemory;
import org.tessera.kernel.runtime.Actor;
import org.tessera.kernel.runtime.ActorAddress;
import org.tessera.kernel.runtime.ActorContext;
import org.tessera.kernel.runtime.Message;
import org.tessera.kernel.runtime.ServiceIds;
import org.tessera.kernel.service.cap.CapabilityError;
import org.tessera.kernel.service.cap.CapabilityShards;
import org.tessera.kernel.service.cap.CapabilityStatus;
import org.tessera.kernel.service.cap.CapabilityToken;
import org.tessera.kernel.service.cap.CapabilityType;
import org.tessera.kernel.service.cap.Rights;
import org.tessera.kernel.service.syscall.Errno;
import org.tessera.kernel.service.syscall.GuestAccess;
import org.tessera.kernel.service.syscall.HandleTable;
import org.tessera.kernel.service.syscall.SyscallNumbers;
import org.tessera.messages.cap.CapCreateEncoder;
import org.tessera.messages.cap.CapDeleteEncoder;
import org.tessera.messages.cap.CapReplyDecoder;
import org.tessera.messages.cap.CapRevokeCompleteDecoder;
import org.tessera.messages.cap.SpaceDestroyEncoder;
import org.tessera.messages.cap.SpaceOpenEncoder;
import org.tessera.messages.cap.SpaceOpenedDecoder;
import org.tessera.messages.cap.SpaceReplyDecoder;
import org.tessera.messages.proc.ChildExitedDecoder;
import org.tessera.messages.proc.ChildExitedEncoder;
import org.tessera.messages.proc.CreateProcessDecoder;
import org.tessera.messages.proc.CreateProcessEncoder;
import org.tessera.messages.proc.FaultTrapDecoder;
import org.tessera.messages.proc.KillProcessDecoder;
import org.tessera.messages.proc.KillProcessEncoder;
import org.tessera.messages.proc.KillResultDecoder;
import org.tessera.messages.proc.KillResultEncoder;
import org.tessera.messages.proc.ParentGoneDecoder;
import org.tessera.messages.proc.ParentGoneEncoder;
import org.tessera.messages.proc.ProcessCallDecoder;
import org.tessera.messages.proc.ProcessCreatedDecoder;
import org.tessera.messages.proc.ProcessCreatedEncoder;
import org.tessera.messages.proc.ProcessEventEncoder;
import org.tessera.messages.proc.ProcessEventKind;
import org.tessera.messages.proc.ProcessReapedDecoder;
import org.tessera.messages.proc.ProcessReapedEncoder;
import org.tessera.messages.proc.ProcessesShutDownDecoder;
import org.tessera.messages.proc.ProcessesShutDownEncoder;
import org.tessera.messages.proc.ResumeAction;
import org.tessera.messages.proc.ShutdownProcessesDecoder;
import org.tessera.messages.proc.ShutdownProcessesEncoder;
import org.tessera.messages.proc.SyscallResultEncoder;
import org.tessera.messages.proc.ThreadStartEncoder;
import org.tessera.messages.proc.ThreadStopEncoder;
import org.tessera.messages.proc.ThreadsStoppedDecoder;
import org.tessera.messages.runtime.ShutdownEncoder;
import org.tessera.messages.runtime.StartDecoder;
import org.tessera.messages.runtime.TimerFiredDecoder;
import org.tessera.subset.Boot;

/**
 * One per CPU: the process-manager shard that owns the processes placed on its CPU and the
 * frames of its CPU's memory partition.
 *
 * <p><b>Life of a process.</b> {@code CreateProcess} (from the parent's shard, or at boot for
 * init) builds an address space: a root table, every {@code PT_LOAD} segment mapped page by
 * page with its permissions and its file bytes copied (the rest of each page, {@code .bss},
 * is zero because frames are zeroed), a break right after the highest segment, and a stack
 * whose top pages hold the Linux initial stack (argc, argv, envp, auxv with AT_PHDR, AT_PHENT,
 * AT_PHNUM, AT_PAGESZ, AT_ENTRY, AT_RANDOM from the run's seeded random source, AT_EXECFN).
 * Then a {@code ThreadStart} queues its main thread on this CPU's scheduler. The process ends
 * by exit, by a signal from kill, or by a fault no one resolves (SIGSEGV, SIGILL, SIGTRAP,
 * SIGBUS): the shard asks the scheduler to stop its threads ({@code ThreadStop}) and only on
 * {@code ThreadsStopped} frees every frame (pages, then tables); the process is then a zombie
 * whose status the parent's shard learns by {@code ChildExited}, until wait4 reaps it and a
 * {@code ProcessReaped} frees its slot. A process whose parent is gone is reaped at once.
 *
 * <p><b>Memory calls.</b> brk grows (zeroed pages) and shrinks (pages freed) the heap; mmap
 * maps anonymous private pages (eagerly, zeroed) from a region that grows down; munmap and
 * mprotect change pages and make the scheduler flush the TLB entries of the address space
 * before the caller runs again. A page fault in the 8 MiB stack reserve maps a zero page and
 * runs the instruction again.
 *
 * <p><b>Init.</b> Init is pid 1 on CPU 0. When it ends, CPU 0's shard asks every shard to end
 * its processes ({@code ShutdownProcesses}), and when all have answered with the frames they
 * still hold (0 unless a frame leaked) it shuts down every CPU.
 */
public final class ProcessManagerService implements Actor
{
    /** Top of every user stack (exclusive). */
    public static final long STACK_TOP = 0x7FFF_FFFF_F000L;
    /** Most a stack may grow to. */
    public static final long STACK_MAX = 8L << 20;
    /** Where mmap places mappings, growing down. */
    public static final long MMAP_TOP = 0x7F00_0000_0000L;
    /** Load address of a static-pie program. */
    public static final long PIE_BASE = 0x5555_5555_5000L;
    /** Most a break may grow, and the longest single mapping. */
    public static final long BRK_MAX = 256L << 20;
    /** Children records per CPU. */
    public static final int CHILD_RECORDS = 1024;
    /** Bytes of a spawn's name, argv and environment together. */
    public static final int MAX_SPAWN_STRINGS = 6144;
    /** Most argv entries a spawn takes. */
    public static final int MAX_SPAWN_ARGS = 256;

    private static final long PAGE = 4096;
    private static final int FREE = 0;
    private static final int ALIVE = 1;
    private static final int DYING = 2;
    private static final int ZOMBIE = 3;
    /** Built, waiting for its capability space: not yet running, not yet known to its parent. */
    private static final int OPENING = 4;
    private static final int SPACE_NONE = 0;
    private static final int SPACE_OPENING = 1;
    private static final int SPACE_OPEN = 2;
    /** SpaceDestroy to send (its queue was full). */
    private static final int SPACE_CLOSE = 3;
    /** SpaceDestroy sent, waiting for the authority (every CPU's cache dropped the process's capabilities). */
    private static final int SPACE_CLOSING = 4;
    private static final int CHILD_CAP_NONE = 0;
    private static final int CHILD_CAP_SEND = 1;
    private static final int CHILD_CAP_WAIT = 2;
    /** Flags of every capability the kernel hands a process: it may derive and grant copies. */
    private static final int CAP_FLAGS = CapabilityToken.FLAG_DERIVABLE | CapabilityToken.FLAG_GRANTABLE;
    /** Console badges: the stream a descriptor's capability writes to. */
    private static final long STDOUT = 1;
    private static final long STDERR = 2;
    private static final int CHILD_NONE = 0;
    private static final int CHILD_ALIVE = 1;
    private static final int CHILD_ZOMBIE = 2;
    private static final int PENDING = 128;
    private static final int OUT_CHILD_EXITED = 1;
    private static final int OUT_REAPED = 2;
    private static final int OUT_PARENT_GONE = 3;
    private static final int LOCAL_RETURN = 1;
    private static final int LOCAL_RETURN_FLUSH = 2;
    private static final int LOCAL_RETRY = 3;
    private static final int LOCAL_STOP = 4;
    private static final int LOCAL_START = 5;
    /** At most one result or stop per process slot is ever pending. */
    private static final int LOCAL_PENDING = 2 * Pids.SLOTS;
    private static final int SIGKILL = 9;
    private static final int SIGSEGV = 11;
    private static final int SIGILL = 4;
    private static final int SIGTRAP = 5;
    private static final int SIGBUS = 7;
    private static final long AT_NULL = 0;
    private static final long AT_PHDR = 3;
    private static final long AT_PHENT = 4;
    private static final long AT_PHNUM = 5;
    private static final long AT_PAGESZ = 6;
    private static final long AT_BASE = 7;
    private static final long AT_FLAGS = 8;
    private static final long AT_ENTRY = 9;
    private static final long AT_UID = 11;
    private static final long AT_EUID = 12;
    private static final long AT_GID = 13;
    private static final long AT_EGID = 14;
    private static final long AT_HWCAP = 16;
    private static final long AT_CLKTCK = 17;
    private static final long AT_SECURE = 23;
    private static final long AT_RANDOM = 25;
    private static final long AT_EXECFN = 31;
    private static final int AUXV_PAIRS = 17;
    /** RV64IMAFDC as the hwcap letters Linux reports. */
    private static final long HWCAP = (1L << ('i' - 'a')) | (1L << ('m' - 'a')) | (1L << ('a' - 'a')) |
        (1L << ('f' - 'a')) | (1L << ('d' - 'a')) | (1L << ('c' - 'a'));

    private final int cpu;
    private final int cpuCount;
    private final PhysicalMemory memory;
    private final AddressSpaces spaces;
    private final ProgramTable programs;
    private final GuestAccess guest;
    private final ElfImage elf = new ElfImage();
    private final UnsafeBuffer page = new UnsafeBuffer(0, 0);
    private final UnsafeBuffer strings = new UnsafeBuffer(new byte[MAX_SPAWN_STRINGS + 16]);
    private final UnsafeBuffer word = new UnsafeBuffer(new byte[8]);
    private final long schedAddress;
    private final long consoleAddress;
    private final HandleTable handles;
    private final CapabilityShards shards;

    private final int[] state = new int[Pids.SLOTS];
    private final int[] pids = new int[Pids.SLOTS];
    private final int[] generation = new int[Pids.SLOTS];
    private final int[] parent = new int[Pids.SLOTS];
    private final long[] roots = new long[Pids.SLOTS];
    private final long[] brkStart = new long[Pids.SLOTS];
    private final long[] brk = new long[Pids.SLOTS];
    private final long[] mmapNext = new long[Pids.SLOTS];
    private final long[] stackLow = new long[Pids.SLOTS];
    private final int[] status = new int[Pids.SLOTS];
    private final long[] envStart = new long[Pids.SLOTS];
    private final long[] envEnd = new long[Pids.SLOTS];
    private final int[] envCount = new int[Pids.SLOTS];
    private final long[] waitKey = new long[Pids.SLOTS];
    private final int[] waitPid = new int[Pids.SLOTS];
    private final long[] waitStatusAddress = new long[Pids.SLOTS];
    private final long[] instructions = new long[Pids.SLOTS];
    private final long[] entryPc = new long[Pids.SLOTS];
    private final long[] entrySp = new long[Pids.SLOTS];
    private final int[] spaceState = new int[Pids.SLOTS];
    private final long[] spaceCorrelation = new long[Pids.SLOTS];
    private final long[] createReplyTo = new long[Pids.SLOTS];
    private final long[] createCorrelation = new long[Pids.SLOTS];

    // the capability a parent gets for each child it spawns, asked for before spawn returns
    private final int[] childCapState = new int[PENDING];
    private final long[] childCapCorrelation = new long[PENDING];
    private final long[] childCapKey = new long[PENDING];
    private final int[] childCapParent = new int[PENDING];
    private final int[] childCapChild = new int[PENDING];
    // deletes of reaped children's capabilities waiting for room in the authority's queue
    private final int[] deleteSpace = new int[CHILD_RECORDS];
    private final long[] deleteToken = new long[CHILD_RECORDS];
    private int deleteCount;
    // deletes sent, until the shard answers (a BUSY answer sends them again)
    private final long[] deleteWaitCorrelation = new long[CHILD_RECORDS];
    private final int[] deleteWaitSpace = new int[CHILD_RECORDS];
    private final long[] deleteWaitToken = new long[CHILD_RECORDS];
    // answers to CreateProcess waiting for room in the parent's shard's queue
    private final long[] answerTo = new long[Pids.SLOTS];
    private final long[] answerCorrelation = new long[Pids.SLOTS];
    private final int[] answerPid = new int[Pids.SLOTS];
    private int answerCount;

    private final int[] childPid = new int[CHILD_RECORDS];
    private final int[] childParent = new int[CHILD_RECORDS];
    private final int[] childState = new int[CHILD_RECORDS];
    private final int[] childStatus = new int[CHILD_RECORDS];

    private final long[] spawnCorrelation = new long[PENDING];
    private final long[] spawnKey = new long[PENDING];
    private final int[] spawnParent = new int[PENDING];
    private final long[] killCorrelation = new long[PENDING];
    private final long[] killKey = new long[PENDING];

    private final int[] outType = new int[CHILD_RECORDS];
    private final int[] outA = new int[CHILD_RECORDS];
    private final int[] outB = new int[CHILD_RECORDS];
    private final int[] outC = new int[CHILD_RECORDS];
    private int outCount;
    private boolean retryTimerSet;

    // local sends the scheduler's full queue refused, kept in order and retried from the timer
    private final int[] localKind = new int[LOCAL_PENDING];
    private final long[] localKey = new long[LOCAL_PENDING];
    private final long[] localValue = new long[LOCAL_PENDING];
    private int localCount;

    private final ProcessCallDecoder callDecoder = new ProcessCallDecoder();
    private final FaultTrapDecoder faultDecoder = new FaultTrapDecoder();
    private final CreateProcessDecoder createDecoder = new CreateProcessDecoder();
    private final ProcessCreatedDecoder createdDecoder = new ProcessCreatedDecoder();
    private final ThreadsStoppedDecoder stoppedDecoder = new ThreadsStoppedDecoder();
    private final ChildExitedDecoder childExitedDecoder = new ChildExitedDecoder();
    private final ProcessReapedDecoder reapedDecoder = new ProcessReapedDecoder();
    private final ParentGoneDecoder parentGoneDecoder = new ParentGoneDecoder();
    private final KillProcessDecoder killDecoder = new KillProcessDecoder();
    private final KillResultDecoder killResultDecoder = new KillResultDecoder();
    private final ShutdownProcessesDecoder shutdownDecoder = new ShutdownProcessesDecoder();
    private final ProcessesShutDownDecoder shutDownDecoder = new ProcessesShutDownDecoder();
    private final SyscallResultEncoder resultEncoder = new SyscallResultEncoder();
    private final ThreadStartEncoder threadStartEncoder = new ThreadStartEncoder();
    private final ThreadStopEncoder threadStopEncoder = new ThreadStopEncoder();
    private final CreateProcessEncoder createEncoder = new CreateProcessEncoder();
    private final ProcessCreatedEncoder createdEncoder = new ProcessCreatedEncoder();
    private final ChildExitedEncoder childExitedEncoder = new ChildExitedEncoder();
    private final ProcessReapedEncoder reapedEncoder = new ProcessReapedEncoder();
    private final ParentGoneEncoder parentGoneEncoder = new ParentGoneEncoder();
    private final KillProcessEncoder killEncoder = new KillProcessEncoder();
    private final KillResultEncoder killResultEncoder = new KillResultEncoder();
    private final ProcessEventEncoder eventEncoder = new ProcessEventEncoder();
    private final ShutdownProcessesEncoder shutdownEncoder = new ShutdownProcessesEncoder();
    private final ProcessesShutDownEncoder shutDownEncoder = new ProcessesShutDownEncoder();
    private final ShutdownEncoder runtimeShutdownEncoder = new ShutdownEncoder();
    private final SpaceOpenEncoder spaceOpenEncoder = new SpaceOpenEncoder();
    private final SpaceOpenedDecoder spaceOpenedDecoder = new SpaceOpenedDecoder();
    private final SpaceDestroyEncoder spaceDestroyEncoder = new SpaceDestroyEncoder();
    private final SpaceReplyDecoder spaceReplyDecoder = new SpaceReplyDecoder();
    private final CapCreateEncoder capCreateEncoder = new CapCreateEncoder();
    private final CapReplyDecoder capReplyDecoder = new CapReplyDecoder();
    private final CapDeleteEncoder capDeleteEncoder = new CapDeleteEncoder();
    private final CapRevokeCompleteDecoder revokeCompleteDecoder = new CapRevokeCompleteDecoder();

    // init (CPU 0 only): the program and its strings, handed over at boot
    private int initProgram = -1;
    private UnsafeBuffer initStrings;
    private int initArgc;
    private int initEnvc;
    private int initNameLength;

    private int placement;
    private boolean shuttingDown;
    private boolean shutdownReplied;
    private long shutdownCorrelation;
    private long shutdownRequester;
    private int shutdownReplies;
    private long framesLeftAtShutdown;
    private int initStatus = -1;
    private boolean finished;
    private long created;
    private long exited;
    private long createFailures;
    private long leakedFrames;
    private long childCapsMissing;
    private boolean deletesPending;

    /**
     * @param cpu      this CPU.
     * @param cpuCount CPUs in the machine.
     * @param format   page-table format of user address spaces.
     * @param memory   physical memory.
     * @param frames   this CPU's memory partition.
     * @param programs the image's programs.
     * @param handles  this CPU's handle table (shared with its system call service).
     * @param shards   where the capability authority shards are.
     */
    public ProcessManagerService(final int cpu, final int cpuCount, final PageTableFormat format,
        final PhysicalMemory memory, final ProcessFrames frames, final ProgramTable programs,
        final HandleTable handles, final CapabilityShards shards)
    {
        this.handles = handles;
        this.shards = shards;
        this.cpu = cpu;
        this.cpuCount = cpuCount;
        this.memory = memory;
        this.spaces = new AddressSpaces(format, frames);
        this.programs = programs;
        this.guest = new GuestAccess(format, memory);
        this.schedAddress = ActorAddress.of(cpu, ServiceIds.SCHED, 0);
        this.consoleAddress = ActorAddress.of(cpu, ServiceIds.CONSOLE, 0);
        this.placement = cpu;
    }

    /**
     * Hand over init (boot only, CPU 0): it is created when this actor receives {@code Start}.
     *
     * @param program     index in the program table.
     * @param nameLength  bytes of the program name at the start of {@code stringBytes} (NUL-terminated there).
     * @param argc        NUL-terminated argv strings after the name.
     * @param envc        NUL-terminated environment strings after argv.
     * @param stringBytes name, argv and environment.
     */
    @Boot
    public void init(final int program, final int nameLength, final int argc, final int envc, final byte[] stringBytes)
    {
        if (cpu != 0)
        {
            throw new IllegalStateException("init lives on CPU 0");
        }
        this.initProgram = program;
        this.initNameLength = nameLength;
        this.initArgc = argc;
        this.initEnvc = envc;
        this.initStrings = new UnsafeBuffer(stringBytes);
    }

    // ==================================================================== dispatch

    public void onMessage(final Message m, final ActorContext ctx)
    {
        if (m.is(StartDecoder.SCHEMA_ID, StartDecoder.TEMPLATE_ID))
        {
            onStart(ctx);
            return;
        }
        if (m.is(TimerFiredDecoder.SCHEMA_ID, TimerFiredDecoder.TEMPLATE_ID))
        {
            retryTimerSet = false;
            flushLocal(ctx);
            flushOutbox(ctx);
            flushCapabilityRequests(ctx);
            return;
        }
        if (m.schemaId() == SpaceOpenedDecoder.SCHEMA_ID)
        {
            switch (m.templateId())
            {
                case SpaceOpenedDecoder.TEMPLATE_ID -> onSpaceOpened(m, ctx);
                case SpaceReplyDecoder.TEMPLATE_ID -> onSpaceClosed(m, ctx);
                case CapReplyDecoder.TEMPLATE_ID -> onChildCap(m, ctx);
                case CapRevokeCompleteDecoder.TEMPLATE_ID -> onChildCapDeleted(m, ctx);
                default ->
                {
                }
            }
            return;
        }
        if (m.schemaId() != ProcessCallDecoder.SCHEMA_ID)
        {
            return;
        }
        switch (m.templateId())
        {
            case ProcessCallDecoder.TEMPLATE_ID -> onCall(m, ctx);
            case FaultTrapDecoder.TEMPLATE_ID -> onFault(m, ctx);
            case CreateProcessDecoder.TEMPLATE_ID -> onCreate(m, ctx);
            case ProcessCreatedDecoder.TEMPLATE_ID -> onCreated(m, ctx);
            case ThreadsStoppedDecoder.TEMPLATE_ID -> onThreadsStopped(m, ctx);
            case ChildExitedDecoder.TEMPLATE_ID -> onChildExitedMessage(m, ctx);
            case ProcessReapedDecoder.TEMPLATE_ID -> onReapedMessage(m);
            case ParentGoneDecoder.TEMPLATE_ID -> onParentGone(m);
            case KillProcessDecoder.TEMPLATE_ID -> onKillMessage(m, ctx);
            case KillResultDecoder.TEMPLATE_ID -> onKillResult(m, ctx);
            case ShutdownProcessesDecoder.TEMPLATE_ID -> onShutdownProcesses(m, ctx);
            case ProcessesShutDownDecoder.TEMPLATE_ID -> onProcessesShutDown(m, ctx);
            default ->
            {
            }
        }
    }

    private void onStart(final ActorContext ctx)
    {
        if (cpu != 0 || initProgram < 0)
        {
            return;
        }
        final int pid = createProcess(ctx, initProgram, 0, initStrings, initNameLength, initArgc, initEnvc, 0, 0);
        if (pid < 0)
        {
            initFailed(ctx, pid);
        }
    }

    // ==================================================================== creation

    private void onCreate(final Message m, final ActorContext ctx)
    {
        createDecoder.wrap(m.buffer(), m.bodyOffset(), m.blockLength(), m.version());
        final int parentPid = createDecoder.parentPid();
        final int nameLength = createDecoder.nameLength();
        final int argc = createDecoder.argc();
        final int envc = createDecoder.envc();
        final int length = createDecoder.stringsLength();
        int pid;
        if (length > MAX_SPAWN_STRINGS || nameLength >= length)
        {
            pid = -Errno.E2BIG;
            createDecoder.skipStrings();
        }
        else
        {
            createDecoder.getStrings(strings, 0, length);
            final int program = programs.find(strings, 0, nameLength);
            pid = shuttingDown ? -Errno.EAGAIN : program < 0 ? -Errno.ENOENT :
                createProcess(ctx, program, parentPid, strings, nameLength, argc, envc, m.source(),
                    m.correlationId());
        }
        if (pid < 0)
        {
            createFailures++;
            answerCreate(ctx, m.source(), m.correlationId(), pid);
        }
        // else the answer goes when the process's capability space is open
    }

    /**
     * Answer a CreateProcess; when the parent's shard has no room the answer waits, in order,
     * and goes from the retry timer: a parent blocked in spawn always gets its answer.
     */
    private void answerCreate(final ActorContext ctx, final long replyTo, final long correlation, final int pid)
    {
        if (answerCount == 0 && sendAnswer(ctx, replyTo, correlation, pid))
        {
            return;
        }
        if (answerCount == answerTo.length)
        {
            throw new IllegalStateException("more spawn answers waiting than process slots");
        }
        answerTo[answerCount] = replyTo;
        answerCorrelation[answerCount] = correlation;
        answerPid[answerCount] = pid;
        answerCount++;
        armRetry(ctx);
    }

    private boolean sendAnswer(final ActorContext ctx, final long replyTo, final long correlation, final int pid)
    {
        if (ctx.claim(replyTo, correlation, createdEncoder, 0) < 0)
        {
            return false;
        }
        createdEncoder.pid(pid);
        ctx.commit();
        return true;
    }

    private void initFailed(final ActorContext ctx, final int error)
    {
        createFailures++;
        event(ctx, 1, ProcessEventKind.CREATE_FAILED, error, 0, 0, 0);
        initStatus = Pids.exited(127);
        beginShutdown(ctx);
    }

    /**
     * Build a process and queue its main thread.
     *
     * @return its pid, or a negative errno.
     */
    private int createProcess(final ActorContext ctx, final int program, final int parentPid,
        final DirectBuffer text, final int nameLength, final int argc, final int envc, final long replyTo,
        final long replyCorrelation)
    {
        if (!elf.wrap(memory, programs.base(program), programs.length(program)))
        {
            return -Errno.ENOEXEC;
        }
        int slot = -1;
        for (int i = 0; i < Pids.SLOTS; i++)
        {
            // a slot whose last space is still closing waits: its space id is fixed
            if (state[i] == FREE && spaceState[i] == SPACE_NONE)
            {
                slot = i;
                break;
            }
        }
        if (slot < 0)
        {
            return -Errno.EAGAIN;
        }
        final int pid = Pids.pid(cpu, cpuCount, slot, generation[slot]);
        spaces.own(pid, slot);
        final long root = spaces.create();
        if (root < 0)
        {
            return -Errno.ENOMEM;
        }
        roots[slot] = root;
        final long bias = elf.type() == ElfImage.ET_DYN ? PIE_BASE : 0;
        long end = 0;
        final int phnum = elf.phnum();
        for (int i = 0; i < phnum; i++)
        {
            if (elf.segmentType(i) != ElfImage.PT_LOAD)
            {
                continue;
            }
            final int status = loadSegment(root, i, bias);
            if (status < 0)
            {
                releaseAddressSpace(slot, pid);
                return status;
            }
            final long segmentEnd = bias + elf.vaddr(i) + elf.memorySize(i);
            end = segmentEnd > end ? segmentEnd : end;
        }
        brkStart[slot] = (end + PAGE - 1) & ~(PAGE - 1);
        brk[slot] = brkStart[slot];
        mmapNext[slot] = MMAP_TOP;
        final long sp = buildStack(ctx, slot, root, bias, text, nameLength, argc, envc);
        if (sp < 0)
        {
            releaseAddressSpace(slot, pid);
            return (int)sp;
        }
        // the process runs once its capability space is open with what it starts with
        final long correlation = ctx.nextCorrelationId();
        final int space = handles.spaceOf(slot);
        if (ctx.claim(shards.authorityOfSpace(space), correlation, spaceOpenEncoder,
            SpaceOpenEncoder.CapsEncoder.sbeHeaderSize() + 4 * SpaceOpenEncoder.CapsEncoder.sbeBlockLength()) < 0)
        {
            releaseAddressSpace(slot, pid);
            return -Errno.EAGAIN;
        }
        spaceOpenEncoder.space(space);
        final SpaceOpenEncoder.CapsEncoder caps = spaceOpenEncoder.capsCount(4);
        caps.next().objectId(consoleAddress).badge(STDOUT).capType((short)CapabilityType.ENDPOINT)
            .rights(Rights.ENDPOINT_SEND).flags((short)CAP_FLAGS);
        caps.next().objectId(consoleAddress).badge(STDERR).capType((short)CapabilityType.ENDPOINT)
            .rights(Rights.ENDPOINT_SEND).flags((short)CAP_FLAGS);
        caps.next().objectId(pid).badge(pid).capType((short)CapabilityType.PROCESS)
            .rights(Rights.PROCESS_ALL).flags((short)CAP_FLAGS);
        caps.next().objectId(root).badge(pid).capType((short)CapabilityType.ADDRESS_SPACE)
            .rights(Rights.ADDRESS_SPACE_ALL).flags((short)CAP_FLAGS);
        ctx.commit();
        spaceState[slot] = SPACE_OPENING;
        spaceCorrelation[slot] = correlation;
        createReplyTo[slot] = replyTo;
        createCorrelation[slot] = replyCorrelation;
        entryPc[slot] = bias + elf.entry();
        entrySp[slot] = sp;
        state[slot] = OPENING;
        pids[slot] = pid;
        parent[slot] = parentPid;
        status[slot] = 0;
        waitKey[slot] = 0;
        instructions[slot] = 0;
        return pid;
    }

    /** The authority answered a process's SpaceOpen: start it, or undo it. */
    private void onSpaceOpened(final Message m, final ActorContext ctx)
    {
        spaceOpenedDecoder.wrap(m.buffer(), m.bodyOffset(), m.blockLength(), m.version());
        final long correlation = m.correlationId();
        int slot = -1;
        for (int i = 0; i < Pids.SLOTS; i++)
        {
            if (state[i] == OPENING && spaceState[i] == SPACE_OPENING && spaceCorrelation[i] == correlation)
            {
                slot = i;
                break;
            }
        }
        if (slot < 0)
        {
            return;
        }
        final int code = CapabilityStatus.toCode(spaceOpenedDecoder.statusRaw());
        final SpaceOpenedDecoder.TokensDecoder tokens = spaceOpenedDecoder.tokens();
        final int pid = pids[slot];
        final boolean spawned = createReplyTo[slot] != 0;
        if (code != CapabilityError.OK || tokens.count() != 4 || shuttingDown)
        {
            // the authority closed the space on error; a space that did open is closed again
            spaceState[slot] = code == CapabilityError.OK ? SPACE_CLOSE : SPACE_NONE;
            releaseAddressSpace(slot, pid);
            freeSlot(slot);
            createFailures++;
            final int error = shuttingDown ? -Errno.EAGAIN :
                code == CapabilityError.SPACE_FULL || code == CapabilityError.POOL_EXHAUSTED ||
                code == CapabilityError.TREE_FULL ? -Errno.ENOMEM : -Errno.EAGAIN;
            if (spawned)
            {
                answerCreate(ctx, createReplyTo[slot], createCorrelation[slot], error);
            }
            else
            {
                initFailed(ctx, error);
            }
            flushCapabilityRequests(ctx);
            if (shuttingDown)
            {
                maybeReplyShutdown(ctx);
            }
            return;
        }
        final long stdout = tokens.next().token();
        final long stderr = tokens.next().token();
        final long self = tokens.next().token();
        final long aspace = tokens.next().token();
        handles.open(slot, pid, stdout, stderr, self, aspace);
        spaceState[slot] = SPACE_OPEN;
        state[slot] = ALIVE;
        created++;
        local(ctx, LOCAL_START, slot, 0);
        if (spawned)
        {
            answerCreate(ctx, createReplyTo[slot], createCorrelation[slot], pid);
        }
    }

    private int loadSegment(final long root, final int i, final long bias)
    {
        final int pf = elf.segmentFlags(i);
        int flags = PageFlags.USER | PageFlags.ACCESSED | PageFlags.DIRTY | PageFlags.READ;
        if ((pf & ElfImage.PF_W) != 0)
        {
            flags |= PageFlags.WRITE;
        }
        if ((pf & ElfImage.PF_X) != 0)
        {
            flags |= PageFlags.EXECUTE;
        }
        final long start = bias + elf.vaddr(i);
        final long end = start + elf.memorySize(i);
        final long fileEnd = start + elf.fileSize(i);
        for (long va = start & ~(PAGE - 1); va < end; va += PAGE)
        {
            long pa = spaces.translate(root, va);
            if (pa < 0)
            {
                pa = spaces.mapZeroed(root, va, flags);
                if (pa < 0)
                {
                    return -Errno.ENOMEM;
                }
            }
            else
            {
                spaces.widen(root, va, flags);
            }
            final long from = va > start ? va : start;
            final long to = va + PAGE < fileEnd ? va + PAGE : fileEnd;
            if (to > from)
            {
                memory.copy(elf.fileAddress(elf.offset(i) + (from - start)), pa + (from - va), to - from);
            }
        }
        return 0;
    }

    /**
     * Map the first stack pages and write the Linux initial stack into them.
     *
     * @return the initial sp, or a negative errno.
     */
    private long buildStack(final ActorContext ctx, final int slot, final long root, final long bias,
        final DirectBuffer text, final int nameLength, final int argc, final int envc)
    {
        // the argv and environment strings follow the name (and its NUL) in text
        final int stringsOffset = nameLength + 1;
        int stringsLength = 0;
        int argv0Length = 0;
        int count = 0;
        final int capacity = text.capacity();
        while (count < argc + envc)
        {
            if (stringsOffset + stringsLength >= capacity)
            {
                return -Errno.E2BIG;
            }
            if (text.getByte(stringsOffset + stringsLength) == 0)
            {
                count++;
                if (count == 1)
                {
                    argv0Length = stringsLength;
                }
            }
            stringsLength++;
        }
        long p = STACK_TOP - 8;
        p -= argc > 0 ? argv0Length + 1 : 1;
        final long execfn = p;
        p -= stringsLength;
        final long stringsStart = p;
        p &= ~15L;
        p -= 16;
        final long random = p;
        final long words = 1 + (argc + 1) + (envc + 1) + 2L * AUXV_PAIRS;
        final long sp = (p - words * 8) & ~15L;
        final long low = (sp - PAGE) & ~(PAGE - 1);
        if (STACK_TOP - low > STACK_MAX / 2)
        {
            return -Errno.E2BIG;
        }
        final int flags = PageFlags.USER | PageFlags.ACCESSED | PageFlags.DIRTY | PageFlags.READ | PageFlags.WRITE;
        for (long va = low; va < STACK_TOP; va += PAGE)
        {
            if (spaces.mapZeroed(root, va, flags) < 0)
            {
                return -Errno.ENOMEM;
            }
        }
        stackLow[slot] = low;
        pokeBytes(root, stringsStart, text, stringsOffset, stringsLength);
        if (argc > 0)
        {
            pokeBytes(root, execfn, text, stringsOffset, argv0Length + 1);
        }
        pokeLong(root, random, ctx.nextRandom());
        pokeLong(root, random + 8, ctx.nextRandom());
        long w = sp;
        pokeLong(root, w, argc);
        w += 8;
        long s = stringsStart;
        int at = stringsOffset;
        for (int i = 0; i < argc + envc; i++)
        {
            if (i == argc)
            {
                pokeLong(root, w, 0);
                w += 8;
                envStart[slot] = s;
            }
            pokeLong(root, w, s);
            w += 8;
            int n = 0;
            while (text.getByte(at + n) != 0)
            {
                n++;
            }
            s += n + 1;
            at += n + 1;
        }
        if (envc == 0)
        {
            pokeLong(root, w, 0);
            w += 8;
            envStart[slot] = s;
        }
        envEnd[slot] = s;
        envCount[slot] = envc;
        pokeLong(root, w, 0);
        w += 8;
        final long phdr = elf.phdrAddress();
        w = aux(root, w, AT_PHDR, phdr < 0 ? 0 : bias + phdr);
        w = aux(root, w, AT_PHENT, ElfImage.PHENT);
        w = aux(root, w, AT_PHNUM, elf.phnum());
        w = aux(root, w, AT_PAGESZ, PAGE);
        w = aux(root, w, AT_BASE, 0);
        w = aux(root, w, AT_FLAGS, 0);
        w = aux(root, w, AT_ENTRY, bias + elf.entry());
        w = aux(root, w, AT_UID, 0);
        w = aux(root, w, AT_EUID, 0);
        w = aux(root, w, AT_GID, 0);
        w = aux(root, w, AT_EGID, 0);
        w = aux(root, w, AT_HWCAP, HWCAP);
        w = aux(root, w, AT_CLKTCK, 100);
        w = aux(root, w, AT_SECURE, 0);
        w = aux(root, w, AT_RANDOM, random);
        w = aux(root, w, AT_EXECFN, execfn);
        aux(root, w, AT_NULL, 0);
        return sp;
    }

    private long aux(final long root, final long at, final long type, final long value)
    {
        pokeLong(root, at, type);
        pokeLong(root, at + 8, value);
        return at + 16;
    }

    private void pokeLong(final long root, final long va, final long value)
    {
        word.putLong(0, value);
        pokeBytes(root, va, word, 0, 8);
    }

    /** Kernel write into pages the kernel just mapped (no permission check). */
    private void pokeBytes(final long root, final long va, final DirectBuffer src, final int offset, final int length)
    {
        int done = 0;
        while (done < length)
        {
            final long address = va + done;
            final long pa = spaces.translate(root, address);
            if (pa < 0)
            {
                throw new IllegalStateException("initial stack page not mapped");
            }
            final int n = (int)Math.min(length - done, PAGE - (address & (PAGE - 1)));
            memory.wrap(page, pa, n);
            page.putBytes(0, src, offset + done, n);
            done += n;
        }
    }

    /** Frees every user page and page table of the slot's address space. */
    private void releaseAddressSpace(final int slot, final int pid)
    {
        spaces.own(pid, slot);
        spaces.release(roots[slot]);
        roots[slot] = 0;
        if (spaces.held(slot) != 0)
        {
            leakedFrames += spaces.held(slot);
        }
    }

    // ==================================================================== calls

    private void onCall(final Message m, final ActorContext ctx)
    {
        callDecoder.wrap(m.buffer(), m.bodyOffset(), m.blockLength(), m.version());
        final int pid = callDecoder.pid();
        final int slot = Pids.slot(pid, cpuCount);
        final long key = callDecoder.threadKey();
        if (Pids.home(pid, cpuCount) != cpu || pids[slot] != pid || state[slot] != ALIVE)
        {
            return;
        }
        final long number = callDecoder.number();
        if (number == SyscallNumbers.EXIT || number == SyscallNumbers.EXIT_GROUP)
        {
            // one thread per process so far: the last thread's exit ends the process
            terminate(ctx, slot, Pids.exited(callDecoder.a0()));
        }
        else if (number == SyscallNumbers.BRK)
        {
            result(ctx, key, brk(slot, callDecoder.a0()), true);
        }
        else if (number == SyscallNumbers.MMAP)
        {
            result(ctx, key, mmap(slot, callDecoder.a0(), callDecoder.a1(), callDecoder.a2(), callDecoder.a3()), true);
        }
        else if (number == SyscallNumbers.MUNMAP)
        {
            result(ctx, key, munmap(slot, callDecoder.a0(), callDecoder.a1()), true);
        }
        else if (number == SyscallNumbers.MPROTECT)
        {
            result(ctx, key, mprotect(slot, callDecoder.a0(), callDecoder.a1(), callDecoder.a2()), true);
        }
        else if (number == SyscallNumbers.WAIT4)
        {
            wait4(ctx, slot, key, callDecoder.a0(), callDecoder.a1(), callDecoder.a2());
            if (deletesPending)
            {
                flushCapabilityRequests(ctx);
            }
        }
        else if (number == SyscallNumbers.KILL)
        {
            kill(ctx, slot, key, callDecoder.a0(), callDecoder.a1());
        }
        else if (number == SyscallNumbers.TESSERA_SPAWN)
        {
            spawn(ctx, slot, key, callDecoder.a0(), callDecoder.a1());
        }
        else
        {
            result(ctx, key, -Errno.ENOSYS, false);
        }
    }

    private void result(final ActorContext ctx, final long key, final long value, final boolean flush)
    {
        local(ctx, flush ? LOCAL_RETURN_FLUSH : LOCAL_RETURN, key, value);
    }

    /**
     * Send to this CPU's scheduler, or keep the message (in order) and retry it from the timer
     * when the scheduler's queue is full: guests filling the queue (console output) must not
     * make the kernel drop a resume or a stop.
     */
    private void local(final ActorContext ctx, final int kind, final long key, final long value)
    {
        if (localCount == 0 && sendLocal(ctx, kind, key, value))
        {
            return;
        }
        if (localCount == LOCAL_PENDING)
        {
            throw new IllegalStateException("more pending scheduler messages than processes");
        }
        localKind[localCount] = kind;
        localKey[localCount] = key;
        localValue[localCount] = value;
        localCount++;
        armRetry(ctx);
    }

    private boolean sendLocal(final ActorContext ctx, final int kind, final long key, final long value)
    {
        if (kind == LOCAL_STOP)
        {
            if (ctx.claim(schedAddress, 0, threadStopEncoder, 0) < 0)
            {
                return false;
            }
            threadStopEncoder.pid((int)key);
        }
        else if (kind == LOCAL_START)
        {
            final int slot = (int)key;
            if (ctx.claim(schedAddress, 0, threadStartEncoder, 0) < 0)
            {
                return false;
            }
            threadStartEncoder.pid(pids[slot]).tid(pids[slot]).root(roots[slot]).pc(entryPc[slot]).sp(entrySp[slot]);
        }
        else
        {
            if (ctx.claim(schedAddress, key, resultEncoder, 0) < 0)
            {
                return false;
            }
            resultEncoder.threadKey(key).value(value)
                .action(kind == LOCAL_RETRY ? ResumeAction.RETRY : ResumeAction.RETURN)
                .flushTlb((short)(kind == LOCAL_RETURN ? 0 : 1));
        }
        ctx.commit();
        return true;
    }

    private void flushLocal(final ActorContext ctx)
    {
        int sent = 0;
        while (sent < localCount && sendLocal(ctx, localKind[sent], localKey[sent], localValue[sent]))
        {
            sent++;
        }
        for (int i = sent; i < localCount; i++)
        {
            localKind[i - sent] = localKind[i];
            localKey[i - sent] = localKey[i];
            localValue[i - sent] = localValue[i];
        }
        localCount -= sent;
        if (localCount > 0)
        {
            armRetry(ctx);
        }
    }

    private long brk(final int slot, final long request)
    {
        final long current = brk[slot];
        if (request < brkStart[slot] || request - brkStart[slot] > BRK_MAX)
        {
            return current;
        }
        final long root = roots[slot];
        final long oldTop = (current + PAGE - 1) & ~(PAGE - 1);
        final long newTop = (request + PAGE - 1) & ~(PAGE - 1);
        spaces.own(pids[slot], slot);
        if ((newTop - oldTop) / PAGE > spaces.freeFrames())
        {
            return current;
        }
        if (newTop > oldTop)
        {
            final int flags = PageFlags.USER | PageFlags.ACCESSED | PageFlags.DIRTY | PageFlags.READ |
                PageFlags.WRITE;
            for (long va = oldTop; va < newTop; va += PAGE)
            {
                if (spaces.translate(root, va) >= 0 || spaces.mapZeroed(root, va, flags) < 0)
                {
                    spaces.unmap(root, oldTop, va);
                    return current;
                }
            }
        }
        else if (newTop < oldTop)
        {
            spaces.unmap(root, newTop, oldTop);
        }
        brk[slot] = request;
        return request;
    }

    private long mmap(final int slot, final long addr, final long length, final long prot, final long flags)
    {
        final long mapFixed = 0x10;
        final long mapAnonymous = 0x20;
        final long mapShared = 0x01;
        final long mapPrivate = 0x02;
        if (length <= 0 || length > BRK_MAX)
        {
            return length == 0 ? -Errno.EINVAL : -Errno.ENOMEM;
        }
        if ((flags & (mapShared | mapPrivate)) == 0)
        {
            return -Errno.EINVAL;
        }
        if ((flags & mapAnonymous) == 0)
        {
            return -Errno.EBADF;
        }
        if ((prot & ~7L) != 0 || prot == 0)
        {
            return prot == 0 ? -Errno.ENOMEM : -Errno.EINVAL;
        }
        final long size = (length + PAGE - 1) & ~(PAGE - 1);
        if (size / PAGE > spaces.freeFrames())
        {
            return -Errno.ENOMEM;
        }
        final long root = roots[slot];
        final long start;
        if ((flags & mapFixed) != 0)
        {
            if ((addr & (PAGE - 1)) != 0 || addr <= 0 || addr + size > STACK_TOP - STACK_MAX)
            {
                return -Errno.EINVAL;
            }
            start = addr;
        }
        else
        {
            if (mmapNext[slot] - size < brkStart[slot] + BRK_MAX)
            {
                return -Errno.ENOMEM;
            }
            start = mmapNext[slot] - size;
        }
        spaces.own(pids[slot], slot);
        spaces.unmap(root, start, start + size);
        final int pageFlags = pageFlags(prot);
        for (long va = start; va < start + size; va += PAGE)
        {
            if (spaces.mapZeroed(root, va, pageFlags) < 0)
            {
                spaces.unmap(root, start, va);
                return -Errno.ENOMEM;
            }
        }
        if ((flags & mapFixed) == 0)
        {
            mmapNext[slot] = start;
        }
        return start;
    }

    private static int pageFlags(final long prot)
    {
        int f = PageFlags.USER | PageFlags.ACCESSED | PageFlags.DIRTY;
        // as on Linux/RISC-V, write implies read, and exec-only stays readable
        if ((prot & 1) != 0 || (prot & 2) != 0 || (prot & 4) != 0)
        {
            f |= PageFlags.READ;
        }
        if ((prot & 2) != 0)
        {
            f |= PageFlags.WRITE;
        }
        if ((prot & 4) != 0)
        {
            f |= PageFlags.EXECUTE;
        }
        return f;
    }

    private long munmap(final int slot, final long addr, final long length)
    {
        if ((addr & (PAGE - 1)) != 0 || length <= 0 || addr < 0 || addr + length > STACK_TOP)
        {
            return -Errno.EINVAL;
        }
        spaces.own(pids[slot], slot);
        spaces.unmap(roots[slot], addr, (addr + length + PAGE - 1) & ~(PAGE - 1));
        return 0;
    }

    private long mprotect(final int slot, final long addr, final long length, final long prot)
    {
        if ((addr & (PAGE - 1)) != 0 || length < 0 || (prot & ~7L) != 0)
        {
            return -Errno.EINVAL;
        }
        if (addr < 0 || length > STACK_TOP || addr + length > STACK_TOP)
        {
            return -Errno.ENOMEM;
        }
        final long end = (addr + length + PAGE - 1) & ~(PAGE - 1);
        final long root = roots[slot];
        if (spaces.mappedPages(root, addr, end) != (end - addr) / PAGE)
        {
            return -Errno.ENOMEM;
        }
        if (prot == 0)
        {
            // PROT_NONE would need a non-leaf encoding of an inaccessible page: not supported yet
            return -Errno.EINVAL;
        }
        final int flags = pageFlags(prot);
        for (long va = addr; va < end; va += PAGE)
        {
            spaces.protect(root, va, flags);
        }
        return 0;
    }

    // ==================================================================== faults

    private void onFault(final Message m, final ActorContext ctx)
    {
        faultDecoder.wrap(m.buffer(), m.bodyOffset(), m.blockLength(), m.version());
        final int pid = faultDecoder.pid();
        final int slot = Pids.slot(pid, cpuCount);
        if (Pids.home(pid, cpuCount) != cpu || pids[slot] != pid || state[slot] != ALIVE)
        {
            return;
        }
        final int cause = faultDecoder.cause();
        final long address = faultDecoder.tval();
        final short kind = faultDecoder.kind();
        final boolean pageFault = kind == UserEngine.KIND_PAGE;
        if (pageFault && address < stackLow[slot] && address >= STACK_TOP - STACK_MAX &&
            spaces.translate(roots[slot], address) < 0)
        {
            spaces.own(pid, slot);
            final int flags = PageFlags.USER | PageFlags.ACCESSED | PageFlags.DIRTY | PageFlags.READ |
                PageFlags.WRITE;
            final long va = address & ~(PAGE - 1);
            if (spaces.mapZeroed(roots[slot], va, flags) >= 0)
            {
                stackLow[slot] = va;
                local(ctx, LOCAL_RETRY, faultDecoder.threadKey(), 0);
                return;
            }
        }
        final int signal = kind == UserEngine.KIND_ILLEGAL ? SIGILL : kind == UserEngine.KIND_BREAKPOINT ? SIGTRAP :
            kind == UserEngine.KIND_MISALIGNED ? SIGBUS : SIGSEGV;
        final int waitStatus = Pids.signalled(signal);
        event(ctx, pid, ProcessEventKind.FAULTED, waitStatus, cause, address, faultDecoder.pc());
        terminate(ctx, slot, waitStatus);
    }

    // ==================================================================== exit and reap

    /** Start ending a process: stop its threads; memory is freed when they are stopped. */
    private void terminate(final ActorContext ctx, final int slot, final int waitStatus)
    {
        if (state[slot] != ALIVE)
        {
            return;
        }
        local(ctx, LOCAL_STOP, pids[slot], 0);
        state[slot] = DYING;
        status[slot] = waitStatus;
        waitKey[slot] = 0;
    }

    private void onThreadsStopped(final Message m, final ActorContext ctx)
    {
        stoppedDecoder.wrap(m.buffer(), m.bodyOffset(), m.blockLength(), m.version());
        final int pid = stoppedDecoder.pid();
        final int slot = Pids.slot(pid, cpuCount);
        if (pids[slot] != pid || state[slot] != DYING)
        {
            return;
        }
        instructions[slot] += stoppedDecoder.instructions();
        releaseAddressSpace(slot, pid);
        // its capabilities go with it, the ones it held for its children too
        handles.close(slot);
        spaceState[slot] = SPACE_CLOSE;
        flushCapabilityRequests(ctx);
        exited++;
        if (pid != 1)
        {
            // init's end is reported once the machine is down
            event(ctx, pid, ProcessEventKind.EXITED, status[slot], 0, 0, 0);
        }
        // children of the dead process: collect the zombies, orphan the living
        for (int c = 0; c < CHILD_RECORDS; c++)
        {
            if (childState[c] != CHILD_NONE && childParent[c] == pid)
            {
                if (childState[c] == CHILD_ZOMBIE)
                {
                    reaped(ctx, childPid[c]);
                }
                else
                {
                    postOrApply(ctx, OUT_PARENT_GONE, childPid[c], 0, 0);
                }
                childState[c] = CHILD_NONE;
            }
        }
        if (pid == 1)
        {
            initStatus = status[slot];
            freeSlot(slot);
            beginShutdown(ctx);
        }
        else if (parent[slot] == 0 || shuttingDown)
        {
            freeSlot(slot);
        }
        else
        {
            state[slot] = ZOMBIE;
            postOrApply(ctx, OUT_CHILD_EXITED, parent[slot], pid, status[slot]);
        }
        if (shuttingDown)
        {
            maybeReplyShutdown(ctx);
        }
    }

    private void freeSlot(final int slot)
    {
        state[slot] = FREE;
        generation[slot] = (generation[slot] + 1) % Pids.generations(cpuCount);
        pids[slot] = 0;
    }

    /** A child of a process of this CPU ended. */
    private void childExited(final ActorContext ctx, final int parentPid, final int child, final int waitStatus)
    {
        int record = -1;
        for (int c = 0; c < CHILD_RECORDS; c++)
        {
            if (childState[c] == CHILD_ALIVE && childPid[c] == child && childParent[c] == parentPid)
            {
                record = c;
                break;
            }
        }
        final int parentSlot = Pids.slot(parentPid, cpuCount);
        if (record < 0 && pids[parentSlot] == parentPid && state[parentSlot] == ALIVE &&
            spawnPending(parentPid))
        {
            // the child ended before the reply to its spawn arrived (messages between CPUs may
            // overtake each other): keep it as a zombie of the parent, the reply finds it
            record = freeChildRecord();
            if (record >= 0)
            {
                childPid[record] = child;
                childParent[record] = parentPid;
            }
        }
        if (record < 0)
        {
            // the parent is gone (or never learnt of the child): nobody will wait for it
            reaped(ctx, child);
            return;
        }
        childState[record] = CHILD_ZOMBIE;
        childStatus[record] = waitStatus;
        final int slot = Pids.slot(parentPid, cpuCount);
        if (pids[slot] == parentPid && state[slot] == ALIVE && waitKey[slot] != 0 &&
            (waitPid[slot] == -1 || waitPid[slot] == child))
        {
            final long key = waitKey[slot];
            waitKey[slot] = 0;
            final long r = collect(slot, record, waitStatusAddress[slot]);
            if (r > 0)
            {
                reaped(ctx, child);
            }
            result(ctx, key, r, false);
        }
    }

    private boolean spawnPending(final int parentPid)
    {
        for (int i = 0; i < PENDING; i++)
        {
            if (spawnCorrelation[i] != 0 && spawnParent[i] == parentPid)
            {
                return true;
            }
        }
        return false;
    }

    private int freeChildRecord()
    {
        for (int c = 0; c < CHILD_RECORDS; c++)
        {
            if (childState[c] == CHILD_NONE)
            {
                return c;
            }
        }
        return -1;
    }

    /** Write the status, forget the record; @return the pid or -EFAULT (the zombie stays). */
    private long collect(final int slot, final int record, final long statusAddress)
    {
        if (statusAddress != 0)
        {
            word.putInt(0, childStatus[record]);
            if (guest.copyOut(roots[slot], statusAddress, word, 0, 4) < 0)
            {
                return -Errno.EFAULT;
            }
        }
        childState[record] = CHILD_NONE;
        final long token = handles.removeChild(pids[slot], childPid[record]);
        if (token != HandleTable.NONE)
        {
            // the child is gone: its capability in the parent's space is deleted
            if (deleteCount == deleteToken.length)
            {
                throw new IllegalStateException("more capability deletes waiting than child records");
            }
            deleteSpace[deleteCount] = handles.space(slot);
            deleteToken[deleteCount] = token;
            deleteCount++;
            deletesPending = true;
        }
        return childPid[record];
    }

    /** A zombie was collected: free its slot at its home. */
    private void reaped(final ActorContext ctx, final int pid)
    {
        postOrApply(ctx, OUT_REAPED, pid, 0, 0);
    }

    private void wait4(final ActorContext ctx, final int slot, final long key, final long pidArg,
        final long statusAddress, final long options)
    {
        final long wnohang = 1;
        if ((options & ~(wnohang | 0x4000_0000L | 0x8000_0000L | 2 | 8)) != 0)
        {
            result(ctx, key, -Errno.EINVAL, false);
            return;
        }
        final int pid = pids[slot];
        // pid 0 and -pgid (process groups) are treated as "any child": every process is in its
        // parent's group until process groups exist
        final int want = pidArg > 0 && pidArg < Integer.MAX_VALUE ? (int)pidArg : -1;
        int matching = 0;
        for (int c = 0; c < CHILD_RECORDS; c++)
        {
            if (childState[c] != CHILD_NONE && childParent[c] == pid && (want == -1 || childPid[c] == want))
            {
                matching++;
                if (childState[c] == CHILD_ZOMBIE)
                {
                    final int child = childPid[c];
                    final long r = collect(slot, c, statusAddress);
                    if (r > 0)
                    {
                        reaped(ctx, child);
                    }
                    result(ctx, key, r, false);
                    return;
                }
            }
        }
        if (matching == 0)
        {
            result(ctx, key, -Errno.ECHILD, false);
            return;
        }
        if ((options & wnohang) != 0)
        {
            result(ctx, key, 0, false);
            return;
        }
        waitKey[slot] = key;
        waitPid[slot] = want;
        waitStatusAddress[slot] = statusAddress;
    }

    // ==================================================================== spawn

    private void spawn(final ActorContext ctx, final int slot, final long key, final long nameAddress,
        final long argvAddress)
    {
        final long root = roots[slot];
        final int nameLength = guest.copyString(root, nameAddress, strings, 0, 255);
        if (nameLength < 0)
        {
            result(ctx, key, nameLength, false);
            return;
        }
        if (nameLength == 0)
        {
            result(ctx, key, -Errno.ENOENT, false);
            return;
        }
        strings.putByte(nameLength, (byte)0);
        int at = nameLength + 1;
        int argc = 0;
        while (true)
        {
            if (argc == MAX_SPAWN_ARGS)
            {
                result(ctx, key, -Errno.E2BIG, false);
                return;
            }
            if (guest.copyIn(root, argvAddress + 8L * argc, word, 0, 8) < 0)
            {
                result(ctx, key, -Errno.EFAULT, false);
                return;
            }
            final long pointer = word.getLong(0);
            if (pointer == 0)
            {
                break;
            }
            final int n = guest.copyString(root, pointer, strings, at, MAX_SPAWN_STRINGS - at - 1);
            if (n < 0)
            {
                result(ctx, key, n == -Errno.ENAMETOOLONG ? -Errno.E2BIG : n, false);
                return;
            }
            strings.putByte(at + n, (byte)0);
            at += n + 1;
            argc++;
        }
        // the child inherits the environment strings the parent was started with
        final long envLength = envEnd[slot] - envStart[slot];
        if (envLength > MAX_SPAWN_STRINGS - at)
        {
            result(ctx, key, -Errno.E2BIG, false);
            return;
        }
        if (envLength > 0 && guest.copyIn(root, envStart[slot], strings, at, (int)envLength) < 0)
        {
            result(ctx, key, -Errno.EFAULT, false);
            return;
        }
        at += (int)envLength;
        int pending = -1;
        for (int i = 0; i < PENDING; i++)
        {
            if (spawnCorrelation[i] == 0)
            {
                pending = i;
                break;
            }
        }
        int freeRecords = 0;
        for (int c = 0; c < CHILD_RECORDS && freeRecords == 0; c++)
        {
            freeRecords += childState[c] == CHILD_NONE ? 1 : 0;
        }
        if (pending < 0 || freeRecords == 0 || shuttingDown)
        {
            result(ctx, key, -Errno.EAGAIN, false);
            return;
        }
        final int target = placement % cpuCount;
        final long correlation = ctx.nextCorrelationId();
        final int varLength = CreateProcessEncoder.stringsHeaderLength() + at;
        if (ctx.claim(ActorAddress.of(target, ServiceIds.PROC, 0), correlation, createEncoder, varLength) < 0)
        {
            result(ctx, key, -Errno.EAGAIN, false);
            return;
        }
        createEncoder.parentPid(pids[slot]).nameLength(nameLength).argc(argc).envc(envCount[slot])
            .putStrings(strings, 0, at);
        ctx.commit();
        placement++;
        spawnCorrelation[pending] = correlation;
        spawnKey[pending] = key;
        spawnParent[pending] = pids[slot];
    }

    private void onCreated(final Message m, final ActorContext ctx)
    {
        createdDecoder.wrap(m.buffer(), m.bodyOffset(), m.blockLength(), m.version());
        final long correlation = m.correlationId();
        int pending = -1;
        for (int i = 0; i < PENDING; i++)
        {
            if (correlation != 0 && spawnCorrelation[i] == correlation)
            {
                pending = i;
                break;
            }
        }
        if (pending < 0)
        {
            return;
        }
        spawnCorrelation[pending] = 0;
        final int child = createdDecoder.pid();
        final int parentPid = spawnParent[pending];
        final int slot = Pids.slot(parentPid, cpuCount);
        final boolean parentAlive = pids[slot] == parentPid && state[slot] == ALIVE;
        boolean known = false;
        for (int c = 0; c < CHILD_RECORDS && child > 0; c++)
        {
            // the child may have ended already, its ChildExited overtaking this reply
            known |= childState[c] != CHILD_NONE && childPid[c] == child && childParent[c] == parentPid;
        }
        if (child > 0 && !known)
        {
            final int record = freeChildRecord();
            if (!parentAlive || record < 0)
            {
                postOrApply(ctx, OUT_PARENT_GONE, child, 0, 0);
            }
            else
            {
                childState[record] = CHILD_ALIVE;
                childPid[record] = child;
                childParent[record] = parentPid;
            }
        }
        if (!parentAlive)
        {
            return;
        }
        int entry = -1;
        for (int i = 0; i < PENDING && child > 0; i++)
        {
            if (childCapState[i] == CHILD_CAP_NONE)
            {
                entry = i;
                break;
            }
        }
        if (entry < 0 || !handles.isOpen(slot, parentPid))
        {
            if (child > 0)
            {
                childCapsMissing++;
            }
            result(ctx, spawnKey[pending], child, false);
            return;
        }
        // spawn returns once the parent holds a capability for its child
        childCapState[entry] = CHILD_CAP_SEND;
        childCapKey[entry] = spawnKey[pending];
        childCapParent[entry] = parentPid;
        childCapChild[entry] = child;
        flushCapabilityRequests(ctx);
    }

    /** The authority created (or could not create) the capability a parent holds for its new child. */
    private void onChildCap(final Message m, final ActorContext ctx)
    {
        capReplyDecoder.wrap(m.buffer(), m.bodyOffset(), m.blockLength(), m.version());
        final long correlation = m.correlationId();
        for (int i = 0; i < PENDING; i++)
        {
            if (childCapState[i] == CHILD_CAP_WAIT && childCapCorrelation[i] == correlation)
            {
                childCapState[i] = CHILD_CAP_NONE;
                final int parentPid = childCapParent[i];
                final int child = childCapChild[i];
                final int slot = Pids.slot(parentPid, cpuCount);
                if (pids[slot] != parentPid || state[slot] != ALIVE)
                {
                    return;
                }
                final boolean ok = CapabilityStatus.toCode(capReplyDecoder.statusRaw()) == CapabilityError.OK;
                if (!ok || !handles.addChild(parentPid, child, capReplyDecoder.token()))
                {
                    childCapsMissing++;
                }
                result(ctx, childCapKey[i], child, false);
                return;
            }
        }
    }

    /** The shard answered the delete of a reaped child's capability; a BUSY shard gets it again. */
    private void onChildCapDeleted(final Message m, final ActorContext ctx)
    {
        revokeCompleteDecoder.wrap(m.buffer(), m.bodyOffset(), m.blockLength(), m.version());
        final long correlation = m.correlationId();
        for (int i = 0; i < CHILD_RECORDS; i++)
        {
            if (deleteWaitCorrelation[i] != 0 && deleteWaitCorrelation[i] == correlation)
            {
                deleteWaitCorrelation[i] = 0;
                if (CapabilityStatus.toCode(revokeCompleteDecoder.statusRaw()) == CapabilityStatus.BUSY &&
                    deleteCount < deleteToken.length)
                {
                    deleteSpace[deleteCount] = deleteWaitSpace[i];
                    deleteToken[deleteCount] = deleteWaitToken[i];
                    deleteCount++;
                    deletesPending = true;
                    armRetry(ctx);
                }
                return;
            }
        }
    }

    /** A process's SpaceDestroy completed: every CPU dropped its capabilities; the slot may be reused. */
    private void onSpaceClosed(final Message m, final ActorContext ctx)
    {
        final long correlation = m.correlationId();
        for (int i = 0; i < Pids.SLOTS; i++)
        {
            if (spaceState[i] == SPACE_CLOSING && spaceCorrelation[i] == correlation)
            {
                spaceReplyDecoder.wrap(m.buffer(), m.bodyOffset(), m.blockLength(), m.version());
                if (CapabilityStatus.toCode(spaceReplyDecoder.statusRaw()) == CapabilityStatus.BUSY)
                {
                    // the shard had no free revocation session: the space is still open, ask again
                    spaceState[i] = SPACE_CLOSE;
                    armRetry(ctx);
                    return;
                }
                spaceState[i] = SPACE_NONE;
                if (shuttingDown)
                {
                    maybeReplyShutdown(ctx);
                }
                return;
            }
        }
    }

    /** Send the spawn answers and capability requests waiting for room: space closes, child capabilities, deletes. */
    private void flushCapabilityRequests(final ActorContext ctx)
    {
        int answered = 0;
        while (answered < answerCount &&
            sendAnswer(ctx, answerTo[answered], answerCorrelation[answered], answerPid[answered]))
        {
            answered++;
        }
        for (int i = answered; i < answerCount; i++)
        {
            answerTo[i - answered] = answerTo[i];
            answerCorrelation[i - answered] = answerCorrelation[i];
            answerPid[i - answered] = answerPid[i];
        }
        answerCount -= answered;
        boolean blocked = answerCount > 0;
        for (int i = 0; i < Pids.SLOTS && !blocked; i++)
        {
            if (spaceState[i] == SPACE_CLOSE)
            {
                final long correlation = ctx.nextCorrelationId();
                final int space = handles.spaceOf(i);
                if (ctx.claim(shards.authorityOfSpace(space), correlation, spaceDestroyEncoder, 0) < 0)
                {
                    blocked = true;
                }
                else
                {
                    spaceDestroyEncoder.space(space);
                    ctx.commit();
                    spaceState[i] = SPACE_CLOSING;
                    spaceCorrelation[i] = correlation;
                }
            }
        }
        for (int i = 0; i < PENDING && !blocked; i++)
        {
            if (childCapState[i] == CHILD_CAP_SEND)
            {
                final int parentSlot = Pids.slot(childCapParent[i], cpuCount);
                final long correlation = ctx.nextCorrelationId();
                if (!handles.isOpen(parentSlot, childCapParent[i]))
                {
                    childCapState[i] = CHILD_CAP_NONE;
                    continue;
                }
                final int space = handles.space(parentSlot);
                if (ctx.claim(shards.authorityOfSpace(space), correlation, capCreateEncoder, 0) < 0)
                {
                    blocked = true;
                }
                else
                {
                    final int child = childCapChild[i];
                    capCreateEncoder.space(space).objectId(child).badge(child).capType((short)CapabilityType.PROCESS)
                        .rights(Rights.PROCESS_CONTROL | Rights.PROCESS_SIGNAL).flags((short)CAP_FLAGS);
                    ctx.commit();
                    childCapState[i] = CHILD_CAP_WAIT;
                    childCapCorrelation[i] = correlation;
                }
            }
        }
        int sent = 0;
        while (!blocked && sent < deleteCount)
        {
            int wait = -1;
            for (int i = 0; i < CHILD_RECORDS && wait < 0; i++)
            {
                wait = deleteWaitCorrelation[i] == 0 ? i : -1;
            }
            final long correlation = ctx.nextCorrelationId();
            if (wait < 0 || ctx.claim(shards.authorityOfSpace(deleteSpace[sent]), correlation, capDeleteEncoder, 0) < 0)
            {
                blocked = true;
            }
            else
            {
                capDeleteEncoder.space(deleteSpace[sent]).token(deleteToken[sent]);
                ctx.commit();
                deleteWaitCorrelation[wait] = correlation;
                deleteWaitSpace[wait] = deleteSpace[sent];
                deleteWaitToken[wait] = deleteToken[sent];
                sent++;
            }
        }
        for (int i = sent; i < deleteCount; i++)
        {
            deleteSpace[i - sent] = deleteSpace[i];
            deleteToken[i - sent] = deleteToken[i];
        }
        deleteCount -= sent;
        deletesPending = deleteCount > 0;
        if (blocked)
        {
            armRetry(ctx);
        }
    }

    private void onChildExitedMessage(final Message m, final ActorContext ctx)
    {
        childExitedDecoder.wrap(m.buffer(), m.bodyOffset(), m.blockLength(), m.version());
        childExited(ctx, childExitedDecoder.parentPid(), childExitedDecoder.childPid(), childExitedDecoder.status());
        if (deletesPending)
        {
            flushCapabilityRequests(ctx);
        }
    }

    private void onReapedMessage(final Message m)
    {
        reapedDecoder.wrap(m.buffer(), m.bodyOffset(), m.blockLength(), m.version());
        applyReaped(reapedDecoder.pid());
    }

    private void applyReaped(final int pid)
    {
        final int slot = Pids.slot(pid, cpuCount);
        if (pids[slot] == pid && state[slot] == ZOMBIE)
        {
            freeSlot(slot);
        }
    }

    private void onParentGone(final Message m)
    {
        parentGoneDecoder.wrap(m.buffer(), m.bodyOffset(), m.blockLength(), m.version());
        applyParentGone(parentGoneDecoder.pid());
    }

    private void applyParentGone(final int pid)
    {
        final int slot = Pids.slot(pid, cpuCount);
        if (pids[slot] == pid && (state[slot] == ALIVE || state[slot] == DYING))
        {
            parent[slot] = 0;
        }
    }

    // ==================================================================== kill

    private void kill(final ActorContext ctx, final int slot, final long key, final long pidArg, final long signal)
    {
        if (signal < 0 || signal > 64)
        {
            result(ctx, key, -Errno.EINVAL, false);
            return;
        }
        if (pidArg <= 0 || pidArg >= Pids.PID_LIMIT)
        {
            result(ctx, key, pidArg == 0 || pidArg == -1 ? -Errno.EPERM : -Errno.ESRCH, false);
            return;
        }
        final int target = (int)pidArg;
        if (Pids.home(target, cpuCount) == cpu)
        {
            final long r = signalLocal(ctx, target, (int)signal);
            if (target != pids[slot] || r < 0 || signal == 0 || ignored((int)signal))
            {
                result(ctx, key, r, false);
            }
            return;
        }
        int pending = -1;
        for (int i = 0; i < PENDING; i++)
        {
            if (killCorrelation[i] == 0)
            {
                pending = i;
                break;
            }
        }
        final long correlation = ctx.nextCorrelationId();
        if (pending < 0 ||
            ctx.claim(ActorAddress.of(Pids.home(target, cpuCount), ServiceIds.PROC, 0), correlation, killEncoder, 0) < 0)
        {
            result(ctx, key, -Errno.EAGAIN, false);
            return;
        }
        killEncoder.pid(target).signal((int)signal);
        ctx.commit();
        killCorrelation[pending] = correlation;
        killKey[pending] = key;
    }

    private static boolean ignored(final int signal)
    {
        // default action "ignore" (SIGCHLD, SIGCONT, SIGURG, SIGWINCH) and the stop signals,
        // which have no effect until job control exists
        return signal == 17 || signal == 18 || signal == 19 || signal == 20 || signal == 21 || signal == 22 ||
            signal == 23 || signal == 28;
    }

    /** @return 0, or -ESRCH when no such process lives here. */
    private long signalLocal(final ActorContext ctx, final int pid, final int signal)
    {
        final int slot = Pids.slot(pid, cpuCount);
        if (pids[slot] != pid || state[slot] == FREE)
        {
            return -Errno.ESRCH;
        }
        if (signal != 0 && !ignored(signal) && state[slot] == ALIVE)
        {
            terminate(ctx, slot, Pids.signalled(signal));
        }
        return 0;
    }

    private void onKillMessage(final Message m, final ActorContext ctx)
    {
        killDecoder.wrap(m.buffer(), m.bodyOffset(), m.blockLength(), m.version());
        final long r = signalLocal(ctx, killDecoder.pid(), killDecoder.signal());
        if (ctx.reply(m, killResultEncoder, 0) < 0)
        {
            return;
        }
        killResultEncoder.result(r);
        ctx.commit();
    }

    private void onKillResult(final Message m, final ActorContext ctx)
    {
        killResultDecoder.wrap(m.buffer(), m.bodyOffset(), m.blockLength(), m.version());
        for (int i = 0; i < PENDING; i++)
        {
            if (m.correlationId() != 0 && killCorrelation[i] == m.correlationId())
            {
                killCorrelation[i] = 0;
                result(ctx, killKey[i], killResultDecoder.result(), false);
                return;
            }
        }
    }

    // ==================================================================== shutdown

    private void beginShutdown(final ActorContext ctx)
    {
        final long correlation = ctx.nextCorrelationId();
        for (int c = 0; c < cpuCount; c++)
        {
            if (ctx.claim(ActorAddress.of(c, ServiceIds.PROC, 0), correlation, shutdownEncoder, 0) < 0)
            {
                throw new IllegalStateException("cannot send ShutdownProcesses");
            }
            shutdownEncoder.initStatus(initStatus);
            ctx.commit();
        }
    }

    private void onShutdownProcesses(final Message m, final ActorContext ctx)
    {
        shuttingDown = true;
        shutdownReplied = false;
        shutdownCorrelation = m.correlationId();
        shutdownRequester = m.source();
        for (int slot = 0; slot < Pids.SLOTS; slot++)
        {
            if (state[slot] == ALIVE)
            {
                terminate(ctx, slot, Pids.signalled(SIGKILL));
            }
            else if (state[slot] == ZOMBIE)
            {
                freeSlot(slot);
            }
        }
        for (int c = 0; c < CHILD_RECORDS; c++)
        {
            childState[c] = CHILD_NONE;
        }
        maybeReplyShutdown(ctx);
    }

    private void maybeReplyShutdown(final ActorContext ctx)
    {
        if (shutdownReplied)
        {
            return;
        }
        for (int slot = 0; slot < Pids.SLOTS; slot++)
        {
            // a process still opening or a space still closing: its capabilities are not gone yet
            if (state[slot] == DYING || state[slot] == ALIVE || state[slot] == OPENING ||
                spaceState[slot] != SPACE_NONE)
            {
                return;
            }
            if (state[slot] == ZOMBIE)
            {
                freeSlot(slot);
            }
        }
        long held = 0;
        for (int slot = 0; slot < Pids.SLOTS; slot++)
        {
            held += spaces.held(slot);
        }
        if (ctx.claim(shutdownRequester, shutdownCorrelation, shutDownEncoder, 0) < 0)
        {
            throw new IllegalStateException("cannot answer ShutdownProcesses");
        }
        shutDownEncoder.framesInUse(held);
        ctx.commit();
        shutdownReplied = true;
    }

    private void onProcessesShutDown(final Message m, final ActorContext ctx)
    {
        shutDownDecoder.wrap(m.buffer(), m.bodyOffset(), m.blockLength(), m.version());
        framesLeftAtShutdown += shutDownDecoder.framesInUse();
        shutdownReplies++;
        if (shutdownReplies == cpuCount)
        {
            event(ctx, 1, ProcessEventKind.EXITED, initStatus, 0, 0, 0);
            finished = true;
            for (int c = 0; c < cpuCount; c++)
            {
                if (ctx.claim(ActorAddress.of(c, ServiceIds.RUNTIME, 0), 0, runtimeShutdownEncoder, 0) < 0)
                {
                    throw new IllegalStateException("cannot shut the machine down");
                }
                runtimeShutdownEncoder.reason(0);
                ctx.commit();
            }
        }
    }

    // ==================================================================== small cross-CPU messages

    /** Apply locally when the target lives here, else send; keep and retry when back-pressured. */
    private void postOrApply(final ActorContext ctx, final int type, final int a, final int b, final int c)
    {
        // a names the process whose home receives the message: the parent for ChildExited,
        // the child for ProcessReaped and ParentGone
        if (Pids.home(a, cpuCount) == cpu)
        {
            apply(ctx, type, a, b, c);
            return;
        }
        if (outCount > 0 || !send(ctx, type, a, b, c))
        {
            if (outCount == outType.length)
            {
                throw new IllegalStateException("process manager outbox full");
            }
            outType[outCount] = type;
            outA[outCount] = a;
            outB[outCount] = b;
            outC[outCount] = c;
            outCount++;
            armRetry(ctx);
        }
    }

    private void apply(final ActorContext ctx, final int type, final int a, final int b, final int c)
    {
        if (type == OUT_CHILD_EXITED)
        {
            childExited(ctx, a, b, c);
            if (deletesPending)
            {
                flushCapabilityRequests(ctx);
            }
        }
        else if (type == OUT_REAPED)
        {
            applyReaped(a);
        }
        else
        {
            applyParentGone(a);
        }
    }

    private boolean send(final ActorContext ctx, final int type, final int a, final int b, final int c)
    {
        final long destination = ActorAddress.of(Pids.home(a, cpuCount), ServiceIds.PROC, 0);
        if (type == OUT_CHILD_EXITED)
        {
            if (ctx.claim(destination, 0, childExitedEncoder, 0) < 0)
            {
                return false;
            }
            childExitedEncoder.parentPid(a).childPid(b).status(c);
        }
        else if (type == OUT_REAPED)
        {
            if (ctx.claim(destination, 0, reapedEncoder, 0) < 0)
            {
                return false;
            }
            reapedEncoder.pid(a);
        }
        else
        {
            if (ctx.claim(destination, 0, parentGoneEncoder, 0) < 0)
            {
                return false;
            }
            parentGoneEncoder.pid(a);
        }
        ctx.commit();
        return true;
    }

    private void flushOutbox(final ActorContext ctx)
    {
        int sent = 0;
        while (sent < outCount && send(ctx, outType[sent], outA[sent], outB[sent], outC[sent]))
        {
            sent++;
        }
        for (int i = sent; i < outCount; i++)
        {
            outType[i - sent] = outType[i];
            outA[i - sent] = outA[i];
            outB[i - sent] = outB[i];
            outC[i - sent] = outC[i];
        }
        outCount -= sent;
        if (outCount > 0)
        {
            armRetry(ctx);
        }
    }

    private void armRetry(final ActorContext ctx)
    {
        if (!retryTimerSet && ctx.setTimer(ctx.nanoTime() + 10_000, 0) >= 0)
        {
            retryTimerSet = true;
        }
    }

    private void event(final ActorContext ctx, final int pid, final ProcessEventKind kind, final int waitStatus,
        final int cause, final long tval, final long pc)
    {
        if (ctx.claim(consoleAddress, 0, eventEncoder, 0) < 0)
        {
            return;
        }
        eventEncoder.pid(pid).kind(kind).status(waitStatus).cause(cause).tval(tval).pc(pc);
        ctx.commit();
    }

    // ==================================================================== observation (host)

    /** @return init's wait status once it ended, else -1. */
    public int initStatus()
    {
        return initStatus;
    }

    /** @return true once every CPU's processes ended after init (CPU 0). */
    public boolean finished()
    {
        return finished;
    }

    /** @return frames the CPUs still held when the machine shut down (CPU 0; 0 unless leaked). */
    public long framesLeftAtShutdown()
    {
        return framesLeftAtShutdown;
    }

    /** @return frames a dead process still held after its memory was released (0 unless leaked). */
    public long leakedFrames()
    {
        return leakedFrames + spaces.frames().rejectedFrees();
    }

    /** @return processes created on this CPU. */
    public long created()
    {
        return created;
    }

    /** @return processes that ended on this CPU. */
    public long exited()
    {
        return exited;
    }

    /** @return process creations that failed on this CPU. */
    public long createFailures()
    {
        return createFailures;
    }

    /** @return spawns whose parent got no capability for the child (its tables were full). */
    public long childCapsMissing()
    {
        return childCapsMissing;
    }

    /** @return process capability spaces open or closing on this CPU (0 after shutdown). */
    public int spacesInUse()
    {
        int n = 0;
        for (int slot = 0; slot < Pids.SLOTS; slot++)
        {
            n += spaceState[slot] != SPACE_NONE ? 1 : 0;
        }
        return n;
    }

    /** @return live processes (alive or dying) on this CPU. */
    public int live()
    {
        int n = 0;
        for (int slot = 0; slot < Pids.SLOTS; slot++)
        {
            n += state[slot] == ALIVE || state[slot] == DYING ? 1 : 0;
        }
        return n;
    }

    /** @return this CPU's frame source (free frames, accounting). */
    public ProcessFrames frames()
    {
        return spaces.frames();
    }
}
