package dev.txlease;

/** Why a {@link Lease} was lost. */
public enum LossCause {
    /** The store holds another owner or version: another client took the lock over. */
    TAKEN_OVER,
    /** Renewals failed because the store could not be reached, until the lease ran out. */
    STORE_UNREACHABLE,
    /** The lease ran out on the local monotonic clock before a renewal succeeded. */
    EXPIRED_LOCALLY
}
