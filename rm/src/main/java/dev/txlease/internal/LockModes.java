package dev.txlease.internal;

import dev.txlease.LockMode;

/**
 * Orders lock modes by what they exclude: a mode <em>covers</em> another if it is incompatible with
 * every mode the other is incompatible with (EX covers every mode, PW covers CW, PR, CR and NL).
 * Used when one transaction asks again for a lock it holds: the lease it holds serves if its mode
 * covers the new request, else it is converted to the least mode that covers both. Stateless and
 * thread-safe.
 */
public final class LockModes {
    private LockModes() {}

    /** Whether a holder in {@code held} excludes everybody a holder in {@code wanted} excludes. */
    public static boolean covers(LockMode held, LockMode wanted) {
        for (LockMode other : LockMode.values()) {
            if (!wanted.isCompatibleWith(other) && held.isCompatibleWith(other)) {
                return false;
            }
        }
        return true;
    }

    /** The least mode (in declaration order, NL to EX) that covers both {@code first} and {@code second}. */
    public static LockMode join(LockMode first, LockMode second) {
        for (LockMode candidate : LockMode.values()) {
            if (covers(candidate, first) && covers(candidate, second)) {
                return candidate;
            }
        }
        return LockMode.EX;
    }
}
