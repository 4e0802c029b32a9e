package dev.txlease.jta;

import dev.txlease.Lease;
import dev.txlease.TransactionLeases;
import jakarta.transaction.TransactionSynchronizationRegistry;
import java.util.AbstractCollection;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The leases of one transaction, in acquisition order, as published under {@link
 * TransactionLeases#REGISTRY_KEY}: a live view that readers cannot change (its iterator does not
 * remove, {@code add} is unsupported). One instance per transaction, shared by every store's
 * resource. Thread-safe.
 */
final class PublishedLeases extends AbstractCollection<Lease> {
    private final List<Lease> leases = new CopyOnWriteArrayList<>();

    PublishedLeases() {}

    /**
     * Returns the leases published in the current transaction of {@code registry}, publishing an
     * empty collection first if there is none.
     */
    static PublishedLeases of(TransactionSynchronizationRegistry registry) {
        Object published = registry.getResource(TransactionLeases.REGISTRY_KEY);
        if (published instanceof PublishedLeases) {
            return (PublishedLeases) published;
        }
        if (published != null) {
            throw new IllegalStateException(
                    "The transaction's registry holds a " + published.getClass().getName() + " under "
                            + TransactionLeases.REGISTRY_KEY + "; that key is txlease's");
        }
        PublishedLeases leases = new PublishedLeases();
        registry.putResource(TransactionLeases.REGISTRY_KEY, leases);
        return leases;
    }

    /** Adds a lease at the end. */
    void publish(Lease lease) {
        leases.add(lease);
    }

    @Override
    public Iterator<Lease> iterator() {
        return leases.iterator();
    }

    @Override
    public int size() {
        return leases.size();
    }
}
