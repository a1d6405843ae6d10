package org.tessera.kernel.service.syscall;

import org.tessera.kernel.service.cap.CapabilityError;
import org.tessera.kernel.service.cap.CapabilityStatus;

/** Linux errno values, as returned negated in a0. */
public final class Errno
{
    public static final int EPERM = 1;
    public static final int ENOENT = 2;
    public static final int ESRCH = 3;
    public static final int E2BIG = 7;
    public static final int ENOEXEC = 8;
    public static final int EBADF = 9;
    public static final int ECHILD = 10;
    public static final int EAGAIN = 11;
    public static final int ENOMEM = 12;
    public static final int EFAULT = 14;
    public static final int EINVAL = 22;
    public static final int ENAMETOOLONG = 36;
    public static final int ENOSPC = 28;
    public static final int ENOSYS = 38;

    private Errno()
    {
    }

    /**
     * The errno a guest's capability call gets for a refused capability request.
     * <pre>
     *   token names nothing live (no slot, stale, revoked, altered, no space)  EBADF
     *   wrong type, undefined type, rights or flags invalid for the type       EINVAL
     *   missing right, escalation, not derivable or grantable                  EPERM
     *   space, page pool or derivation tree full                               ENOSPC
     *   shard busy                                                             EAGAIN
     * </pre>
     *
     * @param code a negative {@link CapabilityError} or {@link CapabilityStatus} code.
     * @return the positive errno.
     */
    public static int ofCapability(final int code)
    {
        return switch (code)
        {
            case CapabilityError.WRONG_TYPE, CapabilityError.INVALID_TYPE, CapabilityError.INVALID_RIGHTS -> EINVAL;
            case CapabilityError.INSUFFICIENT_RIGHTS, CapabilityError.RIGHTS_ESCALATION,
                CapabilityError.FLAGS_ESCALATION, CapabilityError.NOT_DERIVABLE, CapabilityError.NOT_GRANTABLE -> EPERM;
            case CapabilityError.SPACE_FULL, CapabilityError.POOL_EXHAUSTED, CapabilityError.TREE_FULL -> ENOSPC;
            case CapabilityStatus.BUSY -> EAGAIN;
            default -> EBADF;
        };
    }
}
