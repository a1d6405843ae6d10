package org.tessera.kernel.service.syscall;

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
    public static final int ENOSYS = 38;

    private Errno()
    {
    }
}
