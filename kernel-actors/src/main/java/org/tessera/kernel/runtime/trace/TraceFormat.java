package org.tessera.kernel.runtime.trace;

/** Constants of the trace file format (see {@code messages/src/main/resources/trace.xml}). */
public final class TraceFormat
{
    /** The bytes "TSSTRACE" read as a little-endian long. */
    public static final long MAGIC = 0x4543_4152_5453_5354L;
    /** Format version written by this build. */
    public static final int FORMAT_VERSION = 1;

    private TraceFormat()
    {
    }
}
