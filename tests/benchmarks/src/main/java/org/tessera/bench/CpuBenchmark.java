package org.tessera.bench;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.tessera.kernel.userland.GuestPrograms;
import org.tessera.kernel.userland.ProcessMachine;
import org.tessera.kernel.userland.StreamConsole;

/**
 * User programs on the RV64 engine, each figure from whole runs of a real guest on a
 * one-CPU, 64 MiB machine in host mode (boot, run, shutdown with frame accounting), so every
 * figure carries the machine's boot cost spread over the run and is an upper bound:
 * <ul>
 *   <li>{@code engine_mips}: {@code user/bin/cpubound.elf 8} under Tessera, in millions of
 *       instructions per second ({@value #CPUBOUND_INSTRUCTIONS} instructions per run, the count
 *       Tessera measures, checked at setup), beside {@code qemu_mips}: {@code qemu-riscv64}
 *       running the same binary with the same argv and an empty environment in the same run,
 *       with the same instruction count; {@code ratio engine/qemu} (goal &gt;= 0.5);</li>
 *   <li>{@code null_syscall}: one {@code getpid} from guest code: trap, message to the
 *       syscall service, reply, resume (ns; goal &lt;= 40);</li>
 *   <li>{@code context_switch}: two processes on one CPU yielding to each other with live FP
 *       registers (ns per switch; goal &lt;= 300);</li>
 *   <li>{@code spawn_exit_reap}: spawn a program from the image, the child exits, wait4 reaps
 *       it (us; goal &lt;= 20).</li>
 * </ul>
 */
@State(Scope.Benchmark)
public class CpuBenchmark
{
    /** User instructions of {@code cpubound 8} with argv {"cpubound", "8"} and no environment. */
    static final int CPUBOUND_INSTRUCTIONS = 61_916_828;
    static final int SYSCALLS = 200_000;
    static final int YIELDS = 50_000;
    static final int SPAWNS = 2_000;
    static final ProcessMachine.Spec MACHINE = new ProcessMachine.Spec(1, 64L << 20, 1, 100_000);

    Path cpuboundPath;
    byte[] cpubound;
    byte[] getpidLoop;
    byte[] yieldPair;
    byte[] spawnLoop;
    byte[] getpidOnce;
    byte[] yieldOnce;
    byte[] spawnOnce;

    @Setup(Level.Trial)
    public void setup() throws IOException
    {
        cpuboundPath = findCpubound();
        cpubound = Files.readAllBytes(cpuboundPath);
        getpidLoop = GuestPrograms.getpidLoop(SYSCALLS);
        yieldPair = GuestPrograms.yieldPair("y", YIELDS);
        spawnLoop = GuestPrograms.spawnLoop("s", SPAWNS);
        getpidOnce = GuestPrograms.getpidLoop(1);
        yieldOnce = GuestPrograms.yieldPair("y", 1);
        spawnOnce = GuestPrograms.spawnLoop("s", 1);
        final ProcessMachine.Result r = run(cpubound, "cpubound", true, "cpubound", "8");
        // a few instructions depend on where the kernel lays out the initial stack; the figure
        // is per instruction, so anything within 0.001% of the constant is the same program
        if (Math.abs(r.instructions() - CPUBOUND_INSTRUCTIONS) > CPUBOUND_INSTRUCTIONS / 100_000)
        {
            throw new IllegalStateException("cpubound 8 retired " + r.instructions() + " instructions, the " +
                "benchmark's operation count says " + CPUBOUND_INSTRUCTIONS + ": update CPUBOUND_INSTRUCTIONS");
        }
    }

    static Path findCpubound()
    {
        for (Path dir = Path.of(System.getProperty("tessera.home", "")).toAbsolutePath(); dir != null;
            dir = dir.getParent())
        {
            final Path elf = dir.resolve("user/bin/cpubound.elf");
            if (Files.isRegularFile(elf))
            {
                return elf;
            }
        }
        throw new IllegalStateException("user/bin/cpubound.elf not found above the working directory");
    }

