package dev.txlease.jdbc;

import dev.txlease.Lease;
import java.util.Collection;

/**
 * Tells a {@link FencedDataSource} which leases guard the calling thread's current transaction, for
 * transaction managers other than JTA (which {@link FencedDataSource.Builder#transactionRegistry}
 * covers). The Spring module implements it over Spring's transaction synchronization.
 *
 * <p>A connection asks {@link #currentTransaction()} before every statement and whenever the
 * transaction may have changed; when the answer differs from the last one, it forgets which fence
 * checks it ran, so the leases of a new transaction are checked again.
 *
 * <p>Implementations must be thread-safe: they answer for the calling thread.
 */
public interface TransactionLeaseSource {

    /**
     * Returns an object identifying the calling thread's current transaction while it has leases, or
     * {@code null} if there is none. Two calls in the same transaction return equal objects.
     *
     * @return the transaction's key, or {@code null}
     */
    Object currentTransaction();

    /**
     * Returns the leases of the calling thread's current transaction.
     *
     * @return the leases, empty if none; called only while {@link #currentTransaction()} is non-null
     */
    Collection<Lease> leases();

    /**
     * Marks the calling thread's current transaction rollback-only, after a fence check failed in it.
     * Does nothing by default: the connection refuses to commit such a transaction anyway.
     */
    default void setRollbackOnly() {}
}
