package dev.txlease.jta;

import dev.txlease.Lease;
import dev.txlease.LeaseListener;
import dev.txlease.LossCause;
import jakarta.transaction.SystemException;
import jakarta.transaction.Transaction;
import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;

/**
 * The listener of a lease acquired in a transaction: a loss while the transaction is still active
 * marks it rollback-only, then the caller's listener hears of it (with the transactional lease).
 *
 * <p>Ordering hazard: loss is reported on a heartbeat thread that holds the lease's operation lock,
 * while a committing thread may hold the transaction manager's lock on the transaction and wait for
 * that operation lock (prepare). {@code setRollbackOnly()} may need the transaction manager's lock,
 * so it runs on another thread, never on the reporting one. Prepare checks the lease in the store
 * anyway; the mark only stops the transaction sooner. Without a {@code Transaction} (a container
 * enlisted the branch, see {@link ContainerLeaseResource}) there is no mark: prepare votes rollback.
 * Thread-safe.
 */
final class RollbackOnLoss implements LeaseListener {
    private static final System.Logger LOG = System.getLogger(RollbackOnLoss.class.getName());

    private final LeaseListener listener;
    private final LeaseXAResource resource;
    private final Transaction transaction;
    private final Executor executor;
    private volatile TransactionalLease lease;

    RollbackOnLoss(LeaseListener listener, LeaseXAResource resource, Transaction transaction, Executor executor) {
        this.listener = listener;
        this.resource = resource;
        this.transaction = transaction;
        this.executor = executor;
    }

    /** Tells the listener which transactional lease it watches (set once, right after the grant). */
    void attach(TransactionalLease lease) {
        this.lease = lease;
    }

    @Override
    public void onLost(Lease lost, LossCause cause, Throwable detail) {
        TransactionalLease current = lease;
        if (current != null) {
            current.lost(cause);
        }
        if (transaction != null && resource.isActive()) {
            try {
                executor.execute(() -> markRollbackOnly(lost, cause));
            } catch (RejectedExecutionException e) {
                LOG.log(Level.WARNING, "txlease: client closed; transaction not marked rollback-only for lost " + lost);
            }
        }
        listener.onLost(current != null ? current : lost, cause, detail);
    }

    @Override
    public void onNearExpiry(Lease expiring, Duration remaining) {
        TransactionalLease current = lease;
        listener.onNearExpiry(current != null ? current : expiring, remaining);
    }

    private void markRollbackOnly(Lease lost, LossCause cause) {
        if (!resource.isActive()) {
            return; // prepare or rollback got there first; prepare votes on the lease itself
        }
        try {
            transaction.setRollbackOnly();
            LOG.log(Level.DEBUG, "txlease: {0} lost ({1}); transaction marked rollback-only", new Object[] {lost, cause
            });
        } catch (IllegalStateException | SystemException e) {
            LOG.log(Level.DEBUG, "txlease: could not mark the transaction rollback-only after losing " + lost, e);
        }
    }
}
