package dev.txlease.jta;

import dev.txlease.LeaseStoreUnavailableException;
import dev.txlease.spi.LeaseStore;
import java.io.Serial;
import java.io.Serializable;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.logging.Level;
import java.util.logging.Logger;
import javax.transaction.xa.XAException;
import javax.transaction.xa.Xid;

/**
 * The transaction branch of one transaction on one lease store: every lease that transaction
 * acquired on that store. One per (transaction, store), because a transaction manager joins
 * resources of the same resource manager into one branch ({@link #isSameRM}) and then only calls the
 * first.
 *
 * <ul>
 *   <li>{@code prepare}: each lease must be held with at least a tenth of its lease duration left;
 *       a conditional write on its version records the transaction id and grants a fresh lease
 *       duration for the commit window. Any failure rolls every lease back and votes {@code XA_RB*}:
 *       {@code XA_RBINTEGRITY} taken over, {@code XA_RBTIMEOUT} expired or too close to expiry,
 *       {@code XA_RBCOMMFAIL} store unreachable. Never {@code XA_RDONLY}: commit must come.
 *   <li>{@code commit(onePhase)}: does the prepare checks first (the transaction manager skips
 *       prepare when this is its only resource).
 *   <li>{@code commit}, {@code rollback}: release each lease, or only clear the transaction id for a
 *       lease kept after the transaction; conditional on the transaction id, so repeating them, or a
 *       lease taken over meanwhile, is no error.
 *   <li>{@code recover}, and completion of Xids that are not this branch's: a {@link
 *       RecoveryXAResource} of this node.
 *   <li>Serialization, when the transaction manager writes its log after prepare: {@code
 *       writeReplace} to a {@link PreparedLeaseBranch} (store identity, node, transaction id, lock
 *       names and release flags), which recovery completes the branch with even after a takeover has
 *       cleared the recorded transaction, so the log does not outlive recovery.
 * </ul>
 *
 * <p>Thread-safe: the XA methods and the lease list share the monitor, held across store calls (the
 * transaction manager calls one verb at a time). Loss reports never take it; they read the volatile
 * phase.
 */
final class LeaseXAResource extends StoreXAResource implements Serializable {
    @Serial
    private static final long serialVersionUID = 1L;

    private static final Logger LOG = Logger.getLogger(LeaseXAResource.class.getName());

    /** Where the branch is. */
    enum Phase {
        ACTIVE,
        PREPARING,
        PREPARED,
        COMMITTED,
        ROLLED_BACK
    }

    private final String node;
    private final PublishedLeases published;
    private final RecoveryXAResource recovery;
    private final List<TransactionalLease> leases = new ArrayList<>();
    private final Set<TransactionalLease> prepared = Collections.newSetFromMap(new IdentityHashMap<>());
    private Xid xid;
    private String transactionId;
    private boolean failed;
    private volatile Phase phase = Phase.ACTIVE;

    LeaseXAResource(LeaseStore store, String node, PublishedLeases published) {
        super(store.storeId());
        this.node = node;
        this.published = published;
        this.recovery = new RecoveryXAResource(store, node);
    }

    /** Returns whether the transaction still runs (no prepare, commit or rollback has begun). */
    boolean isActive() {
        return phase == Phase.ACTIVE;
    }

    /** Returns this transaction's lease on {@code name}, if it has one. */
    synchronized Optional<TransactionalLease> find(String name) {
        return leases.stream().filter(lease -> lease.name().equals(name)).findFirst();
    }

    /**
     * Adds a lease granted in the transaction and publishes it.
     *
     * @return {@code false} if the transaction is no longer active (the caller releases the lease)
     */
    synchronized boolean add(TransactionalLease lease) {
        if (phase != Phase.ACTIVE) {
            return false;
        }
        leases.add(lease);
        published.publish(lease);
        return true;
    }

    /** Marks {@code lease} for release at completion, unless the transaction is over ({@code false}). */
    synchronized boolean deferRelease(TransactionalLease lease) {
        if (phase == Phase.COMMITTED || phase == Phase.ROLLED_BACK) {
            return false;
        }
        lease.releaseOnCompletion(true);
        return true;
    }