    static ProcessMachine.Result run(final byte[] elf, final String name, final boolean simulate,
        final String... argv)
    {
        final StringWriter log = new StringWriter();
        final StreamConsole console = new StreamConsole(new ByteArrayOutputStream(), new ByteArrayOutputStream(),
            new PrintWriter(log), false);
        final List<byte[]> args = java.util.Arrays.stream(argv).map(a -> a.getBytes(StandardCharsets.UTF_8)).toList();
        try (ProcessMachine m = new ProcessMachine(MACHINE, List.of(name), List.of(elf), name, simulate, 1, null,
            console, args, List.of()))
        {
            final ProcessMachine.Result r = m.run(TimeUnit.MINUTES.toNanos(2));
            if (!r.completed() || r.exitStatus() != 0 || r.framesLeft() != 0)
            {
                throw new IllegalStateException(name + " failed: " + r + " " + log);
            }
            return r;
        }
    }

    @Benchmark
    @BenchmarkMode(Mode.Throughput)
    @OutputTimeUnit(TimeUnit.MICROSECONDS)
    @OperationsPerInvocation(CPUBOUND_INSTRUCTIONS)
    public long engineMips()
    {
        return run(cpubound, "cpubound", false, "cpubound", "8").instructions();
    }

    @Benchmark
    @BenchmarkMode(Mode.Throughput)
    @OutputTimeUnit(TimeUnit.MICROSECONDS)
    @OperationsPerInvocation(CPUBOUND_INSTRUCTIONS)
    public int qemuMips() throws IOException, InterruptedException
    {
        final ProcessBuilder pb = new ProcessBuilder("qemu-riscv64", "-0", "cpubound", cpuboundPath.toString(), "8")
            .redirectOutput(ProcessBuilder.Redirect.DISCARD).redirectError(ProcessBuilder.Redirect.INHERIT);
        pb.environment().clear();
        final int status = pb.start().waitFor();
        if (status != 0)
        {
            throw new IllegalStateException("qemu-riscv64 exited with " + status);
        }
        return status;
    }

    @Benchmark
    @BenchmarkMode(Mode.AverageTime)
    @OutputTimeUnit(TimeUnit.NANOSECONDS)
    @OperationsPerInvocation(SYSCALLS)
    public long nullSyscall()
    {
        return run(getpidLoop, "n", false, "n").instructions();
    }

    @Benchmark
    @BenchmarkMode(Mode.AverageTime)
    @OutputTimeUnit(TimeUnit.NANOSECONDS)
    @OperationsPerInvocation(2 * YIELDS)
    public long contextSwitch()
    {
        return run(yieldPair, "y", false, "y").instructions();
    }

    @Benchmark
    @BenchmarkMode(Mode.AverageTime)
    @OutputTimeUnit(TimeUnit.MICROSECONDS)
    @OperationsPerInvocation(SPAWNS)
    public long spawnExitReap()
    {
        return run(spawnLoop, "s", false, "s").instructions();
    }

    // Each figure above runs a whole machine: boot, the loop, shutdown. The same machine running
    // the loop once, spread over the same operation count, is the boot-and-shutdown share;
    // BenchMain prints the difference as the net figure (null_syscall_net and so on).

    @Benchmark
    @BenchmarkMode(Mode.AverageTime)
    @OutputTimeUnit(TimeUnit.NANOSECONDS)
    @OperationsPerInvocation(SYSCALLS)
    public long nullSyscallBoot()
    {
        return run(getpidOnce, "n", false, "n").instructions();
    }

    @Benchmark
    @BenchmarkMode(Mode.AverageTime)
    @OutputTimeUnit(TimeUnit.NANOSECONDS)
    @OperationsPerInvocation(2 * YIELDS)
    public long contextSwitchBoot()
    {
        return run(yieldOnce, "y", false, "y").instructions();
    }

    @Benchmark
    @BenchmarkMode(Mode.AverageTime)
    @OutputTimeUnit(TimeUnit.MICROSECONDS)
    @OperationsPerInvocation(SPAWNS)
    public long spawnExitReapBoot()
    {
        return run(spawnOnce, "s", false, "s").instructions();
    }
}
