package org.tessera.boot.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import org.tessera.kernel.runtime.machine.HostRunner;
import org.tessera.kernel.runtime.machine.Machine;
import org.tessera.kernel.runtime.machine.MachineDescription;
import org.tessera.kernel.runtime.machine.RunResult;
import org.tessera.kernel.runtime.machine.SimulationOptions;
import org.tessera.kernel.runtime.machine.Simulator;
import org.tessera.kernel.runtime.trace.TraceRecorder;
import org.tessera.messages.trace.RunMode;

/** Boots a machine in one of the run modes, prints its summary and digest, records its trace. */
final class MachineRun
{
    private MachineRun()
    {
    }

    /**
     * @return the process exit status: 0 when the machine shut down cleanly and the self-check
     * passed, 1 otherwise.
     */
    static int run(
        final MachineDescription description, final boolean simulate, final long seed, final Path record,
        final long timeoutSeconds, final SimulationOptions options, final PrintWriter err)
    {
        final TraceRecorder recorder = record == null ? null : new TraceRecorder(description.cpus());
        final Machine machine;
        final RunResult result;
        final String what = description.describe() + (simulate ? " in simulation mode" : " in host mode") +
            String.format(" (seed %d)", seed);
        err.println("tessera: booting " + what);
        if (simulate)
        {
            final Simulator sim = new Simulator(description, seed, options, recorder);
            machine = sim.machine();
            result = sim.run();
            machine.printSummary(err);
            err.printf("simulation: virtual time %d ns, %d steps, %d stalls injected, %d deliveries deferred%n",
                result.elapsedNanos(), result.steps(), sim.stalls(), sim.transport().deferred());
        }
        else
        {
            machine = HostRunner.build(description, seed, recorder);
            result = HostRunner.run(machine, TimeUnit.SECONDS.toNanos(timeoutSeconds), err);
            machine.printSummary(err);
            err.printf("host: %.3f ms%n", result.elapsedNanos() / 1e6);
        }
        try
        {
            if (!result.completed())
            {
                err.println("tessera: run failed: " + result.failure());
            }
            if (recorder != null)
            {
                try
                {
                    recorder.write(record, simulate ? RunMode.SIMULATION : RunMode.HOST, seed, result.digest(), description,
                        "tessera " + what, machine.cpus());
                    long records = 0;
                    for (int i = 0; i < description.cpus(); i++)
                    {
                        records += recorder.recordCount(i);
                    }
                    err.println("trace: " + records + " records written to " + record);
                }
                catch (final IOException e)
                {
                    err.println("tessera: could not write the trace: " + e.getMessage());
                    return 1;
                }
            }
            final boolean ok = result.completed() && machine.selfCheckPassed() && machine.messagesLeft() == 0;
            err.println("digest " + result.digestHex());
            return ok ? 0 : 1;
        }
        finally
        {
            machine.close();
        }
    }
}
