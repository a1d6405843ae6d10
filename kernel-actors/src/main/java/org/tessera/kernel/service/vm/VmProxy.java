package org.tessera.kernel.service.vm;

import org.tessera.kernel.runtime.ActorContext;
import org.tessera.messages.vm.AccessKind;
import org.tessera.messages.vm.AddressSpaceBuildEncoder;
import org.tessera.messages.vm.AddressSpaceCreateEncoder;
import org.tessera.messages.vm.AddressSpaceDestroyEncoder;
import org.tessera.messages.vm.AddressSpaceForkEncoder;
import org.tessera.messages.vm.ImageSource;
import org.tessera.messages.vm.PageFaultEncoder;
import org.tessera.messages.vm.ProtectEncoder;
import org.tessera.messages.vm.RegionKind;
import org.tessera.messages.vm.RegionMapEncoder;
import org.tessera.messages.vm.TranslateEncoder;
import org.tessera.messages.vm.UnmapEncoder;

/**
 * Encodes and sends requests to a {@link VmService} from inside an actor's handler, with
 * preallocated encoders. Every method returns the claim result: &gt;= 0 when the request was
 * sent, {@link ActorContext#BACK_PRESSURED} or {@link ActorContext#NO_SUCH_CPU} when it was not
 * (keep it and retry). The reply comes back as a message with the given correlation id.
 */
public final class VmProxy
{
    private final long vm;
    private final AddressSpaceCreateEncoder create = new AddressSpaceCreateEncoder();
    private final AddressSpaceBuildEncoder build = new AddressSpaceBuildEncoder();
    private final AddressSpaceDestroyEncoder destroy = new AddressSpaceDestroyEncoder();
    private final AddressSpaceForkEncoder fork = new AddressSpaceForkEncoder();
    private final RegionMapEncoder map = new RegionMapEncoder();
    private final UnmapEncoder unmap = new UnmapEncoder();
    private final ProtectEncoder protect = new ProtectEncoder();
    private final PageFaultEncoder fault = new PageFaultEncoder();
    private final TranslateEncoder translate = new TranslateEncoder();

    /**
     * @param vm address of the VM service ({@link VmService#address(int)}).
     */
    public VmProxy(final long vm)
    {
        this.vm = vm;
    }

    /** @return the address requests go to. */
    public long vm()
    {
        return vm;
    }

    /** {@code AddressSpaceCreate}; reply {@code AddressSpaceCreateReply}. */
    public int createSpace(final ActorContext ctx, final long correlationId)
    {
        final int result = ctx.claim(vm, correlationId, create, 0);
        if (result >= 0)
        {
            ctx.commit();
        }
        return result;
    }

    /**
     * {@code AddressSpaceBuild}: a new space with {@code count} private anonymous regions (the
     * first {@code count} entries of the arrays); reply {@code AddressSpaceCreateReply}.
     *
     * @param protection {@link org.tessera.arch.spi.PageFlags} read/write/execute/user bits per region.
     * @param eager      per region: populate now rather than on the first access.
     */
    public int buildSpace(
        final ActorContext ctx, final long correlationId, final int count, final long[] va, final long[] length,
        final int[] protection, final boolean[] eager)
    {
        final int varLength = AddressSpaceBuildEncoder.RegionsEncoder.sbeHeaderSize() +
            count * AddressSpaceBuildEncoder.RegionsEncoder.sbeBlockLength();
        final int result = ctx.claim(vm, correlationId, build, varLength);
        if (result >= 0)
        {
            final AddressSpaceBuildEncoder.RegionsEncoder regions = build.regionsCount(count);
            for (int i = 0; i < count; i++)
            {
                regions.next().virtualAddress(va[i]).length(length[i]).kind(RegionKind.ANONYMOUS)
                    .protection((short)protection[i]).eager((short)(eager[i] ? 1 : 0));
            }
            ctx.commit();
        }
        return result;
    }

    /** {@code AddressSpaceDestroy}; reply {@code AddressSpaceDestroyReply}. */
    public int destroySpace(final ActorContext ctx, final long correlationId, final int asid)
    {
        final int result = ctx.claim(vm, correlationId, destroy, 0);
        if (result >= 0)
        {
            destroy.asid(asid);
            ctx.commit();
        }
        return result;
    }

