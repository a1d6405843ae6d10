package org.tessera.kernel.service.cap;

/**
 * The 64-bit capability token a process holds and passes in requests: static accessors over a
 * {@code long}, so that tokens never become objects.
 *
 * <pre>
 *  63            48 47                 30 29          16 15         8 7      4 3      0
 * +----------------+---------------------+--------------+------------+--------+--------+
 * | space id (16)  |     salt (18)       |  slot (14)   | generation |  type  | flags  |
 * |                |                     |              |    (8)     |  (4)   |  (4)   |
 * +----------------+---------------------+--------------+------------+--------+--------+
 * |&lt;------------------ object id (48) ----------------&gt;|
 * |&lt;------------ space key (34) ---------&gt;|
 * </pre>
 *
 * <p>The 48-bit object id field names a slot in the holder's own {@link CapabilitySpace}, as an
 * seL4 CPtr does, and is qualified by that space's 34-bit key (its 16-bit space id and an 18-bit
 * salt chosen when the space is opened). A space accepts only tokens carrying its own key, so a
 * token value copied out of another process names nothing here; capabilities move between
 * processes only by grant, which creates a new slot (and a new token) in the receiver. The
 * generation must equal the slot's current generation (revocation bumps it), and the type and
 * flags must equal those the slot was issued with: a token is valid only if it is bit-for-bit the
 * token the space issued. Rights are not in the token; they live in the slot.
 *
 * <p>Flags (bit 0 upward): {@link #FLAG_INHERITABLE} — copied into the child on fork;
 * {@link #FLAG_SURVIVES_EXEC} — kept across exec; {@link #FLAG_GRANTABLE} — may be granted to
 * another space; {@link #FLAG_DERIVABLE} — may be derived (copied with attenuated rights) in the
 * same space. A derived or granted copy never has a flag its parent lacks.
 */
public final class CapabilityToken
{
    /** Width of the object id field. */
    public static final int OBJECT_ID_BITS = 48;
    /** Width of the generation field. */
    public static final int GENERATION_BITS = 8;
    /** Width of the type field. */
    public static final int TYPE_BITS = 4;
    /** Width of the flags field. */
    public static final int FLAGS_BITS = 4;

    /** Bit position of the flags field. */
    public static final int FLAGS_SHIFT = 0;
    /** Bit position of the type field. */
    public static final int TYPE_SHIFT = 4;
    /** Bit position of the generation field. */
    public static final int GENERATION_SHIFT = 8;
    /** Bit position of the object id field. */
    public static final int OBJECT_ID_SHIFT = 16;

    /** Mask of the object id value (after shifting down). */
    public static final long OBJECT_ID_MASK = (1L << OBJECT_ID_BITS) - 1;
    /** Largest generation; a slot whose generation would pass it is retired. */
    public static final int MAX_GENERATION = (1 << GENERATION_BITS) - 1;
    /** Mask of the type value. */
    public static final int TYPE_MASK = (1 << TYPE_BITS) - 1;
    /** Mask of the flags value. */
    public static final int FLAGS_MASK = (1 << FLAGS_BITS) - 1;

    /** Width of the slot-index part of the object id. */
    public static final int SLOT_BITS = 14;
    /** Mask of the slot index. */
    public static final int SLOT_MASK = (1 << SLOT_BITS) - 1;
    /** Width of the salt part of the space key. */
    public static final int SALT_BITS = 18;
    /** Mask of the salt. */
    public static final int SALT_MASK = (1 << SALT_BITS) - 1;
    /** Width of the space id part of the space key. */
    public static final int SPACE_ID_BITS = 16;
    /** Largest space id. */
    public static final int MAX_SPACE_ID = (1 << SPACE_ID_BITS) - 1;
    /** Width of the space key (space id and salt). */
    public static final int KEY_BITS = SPACE_ID_BITS + SALT_BITS;

    /** Flag: the capability is copied into a child process on fork. */
    public static final int FLAG_INHERITABLE = 1;
    /** Flag: the capability stays in the process across exec. */
    public static final int FLAG_SURVIVES_EXEC = 2;
    /** Flag: the capability may be granted (delegated) to another space. */
    public static final int FLAG_GRANTABLE = 4;
    /** Flag: the capability may be derived with attenuated rights in its own space. */
    public static final int FLAG_DERIVABLE = 8;

