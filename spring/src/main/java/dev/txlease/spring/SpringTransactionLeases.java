package dev.txlease.spring;

import dev.txlease.Lease;
import dev.txlease.jdbc.TransactionLeaseSource;
import java.util.Collection;
import java.util.List;
import java.util.Optional;

/**
 * The leases of the calling thread's Spring-managed transaction, as acquired by a {@link
 * SpringTransactionalLeaseClient}.
 *
 * <p>{@link #leaseSource()} shows them to a {@code FencedDataSource}:
 *
 * <pre>{@code
 * FencedDataSource.builder(pool).transactionLeases(SpringTransactionLeases.leaseSource()).build();
 * }</pre>
 *
 * <p>Thread-safe: every method answers for the calling thread.
 */
public final class SpringTransactionLeases {
    private static final TransactionLeaseSource SOURCE = new TransactionLeaseSource() {
        @Override
        public Object currentTransaction() {
            return TransactionLeaseHolder.current();
        }

        @Override
        public Collection<Lease> leases() {
            TransactionLeaseHolder holder = TransactionLeaseHolder.current();
            return holder == null ? List.of() : holder.leases();
        }

        @Override
        public void setRollbackOnly() {
            TransactionLeaseHolder holder = TransactionLeaseHolder.current();
            if (holder != null) {
                holder.fenceCheckFailed();
            }
        }

        @Override
        public String toString() {
            return "SpringTransactionLeases.leaseSource()";
        }
    };

    private SpringTransactionLeases() {}

    /** Returns the lease source of Spring transactions, for {@code FencedDataSource.Builder.transactionLeases}. */
    public static TransactionLeaseSource leaseSource() {
        return SOURCE;
    }

    /**
     * Returns the leases of the calling thread's current transaction, in acquisition order.
     *
     * @return the leases; empty outside a transaction or before its first lease
     */
    public static List<Lease> current() {
        TransactionLeaseHolder holder = TransactionLeaseHolder.current();
        return holder == null ? List.of() : holder.leases();
    }

    /**
     * Returns the lease on {@code name} of the calling thread's current transaction.
     *
     * @param name the lock name
     * @return the lease, or empty if the transaction holds none on that name
     */
    public static Optional<Lease> current(String name) {
        for (Lease lease : current()) {
            if (lease.name().equals(name)) {
                return Optional.of(lease);
            }
        }
        return Optional.empty();
    }
}
