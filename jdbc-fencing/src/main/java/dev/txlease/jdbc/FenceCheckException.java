package dev.txlease.jdbc;

import dev.txlease.FenceToken;
import java.sql.SQLTransactionRollbackException;

/**
 * A fence check failed: the database transaction that ran it must roll back, and the fenced
 * connection refuses every further statement of that transaction and its commit.
 *
 * <p>Two kinds, both in SQLState class 40 (transaction rollback), so generic retry logic sees them as
 * transaction rollbacks:
 *
 * <ul>
 *   <li>{@link StaleFenceTokenException} ({@value StaleFenceTokenException#SQL_STATE}): a newer
 *       holder of the lease has already written. Retrying under the same lease fails again.
 *   <li>{@link FenceConflictException} ({@value FenceConflictException#SQL_STATE}): the guard row was
 *       changed by a concurrent transaction in a way the isolation level could not order (a
 *       serialization failure or deadlock). Retrying the whole transaction settles it.
 * </ul>
 *
 * <p>Tokens are held as plain numbers so the exception stays serializable. Instances are immutable
 * once thrown, like any exception.
 */
public abstract sealed class FenceCheckException extends SQLTransactionRollbackException
        permits StaleFenceTokenException, FenceConflictException {
    private static final long serialVersionUID = 1L;

    private final String lockName;
    private final long fenceToken;

    FenceCheckException(String message, String sqlState, String lockName, FenceToken fenceToken, Throwable cause) {
        super(message, sqlState, cause);
        this.lockName = lockName;
        this.fenceToken = fenceToken.value();
    }

    /** Returns the name of the lock whose fence check failed. */
    public String lockName() {
        return lockName;
    }

    /** Returns the fence token this transaction carried for the lock. */
    public FenceToken fenceToken() {
        return FenceToken.of(fenceToken);
    }
}
