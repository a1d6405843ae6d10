package org.tessera.kernel.service.vm;

import org.tessera.arch.spi.AccessKind;
import org.tessera.arch.spi.FrameSource;
import org.tessera.arch.spi.PageFlags;
import org.tessera.arch.spi.PageTableFormat;
import org.tessera.arch.spi.PageTableStatus;
import org.tessera.arch.spi.PageTableVisitor;
import org.tessera.arch.spi.PhysicalMemory;
import org.tessera.kernel.runtime.Actor;
import org.tessera.kernel.runtime.ActorAddress;
import org.tessera.kernel.runtime.ActorContext;
import org.tessera.kernel.runtime.Message;
import org.tessera.kernel.runtime.ServiceIds;
import org.tessera.subset.Boot;
import org.tessera.messages.runtime.ErrorCode;
import org.tessera.messages.runtime.ErrorReplyDecoder;
import org.tessera.messages.runtime.TimerFiredDecoder;
import org.tessera.messages.vm.AddressSpaceBuildDecoder;
import org.tessera.messages.vm.AddressSpaceCreateDecoder;
import org.tessera.messages.vm.AddressSpaceCreateReplyEncoder;
import org.tessera.messages.vm.AddressSpaceDestroyDecoder;
import org.tessera.messages.vm.AddressSpaceDestroyReplyEncoder;
import org.tessera.messages.vm.AddressSpaceForkDecoder;
import org.tessera.messages.vm.AddressSpaceForkReplyEncoder;
import org.tessera.messages.vm.FaultReason;
import org.tessera.messages.vm.FaultResult;
import org.tessera.messages.vm.ImageSource;
import org.tessera.messages.vm.InvalidateScope;
import org.tessera.messages.vm.PageFaultDecoder;
import org.tessera.messages.vm.PageFaultReplyEncoder;
import org.tessera.messages.vm.ProtectDecoder;
import org.tessera.messages.vm.ProtectReplyEncoder;
import org.tessera.messages.vm.RegionKind;
import org.tessera.messages.vm.RegionMapDecoder;
import org.tessera.messages.vm.RegionMapReplyEncoder;
import org.tessera.messages.vm.SpaceActivateDecoder;
import org.tessera.messages.vm.SpaceActivateReplyEncoder;
import org.tessera.messages.vm.TlbInvalidateAckDecoder;
import org.tessera.messages.vm.TlbInvalidateDecoder;
import org.tessera.messages.vm.TlbInvalidateEncoder;
import org.tessera.messages.vm.TranslateDecoder;
import org.tessera.messages.vm.TranslateReplyEncoder;
import org.tessera.messages.vm.UnmapDecoder;
import org.tessera.messages.vm.UnmapReplyEncoder;
import org.tessera.messages.vm.VmStatus;

/**
 * The virtual-memory service: address spaces, regions, page tables, page faults,
 * copy-on-write and TLB shootdown, by message (schema {@code vm.xml}).
 *
 * <p><b>Address spaces.</b> Up to {@code maxSpaces}; a space's id (ASID) is its index + 1. Each
 * has a root page table built with the {@link PageTableFormat} given at construction (the
 * generic code never knows which architecture), a fixed-capacity region table, and the set of
 * CPUs that may cache its translations (a bit per CPU, set when a CPU's {@link TlbService}
 * activates the space; kept until the space is destroyed, because an ASID-tagged TLB keeps
 * entries of spaces it is not running).
 *
 * <p><b>Frames.</b> Every page and page-table frame comes from the {@link FrameSource}. A frame
 * the VM allocated for a page has a reference count: the number of page-table entries, in all
 * spaces, that map it. Frames given by an IMAGE/FRAMES request are never counted, copied or
 * freed. A count reaching zero puts the frame on the freeing session's deferred list; it goes
 * back to the frame source only after every CPU that might still translate to it acknowledged
 * the invalidation.
 *
 * <p><b>Copy-on-write.</b> A private page (ANONYMOUS or IMAGE/COPY region) mapped by more than
 * one entry is mapped read-only everywhere. A write fault on it copies it into a new frame (and
 * invalidates the old translation on the space's CPUs before answering); at count 1 the fault
 * just makes it writable again. Invariant: a private page's entry is writable only if its
 * region is writable and its count is 1. SHARED and IMAGE/FRAMES pages are never copied.
 *
 * <p><b>Shootdown.</b> Every request runs in a {@link ShootdownSession}. A change that takes
 * rights away (unmap, protect, a copy-on-write break, the read-only sharing of a fork, destroy)
 * adds its range to the session's batch; at the end the batch goes, as one
 * {@code TlbInvalidate} each, to exactly the CPUs in the space's set (a whole-space flush when
 * the batch covers more than {@code shootdownThresholdPages} pages or more ranges than one
 * message carries). The reply is sent after the last acknowledgement; frames freed by the
 * change are returned then too.
 *
 * <p>Only 4 KiB pages are mapped. Allocation-free after construction.
 */
public final class VmService implements Actor
{
    /** Instance of the VM service at its address (the TLB services use {@link TlbService#INSTANCE}). */
    public static final int INSTANCE = 0;
    /** Instance of the per-CPU VM service that holds the address spaces of the CPU's processes. */
    public static final int PROCESS_INSTANCE = 2;
    /** Default page count above which a batch becomes a whole-space flush. */
    public static final int DEFAULT_SHOOTDOWN_THRESHOLD_PAGES = 32;
    /** Delay before a send refused by back-pressure is retried, nanoseconds. */
    public static final long RETRY_NANOS = 2_000;

    static final long PAGE = PageTableFormat.SIZE_4K;
    static final int PAGE_SHIFT = 12;
    /** The protection bits a region may carry. */
    static final int PROTECTION_BITS = PageFlags.READ | PageFlags.WRITE | PageFlags.EXECUTE | PageFlags.USER;
    private static final int RIGHTS = PageFlags.READ | PageFlags.WRITE | PageFlags.EXECUTE | PageFlags.USER;
    private static final long MAX_RANGE = 1L << 48;
    /** {@code AccessKind.UNKNOWN} of vm.xml (version 1): the trap did not say which access faulted. */
    static final int ACCESS_UNKNOWN = org.tessera.messages.vm.AccessKind.UNKNOWN.value();

    private static final byte SPACE_FREE = 0;
    private static final byte SPACE_LIVE = 1;
    private static final byte SPACE_DESTROYING = 2;

    private static final int VISIT_FORK = 1;
    private static final int VISIT_DESTROY = 2;
    private static final int VISIT_UNDO_FORK = 3;
    private static final int VISIT_CHECK = 4;

    private final PhysicalMemory memory;
    private final PageTableFormat format;
    private final FrameSource frames;
    private final int maxSpaces;
    private final int maxRegions;
    private final int threshold;

    private final byte[] spaceState;
    private final long[] roots;
    private final long[] cpuMasks;
    private final int[] regionCounts;

    private final long[] regionStart;
    private final long[] regionEnd;
    private final byte[] regionKind;
    private final int[] regionProtection;
    private final boolean[] regionShared;
    private final byte[] regionImageSource;
    private final long[] regionImageBase;

    private final int[] referenceCounts;
    private final int[] deferredNext;
    private final int[] checkCounts;

    private final ShootdownSession[] sessions;
    private final int[] freeSessions;
    private int freeSessionCount;
    private final ShootdownSession spare;

    private final LeafVisitor visitor = new LeafVisitor(this);

    private final AddressSpaceCreateDecoder createDecoder = new AddressSpaceCreateDecoder();
    private final AddressSpaceBuildDecoder buildDecoder = new AddressSpaceBuildDecoder();
    private final AddressSpaceDestroyDecoder destroyDecoder = new AddressSpaceDestroyDecoder();
    private final RegionMapDecoder mapDecoder = new RegionMapDecoder();
    private final UnmapDecoder unmapDecoder = new UnmapDecoder();
    private final ProtectDecoder protectDecoder = new ProtectDecoder();
    private final PageFaultDecoder faultDecoder = new PageFaultDecoder();
    private final AddressSpaceForkDecoder forkDecoder = new AddressSpaceForkDecoder();
    private final TranslateDecoder translateDecoder = new TranslateDecoder();
    private final SpaceActivateDecoder activateDecoder = new SpaceActivateDecoder();
    private final TlbInvalidateAckDecoder ackDecoder = new TlbInvalidateAckDecoder();
    private final TimerFiredDecoder timerDecoder = new TimerFiredDecoder();
    private final ErrorReplyDecoder errorDecoder = new ErrorReplyDecoder();

