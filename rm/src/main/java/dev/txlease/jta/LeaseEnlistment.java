package dev.txlease.jta;

import dev.txlease.AcquireOptions;
import dev.txlease.Lease;
import dev.txlease.LeaseException;
import dev.txlease.LeaseLostException;
import dev.txlease.LeaseState;
import dev.txlease.LockMode;
import dev.txlease.LossCause;
import dev.txlease.TransactionLeases;
import dev.txlease.internal.LeaseEngine;
import dev.txlease.internal.ManagedLease;
import jakarta.transaction.RollbackException;
import jakarta.transaction.Synchronization;
import jakarta.transaction.SystemException;
import jakarta.transaction.Transaction;
import jakarta.transaction.TransactionSynchronizationRegistry;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import javax.transaction.xa.XAResource;

/**
 * Acquisition inside an active transaction, for {@link TransactionalLeaseClient}: finds or enlists
 * the transaction's {@link LeaseXAResource} for the store (kept in the transaction's registry, so it
 * is keyed by transaction, shared by every client on that store, and gone with the transaction),
 * reuses the transaction's lease on the same name, checks that a new lease outlives the transaction,
 * and wraps the grant in a {@link TransactionalLease} whose listener rolls the transaction back on
 * loss.
 *
 * <p>With the resource it registers an interposed {@link Synchronization}: its {@code
 * afterCompletion} completes the leases once every branch of the transaction has completed. A
 * waiting acquisition ends as soon as the transaction is rolled back (its timeout). A lock this
 * client keeps after an earlier transaction is refused at once rather than waited for. Thread-safe.
 */
final class LeaseEnlistment {
    private static final String RESOURCE_KEY_PREFIX = "dev.txlease.jta.LeaseXAResource:";

    private final LeaseEngine engine;
    private final TransactionSynchronizationRegistry registry;
    private final Map<String, TransactionalLease> kept = new ConcurrentHashMap<>();

    LeaseEnlistment(LeaseEngine engine, TransactionSynchronizationRegistry registry) {
        this.engine = engine;
        this.registry = registry;
    }

    /** Acquires {@code name} in {@code transaction}, the caller's active transaction. */
    Optional<Lease> acquire(Transaction transaction, String name, AcquireOptions options, boolean wait) {
        return acquire(enlist(transaction, name), transaction, name, options, wait);
    }

