package org.tessera.kernel.userland;

import java.io.PrintWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.util.List;

import org.tessera.arch.spi.Architecture;
import org.tessera.arch.spi.PageTableFormat;
import org.tessera.arch.spi.PhysicalMemory;
import org.tessera.kernel.runtime.ActorAddress;
import org.tessera.kernel.runtime.CpuAgent;
import org.tessera.kernel.runtime.ServiceIds;
import org.tessera.kernel.runtime.TraceSink;
import org.tessera.kernel.runtime.machine.HostRunner;
import org.tessera.kernel.runtime.machine.Machine;
import org.tessera.kernel.runtime.machine.MachineDescription;
import org.tessera.kernel.runtime.machine.RunResult;
import org.tessera.kernel.runtime.machine.SimulationOptions;
import org.tessera.kernel.runtime.machine.Simulator;
import org.tessera.kernel.service.console.ConsoleService;
import org.tessera.kernel.service.console.ConsoleSink;
import org.tessera.kernel.service.frame.FrameAllocatorCore;
import org.tessera.kernel.service.frame.MemoryDescription;
import org.tessera.kernel.service.frame.PhysicalLayout;
import org.tessera.kernel.service.memory.MemoryServices;
import org.tessera.kernel.service.proc.Pids;
import org.tessera.kernel.service.proc.ProcessManagerService;
import org.tessera.kernel.service.proc.ProgramTable;
import org.tessera.kernel.service.sched.SchedulerService;
import org.tessera.kernel.service.syscall.HandleTable;
import org.tessera.kernel.service.syscall.SyscallService;
import org.tessera.kernel.service.vm.CoreFrames;
import org.tessera.kernel.service.vm.VmService;

/**
 * The loader: lays out a machine for a boot image and starts it. The machine's frame
 * allocators own every frame; at boot the image's programs get a run of frames on node 0, and
 * each CPU's process manager a large contiguous run of its node's frames, which it manages alone
 * through a {@link FrameAllocatorCore}. Every CPU gets a VM service for its processes' address
 * spaces (at instance {@link VmService#PROCESS_INSTANCE}, frames from the CPU's partition through
 * {@link CoreFrames}), a scheduler (with the architecture's user-mode engine, through the SPI)
 * attached as the CPU's user execution, a syscall service, a process manager and a console;
 * CPU 0's process manager creates init on {@code Start}.
 *
 * <p>Host mode runs each CPU's loop on its own thread; simulation mode steps them from one
 * thread in virtual time under the seed. The run ends when init has ended and every CPU's
 * processes are gone (CPU 0 then shuts the CPUs down).
 */
public final class ProcessMachine implements AutoCloseable
{
    /** Virtual time after which a simulated run is declared hung (10 minutes). */
    public static final long SIM_LIMIT_NANOS = 600_000_000_000L;
    private static final long SIM_REALTIME_BASE = 1_767_225_600_000_000_000L;
    private static final int QUEUE_BYTES = 1 << 18;
    /** Regions per process address space (adjacent anonymous regions of one protection merge). */
    private static final int VM_REGIONS = 64;
    /** VM requests answered at once (only a back-pressured reply keeps one). */
    private static final int VM_SESSIONS = 64;

    /**
     * How a run ended.
     *
     * @param completed     true when init ended and the machine shut down cleanly.
     * @param failure       why not, or null.
     * @param initStatus    init's wait status (-1 if it never ended).
     * @param digest        the run's digest.
     * @param elapsedNanos  host time (host mode) or virtual time (simulation).
     * @param instructions  user instructions retired on all CPUs.
     * @param framesLeft    frames the CPUs' process VM services still held at shutdown, plus address
     *                      spaces they refused to destroy (0 after a clean run).
     * @param accountingViolations violations of the partition allocators' accounting invariant
     *                      and of the VM services' own invariants.
     */
    public record Result(boolean completed, String failure, int initStatus, long digest, long elapsedNanos,
        long instructions, long framesLeft, int accountingViolations, int capabilitySpacesLeft)
    {
        /** @return the status a shell shows for init: its exit code or 128 + signal; 70 for a failed run. */
        public int exitStatus()
        {
            return completed && initStatus >= 0 ? Pids.shellStatus(initStatus) : 70;
        }

        /** @return the digest as printed. */
        public String digestHex()
        {
            return String.format("%016x", digest);
        }
    }

