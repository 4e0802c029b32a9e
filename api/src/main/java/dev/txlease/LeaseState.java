package dev.txlease;

/** The life-cycle state of a {@link Lease}. */
public enum LeaseState {
    /** Granted and neither released nor known to be lost; it may still have expired locally. */
    HELD,
    /** Released by its holder. */
    RELEASED,
    /** Lost: taken over, expired without renewal, or rejected by the store. */
    LOST
}
