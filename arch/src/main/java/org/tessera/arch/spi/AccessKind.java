package org.tessera.arch.spi;

/**
 * The kind of memory access an address translation is checked for.
 */
public final class AccessKind
{
    /** A data load. */
    public static final int READ = 0;
    /** A data store. */
    public static final int WRITE = 1;
    /** An instruction fetch. */
    public static final int EXECUTE = 2;

    private AccessKind()
    {
    }
}
