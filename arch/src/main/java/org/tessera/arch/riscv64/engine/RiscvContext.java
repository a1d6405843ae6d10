package org.tessera.arch.riscv64.engine;

import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

/**
 * The architectural state of one RV64GC user thread: the integer registers, the pc, the
 * floating-point registers as raw 64-bit patterns (singles NaN-boxed) and {@code fcsr}. The
 * kernel context-switches it by copying to and from a {@code long[]} or a buffer.
 *
 * <pre>
 *   long index   0..31   x0..x31 (x0 always 0)
 *               32       pc
 *               33..64   f0..f31 (raw bits)
 *               65       fcsr (bits 7:5 frm, 4:0 fflags)
 * </pre>
 *
 * In a buffer the same longs are stored little-endian, 8 bytes each ({@link #BYTES} in all).
 */
public final class RiscvContext
{
    /** Number of longs in the saved form. */
    public static final int LONGS = 66;
    /** Number of bytes in the saved form. */
    public static final int BYTES = LONGS * Long.BYTES;
    /** Index of the pc in the saved form. */
    public static final int PC_INDEX = 32;
    /** Index of f0 in the saved form. */
    public static final int F_INDEX = 33;
    /** Index of fcsr in the saved form. */
    public static final int FCSR_INDEX = 65;

    /** Integer registers; {@code x[0]} is kept 0 by the engine. */
    public final long[] x = new long[32];
    /** Floating-point registers, raw bits. */
    public final long[] f = new long[32];
    /** Program counter. */
    public long pc;
    /** Floating-point control and status: frm in bits 7:5, fflags (NV DZ OF UF NX) in bits 4:0. */
    public int fcsr;

    /** Copy the state into {@code dst[offset .. offset + LONGS)}. */
    public void saveTo(final long[] dst, final int offset)
    {
        System.arraycopy(x, 0, dst, offset, 32);
        dst[offset + PC_INDEX] = pc;
        System.arraycopy(f, 0, dst, offset + F_INDEX, 32);
        dst[offset + FCSR_INDEX] = fcsr & 0xFF;
    }

    /** Load the state from {@code src[offset .. offset + LONGS)}. */
    public void restoreFrom(final long[] src, final int offset)
    {
        System.arraycopy(src, offset, x, 0, 32);
        x[0] = 0;
        pc = src[offset + PC_INDEX];
        System.arraycopy(src, offset + F_INDEX, f, 0, 32);
        fcsr = (int)src[offset + FCSR_INDEX] & 0xFF;
    }

    /** Copy the state into {@code buffer} at {@code offset} ({@link #BYTES} bytes). */
    public void saveTo(final MutableDirectBuffer buffer, final int offset)
    {
        for (int i = 0; i < 32; i++)
        {
            buffer.putLong(offset + i * Long.BYTES, x[i]);
            buffer.putLong(offset + (F_INDEX + i) * Long.BYTES, f[i]);
        }
        buffer.putLong(offset + PC_INDEX * Long.BYTES, pc);
        buffer.putLong(offset + FCSR_INDEX * Long.BYTES, fcsr & 0xFF);
    }

    /** Load the state from {@code buffer} at {@code offset} ({@link #BYTES} bytes). */
    public void restoreFrom(final DirectBuffer buffer, final int offset)
    {
        for (int i = 0; i < 32; i++)
        {
            x[i] = buffer.getLong(offset + i * Long.BYTES);
            f[i] = buffer.getLong(offset + (F_INDEX + i) * Long.BYTES);
        }
        x[0] = 0;
        pc = buffer.getLong(offset + PC_INDEX * Long.BYTES);
        fcsr = (int)buffer.getLong(offset + FCSR_INDEX * Long.BYTES) & 0xFF;
    }

    /** Copy every field of {@code other} into this context. */
    public void copyFrom(final RiscvContext other)
    {
        System.arraycopy(other.x, 0, x, 0, 32);
        System.arraycopy(other.f, 0, f, 0, 32);
        pc = other.pc;
        fcsr = other.fcsr;
    }

    /** Reset every register, the pc and fcsr to zero. */
    public void clear()
    {
        java.util.Arrays.fill(x, 0);
        java.util.Arrays.fill(f, 0);
        pc = 0;
        fcsr = 0;
    }
}