    private final AddressSpaceCreateReplyEncoder createReply = new AddressSpaceCreateReplyEncoder();
    private final AddressSpaceDestroyReplyEncoder destroyReply = new AddressSpaceDestroyReplyEncoder();
    private final RegionMapReplyEncoder mapReply = new RegionMapReplyEncoder();
    private final UnmapReplyEncoder unmapReply = new UnmapReplyEncoder();
    private final ProtectReplyEncoder protectReply = new ProtectReplyEncoder();
    private final PageFaultReplyEncoder faultReply = new PageFaultReplyEncoder();
    private final AddressSpaceForkReplyEncoder forkReply = new AddressSpaceForkReplyEncoder();
    private final TranslateReplyEncoder translateReply = new TranslateReplyEncoder();
    private final SpaceActivateReplyEncoder activateReply = new SpaceActivateReplyEncoder();
    private final TlbInvalidateEncoder invalidate = new TlbInvalidateEncoder();

    private long faults;
    private long demandPages;
    private long copyOnWriteCopies;
    private long copyOnWriteReuses;
    private long shootdowns;
    private long invalidationsSent;
    private long wholeSpaceFlushes;
    private long strayAcks;
    private long framesFreed;
    private long busyReplies;
    private int shootdownService = ServiceIds.VM;
    private int shootdownInstance = TlbService.INSTANCE;
    private long homeCpuMask;

    /**
     * @param memory                  physical memory holding page tables and pages.
     * @param format                  the page-table format of the machine.
     * @param frames                  where frames come from and go back to.
     * @param maxSpaces               address spaces at once (at most 65535).
     * @param maxRegions              regions per address space.
     * @param sessions                requests in progress at once (at most 65536).
     * @param shootdownThresholdPages pages above which a batch is a whole-space flush.
     */
    public VmService(
        final PhysicalMemory memory,
        final PageTableFormat format,
        final FrameSource frames,
        final int maxSpaces,
        final int maxRegions,
        final int sessions,
        final int shootdownThresholdPages)
    {
        if (maxSpaces < 1 || maxSpaces > 0xFFFF || maxRegions < 1 || sessions < 1 || sessions > 0x10000 ||
            shootdownThresholdPages < 1)
        {
            throw new IllegalArgumentException("vm: capacities out of range");
        }
        this.memory = memory;
        this.format = format;
        this.frames = frames;
        this.maxSpaces = maxSpaces;
        this.maxRegions = maxRegions;
        this.threshold = shootdownThresholdPages;
        spaceState = new byte[maxSpaces];
        roots = new long[maxSpaces];
        cpuMasks = new long[maxSpaces];
        regionCounts = new int[maxSpaces];
        final int regionSlots = maxSpaces * maxRegions;
        regionStart = new long[regionSlots];
        regionEnd = new long[regionSlots];
        regionKind = new byte[regionSlots];
        regionProtection = new int[regionSlots];
        regionShared = new boolean[regionSlots];
        regionImageSource = new byte[regionSlots];
        regionImageBase = new long[regionSlots];
        final long frameCount = memory.size() >>> PAGE_SHIFT;
        if (frameCount > Integer.MAX_VALUE - 1)
        {
            throw new IllegalArgumentException("vm: physical memory too large for the frame tables");
        }
        referenceCounts = new int[(int)frameCount];
        deferredNext = new int[(int)frameCount];
        checkCounts = new int[(int)frameCount];
        this.sessions = new ShootdownSession[sessions];
        freeSessions = new int[sessions];
        for (int i = 0; i < sessions; i++)
        {
            this.sessions[i] = new ShootdownSession(i);
            freeSessions[i] = sessions - 1 - i;
        }
        freeSessionCount = sessions;
        spare = new ShootdownSession(0xFFFF);
    }

    /**
     * Send this service's invalidations to {@code (cpu, service, instance)} instead of the CPUs'
     * {@link TlbService}, and count {@code homeCpu} among the CPUs caching every space from its
     * creation. A CPU's process VM uses this: its spaces run only on its own CPU, whose
     * scheduler owns the user engine and so its TLB, and starts running a space without
     * activating it first.
     *
     * @param service  service id of the actor that drops translations on each CPU and acknowledges.
     * @param instance its instance.
     * @param homeCpu  the CPU every space runs on, 0 to 63.
     * @return this service.
     */
    @Boot
    public VmService shootdownTo(final int service, final int instance, final int homeCpu)
    {
        if (homeCpu < 0 || homeCpu > 63)
        {
            throw new IllegalArgumentException("vm: home CPU out of range");
        }
        this.shootdownService = service;
        this.shootdownInstance = instance;
        this.homeCpuMask = 1L << homeCpu;
        return this;
    }

    /**
     * @param cpu the CPU the VM service is homed on.
     * @return its address.
     */
    public static long address(final int cpu)
    {
        return ActorAddress.of(cpu, ServiceIds.VM, INSTANCE);
    }

    /**
     * @param cpu a CPU.
     * @return the address of the VM service holding that CPU's processes' address spaces.
     */
    public static long processAddress(final int cpu)
    {
        return ActorAddress.of(cpu, ServiceIds.VM, PROCESS_INSTANCE);
    }

    @Override
    public void onMessage(final Message m, final ActorContext ctx)
    {
        if (m.schemaId() == TlbInvalidateEncoder.SCHEMA_ID)
        {
            switch (m.templateId())
            {
                case AddressSpaceCreateDecoder.TEMPLATE_ID -> onCreate(m, ctx);
                case AddressSpaceBuildDecoder.TEMPLATE_ID -> onBuild(m, ctx);
                case AddressSpaceDestroyDecoder.TEMPLATE_ID -> onDestroy(m, ctx);
                case RegionMapDecoder.TEMPLATE_ID -> onMap(m, ctx);
                case UnmapDecoder.TEMPLATE_ID -> onUnmap(m, ctx);
                case ProtectDecoder.TEMPLATE_ID -> onProtect(m, ctx);
                case PageFaultDecoder.TEMPLATE_ID -> onFault(m, ctx);
                case AddressSpaceForkDecoder.TEMPLATE_ID -> onFork(m, ctx);
                case TranslateDecoder.TEMPLATE_ID -> onTranslate(m, ctx);
                case SpaceActivateDecoder.TEMPLATE_ID -> onActivate(m, ctx);
                case TlbInvalidateAckDecoder.TEMPLATE_ID -> onAck(m, ctx);
                default -> ctx.replyError(m, ErrorCode.UNSUPPORTED);
            }
            return;
        }
        if (m.schemaId() == TimerFiredDecoder.SCHEMA_ID)
        {
            if (m.templateId() == TimerFiredDecoder.TEMPLATE_ID)
            {
                onTimer(m, ctx);
            }
            else if (m.templateId() == ErrorReplyDecoder.TEMPLATE_ID)
            {
                onErrorReply(m, ctx);
            }
            // Start and the other runtime messages need nothing.
            return;
        }
        ctx.replyError(m, ErrorCode.UNSUPPORTED);
    }

    // ---------------------------------------------------------------------------------------
    // Requests.
    // ---------------------------------------------------------------------------------------

    private void onCreate(final Message m, final ActorContext ctx)
    {
        createDecoder.wrap(m.buffer(), m.bodyOffset(), m.blockLength(), m.version());
        final ShootdownSession s = open(m, ctx, AddressSpaceCreateReplyEncoder.TEMPLATE_ID, 0);
        if (s == null)
        {
            return;
        }
        newSpace(s);
        submit(s, ctx);
    }

    private void onBuild(final Message m, final ActorContext ctx)
    {
        buildDecoder.wrap(m.buffer(), m.bodyOffset(), m.blockLength(), m.version());
        final ShootdownSession s = open(m, ctx, AddressSpaceCreateReplyEncoder.TEMPLATE_ID, 0);
        if (s == null)
        {
            return;
        }
        final int space = newSpace(s);
        if (space >= 0)
        {
            final short status = addInitialRegions(space, buildDecoder.regions());
            if (status != VmStatus.OK.value())
            {
                // No CPU knows the space yet: it goes at once, pages then tables, as a destroy.
                s.status = status;
                s.asid = 0;
                s.value2 = -1;
                s.space = space;
                s.destroyed = true;
                spaceState[space] = SPACE_DESTROYING;
                visitor.begin(VISIT_DESTROY, space, -1, s);
                format.walk(roots[space], visitor);
                regionCounts[space] = 0;
            }
        }
        submit(s, ctx);
    }

