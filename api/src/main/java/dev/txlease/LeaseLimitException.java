package dev.txlease;

/**
 * A lock already has as many holders in the requested mode as its store can keep (for the DynamoDB
 * store, {@code DynamoDbLeaseStore.MAX_HOLDERS_PER_MODE} per mode, bounded by DynamoDB's 400 KB
 * item): the request was refused at once instead of waiting. Release leases, or use fewer
 * concurrent holders per lock name.
 */
public class LeaseLimitException extends LeaseException {
    private static final long serialVersionUID = 1L;

    private final LockMode mode;
    private final int limit;

    /**
     * Creates the exception.
     *
     * @param lockName the lock name
     * @param owner the requesting owner
     * @param mode the requested mode
     * @param limit the most holders the store keeps in that mode
     * @param storeId the store
     */
    public LeaseLimitException(String lockName, String owner, LockMode mode, int limit, String storeId) {
        super(
                "Lock '" + lockName + "' already has " + limit + " holders in mode " + mode + ", the most store "
                        + storeId + " keeps per mode (DynamoDB's 400 KB item); release leases of it, or use fewer"
                        + " concurrent holders per lock name",
                lockName,
                owner,
                null,
                null);
        this.mode = mode;
        this.limit = limit;
    }

    /** Returns the requested mode. */
    public LockMode mode() {
        return mode;
    }

    /** Returns the most holders the store keeps in that mode. */
    public int limit() {
        return limit;
    }
}
