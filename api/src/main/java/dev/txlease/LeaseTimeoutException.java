package dev.txlease;

import java.time.Duration;

/**
 * {@link LeaseClient#acquire} waited its full wait timeout and the lock stayed held by someone else.
 * {@link #owner()} is the holder seen last.
 */
public class LeaseTimeoutException extends LeaseException {
    private static final long serialVersionUID = 1L;

    private final Duration waited;

    /**
     * Creates the exception.
     *
     * @param lockName the lock name
     * @param holder the holder seen last, or {@code null}
     * @param holderFence the holder's fence token, or {@code null}
     * @param waited how long the caller waited
     */
    public LeaseTimeoutException(String lockName, String holder, FenceToken holderFence, Duration waited) {
        super(
                "Timed out after " + waited + " waiting for lock '" + lockName + "', held by " + holder + " (fence "
                        + holderFence + "); raise AcquireOptions.waitTimeout or retry later",
                lockName,
                holder,
                holderFence,
                null);
        this.waited = waited;
    }

    /** Returns how long the caller waited. */
    public Duration waited() {
        return waited;
    }
}
