package org.tessera.kernel.service.proc;

import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.tessera.arch.spi.PageFlags;
import org.tessera.arch.spi.PageTableFormat;
import org.tessera.arch.spi.PageTableVisitor;
import org.tessera.arch.spi.PhysicalMemory;
import org.tessera.arch.spi.UserEngine;
import org.tessera.kernel.runtime.Actor;
import org.tessera.kernel.runtime.ActorAddress;
import org.tessera.kernel.runtime.ActorContext;
import org.tessera.kernel.runtime.Message;
import org.tessera.kernel.runtime.SendBacklog;
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
import org.tessera.kernel.service.vm.VmProxy;
import org.tessera.kernel.service.vm.VmService;
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
import org.tessera.messages.vm.AccessKind;
import org.tessera.messages.vm.AddressSpaceCreateReplyDecoder;
import org.tessera.messages.vm.AddressSpaceDestroyReplyDecoder;
import org.tessera.messages.vm.FaultResult;
import org.tessera.messages.vm.PageFaultReplyDecoder;
import org.tessera.messages.vm.ProtectReplyDecoder;
import org.tessera.messages.vm.RegionKind;
import org.tessera.messages.vm.RegionMapReplyDecoder;
import org.tessera.messages.vm.UnmapReplyDecoder;
import org.tessera.messages.vm.VmStatus;
import org.tessera.subset.Boot;

