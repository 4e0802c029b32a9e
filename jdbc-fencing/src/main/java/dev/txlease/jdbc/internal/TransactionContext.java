package dev.txlease.jdbc.internal;

import dev.txlease.Lease;
import dev.txlease.TransactionLeases;
import java.sql.SQLException;
import java.util.Collection;
import java.util.List;

/**
 * What a fenced connection needs to know about the global (JTA) transaction of the calling thread.
 * Kept behind this interface so that the JTA API stays an optional dependency: {@link
 * JtaTransactionContext} is loaded only when a registry is configured.
 *
 * <p>Implementations are thread-safe.
 */
public interface TransactionContext {

    /**
     * No JTA: every connection is on its own (local transactions, explicitly bound leases). Refuses
     * to run when the calling thread's JTA transaction has published leases, which it cannot see.
     */
    TransactionContext NONE = new TransactionContext() {
        @Override
        public void requireVisibleLeases() throws SQLException {
            Collection<Lease> hidden = TransactionLeases.publishedOnThisThread();
            if (!hidden.isEmpty()) {
                StringBuilder names = new StringBuilder();
                for (Lease lease : hidden) {
                    names.append(names.length() == 0 ? "'" : ", '")
                            .append(lease.name())
                            .append('\'');
                }
                throw new SQLException(
                        "The current JTA transaction holds lease(s) " + names + ", but this fenced data source"
                                + " was built without a TransactionSynchronizationRegistry, so it cannot see them"
                                + " and would write unchecked. Configure FencedDataSource.builder(...)"
                                + ".transactionRegistry(registry) (Jdbi: FencingConfig.setTransactionRegistry) with"
                                + " the registry the TransactionalLeaseClient publishes to.",
                        "55000");
            }
        }

        @Override
        public Object currentKey() {
            return null;
        }

        @Override
        public Collection<Lease> leases() {
            return List.of();
        }

        @Override
        public void setRollbackOnly() {}
    };

    /** Returns a key identifying the calling thread's global transaction, or {@code null} if none. */
    Object currentKey();

    /** Returns the leases of the calling thread's global transaction; empty if none. */
    Collection<Lease> leases();

    /** Marks the calling thread's global transaction rollback-only, if there is one. */
    void setRollbackOnly();

    /**
     * Throws if the calling thread's transaction has leases this context cannot see.
     *
     * @throws SQLException naming the leases and the missing configuration
     */
    default void requireVisibleLeases() throws SQLException {}
}
