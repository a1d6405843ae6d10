package org.tessera.kernel.service.memory;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.tessera.arch.spi.PhysicalMemory;
import org.tessera.kernel.runtime.ActorAddress;
import org.tessera.kernel.runtime.Clock;
import org.tessera.kernel.runtime.CpuAgent;
import org.tessera.kernel.runtime.InboxTransport;
import org.tessera.kernel.runtime.ServiceIds;
import org.tessera.kernel.service.frame.MemoryDescription;
import org.tessera.lockfree.Inbox;

/**
 * A small machine for memory-service tests: CPU loops stepped by hand on one thread with a
 * manual clock, the memory services installed by {@link MemoryServices}, and a
 * {@link TestClient} at (cpu, FIRST_USER_SERVICE, 0) on every CPU.
 */
final class MemoryRig implements AutoCloseable
{
    static final long MIB = 1L << 20;
    static final int CLIENT = ServiceIds.FIRST_USER_SERVICE;

    long time = 1_000;
    final Clock clock;
    final CpuAgent[] cpus;
    final TestClient[] clients;
    final PhysicalMemory memory;
    final MemoryServices services;

    MemoryRig(final int cpuCount, final MemoryDescription description, final int inboxBytes, final int maxOrder)
    {
        this(cpuCount, description, inboxBytes, maxOrder, null);
    }

    /**
     * @param hostClock the clock of every CPU, or null for the rig's manual clock.
     */
    MemoryRig(
        final int cpuCount, final MemoryDescription description, final int inboxBytes, final int maxOrder,
        final Clock hostClock)
    {
        this(cpuCount, description, inboxBytes, maxOrder, hostClock, 100);
    }

    /**
     * @param seed seed of CPU 0's random source (CPU i gets {@code seed + i}).
     */
    MemoryRig(
        final int cpuCount, final MemoryDescription description, final int inboxBytes, final int maxOrder,
        final Clock hostClock, final long seed)
    {
        clock = hostClock != null ? hostClock : () -> time;
        final Inbox[] inboxes = new Inbox[cpuCount];
        for (int i = 0; i < cpuCount; i++)
        {
            inboxes[i] = new Inbox(inboxBytes);
        }
        final InboxTransport transport = new InboxTransport(inboxes);
        cpus = new CpuAgent[cpuCount];
        for (int i = 0; i < cpuCount; i++)
        {
            cpus[i] = new CpuAgent(i, cpuCount, inboxes[i], 256 * 1024, transport, clock, null, seed + i, 64);
        }
        memory = new PhysicalMemory(description.totalSize());
        services = MemoryServices.install(cpus, memory, description, maxOrder, false);
        clients = new TestClient[cpuCount];
        for (int i = 0; i < cpuCount; i++)
        {
            clients[i] = new TestClient();
            cpus[i].register(CLIENT, 0, clients[i]);
        }
    }

    MemoryRig(final int cpuCount, final MemoryDescription description)
    {
        this(cpuCount, description, 256 * 1024, 18);
    }

    /**
     * Three nodes of 32 MiB: node 0 [0, 32 MiB) (holds DMA), node 1 [32, 64), node 2 [64, 96);
     * distances 0-1 30, 0-2 20, 1-2 20; the first MiB reserved.
     */
    static MemoryDescription threeNodes()
    {
        return new MemoryDescription(
            96 * MIB,
            new long[]{0, 32 * MIB, 64 * MIB},
            new long[]{32 * MIB, 32 * MIB, 32 * MIB},
            new int[]{
                10, 30, 20,
                30, 10, 20,
                20, 20, 10},
            new long[]{0},
            new long[]{MIB},
            0);
    }

    /** One node of {@code mib} MiB, the first MiB reserved. */
    static MemoryDescription oneNode(final long mib)
    {
        return MemoryDescription.singleNode(mib * MIB, new long[]{0}, new long[]{MIB}, 0);
    }

    long frameService(final int node)
    {
        return services.frameServiceAddress(node);
    }

    static long heap(final int cpu)
    {
        return MemoryServices.heapAddress(cpu);
    }

    /** Make CPU {@code cpu}'s client send what the test queued. */
    void kick(final int cpu)
    {
        cpus[cpu].injectStart(ActorAddress.of(cpu, CLIENT, 0), 0);
    }

    /** Send what {@code cpu}'s client queued and run every CPU until nothing moves. */
    void run(final int cpu)
    {
        kick(cpu);
        quiesce();
    }

    /** Step every CPU in turn, advancing the clock, until a full round does nothing and no timer is due soon. */
    int quiesce()
    {
        int rounds = 0;
        int idle = 0;
        while (idle < 3)
        {
            int work = 0;
            for (final CpuAgent cpu : cpus)
            {
                work += cpu.doWork();
            }
            time += 1_000;
            idle = work == 0 ? idle + 1 : 0;
            if (++rounds > 1_000_000)
            {
                throw new IllegalStateException("machine does not quiesce");
            }
        }
        return rounds;
    }

    TestClient.Reply runOne(final int cpu)
    {
        final int before = clients[cpu].replies.size();
        run(cpu);
        assertEquals(before + 1, clients[cpu].replies.size(), "exactly one reply expected");
        return clients[cpu].last();
    }

    void assertAccounting()
    {
        quiesce();
        assertEquals(0, services.checkAccounting(), "accounting invariant: every frame free or owned by exactly one owner");
    }

    @Override
    public void close()
    {
        memory.close();
    }
}