    /**
     * The machine to lay out.
     *
     * @param cpus             virtual CPUs.
     * @param memoryBytes      physical memory.
     * @param numaNodes        NUMA nodes.
     * @param tickInstructions user instructions per scheduler tick.
     * @param localQueueBytes  bytes of each CPU's local queue (a power of two, at least 32 KiB:
     *                         a console chunk must fit in an eighth of it).
     */
    public record Spec(int cpus, long memoryBytes, int numaNodes, long tickInstructions, int localQueueBytes)
    {
        /** A machine with the default local queue (256 KiB). */
        public Spec(final int cpus, final long memoryBytes, final int numaNodes, final long tickInstructions)
        {
            this(cpus, memoryBytes, numaNodes, tickInstructions, QUEUE_BYTES);
        }
    }

    /** Frame owner of the image's programs. */
    public static final int PROGRAM_OWNER = 0x5052_4F47;
    /** Frame owner of CPU i's process memory: PROCESS_MEMORY_OWNER + i. */
    public static final int PROCESS_MEMORY_OWNER = 0x5052_0000;

    private final Spec spec;
    private final boolean simulate;
    private final Simulator simulator;
    private final Machine machine;
    private final SchedulerService[] schedulers;
    private final ProcessManagerService[] managers;
    private final ConsoleService[] consoles;
    private final SyscallService[] syscalls;
    private final HandleTable[] handleTables;
    private final long[] initialFree;
    private final FrameAllocatorCore[] partitions;
    private final CoreFrames[] vmFrames;
    private final VmService[] vms;

