package dev.txlease;

import java.util.Collection;
import java.util.List;
import java.util.Objects;

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

    private static final ThreadLocal<Publication> LAST_PUBLISHED = new ThreadLocal<>();

    private TransactionLeases() {}

    /**
     * The leases of one transaction, as left on the thread that published them. Implemented by
     * transactional lease clients; implementations are thread-safe.
     */
    @FunctionalInterface
    public interface Publication {
        /**
         * Returns the transaction's leases if it is still the calling thread's current transaction.
         *
         * @return the leases; empty if the transaction is over or not current on this thread
         */
        Collection<Lease> leasesIfCurrent();
    }

    /**
     * Records that the calling thread's current transaction published leases; for transactional
     * lease clients, called each time they publish one.
     *
     * @param publication how to find the leases while the transaction is current
     */
    public static void publishedOnThisThread(Publication publication) {
        LAST_PUBLISHED.set(Objects.requireNonNull(publication, "publication must not be null"));
    }

    /**
     * Returns the leases the calling thread's current transaction published, as recorded by {@link
     * #publishedOnThisThread(Publication)}; forgets a record whose transaction is over.
     *
     * @return the leases; empty if none were published in the current transaction
     */
    public static Collection<Lease> publishedOnThisThread() {
        Publication publication = LAST_PUBLISHED.get();
        if (publication == null) {
            return List.of();
        }
        Collection<Lease> leases = publication.leasesIfCurrent();
        if (leases.isEmpty()) {
            LAST_PUBLISHED.remove();
        }
        return leases;
    }
}
