package dev.txlease.jdbc;

import dev.txlease.FenceToken;
import java.util.Objects;

/**
 * The fence check could not be ordered against a concurrent transaction that touched the same
 * guard row: the database reported a serialization failure (PostgreSQL {@code REPEATABLE READ} and
 * {@code SERIALIZABLE}, and H2's snapshot levels, when a newer holder committed after this
 * transaction's snapshot) or a deadlock, or the wait for the guard row's lock timed out (another
 * transaction of this lock name holds it and has not ended; see the database's lock timeout). The
 * database has rolled the transaction back, or the fenced connection refuses to commit it.
 *
 * <p>SQLState {@value #SQL_STATE} (serialization failure), whatever the driver reported; the
 * driver's exception is the {@linkplain #getCause() cause}. Retry the whole transaction: if a newer
 * holder has written, the retry ends in {@link StaleFenceTokenException}; otherwise it succeeds. As
 * with a stale token, the fenced connection refuses the rest of the transaction and its commit.
 *
 * <p>Instances are immutable once thrown, like any exception.
 */
public final class FenceConflictException extends FenceCheckException {
    /** The SQLState of every {@code FenceConflictException}: {@value}. */
    public static final String SQL_STATE = "40001";

    private static final long serialVersionUID = 1L;

    /**
     * Creates the exception.
     *
     * @param message what happened and what to do
     * @param lockName the lock name
     * @param fenceToken this transaction's token
     * @param cause the driver's serialization failure or deadlock, or the earlier failure this one
     *     repeats
     */
    public FenceConflictException(String message, String lockName, FenceToken fenceToken, Throwable cause) {
        super(
                message,
                SQL_STATE,
                Objects.requireNonNull(lockName, "lockName must not be null"),
                Objects.requireNonNull(fenceToken, "fenceToken must not be null"),
                cause);
    }
}
