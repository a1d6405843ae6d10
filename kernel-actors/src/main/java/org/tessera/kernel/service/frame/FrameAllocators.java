package org.tessera.kernel.service.frame;

/**
 * All nodes' frame allocator cores behind one call, serving each request along the
 * {@link NumaPolicy} fallback order. Passes are the outer loop and nodes the inner one (as in
 * Linux's zonelist walk): every node is first tried with its zones kept above their low
 * watermark, and only then is any node drained, so a remote node with plenty of memory is
 * preferred to emptying the local one, while the local node still comes first when it is
 * comfortably above its watermarks. The frame allocator services will do the same with
 * messages; this class is their single-threaded model and the host's direct path.
 */
public final class FrameAllocators
{
    private final PhysicalLayout layout;
    private final FrameAllocatorCore[] cores;
    private final NumaPolicy policy;
    private long localAllocations;
    private long remoteAllocations;
    private long failures;

    /**
     * @param layout physical layout.
     * @param cores  one core per node, indexed by node id.
     * @param policy the fallback order.
     */
    public FrameAllocators(final PhysicalLayout layout, final FrameAllocatorCore[] cores, final NumaPolicy policy)
    {
        if (cores.length != layout.nodeCount() || policy.nodeCount() != layout.nodeCount())
        {
            throw new IllegalArgumentException("one core per node is needed");
        }
        for (int i = 0; i < cores.length; i++)
        {
            if (cores[i].node() != i)
            {
                throw new IllegalArgumentException("cores must be indexed by node id");
            }
        }
        this.layout = layout;
        this.cores = cores.clone();
        this.policy = policy;
    }

    /**
     * @param localNode the requester's node.
     * @param count     frames.
     * @param zoneClass highest zone allowed.
     * @param ownerId   positive owner id.
     * @return physical address, {@link FrameStatus#NO_MEMORY} or {@link FrameStatus#INVALID}.
     */
    public long allocate(final int localNode, final int count, final int zoneClass, final int ownerId)
    {
        if (localNode < 0 || localNode >= cores.length)
        {
            return FrameStatus.INVALID;
        }
        for (int pass = FrameAllocatorCore.PASS_BALANCED; pass <= FrameAllocatorCore.PASS_LAST_RESORT; pass++)
        {
            for (int rank = 0; rank < cores.length; rank++)
            {
                final int node = policy.fallbackNode(localNode, rank);
                final long pa = cores[node].allocateInPass(count, zoneClass, ownerId, pass);
                if (pa == FrameStatus.INVALID)
                {
                    return pa;
                }
                if (pa >= 0)
                {
                    if (node == localNode)
                    {
                        localAllocations++;
                    }
                    else
                    {
                        remoteAllocations++;
                    }
                    return pa;
                }
            }
        }
        failures++;
        return FrameStatus.NO_MEMORY;
    }

    /**
     * @param physicalAddress address of the run.
     * @param count           frames in the run.
     * @param ownerId         its owner.
     * @return a {@link FrameStatus} code; {@link FrameStatus#NOT_MANAGED} when no node holds the address.
     */
    public int free(final long physicalAddress, final int count, final int ownerId)
    {
        final int node = layout.nodeOf(physicalAddress);
        if (node < 0)
        {
            return FrameStatus.NOT_MANAGED;
        }
        return cores[node].free(physicalAddress, count, ownerId);
    }

    /**
     * @param physicalAddress an address.
     * @return owner id of its frame, {@link FrameAllocatorCore#OWNER_FREE} or {@link FrameAllocatorCore#OWNER_NONE}.
     */
    public int ownerOf(final long physicalAddress)
    {
        final int node = layout.nodeOf(physicalAddress);
        return node < 0 ? FrameAllocatorCore.OWNER_NONE : cores[node].ownerOf(physicalAddress);
    }

    /** @return accounting violations summed over all nodes. */
    public int checkAccounting()
    {
        int violations = 0;
        for (int i = 0; i < cores.length; i++)
        {
            violations += cores[i].checkAccounting();
        }
        return violations;
    }

    /**
     * @param node node id.
     * @return that node's core.
     */
    public FrameAllocatorCore core(final int node)
    {
        return cores[node];
    }

    /** @return allocations served by the requester's own node. */
    public long localAllocations()
    {
        return localAllocations;
    }

    /** @return allocations served by another node. */
    public long remoteAllocations()
    {
        return remoteAllocations;
    }

    /** @return requests no node could serve. */
    public long failures()
    {
        return failures;
    }
}
