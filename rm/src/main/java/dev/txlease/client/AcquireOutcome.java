package dev.txlease.client;

/** How an acquisition ended, as a {@link LeaseClientObserver} hears it. */
public enum AcquireOutcome {
    /** The lease was granted. */
    GRANTED,
    /** {@code tryAcquire} found the lock held and returned empty. */
    NOT_GRANTED,
    /** The wait timeout passed with the lock still held ({@link dev.txlease.LeaseTimeoutException}). */
    TIMEOUT,
    /** The store could not be reached ({@link dev.txlease.LeaseStoreUnavailableException}). */
    STORE_UNAVAILABLE,
    /** Anything else: interrupted, cancelled, the client closed, a rejected argument. */
    FAILED
}