    /**
     * Take a free space id and give it a root table; the session carries the id and the root.
     *
     * @return the space's index, or -1 with the session's status saying why not.
     */
    private int newSpace(final ShootdownSession s)
    {
        s.value2 = -1;
        final int space = freeSpace();
        if (space < 0)
        {
            s.status = VmStatus.TOO_MANY_SPACES.value();
            return -1;
        }
        final long root = format.createRoot(frames);
        if (root < 0)
        {
            s.status = VmStatus.NO_MEMORY.value();
            return -1;
        }
        spaceState[space] = SPACE_LIVE;
        roots[space] = root;
        cpuMasks[space] = homeCpuMask;
        regionCounts[space] = 0;
        s.asid = space + 1;
        s.value2 = root;
        return space;
    }

    /**
     * Add a build's initial regions, each as a RegionMap would (checked, populated when eager,
     * merged with its anonymous neighbours).
     *
     * @return OK, or the status of the first region that could not be added (the caller takes
     * the space down).
     */
    private short addInitialRegions(final int space, final AddressSpaceBuildDecoder.RegionsDecoder regions)
    {
        short status = VmStatus.OK.value();
        while (regions.hasNext())
        {
            // every entry is read, also after a failure: the decoder checks the order of access
            regions.next();
            final long va = regions.virtualAddress();
            final long length = regions.length();
            final short kind = regions.kindRaw();
            final int protection = regions.protection();
            final boolean eager = regions.eager() != 0;
            if (status != VmStatus.OK.value())
            {
                continue;
            }
            if (kind != RegionKind.ANONYMOUS.value() && kind != RegionKind.GUARD.value())
            {
                status = VmStatus.INVALID_ARGUMENT.value();
                continue;
            }
            status = checkMap(space + 1, va, length, kind, protection, ImageSource.FRAMES.value(), 0, 0, 0);
            if (status != VmStatus.OK.value())
            {
                continue;
            }
            final int r = addRegion(space, va, va + length, kind, protection);
            if (eager && kind != RegionKind.GUARD.value())
            {
                for (long p = va; p != va + length; p += PAGE)
                {
                    if (populate(space, r, p) < 0)
                    {
                        status = VmStatus.NO_MEMORY.value();
                        break;
                    }
                }
            }
            if (status == VmStatus.OK.value())
            {
                coalesce(space, r);
            }
        }
        return status;
    }

    private void onDestroy(final Message m, final ActorContext ctx)
    {
        destroyDecoder.wrap(m.buffer(), m.bodyOffset(), m.blockLength(), m.version());
        final int asid = destroyDecoder.asid();
        final ShootdownSession s = open(m, ctx, AddressSpaceDestroyReplyEncoder.TEMPLATE_ID, asid);
        if (s == null)
        {
            return;
        }
        final int space = liveSpace(asid);
        if (space < 0)
        {
            s.status = VmStatus.NO_SUCH_SPACE.value();
            submit(s, ctx);
            return;
        }
        spaceState[space] = SPACE_DESTROYING;
        s.space = space;
        s.destroyed = true;
        visitor.begin(VISIT_DESTROY, space, -1, s);
        format.walk(roots[space], visitor);
        regionCounts[space] = 0;
        submit(s, ctx);
    }

    private void onMap(final Message m, final ActorContext ctx)
    {
        final RegionMapDecoder d = mapDecoder;
        d.wrap(m.buffer(), m.bodyOffset(), m.blockLength(), m.version());
        final int asid = d.asid();
        final ShootdownSession s = open(m, ctx, RegionMapReplyEncoder.TEMPLATE_ID, asid);
        if (s == null)
        {
            return;
        }
        final long va = d.virtualAddress();
        final long length = d.length();
        final short kind = d.kindRaw();
        final int protection = d.protection();
        final boolean eager = d.eager() != 0;
        final short imageSource = d.imageSourceRaw();
        final long physicalBase = d.physicalBase();
        final int sourceAsid = d.sourceAsid();
        final long sourceAddress = d.sourceAddress();
        s.value0 = va;
        s.status = checkMap(asid, va, length, kind, protection, imageSource, physicalBase, sourceAsid, sourceAddress);
        if (s.status != VmStatus.OK.value())
        {
            submit(s, ctx);
            return;
        }
        final int space = asid - 1;
        s.space = space;
        final int r = addRegion(space, va, va + length, kind, protection);
        final boolean shared = kind == RegionKind.SHARED.value() ||
            (kind == RegionKind.IMAGE.value() && imageSource == ImageSource.FRAMES.value());
        regionShared[r] = shared;
        regionImageSource[r] = (byte)imageSource;
        regionImageBase[r] = physicalBase;
        if (kind == RegionKind.GUARD.value() || (!eager && kind != RegionKind.SHARED.value()))
        {
            coalesce(space, r);
            submit(s, ctx);
            return;
        }
        final int sourceSpace = sourceAsid - 1;
        final int sourceRegion = kind == RegionKind.SHARED.value() && sourceAsid != 0 ?
            findRegion(sourceSpace, sourceAddress) : -1;
        final long end = va + length;
        long pages = 0;
        for (long p = va; p != end; p += PAGE)
        {
            final long pa;
            if (sourceRegion >= 0)
            {
                pa = mapSharedFrom(space, r, p, sourceSpace, sourceRegion, sourceAddress + (p - va));
            }
            else
            {
                pa = populate(space, r, p);
            }
            if (pa < 0)
            {
                // Out of memory part way: take back what was mapped (another CPU may have
                // cached it already, so it goes through the shootdown like an unmap).
                unmapPages(s, space, va, p);
                if (p != va)
                {
                    s.addRange(va, p - va, threshold);
                }
                removeRegion(space, r);
                s.status = VmStatus.NO_MEMORY.value();
                pages = 0;
                break;
            }
            pages++;
        }
        s.value1 = pages;
        if (s.status == VmStatus.OK.value())
        {
            coalesce(space, r);
        }
        submit(s, ctx);
    }

    private short checkMap(
        final int asid,
        final long va,
        final long length,
        final short kind,
        final int protection,
        final short imageSource,
        final long physicalBase,
        final int sourceAsid,
        final long sourceAddress)
    {
        if (!validRange(va, length) || kind < RegionKind.ANONYMOUS.value() || kind > RegionKind.GUARD.value())
        {
            return VmStatus.INVALID_ARGUMENT.value();
        }
        if (kind != RegionKind.GUARD.value() && !validProtection(protection))
        {
            return VmStatus.INVALID_ARGUMENT.value();
        }
        if (kind == RegionKind.IMAGE.value())
        {
            if (physicalBase < 0 || (physicalBase & (PAGE - 1)) != 0)
            {
                return VmStatus.INVALID_ARGUMENT.value();
            }
            if (imageSource == ImageSource.COPY.value())
            {
                if (!memory.contains(physicalBase, length))
                {
                    return VmStatus.INVALID_ARGUMENT.value();
                }
            }
            else if (imageSource == ImageSource.FRAMES.value())
            {
                if (((physicalBase + length - 1) >>> format.physicalAddressBits()) != 0 ||
                    anyFrameOwned(physicalBase, length))
                {
                    return VmStatus.INVALID_ARGUMENT.value();
                }
            }
            else
            {
                return VmStatus.INVALID_ARGUMENT.value();
            }
        }
        final int space = liveSpace(asid);
        if (space < 0)
        {
            return VmStatus.NO_SUCH_SPACE.value();
        }
        if (overlaps(space, va, va + length))
        {
            return VmStatus.OVERLAP.value();
        }
        if (regionCounts[space] == maxRegions)
        {
            return VmStatus.TOO_MANY_REGIONS.value();
        }
        if (kind == RegionKind.SHARED.value() && sourceAsid != 0)
        {
            if (!validRange(sourceAddress, length))
            {
                return VmStatus.INVALID_ARGUMENT.value();
            }
            final int sourceSpace = liveSpace(sourceAsid);
            if (sourceSpace < 0)
            {
                return VmStatus.NO_SUCH_SPACE.value();
            }
            final int r = findRegion(sourceSpace, sourceAddress);
            if (r < 0 || Long.compareUnsigned(regionEnd[r], sourceAddress + length) < 0 || !regionShared[r])
            {
                return VmStatus.NOT_MAPPED.value();
            }
        }
        return VmStatus.OK.value();
    }

