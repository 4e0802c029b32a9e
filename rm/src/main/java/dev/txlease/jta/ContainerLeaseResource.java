package dev.txlease.jta;

import dev.txlease.AcquireOptions;
import dev.txlease.Lease;
import dev.txlease.LockNames;
import java.util.Objects;
import java.util.Optional;
import javax.transaction.xa.XAException;
import javax.transaction.xa.XAResource;
import javax.transaction.xa.Xid;

/**
 * The XAResource of one managed connection (see {@link ContainerLeaseResources}): between the
 * container's {@code start} and {@code end} it is associated with a branch, and the leases acquired
 * through it join that branch; outside a branch they are plain leases, released by {@code close}.
 *
 * <ul>
 *   <li>{@code start(TMNOFLAGS)} opens a branch ({@code XAER_DUPID} if the Xid is open already);
 *       {@code TMJOIN} and {@code TMRESUME} find the open branch of that Xid, started through any
 *       resource of the same {@link ContainerLeaseResources} ({@code XAER_NOTA} if none);
 *   <li>{@code prepare}, {@code commit}, {@code rollback}, {@code forget} go to the branch of the Xid,
 *       whichever resource started it; an Xid with no open branch (after a restart) is completed by
 *       recovery from what the store recorded at prepare;
 *   <li>{@code recover} lists this node's prepared branches from the store.
 * </ul>
 *
 * <p>Thread-safe: the association is guarded by this resource's monitor; the branch guards itself.
 */
public final class ContainerLeaseResource implements XAResource {
    private final ContainerLeaseResources resources;
    private final RecoveryXAResource recovery;
    private LeaseXAResource associated;
    private volatile int transactionTimeoutSeconds;

    ContainerLeaseResource(ContainerLeaseResources resources) {
        this.resources = resources;
        this.recovery = resources.newRecoveryResource();
    }

    /**
     * Acquires {@code name}, waiting as {@code options} say; joins the associated branch if there is
     * one (see {@link TransactionalLeaseClient} for what a transactional lease does).
     *
     * @param name the lock name
     * @param options the options
     * @param wait whether to wait for a held lock ({@code false}: return empty at once)
     * @return the lease, or empty if {@code wait} is false and the lock is held
     * @throws dev.txlease.LeaseException if the lease cannot be acquired
     */
    public Optional<Lease> acquire(String name, AcquireOptions options, boolean wait) {
        LockNames.check(name);
        Objects.requireNonNull(options, "options must not be null (use AcquireOptions.defaults())");
        LeaseXAResource branch = associated();
        if (branch == null) {
            return resources.engine().acquire(name, options, wait).map(Lease.class::cast);
        }
        return resources.enlistment().acquire(branch, null, name, options, wait);
    }

    /** Returns whether this resource is associated with a transaction branch now. */
    public synchronized boolean isAssociated() {
        return associated != null;
    }

    private synchronized LeaseXAResource associated() {
        return associated;
    }

    @Override
    public synchronized void start(Xid xid, int flags) throws XAException {
        StoreXAResource.requireXid(xid, "start");
        if (associated != null) {
            throw XaErrors.protocol(
                    this + " is associated with another branch; start of " + XidCodec.describe(xid) + " refused");
        }
        if (flags == TMNOFLAGS) {
            LeaseXAResource opened = resources.open(xid);
            if (opened == null) {
                throw XaErrors.duplicate(xid);
            }
            opened.setTransactionTimeout(getTransactionTimeout());
        } else if (flags != TMJOIN && flags != TMRESUME) {
            throw XaErrors.invalid("start accepts TMNOFLAGS, TMJOIN or TMRESUME, got 0x" + Integer.toHexString(flags));
        }
        LeaseXAResource branch;
        try {
            branch = resources.associate(xid, flags);
        } catch (XAException e) {
            if (flags == TMNOFLAGS) {
                resources.close(xid); // never started
            }
            throw e;
        }
        associated = branch;
    }

    @Override
    public synchronized void end(Xid xid, int flags) throws XAException {
        StoreXAResource.requireXid(xid, "end");
        LeaseXAResource branch = requireBranch(xid);
        if (branch != associated) {
            throw XaErrors.protocol("end of " + XidCodec.describe(xid) + " on " + this + ", not associated with it");
        }
        associated = null;
        resources.dissociate(xid, flags);
    }

    @Override
    public int prepare(Xid xid) throws XAException {
        StoreXAResource.requireXid(xid, "prepare");
        LeaseXAResource branch = requireBranch(xid);
        try {
            return branch.prepare(xid);
        } catch (XAException e) {
            if (e.errorCode >= XAException.XA_RBBASE && e.errorCode <= XAException.XA_RBEND) {
                resources.close(xid); // rolled back: no commit or rollback follows
            }
            throw e;
        }
    }

    @Override
    public void commit(Xid xid, boolean onePhase) throws XAException {
        StoreXAResource.requireXid(xid, "commit");
        LeaseXAResource branch = resources.find(xid);
        if (branch == null) {
            recovery.commit(xid, onePhase);
            return;
        }
        try {
            branch.commit(xid, onePhase);
        } catch (XAException e) {
            if (e.errorCode >= XAException.XA_RBBASE && e.errorCode <= XAException.XA_RBEND) {
                resources.close(xid); // one-phase commit voted rollback
            }
            throw e;
        }
        resources.close(xid);
    }

    @Override
    public void rollback(Xid xid) throws XAException {
        StoreXAResource.requireXid(xid, "rollback");
        LeaseXAResource branch = resources.find(xid);
        if (branch == null) {
            recovery.rollback(xid);
            return;
        }
        branch.rollback(xid);
        resources.close(xid);
    }

    @Override
    public void forget(Xid xid) throws XAException {
        StoreXAResource.requireXid(xid, "forget");
        LeaseXAResource branch = resources.find(xid);
        if (branch == null) {
            recovery.forget(xid);
        } else {
            branch.forget(xid);
        }
    }

    @Override
    public Xid[] recover(int flags) throws XAException {
        return recovery.recover(flags);
    }

    /**
     * True exactly for the resources of the same {@link ContainerLeaseResources}: any of them reaches
     * a branch started through another ({@code start(xid, TMJOIN)}), so the answer and the join agree.
     */
    @Override
    public boolean isSameRM(XAResource other) {
        return other instanceof ContainerLeaseResource && ((ContainerLeaseResource) other).resources == resources;
    }

    @Override
    public int getTransactionTimeout() {
        return transactionTimeoutSeconds;
    }

    /**
     * Records the transaction timeout for the branches this resource starts: a lease without
     * heartbeats must outlive it (see {@link TransactionalLeaseClient}). Zero: not checked.
     */
    @Override
    public boolean setTransactionTimeout(int seconds) throws XAException {
        if (seconds < 0) {
            throw XaErrors.invalid("transaction timeout must not be negative, was " + seconds + " s");
        }
        transactionTimeoutSeconds = seconds;
        return true;
    }

    @Override
    public String toString() {
        return "ContainerLeaseResource[store=" + resources.engine().store().storeId() + ", branch=" + associated()
                + "]";
    }

    private LeaseXAResource requireBranch(Xid xid) throws XAException {
        LeaseXAResource branch = resources.find(xid);
        if (branch == null) {
            throw XaErrors.unknown(xid, toString());
        }
        return branch;
    }
}
