package org.tessera.kernel.service.cap;

import org.tessera.kernel.runtime.ActorAddress;
import org.tessera.kernel.runtime.ServiceIds;

/**
 * Where the capability actors live, fixed at boot and shared (read-only) by every CPU: the
 * authority shards and the per-CPU cache services.
 *
 * <pre>
 *   shard owning space s      = s mod shardCount
 *   authority shard k         = (shardCpu[k], CAP, 1 + k)
 *   cache service of cpu c    = (c,           CAP, 0)
 * </pre>
 *
 * A space id always maps to the same shard, so a shard owns its spaces for their whole life and
 * no two shards ever hold state for the same space id; (space, slot) pairs of different shards
 * therefore never collide in a CPU's cache.
 */
public final class CapabilityShards
{
    /** Instance of the cache service on every CPU. */
    public static final int CACHE_INSTANCE = 0;
    /** Instance of authority shard 0; shard k is instance 1 + k. */
    public static final int FIRST_AUTHORITY_INSTANCE = 1;
    /** Most shards a machine may have (instances left under the runtime's limit). */
    public static final int MAX_SHARDS = ServiceIds.MAX_INSTANCES - FIRST_AUTHORITY_INSTANCE;

    private final int cpuCount;
    private final int[] shardCpu;

    /**
     * @param cpuCount CPUs of the machine; every CPU runs a cache service.
     * @param shardCpu for each shard, the CPU it runs on (several shards may share a CPU).
     */
    public CapabilityShards(final int cpuCount, final int[] shardCpu)
    {
        if (cpuCount <= 0 || shardCpu.length == 0 || shardCpu.length > MAX_SHARDS)
        {
            throw new IllegalArgumentException("need at least one CPU and 1 to 63 shards");
        }
        for (int i = 0; i < shardCpu.length; i++)
        {
            if (shardCpu[i] < 0 || shardCpu[i] >= cpuCount)
            {
                throw new IllegalArgumentException("shard CPU out of range");
            }
        }
        this.cpuCount = cpuCount;
        this.shardCpu = shardCpu.clone();
    }

    /** @return CPUs in the machine. */
    public int cpuCount()
    {
        return cpuCount;
    }

    /** @return number of authority shards. */
    public int shardCount()
    {
        return shardCpu.length;
    }

    /** @return the shard owning {@code spaceId}. */
    public int shardOf(final int spaceId)
    {
        return spaceId % shardCpu.length;
    }

    /** @return the CPU shard {@code shard} runs on. */
    public int shardCpu(final int shard)
    {
        return shardCpu[shard];
    }

    /** @return the address of authority shard {@code shard}. */
    public long authority(final int shard)
    {
        return ActorAddress.of(shardCpu[shard], ServiceIds.CAP, FIRST_AUTHORITY_INSTANCE + shard);
    }

    /** @return the address of the authority shard owning {@code spaceId}. */
    public long authorityOfSpace(final int spaceId)
    {
        return authority(shardOf(spaceId));
    }

    /** @return the address of the cache service of {@code cpu}. */
    public long cacheService(final int cpu)
    {
        return ActorAddress.of(cpu, ServiceIds.CAP, CACHE_INSTANCE);
    }
}
