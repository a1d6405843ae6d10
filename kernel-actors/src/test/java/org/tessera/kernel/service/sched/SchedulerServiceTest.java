package org.tessera.kernel.service.sched;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.tessera.arch.riscv64.engine.Riscv64UserEngine;
import org.tessera.arch.riscv64.paging.Sv48PageTableFormat;
import org.tessera.arch.spi.FrameSource;
import org.tessera.arch.spi.PageFlags;
import org.tessera.arch.spi.PhysicalMemory;
import org.tessera.kernel.runtime.Actor;
import org.tessera.kernel.runtime.ActorAddress;
import org.tessera.kernel.runtime.ActorContext;
import org.tessera.kernel.runtime.CpuAgent;
import org.tessera.kernel.runtime.InboxTransport;
import org.tessera.kernel.runtime.Message;
import org.tessera.kernel.runtime.ServiceIds;
import org.tessera.lockfree.Inbox;
import org.tessera.messages.proc.FaultTrapDecoder;
import org.tessera.messages.proc.ResumeAction;
import org.tessera.messages.proc.SyscallResultEncoder;
import org.tessera.messages.proc.SyscallTrapDecoder;
import org.tessera.messages.proc.ThreadStartEncoder;
import org.tessera.messages.proc.ThreadStopEncoder;
import org.tessera.messages.proc.ThreadsStoppedDecoder;
import org.tessera.messages.runtime.StartDecoder;

/**
 * The scheduler stepped by hand on one CPU with a manual clock: real RV64 code in Sv48 page
 * tables, real messages; the syscall service and process manager are small recording actors
 * at their addresses.
 */
class SchedulerServiceTest
{
    static final long CODE = 0x10000;
    static final long TICK = 100;

    private final PhysicalMemory memory = new PhysicalMemory(4 << 20);
    private final Sv48PageTableFormat format = new Sv48PageTableFormat(memory);
    private long nextFrame = 1 << 20;
    private final FrameSource frames = new FrameSource()
    {
        public long allocateZeroedFrame()
        {
            final long pa = nextFrame;
            nextFrame += 4096;
            memory.fill(pa, 4096, (byte)0);
            return pa;
        }

        public void freeFrame(final long physicalAddress)
        {
        }
    };
    private final long[] clock = {0};
    private final CpuAgent cpu = new CpuAgent(0, 1, new Inbox(1 << 16), 1 << 16,
        new InboxTransport(new Inbox[]{new Inbox(1 << 16)}), () -> clock[0], null, 1, 64);
    private final SchedulerService scheduler = new SchedulerService(0, 1, 8, TICK, new Riscv64UserEngine(memory, 8, 64));
    private final Driver driver = new Driver();
    private final Syscalls syscalls = new Syscalls();

    /** At the process manager's address: starts threads on Start, records faults and stops. */
    final class Driver implements Actor
    {
        final ThreadStartEncoder start = new ThreadStartEncoder();
        final ThreadStopEncoder stop = new ThreadStopEncoder();
        final FaultTrapDecoder fault = new FaultTrapDecoder();
        final List<long[]> faults = new ArrayList<>();
        final List<Integer> stopped = new ArrayList<>();
        long root;
        int threads;
        int stopPid;

        public void onMessage(final Message m, final ActorContext ctx)
        {
            if (m.is(StartDecoder.SCHEMA_ID, StartDecoder.TEMPLATE_ID))
            {
                for (int i = 0; i < threads; i++)
                {
                    ctx.claim(ActorAddress.of(0, ServiceIds.SCHED, 0), 0, start, 0);
                    start.pid(i + 1).tid(i + 1).root(root).pc(CODE).sp(0);
                    ctx.commit();
                }
            }
            else if (m.is(FaultTrapDecoder.SCHEMA_ID, FaultTrapDecoder.TEMPLATE_ID))
            {
                fault.wrap(m.buffer(), m.bodyOffset(), m.blockLength(), m.version());
                faults.add(new long[]{fault.pid(), fault.cause(), fault.tval(), fault.pc()});
                ctx.claim(ActorAddress.of(0, ServiceIds.SCHED, 0), 0, stop, 0);
                stop.pid(fault.pid());
                ctx.commit();
            }
            else if (m.is(ThreadsStoppedDecoder.SCHEMA_ID, ThreadsStoppedDecoder.TEMPLATE_ID))
            {
                final ThreadsStoppedDecoder d = new ThreadsStoppedDecoder();
                d.wrap(m.buffer(), m.bodyOffset(), m.blockLength(), m.version());
                stopped.add(d.pid());
            }
        }
    }

    /** At the syscall service's address: records traps and answers a0 + 1. */
    static final class Syscalls implements Actor
    {
        final SyscallTrapDecoder trap = new SyscallTrapDecoder();
        final SyscallResultEncoder result = new SyscallResultEncoder();
        final List<long[]> traps = new ArrayList<>();
        boolean answer = true;
        long lastKey;

        public void onMessage(final Message m, final ActorContext ctx)
        {
            trap.wrap(m.buffer(), m.bodyOffset(), m.blockLength(), m.version());
            traps.add(new long[]{trap.pid(), trap.number(), trap.a0(), trap.a1()});
            lastKey = trap.threadKey();
            if (answer)
            {
                ctx.reply(m, result, 0);
                result.threadKey(trap.threadKey()).value(trap.a0() + 1).action(ResumeAction.RETURN).flushTlb((short)0);
                ctx.commit();
            }
        }
    }

