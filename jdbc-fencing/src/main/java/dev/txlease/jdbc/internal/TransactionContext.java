package dev.txlease.jdbc.internal;

import dev.txlease.Lease;
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

    /** No JTA: every connection is on its own (local transactions, explicitly bound leases). */
    TransactionContext NONE = new TransactionContext() {
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
}
