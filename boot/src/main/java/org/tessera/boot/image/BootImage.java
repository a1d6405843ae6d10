package org.tessera.boot.image;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import org.tessera.boot.elf.ElfFile;
import org.tessera.boot.elf.ElfFormatException;

/**
 * What a boot image holds: the machine, the named programs (ELF bytes, each parsed and
 * checked) and init (a program name and its argv, {@code argv[0]} included). Names are
 * ASCII without NUL; programs are kept sorted by name so that the same inputs give the same
 * file bytes.
 *
 * @param machine  the machine description.
 * @param programs program name to ELF bytes.
 * @param initName the program init runs.
 * @param initArgv init's argv.
 */
public record BootImage(MachineSpec machine, Map<String, byte[]> programs, String initName, List<String> initArgv)
{
    /** Longest program name. */
    public static final int MAX_NAME = 255;
    /** Most programs in one image. */
    public static final int MAX_PROGRAMS = 4096;

    public BootImage
    {
        programs = java.util.Collections.unmodifiableMap(new TreeMap<>(programs));
        initArgv = List.copyOf(initArgv);
        if (programs.isEmpty())
        {
            throw new IllegalArgumentException("an image needs at least one program");
        }
        if (programs.size() > MAX_PROGRAMS)
        {
            throw new IllegalArgumentException("too many programs: " + programs.size());
        }
        for (final Map.Entry<String, byte[]> e : programs.entrySet())
        {
            checkName(e.getKey());
            try
            {
                ElfFile.parse(e.getValue());
            }
            catch (final ElfFormatException ex)
            {
                throw new IllegalArgumentException("program '" + e.getKey() + "' is not a usable ELF file: " +
                    ex.getMessage(), ex);
            }
        }
        if (!programs.containsKey(initName))
        {
            throw new IllegalArgumentException("init '" + initName + "' is not one of the image's programs " +
                programs.keySet());
        }
        if (initArgv.isEmpty())
        {
            throw new IllegalArgumentException("init's argv needs at least argv[0]");
        }
    }

    /** @return the ELF bytes of a program, or null. */
    public byte[] program(final String name)
    {
        return programs.get(name);
    }

    /** @return program names in image order (sorted). */
    public List<String> programNames()
    {
        return new ArrayList<>(programs.keySet());
    }

    static void checkName(final String name)
    {
        final byte[] b = name.getBytes(StandardCharsets.US_ASCII);
        if (b.length == 0 || b.length > MAX_NAME || name.indexOf('\0') >= 0 ||
            !StandardCharsets.US_ASCII.newEncoder().canEncode(name))
        {
            throw new IllegalArgumentException("program names are 1.." + MAX_NAME + " ASCII characters without NUL: '" +
                name + "'");
        }
    }
}
