package dev.txlease;

/**
 * The root of txlease's unchecked exceptions. Every instance names the lock it is about, and where
 * known the owner and fence tokens involved, so a log line alone says what happened.
 *
 * <p>Subclasses: {@link LeaseTimeoutException}, {@link LeaseLostException}, {@link
 * LeaseStoreUnavailableException}, {@link LeaseLimitException}.
 *
 * <p>Programming errors are not lease exceptions: txlease throws the JDK's {@link
 * IllegalArgumentException} (an invalid lock name or option, a lease of another client), {@link
 * NullPointerException} (a null argument) and {@link IllegalStateException} (a lease released
 * twice) for them, each naming the argument or the lock.
 */
public class LeaseException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final String lockName;
    private final String owner;
    private final FenceToken fenceToken;

    /**
     * Creates an exception.
     *
     * @param message what happened and what to do
     * @param lockName the lock name, or {@code null} if the failure is not about one lock
     * @param owner the owner involved, or {@code null}
     * @param fenceToken the fence token involved, or {@code null}
     * @param cause the cause, or {@code null}
     */
    public LeaseException(String message, String lockName, String owner, FenceToken fenceToken, Throwable cause) {
        super(message, cause);
        this.lockName = lockName;
        this.owner = owner;
        this.fenceToken = fenceToken;
    }

    /** Returns the lock name, or {@code null} if the failure is not about one lock. */
    public String lockName() {
        return lockName;
    }

    /** Returns the owner involved (ours, or the holder's), or {@code null}. */
    public String owner() {
        return owner;
    }

    /** Returns the fence token involved, or {@code null}. */
    public FenceToken fenceToken() {
        return fenceToken;
    }
}
