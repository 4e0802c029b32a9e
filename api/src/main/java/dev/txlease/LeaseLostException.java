package dev.txlease;

/**
 * A lease is no longer held: it was taken over, expired, or the store rejected the operation
 * because another owner or version is recorded. The work it guarded must not continue.
 */
public class LeaseLostException extends LeaseException {
    private static final long serialVersionUID = 1L;

    private final LossCause lossCause;

    /**
     * Creates the exception.
     *
     * @param message what happened
     * @param lockName the lock name
     * @param owner our owner identity
     * @param fenceToken our fence token
     * @param lossCause why it was lost
     * @param cause the underlying failure, or {@code null}
     */
    public LeaseLostException(
            String message,
            String lockName,
            String owner,
            FenceToken fenceToken,
            LossCause lossCause,
            Throwable cause) {
        super(message, lockName, owner, fenceToken, cause);
        this.lossCause = lossCause;
    }

    /** Returns why the lease was lost. */
    public LossCause lossCause() {
        return lossCause;
    }
}