    /**
     * Acquires {@code name} in the branch {@code resource}, already enlisted (by this class, or by a
     * container that enlists resources itself); {@code transaction} is null if unknown (then a lease
     * lost while the transaction runs does not mark it rollback-only; prepare votes rollback).
     */
    Optional<Lease> acquire(
            LeaseXAResource resource, Transaction transaction, String name, AcquireOptions options, boolean wait) {
        Optional<TransactionalLease> held = resource.find(name);
        if (held.isPresent()) {
            Lease reused = reuse(held.get(), options.mode());
            leaveTraceOnThread();
            return Optional.of(reused);
        }
        requireNotKept(name);
        if (options.heartbeatPeriod().isZero() && resource.needsTimeoutProbe()) {
            enlistOrThrow(transaction, resource, new TimeoutProbe(resource), name);
        }
        requireOutlivesTransaction(name, options, resource.getTransactionTimeout());
        RollbackOnLoss listener = new RollbackOnLoss(options.listener(), resource, transaction, engine.acquirers());
        Optional<ManagedLease> granted = waitInTransaction(resource, name, options, listener, wait);
        if (granted.isEmpty()) {
            return Optional.empty();
        }
        TransactionalLease lease = new TransactionalLease(granted.get(), resource, options.releaseOnCompletion());
        listener.attach(lease);
        if (!resource.add(lease)) {
            throw releaseAfterEnd(granted.get(), name, null);
        }
        if (!options.releaseOnCompletion()) {
            kept.values().removeIf(candidate -> candidate.state() != LeaseState.HELD);
            kept.put(name, lease);
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

    /**
     * Acquires through the engine while the transaction's end (its timeout, on the reaper's thread)
     * may interrupt the wait: see {@link AcquireWaiter}.
     */
    private Optional<ManagedLease> waitInTransaction(
            LeaseXAResource resource, String name, AcquireOptions options, RollbackOnLoss listener, boolean wait) {
        AcquireWaiter waiter = resource.waiter();
        if (!waiter.enter()) {
            throw rolledBack(name, null);
        }
        Optional<ManagedLease> granted;
        try {
            granted =
                    engine.acquire(name, options.toBuilder().listener(listener).build(), wait);
        } catch (LeaseException e) {
            if (waiter.leave()) {
                throw rolledBack(name, e);
            }
            throw e;
        }
        if (waiter.leave()) {
            if (granted.isPresent()) {
                throw releaseAfterEnd(granted.get(), name, null);
            }
            throw rolledBack(name, null);
        }
        return granted;
    }

    private LeaseException rolledBack(String name, Throwable cause) {
        return new LeaseException(
                "The transaction was rolled back (timed out?) while lock '" + name
                        + "' was being acquired; no lease was granted to it. Begin a new transaction, or give it a"
                        + " longer timeout than the wait for the lock",
                name,
                engine.owner(),
                null,
                cause);
    }

    private LeaseException releaseAfterEnd(ManagedLease granted, String name, Throwable cause) {
        LeaseException failure = new LeaseException(
                "The transaction was rolled back or completed (timed out?) while lock '" + name
                        + "' was being acquired; the lease was released",
                name,
                engine.owner(),
                granted.fenceToken(),
                cause);
        try {
            granted.releaseQuietly();
        } catch (RuntimeException e) {
            failure.addSuppressed(e);
        }
        return failure;
    }

    /**
     * A lease this client keeps after an earlier transaction ({@code releaseOnCompletion(false)})
     * would make an acquisition of the same lock wait on itself until its wait timeout: fail at once.
     */
    private void requireNotKept(String name) {
        TransactionalLease lease = kept.get(name);
        if (lease == null) {
            return;
        }
        if (lease.state() != LeaseState.HELD) {
            kept.remove(name, lease);
            return;
        }
        throw new LeaseException(
                "Lock '" + name + "' is held by this client (fence " + lease.fenceToken()
                        + "), kept after an earlier transaction (releaseOnCompletion(false)); a new"
                        + " transaction cannot acquire it again: close that lease first, or use it as it is",
                name,
                engine.owner(),
                lease.fenceToken(),
                null);
    }

    /**
     * Returns the transaction's resource for this store. On the first lease it is created and an
     * interposed synchronization registered, whose {@code beforeCompletion} enlists it: interposed
     * synchronizations run after the application's, right before prepare, so the lease resource is
     * the last enlisted and the transaction manager prepares it last, checking the leases as late as
     * possible before its decision; its {@code afterCompletion} completes the leases after every
     * branch.
     */
    private LeaseXAResource enlist(Transaction transaction, String name) {
        String key = RESOURCE_KEY_PREFIX + engine.store().storeId();
        Object existing = registry.getResource(key);
        if (existing instanceof LeaseXAResource) {
            return (LeaseXAResource) existing;
        }
        LeaseXAResource resource =
                new LeaseXAResource(engine.store(), engine.node(), PublishedLeases.of(registry), engine.events());
        try {
            registry.registerInterposedSynchronization(new Synchronization() {
                @Override
                public void beforeCompletion() {
                    enlistLate(transaction, resource);
                }

                @Override
                public void afterCompletion(int status) {
                    resource.afterCompletion(status);
                }
            });
        } catch (IllegalStateException e) {
            throw new LeaseException(
                    "Could not register the lease store " + engine.store().storeId() + " with the transaction; lock '"
                            + name + "' was not acquired",
                    name,
                    engine.owner(),
                    null,
                    e);
        }
        resource.completeAfterTransaction();
        registry.putResource(key, resource);
        return resource;
    }

    /** Enlists {@code resource} at the end of the transaction, if it holds leases. */
    private void enlistLate(Transaction transaction, LeaseXAResource resource) {
        if (!resource.hasLeases()) {
            return;
        }
        enlistOrThrow(transaction, resource, resource, resource.firstLockName());
    }

    /** Enlists {@code xaResource} (the lease resource, or its timeout probe) in {@code transaction}. */
    private void enlistOrThrow(Transaction transaction, LeaseXAResource resource, XAResource xaResource, String name) {
        try {
            if (!transaction.enlistResource(xaResource)) {
                throw new LeaseException(
                        "The transaction manager refused to enlist the lease store "
                                + engine.store().storeId() + " (lock '" + name + "'); the transaction rolls back",
                        name,
                        engine.owner(),
                        null,
                        null);
            }
        } catch (RollbackException | SystemException | IllegalStateException e) {
            throw new LeaseException(
                    "Could not enlist the lease store " + engine.store().storeId() + " (lock '" + name
                            + "') in the transaction " + resource + "; the transaction rolls back",
                    name,
                    engine.owner(),
                    null,
                    e);
        }
    }

    /**
     * The transaction's lease on the name serves a new request if its mode covers the requested one;
     * otherwise it is converted to the least mode that covers both (waiting like an acquire).
     */
    private TransactionalLease reuse(TransactionalLease held, LockMode wanted) {
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
        if (!held.mode().covers(wanted)) {
            held.convert(held.mode().join(wanted));
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
