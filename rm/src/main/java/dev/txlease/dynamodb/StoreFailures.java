package dev.txlease.dynamodb;

import dev.txlease.LeaseStoreUnavailableException;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.core.exception.AbortedException;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.dynamodb.model.ResourceNotFoundException;

/**
 * Turns DynamoDB SDK failures into {@link LeaseStoreUnavailableException}s that name the lock, the
 * operation and the table, and say what to check.
 *
 * <p>Instances are immutable and thread-safe.
 */
final class StoreFailures {
    private final String storeId;
    private final String tableName;

    StoreFailures(String storeId, String tableName) {
        this.storeId = storeId;
        this.tableName = tableName;
    }

    /**
     * Returns the exception for a failed request.
     *
     * @param operation the store operation as a verb ({@code renew}, ...)
     * @param request the DynamoDB request ({@code UpdateItem}, ...)
     * @param lockName the lock, or {@code null} if the request is not about one lock
     * @param cause the failure of the client: an {@link SdkException}, or anything else a client threw
     *     (embedded DynamoDB Local's {@code LocalDBAccessException}, an HTTP client's {@code
     *     NullPointerException}); an {@link AbortedException} (the caller was interrupted) or an
     *     {@link InterruptedException} among the causes sets the caller's interrupt flag again
     */
    LeaseStoreUnavailableException unavailable(
            String operation, String request, String lockName, RuntimeException cause) {
        if (interrupted(cause)) {
            Thread.currentThread().interrupt();
        }
        String subject = lockName == null ? operation : operation + " lock '" + lockName + "'";
        return new LeaseStoreUnavailableException(
                "DynamoDB lease store failed to " + subject + ": " + request + " on " + storeId + " failed ("
                        + cause.getClass().getSimpleName() + ": " + cause.getMessage() + "). " + advice(request, cause),
                lockName,
                cause);
    }

    private static boolean interrupted(Throwable failure) {
        for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
            if (cause instanceof AbortedException || cause instanceof InterruptedException) {
                return true;
            }
        }
        return false;
    }

    private String advice(String request, RuntimeException cause) {
        if (cause instanceof ResourceNotFoundException) {
            return "Table '" + tableName + "' does not exist in this account and region: create it with"
                    + " DynamoDbLeaseStore.createTableIfMissing() or check the table name and region.";
        }
        if (cause instanceof AwsServiceException service && service.isThrottlingException()) {
            return "DynamoDB throttled the request: check the table's capacity (on-demand billing is recommended)"
                    + " and the account's limits. Whether a write took effect is unknown; retrying is safe.";
        }
        if (cause instanceof AwsServiceException service && service.statusCode() == 403) {
            return "Access was denied: check that the credentials allow dynamodb:" + request + " on table '" + tableName
                    + "'.";
        }
        if (cause instanceof AbortedException) {
            return "The calling thread was interrupted while the request was in flight. Whether a write took effect"
                    + " is unknown; retrying is safe.";
        }
        if (!(cause instanceof SdkException)) {
            return "The DynamoDB client failed unexpectedly (not an SDK exception: a defect of the client or its"
                    + " HTTP layer, often after a long pause of this process). Whether a write took effect is"
                    + " unknown; retrying is safe.";
        }
        return "Check that DynamoDB is reachable from this host, that table '" + tableName
                + "' exists and that the credentials allow dynamodb:" + request
                + " on it. Whether a write took effect is unknown; retrying is safe.";
    }
}
