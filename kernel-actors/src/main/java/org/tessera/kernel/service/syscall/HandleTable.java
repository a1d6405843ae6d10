package org.tessera.kernel.service.syscall;

/**
 * One CPU's table of the capabilities its processes act through: for each process slot, its
 * capability space and the token behind each of its <em>handles</em>, plus the process
 * capabilities parents hold for their children. The process manager of the CPU fills it (when
 * a process's space opens, when a spawn's child capability arrives, when a child is reaped);
 * the system call service of the same CPU reads it to learn which token a Linux-numbered call
 * names. Both actors run on the CPU's loop, so the table needs no synchronisation.
 *
 * <p><b>Why a table.</b> A Linux program names objects by small numbers (descriptor 1, a pid),
 * not by tokens, and must run unchanged. As in Linux's descriptor table or Zircon's handle
 * table, the kernel translates the number into what the process holds: here a capability token
 * in the process's own space. The translation only <em>finds</em> the token; the capability
 * check ({@link org.tessera.kernel.service.cap.CapabilityChecker}) decides, in the caller's
 * space, whether the token is live and has the type and rights the call needs. A process may
 * rebind a handle to another token it holds ({@code tessera_cap_bind}), so a forged, altered
 * or revoked token reaches the check exactly as a valid one does.
 *
 * <pre>
 *   handle       names                         initial capability (type, rights, badge)
 *   FD_0         descriptor 0                  none (writes get -EBADF)
 *   FD_1         descriptor 1                  console endpoint, SEND, badge 1 (stdout)
 *   FD_2         descriptor 2                  console endpoint, SEND, badge 2 (stderr)
 *   SELF         the process itself            process, CONTROL|DEBUG|SIGNAL, badge pid
 *   ASPACE       its address space             address space, MAP|MANAGE, badge pid
 *   child pid    a child (parent's table)      process, CONTROL|SIGNAL, badge child pid
 * </pre>
 */
public final class HandleTable
{
    /** Handle of descriptor 0. */
    public static final int FD_0 = 0;
    /** Handle of descriptor 1. */
    public static final int FD_1 = 1;
    /** Handle of descriptor 2. */
    public static final int FD_2 = 2;
    /** Handle of the process's own process capability. */
    public static final int SELF = 3;
    /** Handle of the process's address-space capability. */
    public static final int ASPACE = 4;
    /** Handles per process. */
    public static final int HANDLES = 5;
    /** No token (never a valid token: a valid token has a nonzero space key). */
    public static final long NONE = 0;

    private final int slots;
    private final int spaceBase;
    private final int spaceStride;
    private final int[] pid;
    private final int[] space;
    private final long[] tokens;
    private final int[] childParent;
    private int childTop;
    private final int[] childPid;
    private final long[] childToken;

    /**
     * @param cpu         this CPU.
     * @param slots       process slots of the CPU.
     * @param children    child capabilities the CPU's processes may hold at once.
     * @param firstSpace  space id of the processes of CPU 0, slot 0.
     * @param shardCount  authority shards (space ids of this CPU step by this, so all map to one shard).
     * @param shard       the shard owning this CPU's process spaces (the CPU's node).
     */
    public HandleTable(final int cpu, final int slots, final int children, final int firstSpace,
        final int shardCount, final int shard)
    {
        this.slots = slots;
        this.spaceBase = firstSpace + cpu * slots * shardCount + shard;
        this.spaceStride = shardCount;
        this.pid = new int[slots];
        this.space = new int[slots];
        this.tokens = new long[slots * HANDLES];
        this.childParent = new int[children];
        this.childPid = new int[children];
        this.childToken = new long[children];
    }

    /** @return the highest space id any CPU's table uses, plus one. */
    public static int spacesNeeded(final int cpuCount, final int slots, final int firstSpace, final int shardCount)
    {
        return firstSpace + cpuCount * slots * shardCount;
    }

    /** @return the capability space id of process slot {@code slot} (fixed for the slot). */
    public int spaceOf(final int slot)
    {
        return spaceBase + slot * spaceStride;
    }