    private CapabilityToken()
    {
    }

    /**
     * Pack the four fields into a token; each value is truncated to its field width.
     *
     * @param objectId   48-bit object id.
     * @param generation 8-bit generation.
     * @param type       4-bit type (see {@link CapabilityType}).
     * @param flags      4-bit flags.
     * @return the token.
     */
    public static long pack(final long objectId, final int generation, final int type, final int flags)
    {
        return ((objectId & OBJECT_ID_MASK) << OBJECT_ID_SHIFT) |
            ((long)(generation & MAX_GENERATION) << GENERATION_SHIFT) |
            ((long)(type & TYPE_MASK) << TYPE_SHIFT) |
            (long)(flags & FLAGS_MASK);
    }

    /** @return the 48-bit object id field. */
    public static long objectId(final long token)
    {
        return token >>> OBJECT_ID_SHIFT;
    }

    /** @return the 8-bit generation field. */
    public static int generation(final long token)
    {
        return (int)(token >>> GENERATION_SHIFT) & MAX_GENERATION;
    }

    /** @return the 4-bit type field. */
    public static int type(final long token)
    {
        return (int)(token >>> TYPE_SHIFT) & TYPE_MASK;
    }

    /** @return the 4-bit flags field. */
    public static int flags(final long token)
    {
        return (int)token & FLAGS_MASK;
    }

    /** @return the slot index part of the object id. */
    public static int slotIndex(final long token)
    {
        return (int)(token >>> OBJECT_ID_SHIFT) & SLOT_MASK;
    }

    /** @return the 34-bit space key part of the object id. */
    public static long key(final long token)
    {
        return token >>> (OBJECT_ID_SHIFT + SLOT_BITS);
    }

    /** @return the space id part of the space key. */
    public static int spaceId(final long token)
    {
        return (int)(token >>> (OBJECT_ID_SHIFT + SLOT_BITS + SALT_BITS)) & MAX_SPACE_ID;
    }

    /**
     * Compose a space key.
     *
     * @param spaceId 16-bit space id.
     * @param salt    18-bit salt.
     * @return the 34-bit key.
     */
    public static long spaceKey(final int spaceId, final int salt)
    {
        return ((long)(spaceId & MAX_SPACE_ID) << SALT_BITS) | (salt & SALT_MASK);
    }

    /**
     * Compose the object id naming a slot of a space.
     *
     * @param key       34-bit space key.
     * @param slotIndex 14-bit slot index.
     * @return the 48-bit object id.
     */
    public static long objectIdOf(final long key, final int slotIndex)
    {
        return (key << SLOT_BITS) | (slotIndex & SLOT_MASK);
    }

    /** @return the token with its generation field replaced. */
    public static long withGeneration(final long token, final int generation)
    {
        return (token & ~((long)MAX_GENERATION << GENERATION_SHIFT)) |
            ((long)(generation & MAX_GENERATION) << GENERATION_SHIFT);
    }

    /** @return the token with its type field replaced. */
    public static long withType(final long token, final int type)
    {
        return (token & ~((long)TYPE_MASK << TYPE_SHIFT)) | ((long)(type & TYPE_MASK) << TYPE_SHIFT);
    }

    /** @return the token with its flags field replaced. */
    public static long withFlags(final long token, final int flags)
    {
        return (token & ~(long)FLAGS_MASK) | (flags & FLAGS_MASK);
    }

    /**
     * Replace the space key, keeping slot, generation, type and flags: after fork the child's
     * token for an inherited capability is the parent's token rekeyed with the child's key.
     *
     * @param token a token.
     * @param key   34-bit space key.
     * @return the rekeyed token.
     */
    public static long rekey(final long token, final long key)
    {
        final long low = token & ((1L << (OBJECT_ID_SHIFT + SLOT_BITS)) - 1);
        return (key << (OBJECT_ID_SHIFT + SLOT_BITS)) | low;
    }
}
