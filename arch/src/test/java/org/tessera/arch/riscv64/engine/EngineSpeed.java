package org.tessera.arch.riscv64.engine;

/**
 * A quick speed measurement, not a test: runs {@code user/bin/cpubound.elf ROUNDS} on the engine
 * through Sv48 page tables with a 100 000-instruction budget per run (the kernel's tick) and
 * prints millions of instructions per second for each repetition.
 *
 * <pre>java -cp arch/target/classes:arch/target/test-classes:AGRONA org.tessera.arch.riscv64.engine.EngineSpeed 8 5</pre>
 */
public final class EngineSpeed
{
    private EngineSpeed()
    {
    }

    public static void main(final String[] args)
    {
        final String rounds = args.length > 0 ? args[0] : "8";
        final int repeats = args.length > 1 ? Integer.parseInt(args[1]) : 5;
        final long budget = args.length > 2 ? Long.parseLong(args[2]) : 100_000;
        final byte[] image = GuestProgram.read("cpubound.elf");
        for (int i = 0; i < repeats; i++)
        {
            try (GuestProgram program = new GuestProgram(image, "cpubound", rounds))
            {
                final java.lang.management.ThreadMXBean threads = java.lang.management.ManagementFactory.getThreadMXBean();
                final long cpuStart = threads.getCurrentThreadCpuTime();
                final long start = System.nanoTime();
                final int status = program.run(budget);
                final long elapsed = System.nanoTime() - start;
                final long cpu = threads.getCurrentThreadCpuTime() - cpuStart;
                final long instructions = program.engine.instructions();
                System.out.printf("status %d instructions %d time %.3f s MIPS %.1f (cpu time: MIPS %.1f)%n", status,
                    instructions, elapsed / 1e9, instructions * 1e3 / elapsed, instructions * 1e3 / cpu);
                if (i == 0)
                {
                    System.out.print(program.output());
                }
            }
        }
    }
}