    private void onUnmap(final Message m, final ActorContext ctx)
    {
        unmapDecoder.wrap(m.buffer(), m.bodyOffset(), m.blockLength(), m.version());
        final int asid = unmapDecoder.asid();
        final long va = unmapDecoder.virtualAddress();
        final long length = unmapDecoder.length();
        final ShootdownSession s = open(m, ctx, UnmapReplyEncoder.TEMPLATE_ID, asid);
        if (s == null)
        {
            return;
        }
        final int space = liveSpace(asid);
        if (!validRange(va, length))
        {
            s.status = VmStatus.INVALID_ARGUMENT.value();
        }
        else if (space < 0)
        {
            s.status = VmStatus.NO_SUCH_SPACE.value();
        }
        else if (regionCounts[space] + splitsNeeded(space, va, va + length) > maxRegions)
        {
            s.status = VmStatus.TOO_MANY_REGIONS.value();
        }
        else
        {
            s.space = space;
            final long end = va + length;
            split(space, va);
            split(space, end);
            long pages = 0;
            long first = -1;
            long last = -1;
            final int base = space * maxRegions;
            for (int i = regionCounts[space] - 1; i >= 0; i--)
            {
                final int r = base + i;
                final long start = regionStart[r];
                final long stop = regionEnd[r];
                if (Long.compareUnsigned(start, va) >= 0 && Long.compareUnsigned(stop, end) <= 0)
                {
                    final long unmapped = unmapPages(s, space, start, stop);
                    if (unmapped > 0)
                    {
                        first = first == -1 || Long.compareUnsigned(start, first) < 0 ? start : first;
                        last = last == -1 || Long.compareUnsigned(stop, last) > 0 ? stop : last;
                    }
                    pages += unmapped;
                    removeRegion(space, r);
                }
            }
            if (pages > 0)
            {
                s.addRange(first, last - first, threshold);
            }
            s.value0 = pages;
        }
        submit(s, ctx);
    }

    private void onProtect(final Message m, final ActorContext ctx)
    {
        protectDecoder.wrap(m.buffer(), m.bodyOffset(), m.blockLength(), m.version());
        final int asid = protectDecoder.asid();
        final long va = protectDecoder.virtualAddress();
        final long length = protectDecoder.length();
        final int protection = protectDecoder.protection();
        final ShootdownSession s = open(m, ctx, ProtectReplyEncoder.TEMPLATE_ID, asid);
        if (s == null)
        {
            return;
        }
        final int space = liveSpace(asid);
        if (!validRange(va, length) || !validProtection(protection))
        {
            s.status = VmStatus.INVALID_ARGUMENT.value();
        }
        else if (space < 0)
        {
            s.status = VmStatus.NO_SUCH_SPACE.value();
        }
        else
        {
            final long end = va + length;
            s.status = coverage(space, va, end);
            if (s.status == VmStatus.OK.value() && regionCounts[space] + splitsNeeded(space, va, end) > maxRegions)
            {
                s.status = VmStatus.TOO_MANY_REGIONS.value();
            }
            if (s.status == VmStatus.OK.value())
            {
                s.space = space;
                split(space, va);
                split(space, end);
                final int base = space * maxRegions;
                for (int i = 0; i < regionCounts[space]; i++)
                {
                    final int r = base + i;
                    if (Long.compareUnsigned(regionStart[r], va) >= 0 && Long.compareUnsigned(regionEnd[r], end) <= 0)
                    {
                        regionProtection[r] = protection;
                        reprotectPages(s, space, r);
                    }
                }
            }
        }
        submit(s, ctx);
    }

    private void onFault(final Message m, final ActorContext ctx)
    {
        faultDecoder.wrap(m.buffer(), m.bodyOffset(), m.blockLength(), m.version());
        final int asid = faultDecoder.asid();
        final long va = faultDecoder.virtualAddress();
        final short access = faultDecoder.accessRaw();
        final ShootdownSession s = open(m, ctx, PageFaultReplyEncoder.TEMPLATE_ID, asid);
        if (s == null)
        {
            return;
        }
        faults++;
        s.value0 = va;
        s.value1 = -1;
        s.faultResult = FaultResult.INVALID_ACCESS.value();
        final int space = liveSpace(asid);
        if (space < 0)
        {
            s.faultReason = FaultReason.NO_SUCH_SPACE.value();
        }
        else if (!format.isCanonical(va) || access < AccessKind.READ || access > ACCESS_UNKNOWN)
        {
            s.faultReason = FaultReason.BAD_ADDRESS.value();
        }
        else
        {
            s.space = space;
            resolve(s, space, va, access);
        }
        submit(s, ctx);
    }

    private void resolve(final ShootdownSession s, final int space, final long va, final int access)
    {
        final long page = va & -PAGE;
        final long offset = va & (PAGE - 1);
        final int r = findRegion(space, page);
        if (r < 0)
        {
            s.faultReason = FaultReason.NO_REGION.value();
            return;
        }
        if (regionKind[r] == RegionKind.GUARD.value())
        {
            s.faultReason = FaultReason.GUARD.value();
            return;
        }
        final boolean unknown = access == ACCESS_UNKNOWN;
        final int needed = access == AccessKind.WRITE ? PageFlags.WRITE :
            access == AccessKind.EXECUTE ? PageFlags.EXECUTE : PageFlags.READ;
        final int protection = regionProtection[r];
        if (!unknown && (protection & needed) == 0)
        {
            s.faultReason = FaultReason.PROTECTION.value();
            return;
        }
        final long root = roots[space];
        final int flags = format.flags(root, page);
        long pa;
        if (flags < 0)
        {
            pa = populate(space, r, page);
            if (pa < 0)
            {
                s.faultResult = FaultResult.NO_MEMORY.value();
                return;
            }
            demandPages++;
        }
        else
        {
            pa = format.physicalAddress(root, page);
            final boolean lacksWrite = (protection & PageFlags.WRITE) != 0 && (flags & PageFlags.WRITE) == 0;
            if (unknown)
            {
                // Whatever the access was, it faulted: if the entry lacked nothing it could get
                // (state bits first, then write access), the access was not allowed.
                if (!markUsed(root, page, flags, access, protection))
                {
                    if (!lacksWrite)
                    {
                        s.faultReason = FaultReason.PROTECTION.value();
                        return;
                    }
                    pa = breakShare(s, r, root, page, pa, AccessKind.WRITE);
                }
            }
            else if ((flags & needed) == 0)
            {
                // The region allows the access and the entry does not: a copy-on-write page.
                pa = breakShare(s, r, root, page, pa, access);
            }
            else
            {
                markUsed(root, page, flags, access, protection);
            }
            if (pa < 0)
            {
                s.faultResult = FaultResult.NO_MEMORY.value();
                return;
            }
        }
        s.faultResult = FaultResult.RESOLVED.value();
        s.faultReason = FaultReason.NONE.value();
        s.value1 = pa | offset;
    }

    /**
     * Give a copy-on-write page of region {@code r} its region's rights: in place when only this
     * entry maps it, else in a copy.
     *
     * @return the frame the page maps now, or a negative value when no frame was available.
     */
    private long breakShare(
        final ShootdownSession s, final int r, final long root, final long page, final long pa, final int access)
    {
        final int protection = regionProtection[r];
        final int frame = (int)(pa >>> PAGE_SHIFT);
        if (regionShared[r] || !owned(pa) || referenceCounts[frame] == 1)
        {
            // Only this entry maps it: give the rights back. Nothing to invalidate, rights
            // only grow (a stale read-only entry faults once more, harmlessly).
            format.protect(root, page, protection);
            markUsed(root, page, format.flags(root, page), access, protection);
            copyOnWriteReuses++;
            return pa;
        }
        final long copy = frames.allocateZeroedFrame();
        if (copy < 0)
        {
            return -1;
        }
        memory.copy(pa, copy, PAGE);
        format.unmap(root, page, PAGE);
        final int status = format.map(root, page, copy, PAGE, leafFlags(protection), frames);
        if (status != PageTableStatus.OK)
        {
            // The leaf's table exists (the old entry was in it): cannot fail.
            throw new IllegalStateException("vm: remap after copy-on-write failed");
        }
        referenceCounts[(int)(copy >>> PAGE_SHIFT)] = 1;
        referenceCounts[frame]--;
        // Other CPUs may still hold the read-only translation to the old frame and would read
        // stale data: invalidate before answering.
        s.addRange(page, PAGE, threshold);
        copyOnWriteCopies++;
        return copy;
    }

    /**
     * Set the accessed state (and the dirty state for a write) that an MMU managing them as
     * Svade does leaves to the kernel: it faults instead of setting them. For an
     * {@code ACCESS_UNKNOWN} fault the most the entry allows is assumed (a writable entry gets
     * both bits).
     *
     * @return true when a bit was missing (and is now set).
     */
    private boolean markUsed(final long root, final long page, final int flags, final int access, final int protection)
    {
        final int kind = access != ACCESS_UNKNOWN ? access : (flags & PageFlags.WRITE) != 0 ? AccessKind.WRITE :
            (flags & PageFlags.READ) != 0 ? AccessKind.READ : AccessKind.EXECUTE;
        final int wanted = kind == AccessKind.WRITE ? PageFlags.ACCESSED_DIRTY : PageFlags.ACCESSED;
        if (flags < 0 || (flags & wanted) == wanted)
        {
            return false;
        }
        // The format's translate is the MMU's own update: it sets exactly these bits when the
        // entry permits the access.
        return format.translate(root, page, kind, (protection & PageFlags.USER) != 0) >= 0;
    }

