package org.tessera.kernel.service.cap;

import org.tessera.subset.HostOnly;

/**
 * Result codes of capability operations: {@link #OK} or a negative error. Operations that
 * return a slot or node index return it as a non-negative int and an error as one of these, so
 * no operation allocates or throws for a refused request; the authority replies with the code.
 */
public final class CapabilityError
{
    /** Success. */
    public static final int OK = 0;
    /** The token names no slot of this space: foreign key, index out of range, empty slot. */
    public static final int NO_SUCH_SLOT = -1;
    /** The slot is live but holds a newer generation than the token. */
    public static final int STALE_GENERATION = -2;
    /** The capability is not of the type the request needs. */
    public static final int WRONG_TYPE = -3;
    /** The capability lacks a right the request needs. */
    public static final int INSUFFICIENT_RIGHTS = -4;
    /** The slot's capability was revoked (or the slot retired). */
    public static final int REVOKED = -5;
    /** Generation matches but type or flags differ from the issued token: an altered token. */
    public static final int MALFORMED = -6;
    /** No free slot is left in the space (all 16256 used or retired). */
    public static final int SPACE_FULL = -7;
    /** The page pool has no free page for a new L2 page. */
    public static final int POOL_EXHAUSTED = -8;
    /** The type value is not a defined capability type. */
    public static final int INVALID_TYPE = -9;
    /** The rights use bits the type does not define, or flags are out of range. */
    public static final int INVALID_RIGHTS = -10;
    /** A derived or granted copy would hold a right its parent lacks. */
    public static final int RIGHTS_ESCALATION = -11;
    /** A derived or granted copy would hold a flag its parent lacks. */
    public static final int FLAGS_ESCALATION = -12;
    /** The capability is not derivable. */
    public static final int NOT_DERIVABLE = -13;
    /** The capability is not grantable to another space. */
    public static final int NOT_GRANTABLE = -14;
    /** The derivation tree has no free node. */
    public static final int TREE_FULL = -15;
    /** The slot or node named by index is not live. */
    public static final int NOT_LIVE = -16;
    /** The slot named for a placed insert is already occupied. */
    public static final int SLOT_OCCUPIED = -17;
    /** The space id is unknown to the table or already registered. */
    public static final int NO_SUCH_SPACE = -18;

    /** Number of codes (0 and the errors), for per-reason counters indexed by {@code -code}. */
    public static final int COUNT = 19;

    private CapabilityError()
    {
    }

    /**
     * Name of a code, for diagnostics.
     *
     * @param code a code.
     * @return its name.
     */
    @HostOnly
    public static String name(final int code)
    {
        switch (code)
        {
            case OK: return "OK";
            case NO_SUCH_SLOT: return "NO_SUCH_SLOT";
            case STALE_GENERATION: return "STALE_GENERATION";
            case WRONG_TYPE: return "WRONG_TYPE";
            case INSUFFICIENT_RIGHTS: return "INSUFFICIENT_RIGHTS";
            case REVOKED: return "REVOKED";
            case MALFORMED: return "MALFORMED";
            case SPACE_FULL: return "SPACE_FULL";
            case POOL_EXHAUSTED: return "POOL_EXHAUSTED";
            case INVALID_TYPE: return "INVALID_TYPE";
            case INVALID_RIGHTS: return "INVALID_RIGHTS";
            case RIGHTS_ESCALATION: return "RIGHTS_ESCALATION";
            case FLAGS_ESCALATION: return "FLAGS_ESCALATION";
            case NOT_DERIVABLE: return "NOT_DERIVABLE";
            case NOT_GRANTABLE: return "NOT_GRANTABLE";
            case TREE_FULL: return "TREE_FULL";
            case NOT_LIVE: return "NOT_LIVE";
            case SLOT_OCCUPIED: return "SLOT_OCCUPIED";
            case NO_SUCH_SPACE: return "NO_SUCH_SPACE";
            default: return "UNKNOWN(" + code + ")";
        }
    }
}
