package dev.txlease.jdbc.internal;

import dev.txlease.Lease;
import dev.txlease.TransactionLeases;
import jakarta.transaction.TransactionSynchronizationRegistry;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Objects;

/**
 * Reads the current JTA transaction from a {@link TransactionSynchronizationRegistry}: its key, and
 * the leases the transactional lease client published under {@link TransactionLeases#REGISTRY_KEY}.
 *
 * <p>Thread-safe: the registry answers for the calling thread.
 */
public final class JtaTransactionContext implements TransactionContext {
    private final TransactionSynchronizationRegistry registry;

    /**
     * Creates the context.
     *
     * @param registry the transaction manager's registry
     */
    public JtaTransactionContext(TransactionSynchronizationRegistry registry) {
        this.registry = Objects.requireNonNull(registry, "transactionRegistry must not be null");
    }

    @Override
    public Object currentKey() {
        return registry.getTransactionKey();
    }

    @Override
    public Collection<Lease> leases() {
        // getResource throws without a transaction, so ask for the key first.
        if (registry.getTransactionKey() == null) {
            return List.of();
        }
        Object published = registry.getResource(TransactionLeases.REGISTRY_KEY);
        if (published == null) {
            return List.of();
        }
        if (!(published instanceof Collection)) {
            throw new IllegalStateException("The transaction resource " + TransactionLeases.REGISTRY_KEY
                    + " must be a Collection<Lease>, found "
                    + published.getClass().getName());
        }
        Collection<?> view = (Collection<?>) published;
        List<Lease> leases = new ArrayList<>(view.size());
        for (Object element : view) {
            leases.add((Lease) element);
        }
        return leases;
    }

    @Override
    public void setRollbackOnly() {
        if (registry.getTransactionKey() != null) {
            registry.setRollbackOnly();
        }
    }
}