    /** @return the entry flags of a page the VM populates: its rights, already accessed (and dirty when writable). */
    static int leafFlags(final int protection)
    {
        return (protection & PageFlags.WRITE) != 0 ? protection | PageFlags.ACCESSED_DIRTY :
            protection | PageFlags.ACCESSED;
    }

    private void onFork(final Message m, final ActorContext ctx)
    {
        forkDecoder.wrap(m.buffer(), m.bodyOffset(), m.blockLength(), m.version());
        final int asid = forkDecoder.asid();
        final ShootdownSession s = open(m, ctx, AddressSpaceForkReplyEncoder.TEMPLATE_ID, asid);
        if (s == null)
        {
            return;
        }
        final int parent = liveSpace(asid);
        final int child = freeSpace();
        if (parent < 0)
        {
            s.status = VmStatus.NO_SUCH_SPACE.value();
        }
        else if (child < 0)
        {
            s.status = VmStatus.TOO_MANY_SPACES.value();
        }
        else
        {
            s.space = parent;
            final long childRoot = format.createRoot(frames);
            if (childRoot < 0)
            {
                s.status = VmStatus.NO_MEMORY.value();
            }
            else
            {
                spaceState[child] = SPACE_LIVE;
                roots[child] = childRoot;
                cpuMasks[child] = homeCpuMask;
                final int count = regionCounts[parent];
                regionCounts[child] = count;
                final int from = parent * maxRegions;
                final int to = child * maxRegions;
                for (int i = 0; i < count; i++)
                {
                    copyRegion(from + i, to + i);
                }
                visitor.begin(VISIT_FORK, parent, child, s);
                format.walk(roots[parent], visitor);
                if (visitor.failed)
                {
                    // No CPU knows the child yet: take it down without a shootdown. The parent
                    // keeps the pages made read-only; they become writable on the next write.
                    visitor.begin(VISIT_UNDO_FORK, child, -1, s);
                    format.walk(childRoot, visitor);
                    format.releaseAll(childRoot, frames);
                    spaceState[child] = SPACE_FREE;
                    regionCounts[child] = 0;
                    s.status = VmStatus.NO_MEMORY.value();
                }
                else
                {
                    s.value0 = visitor.pages;
                    s.value1 = child + 1;
                }
            }
        }
        submit(s, ctx);
    }

    private void onTranslate(final Message m, final ActorContext ctx)
    {
        translateDecoder.wrap(m.buffer(), m.bodyOffset(), m.blockLength(), m.version());
        final int asid = translateDecoder.asid();
        final long va = translateDecoder.virtualAddress();
        final ShootdownSession s = open(m, ctx, TranslateReplyEncoder.TEMPLATE_ID, asid);
        if (s == null)
        {
            return;
        }
        s.value0 = va;
        s.value1 = -1;
        final int space = liveSpace(asid);
        if (space < 0)
        {
            s.status = VmStatus.NO_SUCH_SPACE.value();
        }
        else if (!format.isCanonical(va))
        {
            s.status = VmStatus.INVALID_ARGUMENT.value();
        }
        else
        {
            final long pa = format.physicalAddress(roots[space], va);
            if (pa < 0)
            {
                s.status = VmStatus.NOT_MAPPED.value();
            }
            else
            {
                s.value1 = pa;
                final int flags = format.flags(roots[space], va);
                final int count = owned(pa) ? referenceCounts[(int)(pa >>> PAGE_SHIFT)] : 0;
                s.value2 = (flags & 0xFF) | ((long)Math.min(count, 0xFFFF) << 8);
            }
        }
        submit(s, ctx);
    }

    private void onActivate(final Message m, final ActorContext ctx)
    {
        activateDecoder.wrap(m.buffer(), m.bodyOffset(), m.blockLength(), m.version());
        final int asid = activateDecoder.asid();
        final ShootdownSession s = open(m, ctx, SpaceActivateReplyEncoder.TEMPLATE_ID, asid);
        if (s == null)
        {
            return;
        }
        s.value0 = -1;
        final int space = liveSpace(asid);
        final int cpu = ActorAddress.cpu(m.source());
        if (space < 0)
        {
            s.status = VmStatus.NO_SUCH_SPACE.value();
        }
        else if (cpu >= Long.SIZE)
        {
            s.status = VmStatus.INVALID_ARGUMENT.value();
        }
        else
        {
            // From here on every change to the space is invalidated on this CPU; the CPU does
            // not cache a translation of the space before it has this reply.
            cpuMasks[space] |= 1L << cpu;
            s.value0 = roots[space];
        }
        submit(s, ctx);
    }

    // ---------------------------------------------------------------------------------------
    // Shootdown protocol.
    // ---------------------------------------------------------------------------------------

    private void onAck(final Message m, final ActorContext ctx)
    {
        ackDecoder.wrap(m.buffer(), m.bodyOffset(), m.blockLength(), m.version());
        acknowledge((int)ackDecoder.batchId(), ActorAddress.cpu(m.source()), ctx);
    }

    private void onErrorReply(final Message m, final ActorContext ctx)
    {
        errorDecoder.wrap(m.buffer(), m.bodyOffset(), m.blockLength(), m.version());
        if (errorDecoder.schemaId() == TlbInvalidateDecoder.SCHEMA_ID &&
            errorDecoder.templateId() == TlbInvalidateDecoder.TEMPLATE_ID)
        {
            // No TLB service on that CPU: it caches nothing, so the invalidation is done there.
            acknowledge((int)m.correlationId(), ActorAddress.cpu(m.source()), ctx);
        }
    }

    private void acknowledge(final int batchId, final int cpu, final ActorContext ctx)
    {
        final int index = batchId & 0xFFFF;
        if (index >= sessions.length || cpu >= Long.SIZE)
        {
            strayAcks++;
            return;
        }
        final ShootdownSession s = sessions[index];
        final long bit = 1L << cpu;
        if (s.state != ShootdownSession.State.AWAITING_ACKS || s.batchId() != batchId || (s.pendingMask & bit) == 0)
        {
            strayAcks++;
            return;
        }
        s.pendingMask &= ~bit;
        s.cpusInvalidated++;
        if (s.pendingMask == 0)
        {
            finish(s, ShootdownSession.REASON_ALL_ACKED, ctx);
        }
    }

    private void onTimer(final Message m, final ActorContext ctx)
    {
        timerDecoder.wrap(m.buffer(), m.bodyOffset(), m.blockLength(), m.version());
        final long payload = timerDecoder.payload();
        final int index = (int)(payload & 0xFFFF);
        if (index >= sessions.length)
        {
            return;
        }
        final ShootdownSession s = sessions[index];
        if (s.batchId() != (int)payload || !s.timerArmed)
        {
            return;
        }
        s.timerArmed = false;
        if (s.state == ShootdownSession.State.AWAITING_ACKS)
        {
            sendInvalidations(s, ctx);
        }
        else if (s.state == ShootdownSession.State.REPLYING)
        {
            reply(s, ctx);
        }
    }

    /** The request's work is done: invalidate what it changed, or answer at once. */
    private void submit(final ShootdownSession s, final ActorContext ctx)
    {
        final long targets = s.space >= 0 && s.hasInvalidation() ? cpuMasks[s.space] : 0;
        if (targets == 0)
        {
            finish(s, ShootdownSession.REASON_NOTHING_TO_INVALIDATE, ctx);
            return;
        }
        shootdowns++;
        if (s.wholeSpace || s.destroyed)
        {
            wholeSpaceFlushes++;
        }
        s.unsentMask = targets;
        s.pendingMask = targets;
        s.state(ShootdownSession.State.AWAITING_ACKS, ShootdownSession.REASON_INVALIDATIONS_SENT, ctx);
        sendInvalidations(s, ctx);
    }