    /** {@code AddressSpaceFork}; reply {@code AddressSpaceForkReply}. */
    public int forkSpace(final ActorContext ctx, final long correlationId, final int asid)
    {
        final int result = ctx.claim(vm, correlationId, fork, 0);
        if (result >= 0)
        {
            fork.asid(asid);
            ctx.commit();
        }
        return result;
    }

    /**
     * {@code RegionMap} of an ANONYMOUS, SHARED (new) or GUARD region; reply {@code RegionMapReply}.
     *
     * @param protection {@link org.tessera.arch.spi.PageFlags} read/write/execute/user bits.
     */
    public int map(
        final ActorContext ctx, final long correlationId, final int asid, final long va, final long length,
        final RegionKind kind, final int protection, final boolean eager)
    {
        return mapRegion(ctx, correlationId, asid, va, length, kind, protection, eager, ImageSource.FRAMES, 0, 0, 0);
    }

    /** {@code RegionMap} of an IMAGE region; reply {@code RegionMapReply}. */
    public int mapImage(
        final ActorContext ctx, final long correlationId, final int asid, final long va, final long length,
        final int protection, final boolean eager, final ImageSource source, final long physicalBase)
    {
        return mapRegion(ctx, correlationId, asid, va, length, RegionKind.IMAGE, protection, eager, source, physicalBase, 0, 0);
    }

    /** {@code RegionMap} sharing a range of another space's shared region; reply {@code RegionMapReply}. */
    public int mapShared(
        final ActorContext ctx, final long correlationId, final int asid, final long va, final long length,
        final int protection, final int sourceAsid, final long sourceAddress)
    {
        return mapRegion(
            ctx, correlationId, asid, va, length, RegionKind.SHARED, protection, true, ImageSource.FRAMES, 0, sourceAsid,
            sourceAddress);
    }

    private int mapRegion(
        final ActorContext ctx, final long correlationId, final int asid, final long va, final long length,
        final RegionKind kind, final int protection, final boolean eager, final ImageSource source,
        final long physicalBase, final int sourceAsid, final long sourceAddress)
    {
        final int result = ctx.claim(vm, correlationId, map, 0);
        if (result >= 0)
        {
            map.asid(asid).virtualAddress(va).length(length).kind(kind).protection((short)protection)
                .eager((short)(eager ? 1 : 0)).imageSource(source).physicalBase(physicalBase).sourceAsid(sourceAsid)
                .sourceAddress(sourceAddress);
            ctx.commit();
        }
        return result;
    }

    /** {@code Unmap}; reply {@code UnmapReply} after the shootdown. */
    public int unmap(final ActorContext ctx, final long correlationId, final int asid, final long va, final long length)
    {
        final int result = ctx.claim(vm, correlationId, unmap, 0);
        if (result >= 0)
        {
            unmap.asid(asid).virtualAddress(va).length(length);
            ctx.commit();
        }
        return result;
    }

    /** {@code Protect}; reply {@code ProtectReply} after the shootdown. */
    public int protect(
        final ActorContext ctx, final long correlationId, final int asid, final long va, final long length,
        final int protection)
    {
        final int result = ctx.claim(vm, correlationId, protect, 0);
        if (result >= 0)
        {
            protect.asid(asid).virtualAddress(va).length(length).protection((short)protection);
            ctx.commit();
        }
        return result;
    }

    /** {@code PageFault}; reply {@code PageFaultReply}. */
    public int pageFault(
        final ActorContext ctx, final long correlationId, final int asid, final long va, final AccessKind access)
    {
        final int result = ctx.claim(vm, correlationId, fault, 0);
        if (result >= 0)
        {
            fault.asid(asid).virtualAddress(va).access(access).cpu(ctx.cpu());
            ctx.commit();
        }
        return result;
    }

    /** {@code Translate}; reply {@code TranslateReply}. */
    public int translate(final ActorContext ctx, final long correlationId, final int asid, final long va)
    {
        final int result = ctx.claim(vm, correlationId, translate, 0);
        if (result >= 0)
        {
            translate.asid(asid).virtualAddress(va);
            ctx.commit();
        }
        return result;
    }
}
