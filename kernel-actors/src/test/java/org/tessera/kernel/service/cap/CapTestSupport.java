package org.tessera.kernel.service.cap;

import java.nio.ByteBuffer;

import org.agrona.concurrent.UnsafeBuffer;

/** Shared set-up for the capability tests: pools over direct buffers. */
final class CapTestSupport
{
    private CapTestSupport()
    {
    }

    static CapabilityPagePool pool(final int pages)
    {
        return new CapabilityPagePool(new UnsafeBuffer(ByteBuffer.allocateDirect(pages * CapabilityPagePool.PAGE_SIZE)));
    }

    /** A rights value valid for {@code type} with every defined right. */
    static int allRights(final int type)
    {
        return Rights.validMask(type);
    }

    static final int ALL_FLAGS = CapabilityToken.FLAGS_MASK;
}