    private void sendInvalidations(final ShootdownSession s, final ActorContext ctx)
    {
        long unsent = s.unsentMask;
        while (unsent != 0)
        {
            final int cpu = Long.numberOfTrailingZeros(unsent);
            final int result = sendInvalidate(s, cpu, ctx);
            if (result == ActorContext.BACK_PRESSURED)
            {
                armTimer(s, ctx);
                return;
            }
            unsent &= unsent - 1;
            s.unsentMask = unsent;
            if (result == ActorContext.NO_SUCH_CPU)
            {
                // A CPU outside the machine holds nothing.
                s.pendingMask &= ~(1L << cpu);
                if (s.pendingMask == 0)
                {
                    finish(s, ShootdownSession.REASON_ALL_ACKED, ctx);
                    return;
                }
            }
        }
    }

    private int sendInvalidate(final ShootdownSession s, final int cpu, final ActorContext ctx)
    {
        final boolean ranges = !s.destroyed && !s.wholeSpace;
        final int count = ranges ? s.rangeCount : 0;
        final int varLength = TlbInvalidateEncoder.RangesEncoder.sbeHeaderSize() +
            count * TlbInvalidateEncoder.RangesEncoder.sbeBlockLength();
        final int result = ctx.claim(ActorAddress.of(cpu, shootdownService, shootdownInstance), s.batchId(), invalidate,
            varLength);
        if (result < 0)
        {
            return result;
        }
        invalidate.asid(s.space + 1)
            .scope(s.destroyed ? InvalidateScope.SPACE_DESTROYED : ranges ? InvalidateScope.RANGES : InvalidateScope.WHOLE_SPACE)
            .batchId(s.batchId() & 0xFFFF_FFFFL);
        final TlbInvalidateEncoder.RangesEncoder group = invalidate.rangesCount(count);
        for (int i = 0; i < count; i++)
        {
            group.next().virtualAddress(s.rangeStart[i]).length(s.rangeLength[i]);
        }
        ctx.commit();
        invalidationsSent++;
        return 0;
    }

    /** Every CPU acknowledged (or none had to): free what the change released, then answer. */
    private void finish(final ShootdownSession s, final int reason, final ActorContext ctx)
    {
        int frame = s.deferredHead;
        while (frame != 0)
        {
            final int f = frame - 1;
            frame = deferredNext[f];
            deferredNext[f] = 0;
            frames.freeFrame((long)f << PAGE_SHIFT);
            framesFreed++;
        }
        s.deferredHead = 0;
        if (s.destroyed)
        {
            final int space = s.space;
            final int tables = format.releaseAll(roots[space], frames);
            framesFreed += tables;
            s.value0 = s.deferredCount + tables;
            roots[space] = -1;
            cpuMasks[space] = 0;
            spaceState[space] = SPACE_FREE;
        }
        s.state(ShootdownSession.State.REPLYING, reason, ctx);
        reply(s, ctx);
    }

    private void reply(final ShootdownSession s, final ActorContext ctx)
    {
        if (sendReply(s, ctx))
        {
            s.state(ShootdownSession.State.FREE, ShootdownSession.REASON_REPLIED, ctx);
            if (s != spare)
            {
                freeSessions[freeSessionCount++] = s.index;
            }
        }
        else
        {
            if (s == spare)
            {
                throw new IllegalStateException("vm: BUSY reply back-pressured with every session in use");
            }
            s.state(ShootdownSession.State.REPLYING, ShootdownSession.REASON_REPLY_BACK_PRESSURED, ctx);
            armTimer(s, ctx);
        }
    }

    private void armTimer(final ShootdownSession s, final ActorContext ctx)
    {
        if (s.timerArmed)
        {
            return;
        }
        if (ctx.setTimer(ctx.nanoTime() + RETRY_NANOS, s.batchId() & 0xFFFF_FFFFL) < 0)
        {
            throw new IllegalStateException("vm: no timer left to retry a back-pressured send");
        }
        s.timerArmed = true;
    }

    /**
     * Take a session for a request; when none is free, answer BUSY (or RETRY for a fault) at
     * once and return null: nothing is changed.
     */
    private ShootdownSession open(final Message m, final ActorContext ctx, final int replyTemplate, final int asid)
    {
        final ShootdownSession s;
        if (freeSessionCount == 0)
        {
            s = spare;
            busyReplies++;
        }
        else
        {
            s = sessions[freeSessions[--freeSessionCount]];
        }
        s.reset();
        s.generation++;
        s.requester = m.source();
        s.correlationId = m.correlationId();
        s.replyTemplate = replyTemplate;
        s.asid = asid;
        s.state(ShootdownSession.State.OPEN, ShootdownSession.REASON_ACQUIRED, ctx);
        if (s == spare)
        {
            s.status = VmStatus.BUSY.value();
            s.faultResult = FaultResult.RETRY.value();
            s.value1 = -1;
            s.value2 = replyTemplate == AddressSpaceCreateReplyEncoder.TEMPLATE_ID ? -1 : 0;
            s.state(ShootdownSession.State.REPLYING, ShootdownSession.REASON_NOTHING_TO_INVALIDATE, ctx);
            reply(s, ctx);
            return null;
        }
        return s;
    }

    private boolean sendReply(final ShootdownSession s, final ActorContext ctx)
    {
        final long to = s.requester;
        final long id = s.correlationId;
        final VmStatus status = VmStatus.get(s.status);
        switch (s.replyTemplate)
        {
            case AddressSpaceCreateReplyEncoder.TEMPLATE_ID ->
            {
                if (ctx.claim(to, id, createReply, 0) < 0)
                {
                    return false;
                }
                createReply.status(status).asid(s.asid).root(s.value2);
            }
            case AddressSpaceDestroyReplyEncoder.TEMPLATE_ID ->
            {
                if (ctx.claim(to, id, destroyReply, 0) < 0)
                {
                    return false;
                }
                destroyReply.status(status).asid(s.asid).framesReleased(s.value0);
            }
            case RegionMapReplyEncoder.TEMPLATE_ID ->
            {
                if (ctx.claim(to, id, mapReply, 0) < 0)
                {
                    return false;
                }
                mapReply.status(status).asid(s.asid).virtualAddress(s.value0).pagesMapped(s.value1);
            }
            case UnmapReplyEncoder.TEMPLATE_ID ->
            {
                if (ctx.claim(to, id, unmapReply, 0) < 0)
                {
                    return false;
                }
                unmapReply.status(status).asid(s.asid).pagesUnmapped(s.value0).cpusInvalidated(s.cpusInvalidated);
            }
            case ProtectReplyEncoder.TEMPLATE_ID ->
            {
                if (ctx.claim(to, id, protectReply, 0) < 0)
                {
                    return false;
                }
                protectReply.status(status).asid(s.asid).cpusInvalidated(s.cpusInvalidated);
            }
            case PageFaultReplyEncoder.TEMPLATE_ID ->
            {
                if (ctx.claim(to, id, faultReply, 0) < 0)
                {
                    return false;
                }
                faultReply.result(FaultResult.get(s.faultResult)).reason(FaultReason.get(s.faultReason))
                    .asid(s.asid).virtualAddress(s.value0).physicalAddress(s.value1);
            }
            case AddressSpaceForkReplyEncoder.TEMPLATE_ID ->
            {
                if (ctx.claim(to, id, forkReply, 0) < 0)
                {
                    return false;
                }
                forkReply.status(status).parentAsid(s.asid).childAsid((int)s.value1).pagesShared(s.value0);
            }
            case TranslateReplyEncoder.TEMPLATE_ID ->
            {
                if (ctx.claim(to, id, translateReply, 0) < 0)
                {
                    return false;
                }
                translateReply.status(status).asid(s.asid).virtualAddress(s.value0).physicalAddress(s.value1)
                    .flags((short)(s.value2 & 0xFF)).referenceCount((int)(s.value2 >>> 8));
            }
            case SpaceActivateReplyEncoder.TEMPLATE_ID ->
            {
                if (ctx.claim(to, id, activateReply, 0) < 0)
                {
                    return false;
                }
                activateReply.status(status).asid(s.asid).root(s.value0);
            }
            default -> throw new IllegalStateException("vm: session without a reply type");
        }
        ctx.commit();
        return true;
    }

    // ---------------------------------------------------------------------------------------
    // Pages and frames.
    // ---------------------------------------------------------------------------------------

