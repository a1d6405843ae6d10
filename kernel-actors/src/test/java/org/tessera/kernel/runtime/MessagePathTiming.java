package org.tessera.kernel.runtime;

import java.io.ByteArrayOutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.tessera.arch.spi.PhysicalMemory;
import org.tessera.kernel.service.frame.FrameAllocatorService;
import org.tessera.kernel.service.frame.MemoryDescription;
import org.tessera.kernel.service.memory.MemoryServices;
import org.tessera.kernel.userland.GuestPrograms;
import org.tessera.kernel.userland.ProcessMachine;
import org.tessera.kernel.userland.StreamConsole;
import org.tessera.lockfree.Inbox;
import org.tessera.messages.memory.FrameAllocReplyDecoder;
import org.tessera.messages.memory.FrameAllocRequestEncoder;
import org.tessera.messages.memory.FrameFreeReplyDecoder;
import org.tessera.messages.memory.FrameFreeRequestEncoder;
import org.tessera.messages.memory.ZoneClass;

/**
 * A quick, repeatable measurement of the kernel's message path from guest code (not a test and
 * not a benchmark of record: the figures of record come from {@code tests/benchmarks}). It runs
 * the same one-CPU host-mode machines as {@code CpuBenchmark}: a {@code getpid} loop (trap,
 * {@code SyscallTrap} to the syscall service, {@code SyscallResult} back, resume) and two
 * processes yielding to each other, each with n iterations and with 1 iteration, and prints
 * the net time per operation (the difference spread over n - 1 operations), the median of
 * several rounds after a warm-up.
 *
 * <p>Run: {@code java -cp <kernel-actors test and main classes + deps>
 * org.tessera.kernel.runtime.MessagePathTiming [syscalls] [yields] [rounds] [syscall|yield|frame]}.
 */
public final class MessagePathTiming
{
    private static final ProcessMachine.Spec MACHINE = new ProcessMachine.Spec(1, 64L << 20, 1, 100_000);

    private MessagePathTiming()
    {
    }

    public static void main(final String[] args)
    {
        final int syscalls = args.length > 0 ? Integer.parseInt(args[0]) : 200_000;
        final int yields = args.length > 1 ? Integer.parseInt(args[1]) : 50_000;
        final int rounds = args.length > 2 ? Integer.parseInt(args[2]) : 7;
        // "syscall" or "yield" runs only that loop (for a profile of one path); "frame" runs
        // frame alloc/free in place instead
        final String only = args.length > 3 ? args[3] : "";
        final boolean doSyscall = !only.equals("yield");
        final boolean doYield = !only.equals("syscall");
        final byte[] getpidLoop = GuestPrograms.getpidLoop(syscalls);
        final byte[] getpidOnce = GuestPrograms.getpidLoop(1);
        final byte[] yieldPair = GuestPrograms.yieldPair("y", yields);
        final byte[] yieldOnce = GuestPrograms.yieldPair("y", 1);
        if (only.equals("frame"))
        {
            frameAllocFree(rounds);
            return;
        }
        for (int i = 0; i < 3; i++)
        {
            if (doSyscall)
            {
                run(getpidLoop, "n");
                run(getpidOnce, "n");
            }
            if (doYield)
            {
                run(yieldPair, "y");
                run(yieldOnce, "y");
            }
        }
        final double[] syscall = new double[rounds];
        final double[] yield = new double[rounds];
        final double[] syscallCpu = new double[rounds];
        final double[] yieldCpu = new double[rounds];
        for (int r = 0; r < rounds; r++)
        {
            if (doSyscall)
            {
                long cpu = processCpuNanos();
                final long loop = run(getpidLoop, "n");
                final long loopCpu = processCpuNanos() - cpu;
                cpu = processCpuNanos();
                final long once = run(getpidOnce, "n");
                final long onceCpu = processCpuNanos() - cpu;
                syscall[r] = (double)(loop - once) / (syscalls - 1);
                syscallCpu[r] = (double)(loopCpu - onceCpu) / (syscalls - 1);
            }
            if (doYield)
            {
                long cpu = processCpuNanos();
                final long pair = run(yieldPair, "y");
                final long pairCpu = processCpuNanos() - cpu;
                cpu = processCpuNanos();
                final long pairOnce = run(yieldOnce, "y");
                final long pairOnceCpu = processCpuNanos() - cpu;
                yield[r] = (double)(pair - pairOnce) / (2.0 * (yields - 1));
                yieldCpu[r] = (double)(pairCpu - pairOnceCpu) / (2.0 * (yields - 1));
            }
        }
        Arrays.sort(syscall);
        Arrays.sort(yield);
        Arrays.sort(syscallCpu);
        Arrays.sort(yieldCpu);
        // wall time is what the benchmark reports; process CPU time (the CPU thread spins, the
        // main thread sleeps) is steadier on a host shared with other work
        System.out.printf("null_syscall_net   wall median %7.1f ns  min %7.1f ns | cpu median %7.1f ns  min %7.1f ns"
            + "  (%d rounds, n=%d)%n", syscall[rounds / 2], syscall[0], syscallCpu[rounds / 2], syscallCpu[0],
            rounds, syscalls);
        System.out.printf("context_switch_net wall median %7.1f ns  min %7.1f ns | cpu median %7.1f ns  min %7.1f ns"
            + "  (%d rounds, n=%d)%n", yield[rounds / 2], yield[0], yieldCpu[rounds / 2], yieldCpu[0], rounds, yields);
    }

