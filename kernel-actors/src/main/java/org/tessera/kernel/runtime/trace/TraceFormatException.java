package org.tessera.kernel.runtime.trace;

/** A trace file is truncated, corrupt, or of a format this build does not read. */
public final class TraceFormatException extends Exception
{
    private static final long serialVersionUID = 1L;

    public TraceFormatException(final String message)
    {
        super(message);
    }
}