    /**
     * Lay out the machine (nothing runs yet).
     *
     * @param spec     the machine.
     * @param names    the programs' names.
     * @param elfs     the programs' ELF bytes, in the order of {@code names}.
     * @param initName the program init runs.
     * @param simulate simulation mode instead of host threads.
     * @param seed     the run's seed (random sources, AT_RANDOM, simulator choices).
     * @param trace    where handled messages are recorded, or null.
     * @param console  where guest output and the kernel's process log go.
     * @param initArgv init's argv, exactly as given.
     * @param env      init's environment strings ({@code NAME=value}), exactly as given.
     */
    public ProcessMachine(final Spec spec, final List<String> names, final List<byte[]> elfs, final String initName,
        final boolean simulate, final long seed, final TraceSink trace, final ConsoleSink console,
        final List<byte[]> initArgv, final List<byte[]> env)
    {
        this.spec = spec;
        this.simulate = simulate;
        final int n = spec.cpus();
        final MachineDescription description = new MachineDescription(n, spec.memoryBytes(), spec.numaNodes(),
            QUEUE_BYTES, spec.localQueueBytes(), 0, 1);
        if (simulate)
        {
            simulator = new Simulator(description, seed, SimulationOptions.DEFAULT, trace);
            machine = simulator.machine();
        }
        else
        {
            simulator = null;
            machine = HostRunner.build(description, seed, trace);
        }
        final PhysicalMemory memory = machine.memory();

        // Every frame belongs to the machine's frame allocators. At boot (no loop runs yet) the
        // image's programs get a run of frames on node 0, and each CPU's process manager a large
        // contiguous run on its node that it then manages alone (processes' pages and tables).
        final MemoryServices memoryServices = machine.memoryServices();
        long imageBytes = 0;
        int nameBytes = 0;
        for (int i = 0; i < names.size(); i++)
        {
            nameBytes += names.get(i).getBytes(StandardCharsets.UTF_8).length;
            imageBytes += (elfs.get(i).length + 4095) & ~4095L;
        }
        final int imageFrames = (int)Math.max(1, imageBytes / 4096);
        final long imageBase = memoryServices.frameService(0).core()
            .allocate(imageFrames, PhysicalLayout.ZONE_HIGH, PROGRAM_OWNER);
        if (imageBase < 0)
        {
            throw new IllegalArgumentException("the image's programs do not fit in the machine's memory");
        }
        final ProgramTable programs = new ProgramTable(names.size(), nameBytes);
        long at = imageBase;
        int initIndex = -1;
        for (int i = 0; i < names.size(); i++)
        {
            final byte[] elf = elfs.get(i);
            memory.write(at, elf, 0, elf.length);
            programs.add(names.get(i).getBytes(StandardCharsets.UTF_8), at, elf.length);
            if (names.get(i).equals(initName))
            {
                initIndex = i;
            }
            at = (at + elf.length + 4095) & ~4095L;
        }

        final long total = spec.memoryBytes();
        final long[] base = new long[n];
        final long[] size = new long[n];
        final int[] distance = new int[n * n];
        final int nodes = memoryServices.nodeCount();
        for (int i = 0; i < n; i++)
        {
            final int node = MemoryServices.nodeOf(i, n, nodes);
            final FrameAllocatorCore nodeCore = memoryServices.frameService(node).core();
            int cpusOnNode = 0;
            for (int j = 0; j < n; j++)
            {
                cpusOnNode += MemoryServices.nodeOf(j, n, nodes) == node ? 1 : 0;
            }
            // three quarters of what the node has left, split between its CPUs, in the largest
            // power-of-two run the allocator still has
            long frames = Long.highestOneBit(Math.max(1, nodeCore.freeFrames() * 3 / 4 / cpusOnNode));
            long run = -1;
            while (frames >= 16 && (run = nodeCore.allocate((int)frames, PhysicalLayout.ZONE_HIGH,
                PROCESS_MEMORY_OWNER + i)) < 0)
            {
                frames >>= 1;
            }
            if (run < 0)
            {
                throw new IllegalArgumentException("not enough memory for the processes of cpu " + i);
            }
            base[i] = run;
            size[i] = frames * 4096;
            for (int j = 0; j < n; j++)
            {
                distance[i * n + j] = i == j ? 10 : 20;
            }
        }
        final PhysicalLayout layout = new PhysicalLayout(new MemoryDescription(total, base, size, distance,
            new long[0], new long[0], 0));

        final PageTableFormat format = machine.pageTableFormat();
        final Architecture architecture = Architecture.named(description.architecture());
        final long realtimeOffset = simulate ? SIM_REALTIME_BASE :
            System.currentTimeMillis() * 1_000_000L - System.nanoTime();
        schedulers = new SchedulerService[n];
        managers = new ProcessManagerService[n];
        consoles = new ConsoleService[n];
        syscalls = new SyscallService[n];
        handleTables = new HandleTable[n];
        initialFree = new long[n];
        partitions = new FrameAllocatorCore[n];
        vmFrames = new CoreFrames[n];
        vms = new VmService[n];
        for (int i = 0; i < n; i++)
        {
            final CpuAgent cpu = machine.cpus()[i];
            final FrameAllocatorCore core = new FrameAllocatorCore(layout, i);
            partitions[i] = core;
            initialFree[i] = core.freeFrames();
            // the CPU's processes' address spaces live in a VM service of their own on the CPU
            // (processes never migrate); instance 0 on CPU 0 stays the boot VM of the memory tests
            vmFrames[i] = new CoreFrames(core, memory, PhysicalLayout.ZONE_HIGH, PROCESS_MEMORY_OWNER + i);
            vms[i] = new VmService(memory, format, vmFrames[i], Pids.SLOTS, VM_REGIONS, VM_SESSIONS,
                VmService.DEFAULT_SHOOTDOWN_THRESHOLD_PAGES).shootdownTo(ServiceIds.SCHED, 0, i);
            // its shootdowns go to the CPU's scheduler, which owns the user engine and its TLB
            cpu.register(ServiceIds.VM, VmService.PROCESS_INSTANCE, vms[i]);
            schedulers[i] = new SchedulerService(i, n, Pids.SLOTS, spec.tickInstructions(),
                architecture.userEngine(memory, Pids.SLOTS, 256));
            final HandleTable handles = new HandleTable(i, Pids.SLOTS, ProcessManagerService.CHILD_RECORDS,
                Machine.PROCESS_SPACE_BASE, nodes, MemoryServices.nodeOf(i, n, nodes));
            handleTables[i] = handles;
            managers[i] = new ProcessManagerService(i, n, format, memory, initialFree[i], programs, handles,
                machine.capabilityShards());
            consoles[i] = new ConsoleService(console);
            final long sched = cpu.register(ServiceIds.SCHED, 0, schedulers[i]);
            cpu.register(ServiceIds.PROC, 0, managers[i]);
            syscalls[i] = new SyscallService(i, n, format, memory, realtimeOffset, handles,
                machine.capabilityChecker(i), machine.capabilityShards());
            cpu.register(ServiceIds.SYSCALL, 0, syscalls[i]);
            cpu.register(ServiceIds.CONSOLE, 0, consoles[i]);
            cpu.attachUserExecution(sched, schedulers[i]);
        }

        // init: name NUL argv... env...
        final java.io.ByteArrayOutputStream text = new java.io.ByteArrayOutputStream();
        if (initIndex < 0)
        {
            throw new IllegalArgumentException("init '" + initName + "' is not one of the programs");
        }
        final byte[] initBytes = initName.getBytes(StandardCharsets.UTF_8);
        text.writeBytes(initBytes);
        text.write(0);
        for (final byte[] a : initArgv)
        {
            text.writeBytes(a);
            text.write(0);
        }
        for (final byte[] e : env)
        {
            text.writeBytes(e);
            text.write(0);
        }
        managers[0].init(initIndex, initBytes.length, initArgv.size(), env.size(), text.toByteArray());
    }

