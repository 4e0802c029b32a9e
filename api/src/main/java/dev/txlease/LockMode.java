package dev.txlease;

/**
 * The six lock modes of the VMS/DLM tradition. Holders of one name may hold it at the same time only
 * in compatible modes ({@link #isCompatibleWith(LockMode)}):
 *
 * <pre>
 * held \ requested  NL  CR  CW  PR  PW  EX
 * NL                yes yes yes yes yes yes
 * CR                yes yes yes yes yes no
 * CW                yes yes yes no  no  no
 * PR                yes yes no  yes no  no
 * PW                yes yes no  no  no  no
 * EX                yes no  no  no  no  no
 * </pre>
 *
 * <p>Every grant, in any mode, carries a fence token larger than every earlier grant of the name. The
 * fenced DataSource rejects a statement of a holder if and only if a holder in a mode incompatible
 * with its own was granted later and has already passed the check; compatible holders never reject
 * each other.
 *
 * <p>The matrix is symmetric. {@link #EX} is the default mode of {@link AcquireOptions}.
 */
public enum LockMode {
    /** Null: interest only, compatible with every mode. */
    NL,
    /** Concurrent read: compatible with every mode but {@link #EX}. */
    CR,
    /** Concurrent write: compatible with {@link #NL}, {@link #CR} and other concurrent writers. */
    CW,
    /** Protected read: shared; compatible with {@link #NL}, {@link #CR} and other protected readers. */
    PR,
    /** Protected write (update lock): one writer, with concurrent readers ({@link #NL}, {@link #CR}). */
    PW,
    /** Exclusive: compatible only with {@link #NL}. */
    EX;

    // Row = held, column = requested, in declaration order.
    private static final boolean[][] COMPATIBLE = {
        {true, true, true, true, true, true},
        {true, true, true, true, true, false},
        {true, true, true, false, false, false},
        {true, true, false, true, false, false},
        {true, true, false, false, false, false},
        {true, false, false, false, false, false},
    };

    /**
     * Returns whether a holder in this mode and a holder in {@code other} may hold the same name at the
     * same time.
     *
     * @param other the other mode
     * @return whether the two modes are compatible
     */
    public boolean isCompatibleWith(LockMode other) {
        return COMPATIBLE[ordinal()][other.ordinal()];
    }

    /**
     * Returns whether a holder in this mode excludes everybody a holder in {@code other} excludes (EX
     * covers every mode, PW covers CW, PR, CR and NL): a lease held in this mode serves a request for
     * {@code other}. Transactional clients use it when a transaction asks again for a lock it holds.
     *
     * @param other the requested mode
     * @return whether this mode covers it
     */
    public boolean covers(LockMode other) {
        for (LockMode mode : values()) {
            if (!other.isCompatibleWith(mode) && isCompatibleWith(mode)) {
                return false;
            }
        }
        return true;
    }

    /**
     * Returns the least mode (in declaration order, NL to EX) that covers both this mode and {@code
     * other}: what a lease held in this mode is converted to when {@code other} is asked for.
     *
     * @param other the other mode
     * @return the least covering mode
     */
    public LockMode join(LockMode other) {
        for (LockMode candidate : values()) {
            if (candidate.covers(this) && candidate.covers(other)) {
                return candidate;
            }
        }
        return EX;
    }
}