    /**
     * A process's space opened: record its tokens (in handle order, missing ones {@link #NONE}).
     *
     * @param slot   the process's slot.
     * @param owner  its pid.
     * @param stdout token for descriptor 1.
     * @param stderr token for descriptor 2.
     * @param self   its own process capability.
     * @param aspace its address-space capability.
     */
    public void open(final int slot, final int owner, final long stdout, final long stderr, final long self,
        final long aspace)
    {
        pid[slot] = owner;
        space[slot] = spaceOf(slot);
        final int at = slot * HANDLES;
        tokens[at + FD_0] = NONE;
        tokens[at + FD_1] = stdout;
        tokens[at + FD_2] = stderr;
        tokens[at + SELF] = self;
        tokens[at + ASPACE] = aspace;
    }

    /** The process in {@code slot} ended: forget its handles and the child capabilities it held. */
    public void close(final int slot)
    {
        final int owner = pid[slot];
        pid[slot] = 0;
        for (int h = 0; h < HANDLES; h++)
        {
            tokens[slot * HANDLES + h] = NONE;
        }
        if (owner == 0)
        {
            return;
        }
        for (int i = 0; i < childTop; i++)
        {
            if (childParent[i] == owner)
            {
                childParent[i] = 0;
                childPid[i] = 0;
                childToken[i] = NONE;
            }
        }
        shrinkChildren();
    }

    // every record at or above childTop is free: scans stop there, so a CPU with few children
    // alive scans few records whatever the table's size
    private void shrinkChildren()
    {
        while (childTop > 0 && childParent[childTop - 1] == 0)
        {
            childTop--;
        }
    }

    /** @return true when {@code owner} is the process of {@code slot} and its space is open. */
    public boolean isOpen(final int slot, final int owner)
    {
        return slot >= 0 && slot < slots && owner != 0 && pid[slot] == owner;
    }

    /** @return the space of the process in {@code slot} (valid while {@link #isOpen}). */
    public int space(final int slot)
    {
        return space[slot];
    }

    /** @return the token behind {@code handle} of the process in {@code slot}, or {@link #NONE}. */
    public long token(final int slot, final int handle)
    {
        return tokens[slot * HANDLES + handle];
    }

    /** Point {@code handle} of the process in {@code slot} at {@code token} (checked when used, not here). */
    public void bind(final int slot, final int handle, final long token)
    {
        tokens[slot * HANDLES + handle] = token;
    }

    /**
     * Record the capability {@code parent} holds for its child.
     *
     * @return false when the table is full (the parent then holds no capability for the child).
     */
    public boolean addChild(final int parent, final int child, final long token)
    {
        for (int i = 0; i < childParent.length; i++)
        {
            if (childParent[i] == 0)
            {
                childParent[i] = parent;
                childPid[i] = child;
                childToken[i] = token;
                childTop = Math.max(childTop, i + 1);
                return true;
            }
        }
        return false;
    }

    /** @return the token {@code parent} holds for {@code child}, or {@link #NONE}. */
    public long childToken(final int parent, final int child)
    {
        final int i = findChild(parent, child);
        return i < 0 ? NONE : childToken[i];
    }

    /**
     * Point the parent's handle for {@code child} at {@code token}.
     *
     * @return false when the parent holds no capability for that child.
     */
    public boolean bindChild(final int parent, final int child, final long token)
    {
        final int i = findChild(parent, child);
        if (i < 0)
        {
            return false;
        }
        childToken[i] = token;
        return true;
    }

    /**
     * Forget the parent's capability for a reaped child.
     *
     * @return the token it held, or {@link #NONE}.
     */
    public long removeChild(final int parent, final int child)
    {
        final int i = findChild(parent, child);
        if (i < 0)
        {
            return NONE;
        }
        final long token = childToken[i];
        childParent[i] = 0;
        childPid[i] = 0;
        childToken[i] = NONE;
        shrinkChildren();
        return token;
    }

    private int findChild(final int parent, final int child)
    {
        if (parent == 0)
        {
            return -1;
        }
        for (int i = 0; i < childTop; i++)
        {
            if (childParent[i] == parent && childPid[i] == child)
            {
                return i;
            }
        }
        return -1;
    }

    /** @return child capabilities recorded. */
    public int children()
    {
        int n = 0;
        for (int i = 0; i < childTop; i++)
        {
            n += childParent[i] != 0 ? 1 : 0;
        }
        return n;
    }
}
