package org.tessera.boot.cli;

import picocli.CommandLine;

/** Parses sizes such as {@code 512M}, {@code 2G}, {@code 64K} or a plain byte count. */
public final class SizeConverter implements CommandLine.ITypeConverter<Long>
{
    public Long convert(final String value)
    {
        return parse(value);
    }

    /** @return the size in bytes. */
    public static long parse(final String value)
    {
        final String v = value.trim().toUpperCase();
        if (v.isEmpty())
        {
            throw new CommandLine.TypeConversionException("empty size");
        }
        long scale = 1;
        String digits = v;
        final char last = v.charAt(v.length() - 1);
        if (last == 'K' || last == 'M' || last == 'G')
        {
            scale = last == 'K' ? 1L << 10 : last == 'M' ? 1L << 20 : 1L << 30;
            digits = v.substring(0, v.length() - 1);
        }
        try
        {
            final long n = Long.parseLong(digits);
            if (n <= 0 || n > Long.MAX_VALUE / scale)
            {
                throw new CommandLine.TypeConversionException("size out of range: " + value);
            }
            return n * scale;
        }
        catch (final NumberFormatException e)
        {
            throw new CommandLine.TypeConversionException("not a size: '" + value + "' (use e.g. 512M, 2G, 65536)");
        }
    }
}