    @Override
    public synchronized void start(Xid xid, int flags) throws XAException {
        requireXid(xid, "start");
        switch (flags) {
            case TMNOFLAGS -> {
                if (this.xid != null) {
                    throw isOwn(xid)
                            ? XaErrors.duplicate(xid)
                            : XaErrors.protocol(this + " already works for another branch; start of "
                                    + XidCodec.describe(xid) + " refused");
                }
                this.xid = xid;
                this.transactionId = XidCodec.encode(xid);
            }
            case TMJOIN, TMRESUME -> requireOwn(xid);
            default -> throw XaErrors.invalid("start accepts TMNOFLAGS, TMJOIN or TMRESUME, got " + hex(flags));
        }
        if (phase != Phase.ACTIVE) {
            throw XaErrors.protocol("start of branch " + XidCodec.describe(xid) + " in phase " + phase);
        }
    }

    @Override
    public synchronized void end(Xid xid, int flags) throws XAException {
        requireXid(xid, "end");
        if (flags != TMSUCCESS && flags != TMFAIL && flags != TMSUSPEND) {
            throw XaErrors.invalid("end accepts TMSUCCESS, TMFAIL or TMSUSPEND, got " + hex(flags));
        }
        requireOwn(xid);
        if (phase == Phase.ROLLED_BACK) {
            throw XaErrors.rolledBack(XAException.XA_RBROLLBACK, "branch " + transactionId + " was rolled back", null);
        }
        if (phase != Phase.ACTIVE) {
            throw XaErrors.protocol("end of branch " + transactionId + " in phase " + phase);
        }
        failed |= flags == TMFAIL;
    }

    @Override
    public synchronized int prepare(Xid xid) throws XAException {
        requireXid(xid, "prepare");
        requireOwn(xid);
        if (phase != Phase.ACTIVE) {
            throw XaErrors.protocol("prepare of branch " + transactionId + " in phase " + phase);
        }
        prepareAll();
        return XA_OK;
    }

    @Override
    public synchronized void commit(Xid xid, boolean onePhase) throws XAException {
        requireXid(xid, "commit");
        if (!isOwn(xid)) {
            recovery.commit(xid, onePhase);
            return;
        }
        switch (phase) {
            case COMMITTED -> {
                return; // a replay
            }
            case ACTIVE -> {
                if (!onePhase) {
                    throw XaErrors.protocol("two-phase commit of branch " + transactionId + " before prepare");
                }
                prepareAll();
            }
            case PREPARED -> {
                if (onePhase) {
                    throw XaErrors.protocol("one-phase commit of prepared branch " + transactionId);
                }
            }
            default -> throw XaErrors.protocol("commit of branch " + transactionId + " in phase " + phase);
        }
        completeAll();
    }

    @Override
    public synchronized void rollback(Xid xid) throws XAException {
        requireXid(xid, "rollback");
        if (!isOwn(xid)) {
            recovery.rollback(xid);
            return;
        }
        if (phase == Phase.ROLLED_BACK) {
            return; // a replay, or after our own rollback vote
        }
        if (phase == Phase.COMMITTED) {
            throw XaErrors.protocol("rollback of committed branch " + transactionId);
        }
        LeaseStoreUnavailableException failure = rollbackAll();
        if (failure != null) {
            throw XaErrors.unavailable(
                    "rollback of prepared branch " + transactionId + " could not clear lock '" + failure.lockName()
                            + "'; recovery will, and the lease expires meanwhile",
                    failure);
        }
    }

    @Override
    public synchronized void forget(Xid xid) throws XAException {
        requireXid(xid, "forget");
        if (!isOwn(xid)) {
            recovery.forget(xid);
        } else if (phase != Phase.COMMITTED && phase != Phase.ROLLED_BACK) {
            throw XaErrors.protocol("forget of branch " + transactionId + " in phase " + phase);
        }
        // a completed branch of ours holds nothing to forget: it was never completed heuristically
    }

