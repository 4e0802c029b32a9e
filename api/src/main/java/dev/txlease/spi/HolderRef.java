package dev.txlease.spi;

import dev.txlease.LockMode;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * The address of one holder of a lock in a {@link LeaseStore}: its mode and, for every mode but
 * {@link LockMode#EX}, its holder id. A name has at most one EX holder (the record's top-level owner
 * and version, as before lock modes existed), but may have several holders in the other modes, one
 * per grant, each under a holder id chosen by the granting client (unique per grant: one client may
 * hold a name twice in compatible modes).
 *
 * <p>Instances are immutable and thread-safe.
 *
 * @param mode the holder's mode
 * @param holderId the holder id, {@code null} for {@link LockMode#EX}: 1 to 64 characters of letters,
 *     digits, {@code _} and {@code -}
 */
public record HolderRef(LockMode mode, String holderId) {
    private static final Pattern ID = Pattern.compile("[A-Za-z0-9_-]{1,64}");

    /** The EX holder (the record's top-level holder). */
    public static final HolderRef EXCLUSIVE = new HolderRef(LockMode.EX, null);

    /** Checks the components. */
    public HolderRef {
        Objects.requireNonNull(mode, "mode");
        if (mode == LockMode.EX) {
            if (holderId != null) {
                throw new IllegalArgumentException("an EX holder has no holder id, was '" + holderId + "'");
            }
        } else {
            checkId(holderId);
        }
    }

    /**
     * Returns the address of a holder in {@code mode}.
     *
     * @param mode the mode
     * @param holderId the holder id, ignored for {@link LockMode#EX}
     * @return the address
     */
    public static HolderRef of(LockMode mode, String holderId) {
        return mode == LockMode.EX ? EXCLUSIVE : new HolderRef(mode, holderId);
    }

    /** Returns whether this is the EX (top-level) holder. */
    public boolean isExclusive() {
        return mode == LockMode.EX;
    }

    /**
     * Checks a holder id.
     *
     * @param holderId the id
     * @return the id
     * @throws IllegalArgumentException if it is not 1 to 64 characters of letters, digits, {@code _} and
     *     {@code -}
     */
    public static String checkId(String holderId) {
        Objects.requireNonNull(holderId, "holderId must not be null for modes other than EX");
        if (!ID.matcher(holderId).matches()) {
            throw new IllegalArgumentException(
                    "holderId must be 1 to 64 letters, digits, '_' or '-', was '" + holderId + "'");
        }
        return holderId;
    }

    @Override
    public String toString() {
        return isExclusive() ? "EX" : mode + "/" + holderId;
    }
}
