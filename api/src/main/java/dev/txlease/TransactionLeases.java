package dev.txlease;

/**
 * Where the leases of a JTA transaction are published for other modules.
 *
 * <p>The transactional lease client puts a {@code java.util.Collection<Lease>} (a live, read-only
 * view, in acquisition order) into the transaction's {@code TransactionSynchronizationRegistry}
 * under {@link #REGISTRY_KEY}. The fenced DataSource reads it to check the fence tokens of the
 * current transaction's leases in the database.
 */
public final class TransactionLeases {
    /** The {@code TransactionSynchronizationRegistry} resource key. */
    public static final String REGISTRY_KEY = "dev.txlease.TransactionLeases";

    private TransactionLeases() {}
}