/**
 * One per CPU: the process-manager shard that owns the processes placed on its CPU. Their
 * address spaces live in the CPU's process VM service ({@link VmService#processAddress}), which
 * the shard drives by message only (processes never migrate: every exchange is on this CPU).
 *
 * <p><b>Life of a process.</b> {@code CreateProcess} (from the parent's shard, or at boot for
 * init) asks the VM for the whole address space in one {@code AddressSpaceBuild}: every
 * {@code PT_LOAD} segment's page-granular parts with their permissions (pages shared by two
 * segments get the union), mapped eagerly, the stack's top pages eagerly and the rest of its
 * 8 MiB reserve on demand. On the reply the shard copies the segments' file bytes in (the rest
 * of each page, {@code .bss}, is zero because the VM's frames are zeroed), sets the break right
 * after the highest segment, and writes the Linux initial stack (argc, argv, envp, auxv with
 * AT_PHDR, AT_PHENT, AT_PHNUM, AT_PAGESZ, AT_ENTRY, AT_RANDOM from the run's seeded random
 * source, AT_EXECFN); then it opens the capability space and a {@code ThreadStart} queues the
 * main thread on this CPU's scheduler. The process ends by exit, by a signal from kill, or by
 * a fault no one resolves (SIGSEGV, SIGILL, SIGTRAP, SIGBUS): the shard asks the scheduler to
 * stop its threads ({@code ThreadStop}) and only on {@code ThreadsStopped} destroys the address
 * space; on the VM's answer the process is a zombie whose status the parent's shard learns by
 * {@code ChildExited}, until wait4 reaps it and a {@code ProcessReaped} frees its slot. A
 * process whose parent is gone is reaped at once.
 *
 * <p><b>Memory calls and faults.</b> brk, mmap, munmap and mprotect become a RegionMap, Unmap
 * or Protect to the VM; the thread stays parked until the VM answers, then the result goes with
 * a TLB flush. A page fault becomes a PageFault: resolved (a stack page on demand, the
 * accessed/dirty state), the instruction runs again; not, the process dies by SIGSEGV.
 *
 * <p><b>Init.</b> Init is pid 1 on CPU 0. When it ends, CPU 0's shard asks every shard to end
 * its processes ({@code ShutdownProcesses}), and when all have answered (once every address
 * space is destroyed) with the address spaces their VM refused to destroy (0 unless the kernel
 * has a bug) it shuts down every CPU.
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
    /** Its address space being created and mapped by the VM service. */
    private static final int CREATING = 5;
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
    /** Loadable segments a program may have. */
    private static final int MAX_LOADS = 32;
    /** Bytes kept per slot for a spawn's name, argv and environment while its memory is mapped. */
    private static final int TEXT_BYTES = MAX_SPAWN_STRINGS + 16;
    private static final int VM_NONE = 0;
    /** AddressSpaceBuild sent. */
    private static final int VM_CREATING = 1;
    private static final int VM_LIVE = 3;
    /** AddressSpaceDestroy to send (the VM's queue was full, or it was busy). */
    private static final int VM_DESTROY = 4;
    /** AddressSpaceDestroy sent. */
    private static final int VM_DESTROYING = 5;
    private static final int AFTER_NOTHING = 0;
    /** When the space is gone the process goes on to its end (capabilities, zombie, parent). */
    private static final int AFTER_EXIT = 1;
    private static final int CALL_NONE = 0;
    private static final int CALL_BRK = 1;
    private static final int CALL_MMAP = 2;
    private static final int CALL_MMAP_UNMAP = 3;
    private static final int CALL_MMAP_REMAP = 4;
    private static final int CALL_MUNMAP = 5;
    private static final int CALL_MPROTECT = 6;
    private static final int CALL_FAULT = 7;
    private static final int USER_RW = PageFlags.USER | PageFlags.READ | PageFlags.WRITE;
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
    private final PageTableFormat format;
    private final VmProxy vm;
    private final long partitionFrames;
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

    // the address space of each slot, held by this CPU's VM service
    private final int[] asids = new int[Pids.SLOTS];
    private final int[] vmState = new int[Pids.SLOTS];
    /** Sequence of the slot's VM request(s) in flight: replies to anything older are stale. */
    private final long[] vmSequence = new long[Pids.SLOTS];
    private final int[] afterDestroy = new int[Pids.SLOTS];
    private long sequence;
    private long spacesNotDestroyed;
    // a creation waiting for the VM: the program, its strings (kept: the scratch buffer serves the
    // next CreateProcess meanwhile) and the maps still unanswered
    private final int[] createProgram = new int[Pids.SLOTS];
    private final int[] createNameLength = new int[Pids.SLOTS];
    private final int[] createArgc = new int[Pids.SLOTS];
    private final int[] createEnvc = new int[Pids.SLOTS];
    private final int[] createTextLength = new int[Pids.SLOTS];
    private final boolean[] createFromInit = new boolean[Pids.SLOTS];
    private final byte[] texts = new byte[Pids.SLOTS * TEXT_BYTES];
    private final UnsafeBuffer slotText = new UnsafeBuffer(0, 0);
    // a new address space's regions: the page-granular parts of the loadable segments (two
    // segments sharing a page share a part), then the stack's top pages and its reserve
    private final long[] points = new long[2 * MAX_LOADS];
    private final long[] regionStart = new long[2 * MAX_LOADS + 2];
    private final long[] regionLength = new long[2 * MAX_LOADS + 2];
    private final int[] regionProtection = new int[2 * MAX_LOADS + 2];
    private final boolean[] regionEager = new boolean[2 * MAX_LOADS + 2];
    // the memory call or page fault of a slot waiting for the VM's answer
    private final int[] callKind = new int[Pids.SLOTS];
    private final long[] callKey = new long[Pids.SLOTS];
    private final long[] callA = new long[Pids.SLOTS];
    private final long[] callB = new long[Pids.SLOTS];
    private final int[] callProtection = new int[Pids.SLOTS];
    private final boolean[] callFixed = new boolean[Pids.SLOTS];
    private final int[] faultCause = new int[Pids.SLOTS];
    private final long[] faultPc = new long[Pids.SLOTS];
    private final MappedPages mapped = new MappedPages();

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
    // (correlation: key, value, detail: kind)
    private final SendBacklog localBacklog = new SendBacklog(LOCAL_PENDING);

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
    private final AddressSpaceCreateReplyDecoder vmCreatedDecoder = new AddressSpaceCreateReplyDecoder();
    private final AddressSpaceDestroyReplyDecoder vmDestroyedDecoder = new AddressSpaceDestroyReplyDecoder();
    private final RegionMapReplyDecoder vmMappedDecoder = new RegionMapReplyDecoder();
    private final UnmapReplyDecoder vmUnmappedDecoder = new UnmapReplyDecoder();
    private final ProtectReplyDecoder vmProtectedDecoder = new ProtectReplyDecoder();
    private final PageFaultReplyDecoder vmFaultDecoder = new PageFaultReplyDecoder();

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
    private long spacesLeftAtShutdown;
    private int initStatus = -1;
    private boolean finished;
    private long created;
    private long exited;
    private long createFailures;
    private long childCapsMissing;
    private boolean deletesPending;

    /**
     * @param cpu      this CPU.
     * @param cpuCount CPUs in the machine.
     * @param format   page-table format of user address spaces.
     * @param memory   physical memory.
     * @param partitionFrames frames of this CPU's memory partition (a memory call asking for more
     *                 fails at once).
     * @param programs the image's programs.
     * @param handles  this CPU's handle table (shared with its system call service).
     * @param shards   where the capability authority shards are.
     */
    public ProcessManagerService(final int cpu, final int cpuCount, final PageTableFormat format,
        final PhysicalMemory memory, final long partitionFrames, final ProgramTable programs,
        final HandleTable handles, final CapabilityShards shards)
    {
        this.handles = handles;
        this.shards = shards;
        this.cpu = cpu;
        this.cpuCount = cpuCount;
        this.memory = memory;
        this.format = format;
        this.partitionFrames = partitionFrames;
        this.vm = new VmProxy(VmService.processAddress(cpu));
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
            flushDestroys(ctx);
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
        if (m.schemaId() == RegionMapReplyDecoder.SCHEMA_ID)
        {
            switch (m.templateId())
            {
                case AddressSpaceCreateReplyDecoder.TEMPLATE_ID -> onVmCreated(m, ctx);
                case RegionMapReplyDecoder.TEMPLATE_ID -> onVmMapped(m, ctx);
                case UnmapReplyDecoder.TEMPLATE_ID -> onVmUnmapped(m, ctx);
                case ProtectReplyDecoder.TEMPLATE_ID -> onVmProtected(m, ctx);
                case PageFaultReplyDecoder.TEMPLATE_ID -> onVmFault(m, ctx);
                case AddressSpaceDestroyReplyDecoder.TEMPLATE_ID -> onVmDestroyed(m, ctx);
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
        final int pid = createProcess(ctx, initProgram, 0, initStrings, initStrings.capacity(), initNameLength,
            initArgc, initEnvc, 0, 0);
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
                createProcess(ctx, program, parentPid, strings, length, nameLength, argc, envc, m.source(),
                    m.correlationId());
        }
        if (pid < 0)
        {
            createFailures++;
            answerCreate(ctx, m.source(), m.correlationId(), pid);
        }
        // else the answer goes when the process's memory is mapped and its capability space open
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
     * Start building a process: its address space, segments and stack mapped, is asked of this
     * CPU's VM service in one request; then the program is loaded into it ({@link #loaded}) and
     * its capability space opened ({@link #onSpaceOpened}) before its main thread is queued.
     *
     * @return its pid, or a negative errno.
     */
    private int createProcess(final ActorContext ctx, final int program, final int parentPid,
        final DirectBuffer strings, final int stringsLength, final int nameLength, final int argc, final int envc,
        final long replyTo, final long replyCorrelation)
    {
        if (!elf.wrap(memory, programs.base(program), programs.length(program)))
        {
            return -Errno.ENOEXEC;
        }
        int slot = -1;
        for (int i = 0; i < Pids.SLOTS; i++)
        {
            // a slot whose last capability space or address space is still going away waits
            if (state[i] == FREE && spaceState[i] == SPACE_NONE && vmState[i] == VM_NONE)
            {
                slot = i;
                break;
            }
        }
        if (slot < 0)
        {
            return -Errno.EAGAIN;
        }
        final boolean fromInit = strings == initStrings;
        if (!fromInit)
        {
            slotText.wrap(texts, slot * TEXT_BYTES, TEXT_BYTES);
            slotText.putBytes(0, strings, 0, stringsLength);
        }
        createFromInit[slot] = fromInit;
        createTextLength[slot] = stringsLength;
        final long bias = elf.type() == ElfImage.ET_DYN ? PIE_BASE : 0;
        final int parts = segmentParts(bias);
        if (parts < 0)
        {
            return -Errno.ENOEXEC;
        }
        final long low = buildStack(ctx, slot, 0, bias, keptText(slot), nameLength, argc, envc, false);
        if (low < 0)
        {
            return (int)low;
        }
        // one request builds the whole space: every part eager (its file bytes are copied in
        // next), the stack's top pages eager (the initial stack is written into them), the rest of
        // its reserve on demand (growing the stack is a page fault the VM resolves)
        final long reserve = STACK_TOP - STACK_MAX;
        region(parts, low, STACK_TOP - low, USER_RW, true);
        region(parts + 1, reserve, low - reserve, USER_RW, false);
        final long seq = ++sequence;
        if (vm.buildSpace(ctx, correlation(slot, seq), parts + 2, regionStart, regionLength, regionProtection,
            regionEager) < 0)
        {
            return -Errno.EAGAIN;
        }
        final int pid = Pids.pid(cpu, cpuCount, slot, generation[slot]);
        vmState[slot] = VM_CREATING;
        vmSequence[slot] = seq;
        createProgram[slot] = program;
        createNameLength[slot] = nameLength;
        createArgc[slot] = argc;
        createEnvc[slot] = envc;
        createReplyTo[slot] = replyTo;
        createCorrelation[slot] = replyCorrelation;
        state[slot] = CREATING;
        pids[slot] = pid;
        parent[slot] = parentPid;
        status[slot] = 0;
        waitKey[slot] = 0;
        instructions[slot] = 0;
        callKind[slot] = CALL_NONE;
        return pid;
    }

    /** @return the name, argv and environment a creation in progress was given. */
    private DirectBuffer keptText(final int slot)
    {
        if (createFromInit[slot])
        {
            return initStrings;
        }
        slotText.wrap(texts, slot * TEXT_BYTES, createTextLength[slot]);
        return slotText;
    }

    /** The VM built the address space, its segments and stack mapped: load the program. */
    private void onVmCreated(final Message m, final ActorContext ctx)
    {
        vmCreatedDecoder.wrap(m.buffer(), m.bodyOffset(), m.blockLength(), m.version());
        final int slot = vmSlot(m.correlationId());
        if (slot < 0 || vmState[slot] != VM_CREATING)
        {
            return;
        }
        final short vmStatus = vmCreatedDecoder.statusRaw();
        if (vmStatus != VmStatus.OK.value())
        {
            // nothing was created
            vmState[slot] = VM_NONE;
            creationFailed(ctx, slot, vmStatus == VmStatus.TOO_MANY_SPACES.value() ||
                vmStatus == VmStatus.BUSY.value() ? -Errno.EAGAIN : -Errno.ENOMEM);
            return;
        }
        asids[slot] = vmCreatedDecoder.asid();
        roots[slot] = vmCreatedDecoder.root();
        loaded(ctx, slot);
    }

    /** Copy the program's file bytes and write the initial stack, then open the capability space (or undo). */
    private void loaded(final ActorContext ctx, final int slot)
    {
        vmState[slot] = VM_LIVE;
        if (shuttingDown)
        {
            destroySpace(ctx, slot, AFTER_NOTHING);
            creationFailed(ctx, slot, -Errno.EAGAIN);
            return;
        }
        final int program = createProgram[slot];
        if (!elf.wrap(memory, programs.base(program), programs.length(program)))
        {
            throw new IllegalStateException("a program changed while its process was created");
        }
        final long root = roots[slot];
        final long bias = elf.type() == ElfImage.ET_DYN ? PIE_BASE : 0;
        long end = 0;
        final int phnum = elf.phnum();
        for (int i = 0; i < phnum; i++)
        {
            if (elf.segmentType(i) == ElfImage.PT_LOAD)
            {
                copySegment(root, i, bias);
                final long segmentEnd = bias + elf.vaddr(i) + elf.memorySize(i);
                end = segmentEnd > end ? segmentEnd : end;
            }
        }
        brkStart[slot] = (end + PAGE - 1) & ~(PAGE - 1);
        brk[slot] = brkStart[slot];
        mmapNext[slot] = MMAP_TOP;
        final long sp = buildStack(ctx, slot, root, bias, keptText(slot), createNameLength[slot], createArgc[slot],
            createEnvc[slot], true);
        // the process runs once its capability space is open with what it starts with
        final int pid = pids[slot];
        final long correlation = ctx.nextCorrelationId();
        final int space = handles.spaceOf(slot);
        if (ctx.claim(shards.authorityOfSpace(space), correlation, spaceOpenEncoder,
            SpaceOpenEncoder.CapsEncoder.sbeHeaderSize() + 4 * SpaceOpenEncoder.CapsEncoder.sbeBlockLength()) < 0)
        {
            destroySpace(ctx, slot, AFTER_NOTHING);
            creationFailed(ctx, slot, -Errno.EAGAIN);
            return;
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
        entryPc[slot] = bias + elf.entry();
        entrySp[slot] = sp;
        state[slot] = OPENING;
    }

    /** A creation failed after its slot was taken: free the slot and answer the parent (or end the run). */
    private void creationFailed(final ActorContext ctx, final int slot, final int error)
    {
        final boolean spawned = createReplyTo[slot] != 0;
        final long replyTo = createReplyTo[slot];
        final long correlation = createCorrelation[slot];
        freeSlot(slot);
        if (spawned)
        {
            createFailures++;
            answerCreate(ctx, replyTo, correlation, error);
        }
        else
        {
            initFailed(ctx, error);
        }
        if (shuttingDown)
        {
            // the shutdown may have been waiting for this creation alone
            maybeReplyShutdown(ctx);
        }
    }

    /**
     * Cut the loadable segments into page-granular parts, each with the union of the
     * permissions of the segments covering it: the end of the text and the start of the data
     * often share a page, and regions may not overlap.
     *
     * @return the number of parts, or -1 when the program has more than {@link #MAX_LOADS} segments.
     */
    private int segmentParts(final long bias)
    {
        int n = 0;
        final int phnum = elf.phnum();
        for (int i = 0; i < phnum; i++)
        {
            if (elf.segmentType(i) == ElfImage.PT_LOAD)
            {
                if (n == points.length)
                {
                    return -1;
                }
                points[n++] = segmentStart(i, bias);
                points[n++] = segmentEnd(i, bias);
            }
        }
        for (int i = 1; i < n; i++)
        {
            final long p = points[i];
            int j = i - 1;
            while (j >= 0 && points[j] > p)
            {
                points[j + 1] = points[j];
                j--;
            }
            points[j + 1] = p;
        }
        int parts = 0;
        for (int k = 0; k + 1 < n; k++)
        {
            final long from = points[k];
            final long to = points[k + 1];
            if (from == to)
            {
                continue;
            }
            int protection = 0;
            for (int i = 0; i < phnum; i++)
            {
                if (elf.segmentType(i) == ElfImage.PT_LOAD && segmentStart(i, bias) <= from &&
                    to <= segmentEnd(i, bias))
                {
                    protection |= protection(elf.segmentFlags(i));
                }
            }
            if (protection == 0)
            {
                continue;
            }
            if (parts > 0 && regionStart[parts - 1] + regionLength[parts - 1] == from &&
                regionProtection[parts - 1] == protection)
            {
                regionLength[parts - 1] += to - from;
            }
            else
            {
                region(parts++, from, to - from, protection, true);
            }
        }
        return parts;
    }

    private void region(final int i, final long start, final long length, final int protection, final boolean eager)
    {
        regionStart[i] = start;
        regionLength[i] = length;
        regionProtection[i] = protection;
        regionEager[i] = eager;
    }

    private long segmentStart(final int i, final long bias)
    {
        return (bias + elf.vaddr(i)) & ~(PAGE - 1);
    }

    private long segmentEnd(final int i, final long bias)
    {
        return (bias + elf.vaddr(i) + elf.memorySize(i) + PAGE - 1) & ~(PAGE - 1);
    }

    /** @return the page protection of a segment's ELF flags: always readable, as Linux maps them. */
    private static int protection(final int segmentFlags)
    {
        int flags = PageFlags.USER | PageFlags.READ;
        if ((segmentFlags & ElfImage.PF_W) != 0)
        {
            flags |= PageFlags.WRITE;
        }
        if ((segmentFlags & ElfImage.PF_X) != 0)
        {
            flags |= PageFlags.EXECUTE;
        }
        return flags;
    }

    /** Copy a segment's file bytes into its pages, which the VM mapped zeroed (the rest stays zero: .bss). */
    private void copySegment(final long root, final int i, final long bias)
    {
        final long start = bias + elf.vaddr(i);
        final long fileEnd = start + elf.fileSize(i);
        for (long va = start & ~(PAGE - 1); va < fileEnd; va += PAGE)
        {
            final long pa = format.physicalAddress(root, va);
            if (pa < 0)
            {
                throw new IllegalStateException("a loaded page is not mapped");
            }
            final long from = va > start ? va : start;
            final long to = va + PAGE < fileEnd ? va + PAGE : fileEnd;
            memory.copy(elf.fileAddress(elf.offset(i) + (from - start)), pa + (from - va), to - from);
        }
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
            destroySpace(ctx, slot, AFTER_NOTHING);
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


    /**
     * Lay out the Linux initial stack and, when {@code write}, write it into the stack's top
     * pages (mapped eagerly for it).
     *
     * @return when writing, the initial sp; else the lowest page it needs; or a negative errno.
     */
    private long buildStack(final ActorContext ctx, final int slot, final long root, final long bias,
        final DirectBuffer text, final int nameLength, final int argc, final int envc, final boolean write)
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
        if (!write)
        {
            return low;
        }
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
            final long pa = format.physicalAddress(root, address);
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

    // ==================================================================== the VM service

    private static long correlation(final int slot, final long seq)
    {
        return (seq << 16) | slot;
    }

    /** @return the slot a VM reply is for, or -1 when the reply is stale (the slot moved on). */
    private int vmSlot(final long correlation)
    {
        final int slot = (int)(correlation & 0xFFFF);
        return slot < Pids.SLOTS && vmState[slot] != VM_NONE && vmSequence[slot] == correlation >>> 16 ? slot : -1;
    }

    /** Send a RegionMap of private anonymous memory for the slot's request in flight. */
    private boolean map(final ActorContext ctx, final int slot, final long va, final long length,
        final int protection, final boolean eager)
    {
        return vm.map(ctx, correlation(slot, vmSequence[slot]), asids[slot], va, length, RegionKind.ANONYMOUS,
            protection, eager) >= 0;
    }

    private boolean unmap(final ActorContext ctx, final int slot, final long va, final long length)
    {
        return vm.unmap(ctx, correlation(slot, vmSequence[slot]), asids[slot], va, length) >= 0;
    }

    /** Give the slot's address space back to the VM; {@code after} says what follows its answer. */
    private void destroySpace(final ActorContext ctx, final int slot, final int after)
    {
        afterDestroy[slot] = after;
        // an answer still on its way to a call of this space is stale from now on
        vmSequence[slot] = ++sequence;
        callKind[slot] = CALL_NONE;
        vmState[slot] = VM_DESTROY;
        if (!sendDestroy(ctx, slot))
        {
            armRetry(ctx);
        }
    }

    private boolean sendDestroy(final ActorContext ctx, final int slot)
    {
        if (vm.destroySpace(ctx, correlation(slot, vmSequence[slot]), asids[slot]) < 0)
        {
            return false;
        }
        vmState[slot] = VM_DESTROYING;
        return true;
    }

    /** Send the destroys that found no room (from the retry timer). */
    private void flushDestroys(final ActorContext ctx)
    {
        for (int slot = 0; slot < Pids.SLOTS; slot++)
        {
            if (vmState[slot] == VM_DESTROY && !sendDestroy(ctx, slot))
            {
                armRetry(ctx);
                return;
            }
        }
    }

    /** The VM freed an address space (every page and table): the process goes on to its end. */
    private void onVmDestroyed(final Message m, final ActorContext ctx)
    {
        vmDestroyedDecoder.wrap(m.buffer(), m.bodyOffset(), m.blockLength(), m.version());
        final int slot = vmSlot(m.correlationId());
        if (slot < 0 || vmState[slot] != VM_DESTROYING)
        {
            return;
        }
        final short vmStatus = vmDestroyedDecoder.statusRaw();
        if (vmStatus == VmStatus.BUSY.value())
        {
            vmState[slot] = VM_DESTROY;
            armRetry(ctx);
            return;
        }
        if (vmStatus != VmStatus.OK.value())
        {
            // the space is lost to the VM (a kernel bug): counted, and reported at shutdown
            spacesNotDestroyed++;
        }
        vmState[slot] = VM_NONE;
        asids[slot] = 0;
        roots[slot] = 0;
        if (afterDestroy[slot] == AFTER_EXIT)
        {
            finishExit(ctx, slot);
        }
        else if (shuttingDown)
        {
            maybeReplyShutdown(ctx);
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
            brk(ctx, slot, key, callDecoder.a0());
        }
        else if (number == SyscallNumbers.MMAP)
        {
            mmap(ctx, slot, key, callDecoder.a0(), callDecoder.a1(), callDecoder.a2(), callDecoder.a3());
        }
        else if (number == SyscallNumbers.MUNMAP)
        {
            munmap(ctx, slot, key, callDecoder.a0(), callDecoder.a1());
        }
        else if (number == SyscallNumbers.MPROTECT)
        {
            mprotect(ctx, slot, key, callDecoder.a0(), callDecoder.a1(), callDecoder.a2());
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
        if (localBacklog.isEmpty() && sendLocal(ctx, kind, key, value))
        {
            return;
        }
        if (!localBacklog.add(schedAddress, key, value, kind))
        {
            throw new IllegalStateException("more pending scheduler messages than processes");
        }
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
            threadStartEncoder.pid(pids[slot]).tid(pids[slot]).root(roots[slot]).pc(entryPc[slot]).sp(entrySp[slot])
                .asid(asids[slot]);
        }
        else
        {
            if (ctx.claim(schedAddress, key, resultEncoder, 0) < 0)
            {
                return false;
            }
            resultEncoder.threadKey(key).value(value)
                .action(kind == LOCAL_RETRY ? ResumeAction.RETRY : ResumeAction.RETURN)
                // memory calls need no flush: the VM answered only after the scheduler dropped the
                // translations it took away (its shootdown); a resolved fault drops the faulting
                // entry, as hardware does when it raises the fault
                .flushTlb((short)(kind == LOCAL_RETRY ? 1 : 0));
        }
        ctx.commit();
        return true;
    }

    private void flushLocal(final ActorContext ctx)
    {
        while (!localBacklog.isEmpty() &&
            sendLocal(ctx, (int)localBacklog.detail(), localBacklog.correlation(), localBacklog.value()))
        {
            localBacklog.remove();
        }
        if (!localBacklog.isEmpty())
        {
            armRetry(ctx);
        }
    }

    private void brk(final ActorContext ctx, final int slot, final long key, final long request)
    {
        final long current = brk[slot];
        if (request < brkStart[slot] || request - brkStart[slot] > BRK_MAX)
        {
            result(ctx, key, current, true);
            return;
        }
        final long oldTop = (current + PAGE - 1) & ~(PAGE - 1);
        final long newTop = (request + PAGE - 1) & ~(PAGE - 1);
        if (newTop == oldTop)
        {
            brk[slot] = request;
            result(ctx, key, request, true);
            return;
        }
        if (newTop > oldTop && (newTop - oldTop) / PAGE > partitionFrames)
        {
            result(ctx, key, current, true);
            return;
        }
        vmSequence[slot] = ++sequence;
        // growing maps zeroed pages (OVERLAP when something is mapped there: the break stays);
        // shrinking unmaps and frees them
        final boolean sent = newTop > oldTop ? map(ctx, slot, oldTop, newTop - oldTop, USER_RW, true) :
            unmap(ctx, slot, newTop, oldTop - newTop);
        pending(ctx, slot, key, sent, CALL_BRK, request, 0);
    }

    private void mmap(final ActorContext ctx, final int slot, final long key, final long addr, final long length,
        final long prot, final long flags)
    {
        final long mapFixed = 0x10;
        final long mapAnonymous = 0x20;
        final long mapShared = 0x01;
        final long mapPrivate = 0x02;
        long error = 0;
        if (length <= 0 || length > BRK_MAX)
        {
            error = length == 0 ? -Errno.EINVAL : -Errno.ENOMEM;
        }
        else if ((flags & (mapShared | mapPrivate)) == 0)
        {
            error = -Errno.EINVAL;
        }
        else if ((flags & mapAnonymous) == 0)
        {
            error = -Errno.EBADF;
        }
        else if ((prot & ~7L) != 0 || prot == 0)
        {
            error = prot == 0 ? -Errno.ENOMEM : -Errno.EINVAL;
        }
        final long size = (length + PAGE - 1) & ~(PAGE - 1);
        final boolean fixed = (flags & mapFixed) != 0;
        long start = 0;
        if (error == 0 && size / PAGE > partitionFrames)
        {
            error = -Errno.ENOMEM;
        }
        else if (error == 0 && fixed)
        {
            if ((addr & (PAGE - 1)) != 0 || addr <= 0 || addr + size > STACK_TOP - STACK_MAX)
            {
                error = -Errno.EINVAL;
            }
            start = addr;
        }
        else if (error == 0)
        {
            if (mmapNext[slot] - size < brkStart[slot] + BRK_MAX)
            {
                error = -Errno.ENOMEM;
            }
            start = mmapNext[slot] - size;
        }
        if (error != 0)
        {
            result(ctx, key, error, true);
            return;
        }
        // mapped eagerly, zeroed; what was there before is replaced (OVERLAP: unmap, then map again)
        vmSequence[slot] = ++sequence;
        final int protection = pageFlags(prot);
        final boolean sent = map(ctx, slot, start, size, protection, true);
        callProtection[slot] = protection;
        callFixed[slot] = fixed;
        pending(ctx, slot, key, sent, CALL_MMAP, start, size);
    }

    private static int pageFlags(final long prot)
    {
        int f = PageFlags.USER;
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

    private void munmap(final ActorContext ctx, final int slot, final long key, final long addr, final long length)
    {
        if ((addr & (PAGE - 1)) != 0 || length <= 0 || addr < 0 || addr + length > STACK_TOP)
        {
            result(ctx, key, -Errno.EINVAL, true);
            return;
        }
        vmSequence[slot] = ++sequence;
        final boolean sent = unmap(ctx, slot, addr, ((addr + length + PAGE - 1) & ~(PAGE - 1)) - addr);
        pending(ctx, slot, key, sent, CALL_MUNMAP, 0, 0);
    }

    private void mprotect(final ActorContext ctx, final int slot, final long key, final long addr, final long length,
        final long prot)
    {
        if ((addr & (PAGE - 1)) != 0 || length < 0 || (prot & ~7L) != 0)
        {
            result(ctx, key, -Errno.EINVAL, true);
            return;
        }
        if (addr < 0 || length > STACK_TOP || addr + length > STACK_TOP)
        {
            result(ctx, key, -Errno.ENOMEM, true);
            return;
        }
        final long end = (addr + length + PAGE - 1) & ~(PAGE - 1);
        if (prot == 0 || end == addr)
        {
            // PROT_NONE would need a non-leaf encoding of an inaccessible page: not supported yet;
            // a range with a hole is -ENOMEM first (the page tables say which)
            final long missing = end == addr ? 0 : (end - addr) / PAGE - mapped.count(format, roots[slot], addr, end);
            result(ctx, key, missing != 0 ? -Errno.ENOMEM : prot == 0 ? -Errno.EINVAL : 0, true);
            return;
        }
        vmSequence[slot] = ++sequence;
        final boolean sent = vm.protect(ctx, correlation(slot, vmSequence[slot]), asids[slot], addr, end - addr,
            pageFlags(prot)) >= 0;
        pending(ctx, slot, key, sent, CALL_MPROTECT, 0, 0);
    }

    /**
     * Keep a call waiting for the VM's answer; when its request found no room in the VM's
     * queue, the thread runs the call again (nothing changed).
     */
    private void pending(final ActorContext ctx, final int slot, final long key, final boolean sent, final int kind,
        final long a, final long b)
    {
        if (!sent)
        {
            local(ctx, LOCAL_RETRY, key, 0);
            return;
        }
        callKind[slot] = kind;
        callKey[slot] = key;
        callA[slot] = a;
        callB[slot] = b;
    }

    private void onVmMapped(final Message m, final ActorContext ctx)
    {
        vmMappedDecoder.wrap(m.buffer(), m.bodyOffset(), m.blockLength(), m.version());
        final int slot = vmSlot(m.correlationId());
        if (slot < 0)
        {
            return;
        }
        callAnswered(ctx, slot, vmMappedDecoder.statusRaw());
    }

    private void onVmUnmapped(final Message m, final ActorContext ctx)
    {
        vmUnmappedDecoder.wrap(m.buffer(), m.bodyOffset(), m.blockLength(), m.version());
        final int slot = vmSlot(m.correlationId());
        if (slot >= 0)
        {
            callAnswered(ctx, slot, vmUnmappedDecoder.statusRaw());
        }
    }

    private void onVmProtected(final Message m, final ActorContext ctx)
    {
        vmProtectedDecoder.wrap(m.buffer(), m.bodyOffset(), m.blockLength(), m.version());
        final int slot = vmSlot(m.correlationId());
        if (slot >= 0)
        {
            callAnswered(ctx, slot, vmProtectedDecoder.statusRaw());
        }
    }

    /** The VM answered a memory call: answer the thread (the engine's TLB is flushed first). */
    private void callAnswered(final ActorContext ctx, final int slot, final short vmStatus)
    {
        final int kind = callKind[slot];
        final long key = callKey[slot];
        callKind[slot] = CALL_NONE;
        if (kind == CALL_NONE || kind == CALL_FAULT || vmState[slot] != VM_LIVE || state[slot] != ALIVE)
        {
            return;
        }
        final boolean ok = vmStatus == VmStatus.OK.value();
        if (vmStatus == VmStatus.BUSY.value())
        {
            // nothing changed: the thread makes the call again
            local(ctx, LOCAL_RETRY, key, 0);
            return;
        }
        final long start = callA[slot];
        final long size = callB[slot];
        switch (kind)
        {
            case CALL_BRK ->
            {
                if (ok)
                {
                    brk[slot] = start;
                }
                result(ctx, key, brk[slot], true);
            }
            case CALL_MMAP, CALL_MMAP_REMAP ->
            {
                if (ok)
                {
                    if (!callFixed[slot])
                    {
                        mmapNext[slot] = start;
                    }
                    result(ctx, key, start, true);
                }
                else if (kind == CALL_MMAP && vmStatus == VmStatus.OVERLAP.value())
                {
                    vmSequence[slot] = ++sequence;
                    pending(ctx, slot, key, unmap(ctx, slot, start, size), CALL_MMAP_UNMAP, start, size);
                }
                else
                {
                    result(ctx, key, -Errno.ENOMEM, true);
                }
            }
            case CALL_MMAP_UNMAP ->
            {
                vmSequence[slot] = ++sequence;
                if (!ok)
                {
                    result(ctx, key, -Errno.ENOMEM, true);
                }
                else if (!map(ctx, slot, start, size, callProtection[slot], true))
                {
                    // what was there is gone, as it would be after a failed map
                    result(ctx, key, -Errno.ENOMEM, true);
                }
                else
                {
                    pending(ctx, slot, key, true, CALL_MMAP_REMAP, start, size);
                }
            }
            case CALL_MUNMAP, CALL_MPROTECT ->
                result(ctx, key, ok ? 0 : vmStatus == VmStatus.INVALID_ARGUMENT.value() ? -Errno.EINVAL : -Errno.ENOMEM,
                    true);
            default -> throw new IllegalStateException("a memory call of no known kind");
        }
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
        if (kind == UserEngine.KIND_PAGE && vmState[slot] == VM_LIVE)
        {
            // the VM resolves it (a stack page on demand, accessed/dirty state) or says why not,
            // for the access the engine reports (a version-0 trap carries none: UNKNOWN)
            vmSequence[slot] = ++sequence;
            final long key = faultDecoder.threadKey();
            final byte engineAccess = faultDecoder.access();
            final AccessKind access = engineAccess == org.tessera.arch.spi.AccessKind.READ ? AccessKind.READ :
                engineAccess == org.tessera.arch.spi.AccessKind.WRITE ? AccessKind.WRITE :
                engineAccess == org.tessera.arch.spi.AccessKind.EXECUTE ? AccessKind.EXECUTE : AccessKind.UNKNOWN;
            if (vm.pageFault(ctx, correlation(slot, vmSequence[slot]), asids[slot], address, access) < 0)
            {
                local(ctx, LOCAL_RETRY, key, 0);
                return;
            }
            callKind[slot] = CALL_FAULT;
            callKey[slot] = key;
            callA[slot] = address;
            faultCause[slot] = cause;
            faultPc[slot] = faultDecoder.pc();
            return;
        }
        final int signal = kind == UserEngine.KIND_ILLEGAL ? SIGILL : kind == UserEngine.KIND_BREAKPOINT ? SIGTRAP :
            kind == UserEngine.KIND_MISALIGNED ? SIGBUS : SIGSEGV;
        faulted(ctx, slot, signal, cause, address, faultDecoder.pc());
    }

    private void onVmFault(final Message m, final ActorContext ctx)
    {
        vmFaultDecoder.wrap(m.buffer(), m.bodyOffset(), m.blockLength(), m.version());
        final int slot = vmSlot(m.correlationId());
        if (slot < 0 || callKind[slot] != CALL_FAULT)
        {
            return;
        }
        callKind[slot] = CALL_NONE;
        if (state[slot] != ALIVE)
        {
            return;
        }
        final short result = vmFaultDecoder.resultRaw();
        if (result == FaultResult.RESOLVED.value() || result == FaultResult.RETRY.value())
        {
            // the instruction runs again (on RETRY it faults again once the VM has room)
            local(ctx, LOCAL_RETRY, callKey[slot], 0);
            return;
        }
        // not allowed, or no frame for it: the process ends as Linux would end it
        faulted(ctx, slot, SIGSEGV, faultCause[slot], callA[slot], faultPc[slot]);
    }

    private void faulted(final ActorContext ctx, final int slot, final int signal, final int cause, final long address,
        final long pc)
    {
        final int waitStatus = Pids.signalled(signal);
        event(ctx, pids[slot], ProcessEventKind.FAULTED, waitStatus, cause, address, pc);
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
        if (pids[slot] != pid || state[slot] != DYING || vmState[slot] != VM_LIVE)
        {
            return;
        }
        instructions[slot] += stoppedDecoder.instructions();
        // its memory goes first; the rest of its end follows the VM's answer
        destroySpace(ctx, slot, AFTER_EXIT);
    }

    /** A dead process's address space is gone: close its capabilities, collect its children, become a zombie. */
    private void finishExit(final ActorContext ctx, final int slot)
    {
        final int pid = pids[slot];
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
            if (state[slot] == DYING || state[slot] == ALIVE || state[slot] == OPENING || state[slot] == CREATING ||
                spaceState[slot] != SPACE_NONE || vmState[slot] != VM_NONE)
            {
                return;
            }
            if (state[slot] == ZOMBIE)
            {
                freeSlot(slot);
            }
        }
        if (ctx.claim(shutdownRequester, shutdownCorrelation, shutDownEncoder, 0) < 0)
        {
            throw new IllegalStateException("cannot answer ShutdownProcesses");
        }
        // every address space went back to the VM, which returned its frames to the partition
        // (checked on the VM's side); what could be lost here is a space the VM refused to destroy
        shutDownEncoder.framesInUse(0).addressSpacesLeft(spacesNotDestroyed);
        ctx.commit();
        shutdownReplied = true;
    }

    private void onProcessesShutDown(final Message m, final ActorContext ctx)
    {
        shutDownDecoder.wrap(m.buffer(), m.bodyOffset(), m.blockLength(), m.version());
        spacesLeftAtShutdown += shutDownDecoder.framesInUse() +
            (shutDownDecoder.addressSpacesLeft() == ProcessesShutDownDecoder.addressSpacesLeftNullValue() ? 0 :
            shutDownDecoder.addressSpacesLeft());
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

    /**
     * @return address spaces the CPUs' VM services refused to destroy, as the CPUs reported them
     * when the machine shut down (CPU 0; 0 unless the kernel has a bug).
     */
    public long spacesLeftAtShutdown()
    {
        return spacesLeftAtShutdown;
    }

    /** @return address spaces of this CPU's processes the VM refused to destroy (0 unless the kernel has a bug). */
    public long spacesNotDestroyed()
    {
        return spacesNotDestroyed;
    }

    /** @return address spaces this CPU's processes hold in its VM service (0 after shutdown). */
    public int addressSpacesInUse()
    {
        int n = 0;
        for (int slot = 0; slot < Pids.SLOTS; slot++)
        {
            n += vmState[slot] != VM_NONE ? 1 : 0;
        }
        return n;
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

    /** Counts the 4 KiB pages mapped in a range by walking the page tables (read only). */
    private static final class MappedPages implements PageTableVisitor
    {
        private long from;
        private long to;
        private long total;

        long count(final PageTableFormat format, final long root, final long start, final long end)
        {
            from = start;
            to = end;
            total = 0;
            format.walk(root, this);
            return total;
        }

        @Override
        public void onLeaf(final long virtualAddress, final long physicalAddress, final long size, final int flags)
        {
            if (virtualAddress >= from && virtualAddress < to)
            {
                total++;
            }
        }
    }
}
