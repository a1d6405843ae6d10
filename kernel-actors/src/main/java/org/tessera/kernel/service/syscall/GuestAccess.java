package org.tessera.kernel.service.syscall;

import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.tessera.arch.spi.AccessKind;
import org.tessera.arch.spi.PageTableFormat;
import org.tessera.arch.spi.PhysicalMemory;

/**
 * Checked copies between a guest's virtual memory and kernel buffers, translating page by page
 * through the address space's page tables as a user-mode access would (so a pointer the guest
 * could not use itself is refused). Results are byte counts or {@code -EFAULT}.
 * One instance per actor: it keeps a reusable page view.
 */
public final class GuestAccess
{
    private static final long PAGE = 4096;

    private final PageTableFormat format;
    private final PhysicalMemory memory;
    private final UnsafeBuffer page = new UnsafeBuffer(0, 0);

    /**
     * @param format the page-table format of the address spaces.
     * @param memory the physical memory they map.
     */
    public GuestAccess(final PageTableFormat format, final PhysicalMemory memory)
    {
        this.format = format;
        this.memory = memory;
    }

    /**
     * @return the physical address of {@code va} for a user access of {@code kind}, or a
     * negative value when the guest could not make that access.
     */
    public long translate(final long root, final long va, final int kind)
    {
        return format.translate(root, va, kind, true);
    }

    /** @return true when every byte of [va, va + length) allows a user access of {@code kind}. */
    public boolean check(final long root, final long va, final long length, final int kind)
    {
        if (length <= 0)
        {
            return length == 0;
        }
        final long end = va + length;
        if (end < va)
        {
            return false;
        }
        long p = va & ~(PAGE - 1);
        while (p < end)
        {
            if (translate(root, p < va ? va : p, kind) < 0)
            {
                return false;
            }
            p += PAGE;
        }
        return true;
    }

    /** Copy guest bytes into {@code dst}; @return length or -EFAULT. */
    public int copyIn(final long root, final long va, final MutableDirectBuffer dst, final int dstOffset, final int length)
    {
        int done = 0;
        while (done < length)
        {
            final long address = va + done;
            final long pa = translate(root, address, AccessKind.READ);
            if (pa < 0)
            {
                return -Errno.EFAULT;
            }
            final int n = (int)Math.min(length - done, PAGE - (address & (PAGE - 1)));
            memory.wrap(page, pa, n);
            dst.putBytes(dstOffset + done, page, 0, n);
            done += n;
        }
        return length;
    }

    /** Copy {@code src} bytes into guest memory (user write permission needed); @return length or -EFAULT. */
    public int copyOut(final long root, final long va, final DirectBuffer src, final int srcOffset, final int length)
    {
        if (!check(root, va, length, AccessKind.WRITE))
        {
            return -Errno.EFAULT;
        }
        int done = 0;
        while (done < length)
        {
            final long address = va + done;
            final long pa = translate(root, address, AccessKind.WRITE);
            final int n = (int)Math.min(length - done, PAGE - (address & (PAGE - 1)));
            memory.wrap(page, pa, n);
            page.putBytes(0, src, srcOffset + done, n);
            done += n;
        }
        return length;
    }

    /**
     * Copy a NUL-terminated guest string (without its NUL) into {@code dst}.
     *
     * @return its length, -EFAULT, or -ENAMETOOLONG when no NUL comes within {@code max} bytes.
     */
    public int copyString(final long root, final long va, final MutableDirectBuffer dst, final int dstOffset, final int max)
    {
        long pa = -1;
        for (int i = 0; i <= max; i++)
        {
            final long address = va + i;
            if (i == 0 || (address & (PAGE - 1)) == 0)
            {
                pa = translate(root, address, AccessKind.READ);
                if (pa < 0)
                {
                    return -Errno.EFAULT;
                }
            }
            else
            {
                pa++;
            }
            final byte b = memory.getByte(pa);
            if (b == 0)
            {
                return i;
            }
            if (i == max)
            {
                break;
            }
            dst.putByte(dstOffset + i, b);
        }
        return -Errno.ENAMETOOLONG;
    }
}