    /**
     * Boot: start init and run until the machine shuts down, fails, or the timeout passes.
     *
     * @param timeoutNanos host-mode limit of wall-clock time.
     */
    public Result run(final long timeoutNanos)
    {
        if (!machine.cpus()[0].injectStart(ActorAddress.of(0, ServiceIds.PROC, 0), 0))
        {
            throw new IllegalStateException("cannot queue init's start");
        }
        String failure = null;
        final long elapsed;
        if (simulate)
        {
            final var r = simulator.runUntil(Long.MAX_VALUE);
            failure = r.completed() ? null : r.failure();
            elapsed = r.elapsedNanos();
        }
        else
        {
            // the loader queued init's Start itself: run the loops without the boot machine's own
            final RunResult r = HostRunner.runBooted(machine, timeoutNanos, new PrintWriter(Writer.nullWriter()));
            failure = r.completed() ? null : r.failure();
            elapsed = r.elapsedNanos();
        }
        long instructions = 0;
        for (final SchedulerService s : schedulers)
        {
            instructions += s.retired();
        }
        // every frame of a process lives in its CPU's VM service: after shutdown it holds none
        long left = managers[0].spacesLeftAtShutdown();
        int violations = 0;
        for (int i = 0; i < managers.length; i++)
        {
            left += vmFrames[i].framesHeld();
            violations += partitions[i].checkAccounting() + vms[i].checkInvariants();
        }
        if (failure == null && !managers[0].finished())
        {
            failure = "the machine stopped before init's processes ended";
        }
        // every process's capability space is closed once the machine is down
        int spacesLeft = 0;
        for (int k = 0; k < machine.capabilityShards().shardCount(); k++)
        {
            spacesLeft += machine.capabilityAuthority(k).openSpaces(Machine.PROCESS_SPACE_BASE);
        }
        for (final ProcessManagerService manager : managers)
        {
            spacesLeft += manager.spacesInUse();
        }
        return new Result(failure == null, failure, managers[0].initStatus(), machine.digest(), elapsed,
            instructions, left, violations, spacesLeft);
    }

    /** @return frames free in every partition now minus at boot (0 after a clean run). */
    public long framesNotReturned()
    {
        long d = 0;
        for (int i = 0; i < managers.length; i++)
        {
            d += initialFree[i] - partitions[i].freeFrames();
        }
        return d;
    }

    /** @return the underlying machine. */
    public Machine machine()
    {
        return machine;
    }

    /** @return the scheduler of a CPU. */
    public SchedulerService scheduler(final int cpu)
    {
        return schedulers[cpu];
    }

    /** @return the syscall service of a CPU. */
    public SyscallService syscallService(final int cpu)
    {
        return syscalls[cpu];
    }

    /** @return the handle table of a CPU (its processes' capability tokens). */
    public HandleTable handles(final int cpu)
    {
        return handleTables[cpu];
    }

    /** @return the VM service holding a CPU's processes' address spaces. */
    public VmService processVm(final int cpu)
    {
        return vms[cpu];
    }

    /** @return the process manager of a CPU. */
    public ProcessManagerService processManager(final int cpu)
    {
        return managers[cpu];
    }

    public void close()
    {
        machine.close();
    }
}
