package dev.txlease.jta;

import dev.txlease.AcquireOptions;
import dev.txlease.Lease;
import dev.txlease.LeaseException;
import dev.txlease.LeaseLostException;
import dev.txlease.LossCause;
import dev.txlease.TransactionLeases;
import dev.txlease.internal.LeaseEngine;
import dev.txlease.internal.ManagedLease;
import jakarta.transaction.RollbackException;
import jakarta.transaction.SystemException;
import jakarta.transaction.Transaction;
import jakarta.transaction.TransactionSynchronizationRegistry;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Optional;

/**
 * Acquisition inside an active transaction, for {@link TransactionalLeaseClient}: finds or enlists
 * the transaction's {@link LeaseXAResource} for the store (kept in the transaction's registry, so it
 * is keyed by transaction, shared by every client on that store, and gone with the transaction),
 * reuses the transaction's lease on the same name, checks that a new lease outlives the transaction,
 * and wraps the grant in a {@link TransactionalLease} whose listener rolls the transaction back on
 * loss. Thread-safe.
 */
final class LeaseEnlistment {
    private static final String RESOURCE_KEY_PREFIX = "dev.txlease.jta.LeaseXAResource:";

    private final LeaseEngine engine;
    private final TransactionSynchronizationRegistry registry;

    LeaseEnlistment(LeaseEngine engine, TransactionSynchronizationRegistry registry) {
        this.engine = engine;
        this.registry = registry;
    }

    /** Acquires {@code name} in {@code transaction}, the caller's active transaction. */
    Optional<Lease> acquire(Transaction transaction, String name, AcquireOptions options, boolean wait) {
        LeaseXAResource resource = enlist(transaction, name);
        Optional<TransactionalLease> held = resource.find(name);
        if (held.isPresent()) {
            Lease reused = reuse(held.get());
            leaveTraceOnThread();
            return Optional.of(reused);
        }
        requireOutlivesTransaction(name, options, resource.getTransactionTimeout());
        RollbackOnLoss listener = new RollbackOnLoss(options.listener(), resource, transaction, engine.acquirers());
        Optional<ManagedLease> granted =
                engine.acquire(name, options.toBuilder().listener(listener).build(), wait);
        if (granted.isEmpty()) {
            return Optional.empty();
        }
        TransactionalLease lease = new TransactionalLease(granted.get(), resource, options.releaseOnCompletion());
        listener.attach(lease);
        if (!resource.add(lease)) {
            LeaseException failure = new LeaseException(
                    "The transaction completed while lock '" + name
                            + "' was being acquired (timed out?); the lease was released",
                    name,
                    engine.owner(),
                    lease.fenceToken(),
                    null);
            try {
                granted.get().releaseQuietly();
            } catch (RuntimeException e) {
                failure.addSuppressed(e);
            }
            throw failure;
        }
        leaveTraceOnThread();
        return Optional.of(lease);
    }

    /**
     * Lets a fenced DataSource that was given no registry notice that this thread's transaction has
     * leases, and refuse to run unchecked (see {@link TransactionLeases#publishedOnThisThread()}).
     */
    private void leaveTraceOnThread() {
        Object key = registry.getTransactionKey();
        Collection<Lease> published = PublishedLeases.of(registry);
        TransactionLeases.publishedOnThisThread(() -> {
            try {
                return key != null && key.equals(registry.getTransactionKey()) ? published : List.of();
            } catch (RuntimeException e) {
                return List.of(); // no transaction on this thread
            }
        });
    }

    /** Returns the transaction's resource for this store, enlisting it on the first lease. */
    private LeaseXAResource enlist(Transaction transaction, String name) {
        String key = RESOURCE_KEY_PREFIX + engine.store().storeId();
        Object existing = registry.getResource(key);
        if (existing instanceof LeaseXAResource) {
            return (LeaseXAResource) existing;
        }
        LeaseXAResource resource = new LeaseXAResource(engine.store(), engine.node(), PublishedLeases.of(registry));
        try {
            if (!transaction.enlistResource(resource)) {
                throw new LeaseException(
                        "The transaction manager refused to enlist the lease store "
                                + engine.store().storeId() + "; lock '" + name + "' was not acquired",
                        name,
                        engine.owner(),
                        null,
                        null);
            }
        } catch (RollbackException | SystemException | IllegalStateException e) {
            throw new LeaseException(
                    "Could not enlist the lease store " + engine.store().storeId() + " in the transaction; lock '"
                            + name + "' was not acquired",
                    name,
                    engine.owner(),
                    null,
                    e);
        }
        registry.putResource(key, resource);
        return resource;
    }

    private TransactionalLease reuse(TransactionalLease held) {
        if (!held.managed().isGrantedBy(engine)) {
            throw new LeaseException(
                    "Lock '" + held.name() + "' is already held in this transaction by another client (owner "
                            + held.owner() + "); acquire it through that client",
                    held.name(),
                    held.owner(),
                    held.fenceToken(),
                    null);
        }
        if (!held.isValid()) {
            LossCause cause = held.lossCause() != null ? held.lossCause() : LossCause.EXPIRED_LOCALLY;
            throw new LeaseLostException(
                    "Lease on lock '" + held.name() + "' (fence " + held.fenceToken()
                            + "), acquired earlier in this transaction, is lost (" + cause
                            + "); the transaction will roll back",
                    held.name(),
                    held.owner(),
                    held.fenceToken(),
                    cause,
                    null);
        }
        return held;
    }

    private void requireOutlivesTransaction(String name, AcquireOptions options, int timeoutSeconds) {
        if (timeoutSeconds <= 0 || !options.heartbeatPeriod().isZero()) {
            return; // no timeout announced, or the heartbeat renews the lease for as long as it runs
        }
        Duration timeout = Duration.ofSeconds(timeoutSeconds);
        if (options.leaseDuration().compareTo(timeout) <= 0) {
            throw new LeaseException(
                    "Lease on lock '" + name + "' would not outlive its transaction: leaseDuration "
                            + options.leaseDuration()
                            + " without heartbeats is not longer than the transaction timeout "
                            + timeout + "; raise AcquireOptions.leaseDuration above the timeout or turn heartbeats on",
                    name,
                    engine.owner(),
                    null,
                    null);
        }
    }
}
