package dev.txlease;

/**
 * The lease store could not be reached or failed. Whether the request took effect is unknown: an
 * acquire may have been granted (txlease resolves that on the next attempt), a renewal may have
 * landed. Retrying is safe.
 */
public class LeaseStoreUnavailableException extends LeaseException {
    private static final long serialVersionUID = 1L;

    /**
     * Creates the exception.
     *
     * @param message what failed, naming the store
     * @param lockName the lock name, or {@code null}
     * @param cause the underlying failure
     */
    public LeaseStoreUnavailableException(String message, String lockName, Throwable cause) {
        super(message, lockName, null, null, cause);
    }
}
