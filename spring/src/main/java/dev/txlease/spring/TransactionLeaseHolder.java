package dev.txlease.spring;

import dev.txlease.Lease;
import dev.txlease.LeaseException;
import dev.txlease.LeaseLostException;
import dev.txlease.LeaseState;
import dev.txlease.LossCause;
import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.springframework.core.Ordered;
import org.springframework.transaction.support.TransactionSynchronization;
import org.springframework.transaction.support.TransactionSynchronizationManager;

/**
 * The leases of one Spring-managed transaction: bound as a transaction resource under {@link #KEY}
 * (so the fenced DataSource finds them) and registered as its synchronization (so they are checked
 * before commit and released after completion).
 *
 * <p>Life cycle: created and bound on the transaction's first lease; unbound while the transaction
 * is suspended ({@code REQUIRES_NEW}) and bound again when it resumes; {@link #beforeCommit} fails
 * the commit if a lease is lost or about to expire, or a fence check failed; {@link
 * #afterCompletion} (after the database commit or rollback) unbinds it and releases every lease that
 * is not kept.
 *
 * <p>Thread-safe: the map is guarded by {@code this}; Spring calls the callbacks on the
 * transaction's thread, and {@link SpringTransactionLease#close()} may come from any thread.
 */
final class TransactionLeaseHolder implements TransactionSynchronization {
    /** The transaction resource key. */
    static final Object KEY = new Object() {
        @Override
        public String toString() {
            return "dev.txlease.spring.TransactionLeases";
        }
    };

    private static final System.Logger LOG = System.getLogger(TransactionLeaseHolder.class.getName());

    private record LeaseKey(SpringTransactionalLeaseClient client, String name) {}

    private final Map<LeaseKey, SpringTransactionLease> leases = new LinkedHashMap<>(); // guarded by this
    private boolean completed; // guarded by this
    private String fenceFailure; // guarded by this

    private TransactionLeaseHolder() {}

    /** Returns the holder of the calling thread's current transaction, or {@code null}. */
    static TransactionLeaseHolder current() {
        return (TransactionLeaseHolder) TransactionSynchronizationManager.getResource(KEY);
    }

    /**
     * Returns the holder of the calling thread's transaction, creating, binding and registering it
     * first if there is none.
     */
    static TransactionLeaseHolder bindIfAbsent() {
        TransactionLeaseHolder holder = current();
        if (holder == null) {
            holder = new TransactionLeaseHolder();
            TransactionSynchronizationManager.bindResource(KEY, holder);
            TransactionSynchronizationManager.registerSynchronization(holder);
        }
        return holder;
    }

    synchronized SpringTransactionLease find(SpringTransactionalLeaseClient client, String name) {
        return leases.get(new LeaseKey(client, name));
    }

    synchronized SpringTransactionLease add(SpringTransactionLease lease) {
        leases.put(new LeaseKey(lease.client(), lease.name()), lease);
        return lease;
    }

    /** Returns the leases, in acquisition order. */
    synchronized List<Lease> leases() {
        return List.copyOf(leases.values());
    }

    /** Returns whether the transaction has completed (commit or rollback). */
    synchronized boolean isCompleted() {
        return completed;
    }

    /** Remembers that a fence check failed in this transaction: its commit must fail. */
    synchronized void fenceCheckFailed() {
        if (fenceFailure == null) {
            fenceFailure = "a fence check of this transaction failed (a newer holder of one of its locks has"
                    + " written); it must roll back";
        }
    }

    @Override
    public int getOrder() {
        // Last among the synchronizations: the lease check runs as late as possible before the commit.
        return Ordered.LOWEST_PRECEDENCE;
    }

    @Override
    public void suspend() {
        TransactionSynchronizationManager.unbindResource(KEY);
    }

    @Override
    public void resume() {
        TransactionSynchronizationManager.bindResource(KEY, this);
    }

    /**
     * Fails the commit if a lease is lost or has less than a tenth of its lease duration left, or a
     * fence check failed: Spring then rolls the transaction back and the caller's commit throws this
     * exception.
     */
    @Override
    public void beforeCommit(boolean readOnly) {
        List<SpringTransactionLease> checking;
        synchronized (this) {
            if (fenceFailure != null) {
                throw new IllegalStateException("The transaction cannot commit: " + fenceFailure);
            }
            checking = new ArrayList<>(leases.values());
        }
        for (SpringTransactionLease lease : checking) {
            check(lease);
        }
    }

    private static void check(SpringTransactionLease lease) {
        Duration remaining = lease.remaining();
        if (lease.state() == LeaseState.LOST || !lease.isValid()) {
            LossCause cause = lease.lossCause() != null ? lease.lossCause() : LossCause.EXPIRED_LOCALLY;
            throw new LeaseLostException(
                    "Lease on lock '" + lease.name() + "' (fence " + lease.fenceToken() + ") was lost (" + cause
                            + ") before the transaction committed; the transaction is rolled back. Retry the"
                            + " transaction, or use a longer lease duration if it expired.",
                    lease.name(),
                    lease.owner(),
                    lease.fenceToken(),
                    cause,
                    null);
        }
        if (remaining.compareTo(lease.leaseDuration().dividedBy(10)) < 0) {
            throw new LeaseLostException(
                    "Lease on lock '" + lease.name() + "' (fence " + lease.fenceToken() + ") has only " + remaining
                            + " of " + lease.leaseDuration() + " left, too little to commit safely; the"
                            + " transaction is rolled back. Keep heartbeats on, or use a longer lease duration.",
                    lease.name(),
                    lease.owner(),
                    lease.fenceToken(),
                    LossCause.EXPIRED_LOCALLY,
                    null);
        }
    }

    /**
     * Runs after the database transaction committed or rolled back: unbinds the holder and releases
     * the leases that are not kept, newest first. A release that fails is logged: the lease then
     * expires on its own.
     */
    @Override
    public void afterCompletion(int status) {
        TransactionSynchronizationManager.unbindResourceIfPossible(KEY);
        List<SpringTransactionLease> releasing = new ArrayList<>();
        synchronized (this) {
            completed = true;
            for (SpringTransactionLease lease : leases.values()) {
                if (lease.releaseAtCompletion()) {
                    releasing.add(0, lease);
                }
            }
        }
        for (SpringTransactionLease lease : releasing) {
            try {
                lease.releaseNow();
            } catch (LeaseException | IllegalStateException e) {
                LOG.log(
                        Level.WARNING,
                        () -> "Could not release lock '" + lease.name() + "' after the transaction completed; it"
                                + " expires after its lease duration",
                        e);
            }
        }
    }

    @Override
    public synchronized String toString() {
        return "TransactionLeaseHolder[" + leases.values() + (completed ? ", completed" : "") + "]";
    }
}