    /** Give page {@code va} of region {@code r} its first frame and map it. */
    private long populate(final int space, final int r, final long va)
    {
        final long pa;
        final boolean own;
        final byte kind = regionKind[r];
        if (kind == RegionKind.IMAGE.value() && regionImageSource[r] == ImageSource.FRAMES.value())
        {
            pa = regionImageBase[r] + (va - regionStart[r]);
            own = false;
        }
        else
        {
            pa = frames.allocateZeroedFrame();
            if (pa < 0)
            {
                return PageTableStatus.NO_MEMORY;
            }
            if (kind == RegionKind.IMAGE.value())
            {
                memory.copy(regionImageBase[r] + (va - regionStart[r]), pa, PAGE);
            }
            own = true;
        }
        final int status = format.map(roots[space], va, pa, PAGE, leafFlags(regionProtection[r]), frames);
        if (status != PageTableStatus.OK)
        {
            if (own)
            {
                // Never mapped: no CPU can have seen it.
                frames.freeFrame(pa);
            }
            return status;
        }
        if (own)
        {
            referenceCounts[(int)(pa >>> PAGE_SHIFT)] = 1;
        }
        return pa;
    }

    /** Map page {@code va} of region {@code r} to the frame the source space maps at {@code sourceVa}. */
    private long mapSharedFrom(
        final int space, final int r, final long va, final int sourceSpace, final int sourceRegion, final long sourceVa)
    {
        final long pa;
        if (regionKind[sourceRegion] == RegionKind.IMAGE.value())
        {
            pa = regionImageBase[sourceRegion] + (sourceVa - regionStart[sourceRegion]);
        }
        else
        {
            pa = format.physicalAddress(roots[sourceSpace], sourceVa);
            if (pa < 0)
            {
                throw new IllegalStateException("vm: a shared region has a page without a frame");
            }
        }
        final int status = format.map(roots[space], va, pa, PAGE, leafFlags(regionProtection[r]), frames);
        if (status != PageTableStatus.OK)
        {
            return status;
        }
        if (owned(pa))
        {
            referenceCounts[(int)(pa >>> PAGE_SHIFT)]++;
        }
        return pa;
    }

    /** Unmap every page in {@code [start, end)}, dropping frame references into the session. */
    private long unmapPages(final ShootdownSession s, final int space, final long start, final long end)
    {
        long pages = 0;
        final long root = roots[space];
        for (long p = start; p != end; p += PAGE)
        {
            final long pa = format.unmap(root, p, PAGE);
            if (pa >= 0)
            {
                pages++;
                release(s, pa);
            }
        }
        return pages;
    }

    /** Bring every mapped page of region {@code r} to the flags its protection and sharing allow. */
    private void reprotectPages(final ShootdownSession s, final int space, final int r)
    {
        final long root = roots[space];
        final int protection = regionProtection[r];
        final long end = regionEnd[r];
        for (long p = regionStart[r]; p != end; p += PAGE)
        {
            final int flags = format.flags(root, p);
            if (flags < 0)
            {
                continue;
            }
            int wanted = protection;
            if (!regionShared[r])
            {
                final long pa = format.physicalAddress(root, p);
                if (owned(pa) && referenceCounts[(int)(pa >>> PAGE_SHIFT)] > 1)
                {
                    wanted &= ~PageFlags.WRITE;
                }
            }
            final int current = flags & RIGHTS;
            if (current != wanted)
            {
                format.protect(root, p, wanted);
                if ((current & ~wanted) != 0)
                {
                    s.addRange(p, PAGE, threshold);
                }
            }
        }
    }

    private void release(final ShootdownSession s, final long pa)
    {
        if (!owned(pa))
        {
            return;
        }
        final int frame = (int)(pa >>> PAGE_SHIFT);
        if (--referenceCounts[frame] == 0)
        {
            deferredNext[frame] = s.deferredHead;
            s.deferredHead = frame + 1;
            s.deferredCount++;
        }
    }

    private boolean owned(final long pa)
    {
        final long frame = pa >>> PAGE_SHIFT;
        return pa >= 0 && frame < referenceCounts.length && referenceCounts[(int)frame] > 0;
    }

    private boolean anyFrameOwned(final long base, final long length)
    {
        for (long pa = base; pa != base + length; pa += PAGE)
        {
            final long frame = pa >>> PAGE_SHIFT;
            if (frame < referenceCounts.length && (referenceCounts[(int)frame] > 0 || deferredNext[(int)frame] != 0))
            {
                return true;
            }
        }
        return false;
    }

    // ---------------------------------------------------------------------------------------
    // Spaces and regions.
    // ---------------------------------------------------------------------------------------

    private int liveSpace(final int asid)
    {
        return asid >= 1 && asid <= maxSpaces && spaceState[asid - 1] == SPACE_LIVE ? asid - 1 : -1;
    }

    private int freeSpace()
    {
        for (int i = 0; i < maxSpaces; i++)
        {
            if (spaceState[i] == SPACE_FREE)
            {
                return i;
            }
        }
        return -1;
    }

    private boolean validRange(final long va, final long length)
    {
        if (((va | length) & (PAGE - 1)) != 0 || length == 0 || Long.compareUnsigned(length, MAX_RANGE) >= 0)
        {
            return false;
        }
        final long last = va + length - 1;
        return Long.compareUnsigned(last, va) > 0 && format.isCanonical(va) && format.isCanonical(last);
    }

    private static boolean validProtection(final int protection)
    {
        return (protection & ~PROTECTION_BITS) == 0 && PageFlags.isValid(protection);
    }

    private int findRegion(final int space, final long va)
    {
        final int base = space * maxRegions;
        for (int r = base; r < base + regionCounts[space]; r++)
        {
            if (Long.compareUnsigned(va, regionStart[r]) >= 0 && Long.compareUnsigned(va, regionEnd[r]) < 0)
            {
                return r;
            }
        }
        return -1;
    }

    private boolean overlaps(final int space, final long start, final long end)
    {
        final int base = space * maxRegions;
        for (int r = base; r < base + regionCounts[space]; r++)
        {
            if (Long.compareUnsigned(start, regionEnd[r]) < 0 && Long.compareUnsigned(regionStart[r], end) < 0)
            {
                return true;
            }
        }
        return false;
    }

    /** @return OK when {@code [start, end)} is covered by regions, none a guard. */
    private short coverage(final int space, final long start, final long end)
    {
        long cursor = start;
        while (cursor != end)
        {
            final int r = findRegion(space, cursor);
            if (r < 0)
            {
                return VmStatus.NOT_MAPPED.value();
            }
            if (regionKind[r] == RegionKind.GUARD.value())
            {
                return VmStatus.GUARD.value();
            }
            cursor = Long.compareUnsigned(regionEnd[r], end) < 0 ? regionEnd[r] : end;
        }
        return VmStatus.OK.value();
    }

    private int splitsNeeded(final int space, final long start, final long end)
    {
        int needed = 0;
        final int base = space * maxRegions;
        for (int r = base; r < base + regionCounts[space]; r++)
        {
            if (Long.compareUnsigned(regionStart[r], start) < 0 && Long.compareUnsigned(start, regionEnd[r]) < 0)
            {
                needed++;
            }
            if (Long.compareUnsigned(regionStart[r], end) < 0 && Long.compareUnsigned(end, regionEnd[r]) < 0)
            {
                needed++;
            }
        }
        return needed;
    }

    /** Make {@code va} a region boundary (the caller checked there is room). */
    private void split(final int space, final long va)
    {
        final int r = findRegion(space, va);
        if (r < 0 || regionStart[r] == va)
        {
            return;
        }
        final int copy = space * maxRegions + regionCounts[space]++;
        copyRegion(r, copy);
        regionStart[copy] = va;
        regionImageBase[copy] = regionImageBase[r] + (va - regionStart[r]);
        regionEnd[r] = va;
    }

    private int addRegion(final int space, final long start, final long end, final short kind, final int protection)
    {
        final int r = space * maxRegions + regionCounts[space]++;
        regionStart[r] = start;
        regionEnd[r] = end;
        regionKind[r] = (byte)kind;
        regionProtection[r] = kind == RegionKind.GUARD.value() ? 0 : protection;
        regionShared[r] = false;
        regionImageSource[r] = 0;
        regionImageBase[r] = 0;
        return r;
    }

    /**
     * Merge region {@code r} with the ANONYMOUS regions of the same protection right before and
     * after it: a heap grown a few pages at a time, or mappings placed next to each other, stay
     * one region, so a space does not run out of region slots.
     */
    private void coalesce(final int space, final int r)
    {
        if (regionKind[r] != RegionKind.ANONYMOUS.value())
        {
            return;
        }
        final int base = space * maxRegions;
        int current = r;
        boolean merged = true;
        while (merged)
        {
            merged = false;
            for (int i = 0; i < regionCounts[space]; i++)
            {
                final int o = base + i;
                if (o == current || regionKind[o] != RegionKind.ANONYMOUS.value() || regionShared[o] ||
                    regionProtection[o] != regionProtection[current])
                {
                    continue;
                }
                if (regionEnd[o] == regionStart[current] || regionStart[o] == regionEnd[current])
                {
                    if (regionEnd[o] == regionStart[current])
                    {
                        regionEnd[o] = regionEnd[current];
                    }
                    else
                    {
                        regionStart[o] = regionStart[current];
                    }
                    final int last = base + regionCounts[space] - 1;
                    removeRegion(space, current);
                    // the last region moved into the freed slot
                    current = o == last ? current : o;
                    merged = true;
                    break;
                }
            }
        }
    }