    /** Allocates one frame, frees it, and allocates again as soon as each reply is in. */
    private static final class FrameRequester implements Actor
    {
        private final long service;
        private final FrameAllocRequestEncoder alloc = new FrameAllocRequestEncoder();
        private final FrameFreeRequestEncoder free = new FrameFreeRequestEncoder();
        private final FrameAllocReplyDecoder allocReply = new FrameAllocReplyDecoder();
        long completed;

        FrameRequester(final long service)
        {
            this.service = service;
        }

        public void onMessage(final Message m, final ActorContext ctx)
        {
            if (m.is(FrameAllocReplyDecoder.SCHEMA_ID, FrameAllocReplyDecoder.TEMPLATE_ID))
            {
                allocReply.wrap(m.buffer(), m.bodyOffset(), m.blockLength(), m.version());
                if (allocReply.statusRaw() != 0 || ctx.claim(m.source(), ctx.nextCorrelationId(), free, 0) < 0)
                {
                    throw new IllegalStateException("frame allocation or its free failed");
                }
                free.physicalAddress(allocReply.physicalAddress()).count(1).ownerId(77);
                ctx.commit();
                return;
            }
            if (m.is(FrameFreeReplyDecoder.SCHEMA_ID, FrameFreeReplyDecoder.TEMPLATE_ID))
            {
                completed++;
            }
            if (ctx.claim(service, ctx.nextCorrelationId(), alloc, 0) < 0)
            {
                throw new IllegalStateException("back-pressured with one request in flight");
            }
            alloc.count(1).zoneClass(ZoneClass.NORMAL).ownerId(77).nodeHint(FrameAllocatorService.NODE_ANY);
            ctx.commit();
        }
    }

    /**
     * Frame alloc/free handled in place (four messages through the local queue per operation),
     * the benchmark thread running the CPU loop with drain limits of one operation per cycle,
     * as the memory benchmark does.
     */
    private static void frameAllocFree(final int rounds)
    {
        final Inbox[] inboxes = {new Inbox(64 * 1024)};
        final CpuAgent cpu = new CpuAgent(0, 1, inboxes[0], 64 * 1024, new InboxTransport(inboxes),
            System::nanoTime, null, 1, 64);
        final MemoryDescription description = MemoryDescription.singleNode(64L << 20, new long[]{0},
            new long[]{1L << 20}, 0);
        final PhysicalMemory memory = new PhysicalMemory(description.totalSize());
        try
        {
            final MemoryServices services = MemoryServices.install(new CpuAgent[]{cpu}, memory, description);
            final FrameRequester requester = new FrameRequester(services.frameServiceAddress(0));
            cpu.register(ServiceIds.FIRST_USER_SERVICE, 0, requester);
            cpu.injectStart(ActorAddress.of(0, ServiceIds.FIRST_USER_SERVICE, 0), 0);
            cpu.drainLimits(4, 4, 4);
            final int ops = 2_000_000;
            final double[] perOp = new double[rounds];
            final com.sun.management.ThreadMXBean threads =
                (com.sun.management.ThreadMXBean)ManagementFactory.getThreadMXBean();
            long allocated = 0;
            for (int r = -3; r < rounds; r++)
            {
                final long allocatedBefore = threads.getCurrentThreadAllocatedBytes();
                final long before = requester.completed;
                final long start = System.nanoTime();
                while (requester.completed - before < ops)
                {
                    cpu.doWork();
                }
                if (r >= 0)
                {
                    perOp[r] = (double)(System.nanoTime() - start) / ops;
                    allocated += threads.getCurrentThreadAllocatedBytes() - allocatedBefore;
                }
            }
            Arrays.sort(perOp);
            System.out.printf("frame_alloc_free in place median %7.1f ns  min %7.1f ns  (%d rounds, %d ops)"
                + "  allocated %d bytes in the loop%n", perOp[rounds / 2], perOp[0], rounds, ops, allocated);
        }
        finally
        {
            memory.close();
        }
    }

    private static long processCpuNanos()
    {
        return ((com.sun.management.OperatingSystemMXBean)ManagementFactory.getOperatingSystemMXBean())
            .getProcessCpuTime();
    }

    private static long run(final byte[] elf, final String name)
    {
        final StringWriter log = new StringWriter();
        final StreamConsole console = new StreamConsole(new ByteArrayOutputStream(), new ByteArrayOutputStream(),
            new PrintWriter(log), false);
        final List<byte[]> argv = List.of(name.getBytes(StandardCharsets.UTF_8));
        try (ProcessMachine m = new ProcessMachine(MACHINE, List.of(name), List.of(elf), name, false, 1, null,
            console, argv, List.of()))
        {
            final ProcessMachine.Result r = m.run(TimeUnit.MINUTES.toNanos(2));
            if (!r.completed() || r.exitStatus() != 0 || r.framesLeft() != 0)
            {
                throw new IllegalStateException(name + " failed: " + r + " " + log);
            }
            return r.elapsedNanos();
        }
    }
}