    @AfterEach
    void close()
    {
        memory.close();
    }

    static int addi(final int rd, final int rs, final int imm)
    {
        return ((imm & 0xFFF) << 20) | (rs << 15) | (rd << 7) | 0x13;
    }

    static int jal(final int rd, final int offset)
    {
        return (((offset >> 20) & 1) << 31) | (((offset >> 1) & 0x3FF) << 21) | (((offset >> 11) & 1) << 20) |
            (((offset >> 12) & 0xFF) << 12) | (rd << 7) | 0x6F;
    }

    void boot(final int threads, final int... code)
    {
        final long root = format.createRoot(frames);
        final long page = frames.allocateZeroedFrame();
        for (int i = 0; i < code.length; i++)
        {
            memory.putInt(page + 4L * i, code[i]);
        }
        assertEquals(0, format.map(root, CODE, page, 4096,
            PageFlags.READ | PageFlags.EXECUTE | PageFlags.USER | PageFlags.ACCESSED | PageFlags.DIRTY, frames));
        driver.root = root;
        driver.threads = threads;
        cpu.register(ServiceIds.SCHED, 0, scheduler);
        cpu.register(ServiceIds.PROC, 0, driver);
        cpu.register(ServiceIds.SYSCALL, 0, syscalls);
        cpu.attachUserExecution(ActorAddress.of(0, ServiceIds.SCHED, 0), scheduler);
        assertTrue(cpu.injectStart(ActorAddress.of(0, ServiceIds.PROC, 0), 0));
    }

    void step(final int cycles)
    {
        for (int i = 0; i < cycles; i++)
        {
            clock[0] += 1000;
            cpu.doWork();
        }
    }

    @Test
    void shouldTurnAnEcallIntoAMessageAndResumeWithTheResult()
    {
        // a7 = 172, a0 = 5, ecall; then a7 = 93 with a0 as returned, ecall; then spin
        boot(1, addi(17, 0, 172), addi(10, 0, 5), 0x73, addi(17, 0, 93), 0x73, jal(0, 0));
        step(6);
        assertEquals(2, syscalls.traps.size());
        assertEquals(172, syscalls.traps.get(0)[1]);
        assertEquals(5, syscalls.traps.get(0)[2]);
        assertEquals(93, syscalls.traps.get(1)[1]);
        assertEquals(6, syscalls.traps.get(1)[2], "a0 carried the result, pc moved past the ecall");
        assertEquals(2, scheduler.syscalls());
    }

    @Test
    void shouldPreemptExactlyEveryTickAndAlternateThreads()
    {
        // two threads spinning on addi t0, t0, 1; j back
        boot(2, addi(5, 5, 1), jal(0, -4));
        step(1);
        final long switches = scheduler.switches();
        for (int i = 0; i < 20; i++)
        {
            step(1);
            assertEquals(TICK, cpu.lastSliceInstructions(), "each slice is exactly one tick");
        }
        assertEquals(switches + 20, scheduler.switches(), "every tick switches to the other thread");
        assertEquals(21 * TICK, scheduler.retired());
        assertEquals(2, scheduler.threads());
    }

    @Test
    void shouldReportAFaultAndStopTheThread()
    {
        // jump to an unmapped address: instruction page fault
        boot(1, addi(6, 0, 0x100), 0x00030067 /* jalr x0, 0(t1) */);
        step(4);
        assertEquals(1, driver.faults.size());
        assertEquals(12, driver.faults.get(0)[1], "instruction page fault");
        assertEquals(0x100, driver.faults.get(0)[2]);
        assertEquals(List.of(1), driver.stopped);
        assertEquals(0, scheduler.threads());
        assertFalse(scheduler.runnable());
    }

    @Test
    void shouldDropAResultForAThreadThatWasStopped()
    {
        syscalls.answer = false;
        boot(1, addi(17, 0, 172), 0x73, jal(0, 0));
        step(3);
        assertEquals(1, syscalls.traps.size());
        assertFalse(scheduler.runnable(), "parked until its result");
        final long staleKey = syscalls.lastKey;
        // stop the process, then deliver the late result: nothing runs
        final Actor late = new Actor()
        {
            final ThreadStopEncoder stop = new ThreadStopEncoder();
            final SyscallResultEncoder result = new SyscallResultEncoder();

            public void onMessage(final Message m, final ActorContext ctx)
            {
                if (!m.is(StartDecoder.SCHEMA_ID, StartDecoder.TEMPLATE_ID))
                {
                    return;
                }
                ctx.claim(ActorAddress.of(0, ServiceIds.SCHED, 0), 0, stop, 0);
                stop.pid(1);
                ctx.commit();
                ctx.claim(ActorAddress.of(0, ServiceIds.SCHED, 0), staleKey, result, 0);
                result.threadKey(staleKey).value(0).action(ResumeAction.RETURN).flushTlb((short)0);
                ctx.commit();
            }
        };
        cpu.register(ServiceIds.FIRST_USER_SERVICE, 0, late);
        assertTrue(cpu.injectStart(ActorAddress.of(0, ServiceIds.FIRST_USER_SERVICE, 0), 0));
        step(3);
        assertEquals(List.of(1), driver.stopped, "the stop is confirmed to the process manager");
        assertEquals(0, scheduler.threads());
        assertFalse(scheduler.runnable());
        assertEquals(1, syscalls.traps.size());
    }
}