    @Override
    public Xid[] recover(int flags) throws XAException {
        return recovery.recover(flags);
    }

    /**
     * Serialization replaces this resource by a {@link PreparedLeaseBranch}: Narayana writes an
     * enlisted {@link Serializable} XAResource into its transaction log (it must not fail here, or
     * the log write fails) and completes the branch with it on recovery.
     */
    @Serial
    synchronized Object writeReplace() {
        List<String> names = new ArrayList<>(leases.size());
        boolean[] releases = new boolean[leases.size()];
        for (int i = 0; i < leases.size(); i++) {
            names.add(leases.get(i).name());
            releases[i] = leases.get(i).releaseOnCompletion();
        }
        return new PreparedLeaseBranch(storeId(), node, transactionId, names, releases);
    }

    @Override
    public String toString() {
        return "LeaseXAResource[branch=" + transactionId + ", phase=" + phase + ", store=" + storeId() + "]";
    }

    private boolean isOwn(Xid candidate) {
        return xid != null && XidCodec.same(xid, candidate);
    }

    private void requireOwn(Xid candidate) throws XAException {
        if (!isOwn(candidate)) {
            throw XaErrors.unknown(candidate, toString());
        }
    }

    /** Prepares every lease, or rolls every lease back and throws the rollback vote. */
    private void prepareAll() throws XAException {
        phase = Phase.PREPARING;
        if (failed) {
            rollbackAll();
            throw XaErrors.rolledBack(
                    XAException.XA_RBROLLBACK, "branch " + transactionId + " was ended with TMFAIL", null);
        }
        for (TransactionalLease lease : leases) {
            XAException vote = null;
            Duration margin = lease.leaseDuration().dividedBy(10);
            Duration left = lease.remaining();
            if (lease.isValid() && left.compareTo(margin) < 0) {
                vote = XaErrors.tooCloseToExpiry(lease, left, margin, transactionId);
            } else {
                try {
                    lease.managed().prepare(transactionId, lease.leaseDuration());
                    prepared.add(lease);
                } catch (RuntimeException e) {
                    vote = XaErrors.prepareFailed(lease, lease.lossCause(), transactionId, e);
                }
            }
            if (vote != null) {
                rollbackAll();
                throw vote;
            }
        }
        phase = Phase.PREPARED;
    }

    /** Completes every lease after commit; a store failure leaves the branch prepared for a retry. */
    private void completeAll() throws XAException {
        LeaseStoreUnavailableException failure = null;
        for (TransactionalLease lease : leases) {
            try {
                lease.managed().completeTransaction(transactionId, lease.releaseOnCompletion());
            } catch (LeaseStoreUnavailableException e) {
                failure = e;
            }
        }
        if (failure != null) {
            throw XaErrors.unavailable(
                    "commit of branch " + transactionId + " could not complete lock '" + failure.lockName()
                            + "'; it is safe to repeat, recovery will",
                    failure);
        }
        phase = Phase.COMMITTED;
    }

    /**
     * Rolls every lease back: clears the transaction id of prepared ones, releases the others unless
     * kept. Returns the first failure on a prepared lease (others expire on their own), or null.
     */
    private LeaseStoreUnavailableException rollbackAll() {
        phase = Phase.ROLLED_BACK;
        LeaseStoreUnavailableException failure = null;
        for (TransactionalLease lease : leases) {
            try {
                if (prepared.contains(lease)) {
                    lease.managed().completeTransaction(transactionId, lease.releaseOnCompletion());
                } else if (lease.releaseOnCompletion()) {
                    lease.managed().releaseQuietly();
                }
            } catch (LeaseStoreUnavailableException e) {
                LOG.log(
                        Level.WARNING,
                        "txlease: rollback of branch " + transactionId + " could not reach the store for lock '"
                                + lease.name() + "'; the lease expires after its duration",
                        e);
                if (prepared.contains(lease) && failure == null) {
                    failure = e;
                }
            }
        }
        return failure;
    }
}