    private void removeRegion(final int space, final int r)
    {
        final int last = space * maxRegions + --regionCounts[space];
        if (r != last)
        {
            copyRegion(last, r);
        }
    }

    private void copyRegion(final int from, final int to)
    {
        regionStart[to] = regionStart[from];
        regionEnd[to] = regionEnd[from];
        regionKind[to] = regionKind[from];
        regionProtection[to] = regionProtection[from];
        regionShared[to] = regionShared[from];
        regionImageSource[to] = regionImageSource[from];
        regionImageBase[to] = regionImageBase[from];
    }

    // ---------------------------------------------------------------------------------------
    // Walks over a space's leaves.
    // ---------------------------------------------------------------------------------------

    /**
     * Receives the leaves of a walk; what it does depends on the walk's purpose. A static
     * nested class with an explicit reference, so that its construction needs no null check
     * of an enclosing instance.
     */
    private static final class LeafVisitor implements PageTableVisitor
    {
        private final VmService vm;
        int mode;
        int space;
        int other;
        ShootdownSession session;
        boolean failed;
        long pages;
        int violations;

        LeafVisitor(final VmService vm)
        {
            this.vm = vm;
        }

        void begin(final int mode, final int space, final int other, final ShootdownSession session)
        {
            this.mode = mode;
            this.space = space;
            this.other = other;
            this.session = session;
            this.failed = false;
            this.pages = 0;
            this.violations = 0;
        }

        @Override
        public void onLeaf(final long virtualAddress, final long physicalAddress, final long size, final int flags)
        {
            switch (mode)
            {
                case VISIT_FORK -> forkLeaf(virtualAddress, physicalAddress, size, flags);
                case VISIT_DESTROY -> vm.release(session, physicalAddress);
                case VISIT_UNDO_FORK ->
                {
                    if (vm.owned(physicalAddress))
                    {
                        vm.referenceCounts[(int)(physicalAddress >>> PAGE_SHIFT)]--;
                    }
                }
                case VISIT_CHECK -> checkLeaf(virtualAddress, physicalAddress, flags);
                default -> throw new IllegalStateException("vm: walk without a purpose");
            }
        }

        private void forkLeaf(final long va, final long pa, final long size, final int flags)
        {
            if (failed)
            {
                return;
            }
            final int r = vm.findRegion(space, va);
            if (r < 0)
            {
                throw new IllegalStateException("vm: a mapped page outside every region");
            }
            int childFlags = flags & RIGHTS;
            final boolean own = vm.owned(pa);
            if (!vm.regionShared[r] && own && (childFlags & PageFlags.WRITE) != 0)
            {
                // Both spaces see the page read-only from now on; the parent's CPUs must drop
                // their writable translation before the fork is answered.
                childFlags &= ~PageFlags.WRITE;
                vm.format.protect(vm.roots[space], va, childFlags);
                session.addRange(va, size, vm.threshold);
            }
            // the child's entry starts with the parent's accessed/dirty state
            final int childState = flags & PageFlags.ACCESSED_DIRTY;
            if (vm.format.map(vm.roots[other], va, pa, size, childFlags | childState, vm.frames) != PageTableStatus.OK)
            {
                failed = true;
                return;
            }
            if (own)
            {
                vm.referenceCounts[(int)(pa >>> PAGE_SHIFT)]++;
            }
            pages++;
        }

        private void checkLeaf(final long va, final long pa, final int flags)
        {
            final int r = vm.findRegion(space, va);
            if (r < 0 || vm.regionKind[r] == RegionKind.GUARD.value())
            {
                violations++;
                return;
            }
            final long frame = pa >>> PAGE_SHIFT;
            if (frame < vm.checkCounts.length)
            {
                vm.checkCounts[(int)frame]++;
            }
            if ((flags & PageFlags.WRITE) != 0 && ((vm.regionProtection[r] & PageFlags.WRITE) == 0 ||
                (!vm.regionShared[r] && vm.owned(pa) && vm.referenceCounts[(int)frame] != 1)))
            {
                violations++;
            }
        }
    }

    // ---------------------------------------------------------------------------------------
    // Inspection (tests, statistics).
    // ---------------------------------------------------------------------------------------

    /**
     * Check the service's invariants by walking every live space: each mapped page lies in a
     * non-guard region; a writable private page has reference count 1 and a writable region;
     * every frame's reference count equals the number of entries mapping it.
     *
     * @return the number of violations (0 when consistent).
     */
    public int checkInvariants()
    {
        int violations = 0;
        for (int i = 0; i < checkCounts.length; i++)
        {
            checkCounts[i] = 0;
        }
        for (int space = 0; space < maxSpaces; space++)
        {
            if (spaceState[space] == SPACE_LIVE)
            {
                visitor.begin(VISIT_CHECK, space, -1, null);
                format.walk(roots[space], visitor);
                violations += visitor.violations;
            }
        }
        for (int i = 0; i < checkCounts.length; i++)
        {
            if (referenceCounts[i] > 0 && checkCounts[i] != referenceCounts[i])
            {
                violations++;
            }
        }
        return violations;
    }

    /** @return frames holding pages that some entry maps and the VM owns. */
    public int pagesReferenced()
    {
        int n = 0;
        for (int i = 0; i < referenceCounts.length; i++)
        {
            if (referenceCounts[i] > 0)
            {
                n++;
            }
        }
        return n;
    }

    /** @return page-table frames of every live space. */
    public int tableFrames()
    {
        int n = 0;
        for (int space = 0; space < maxSpaces; space++)
        {
            if (spaceState[space] != SPACE_FREE)
            {
                n += format.tableCount(roots[space]);
            }
        }
        return n;
    }

    /**
     * @param asid an address-space id.
     * @return the bit set of CPUs that may cache the space's translations (0 for no live space).
     */
    public long cpuMask(final int asid)
    {
        final int space = liveSpace(asid);
        return space < 0 ? 0 : cpuMasks[space];
    }

    /**
     * @param asid an address-space id.
     * @return the root table of the space, or -1.
     */
    public long root(final int asid)
    {
        final int space = liveSpace(asid);
        return space < 0 ? -1 : roots[space];
    }

    /**
     * @param asid an address-space id.
     * @return regions of the space (0 for no live space).
     */
    public int regionCount(final int asid)
    {
        final int space = liveSpace(asid);
        return space < 0 ? 0 : regionCounts[space];
    }

    /**
     * @param physicalAddress an address.
     * @return the reference count of its frame (0 for frames the VM does not hold).
     */
    public int referenceCount(final long physicalAddress)
    {
        final long frame = physicalAddress >>> PAGE_SHIFT;
        return physicalAddress < 0 || frame >= referenceCounts.length ? 0 : referenceCounts[(int)frame];
    }

    /** @return sessions in use (requests not yet answered). */
    public int sessionsInUse()
    {
        return sessions.length - freeSessionCount;
    }

    /** @return the page-table format the service builds. */
    public PageTableFormat format()
    {
        return format;
    }

    /** @return page faults handled. */
    public long faults()
    {
        return faults;
    }

    /** @return pages populated on a fault. */
    public long demandPages()
    {
        return demandPages;
    }

    /** @return copy-on-write breaks that copied a page. */
    public long copyOnWriteCopies()
    {
        return copyOnWriteCopies;
    }

    /** @return copy-on-write breaks that made the last reference writable without a copy. */
    public long copyOnWriteReuses()
    {
        return copyOnWriteReuses;
    }

    /** @return shootdowns started (requests that had to ask other CPUs). */
    public long shootdowns()
    {
        return shootdowns;
    }

    /** @return TlbInvalidate messages sent. */
    public long invalidationsSent()
    {
        return invalidationsSent;
    }

    /** @return shootdowns that flushed the whole space. */
    public long wholeSpaceFlushes()
    {
        return wholeSpaceFlushes;
    }

    /** @return acknowledgements matching no pending invalidation. */
    public long strayAcks()
    {
        return strayAcks;
    }

    /** @return frames given back to the frame source. */
    public long framesFreed()
    {
        return framesFreed;
    }

    /** @return requests answered BUSY or RETRY because every session was in use. */
    public long busyReplies()
    {
        return busyReplies;
    }
}
