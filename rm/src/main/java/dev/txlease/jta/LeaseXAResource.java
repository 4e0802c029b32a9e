package dev.txlease.jta;

import dev.txlease.LeaseLostException;
import dev.txlease.LeaseStoreUnavailableException;
import dev.txlease.internal.LeaseEvents;
import dev.txlease.spi.HolderRef;
import dev.txlease.spi.LeaseStore;
import dev.txlease.spi.PreparedBranch;
import jakarta.transaction.Status;
import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import javax.transaction.xa.XAException;
import javax.transaction.xa.XAResource;
import javax.transaction.xa.Xid;

/**
 * The transaction branch of one transaction on one lease store: every lease that transaction
 * acquired on that store. One per (transaction, store); {@link #isSameRM} is true only for itself,
 * so a transaction manager never joins another resource's work into this branch.
 *
 * <h2>State table</h2>
 *
 * <p>The association of the branch with the caller ({@code start}/{@code end}) and the branch's
 * phase, as the XA specification has them:
 *
 * <table>
 *   <caption>What each XA verb does, by state</caption>
 *   <tr><th>verb</th><th>accepted when</th><th>otherwise</th></tr>
 *   <tr><td>{@code start(TMNOFLAGS)}</td><td>never started</td><td>{@code XAER_DUPID} (same Xid),
 *       {@code XAER_PROTO} (another Xid)</td></tr>
 *   <tr><td>{@code start(TMJOIN)}</td><td>active, not associated</td><td>{@code XA_RBROLLBACK}
 *       after {@code end(TMFAIL)} or a rollback; {@code XAER_PROTO}</td></tr>
 *   <tr><td>{@code start(TMRESUME)}</td><td>suspended by {@code end(TMSUSPEND)}</td>
 *       <td>{@code XAER_PROTO}</td></tr>
 *   <tr><td>{@code end}</td><td>associated (or suspended, for {@code TMSUCCESS}/{@code
 *       TMFAIL})</td><td>{@code XA_RBROLLBACK} after a rollback, {@code XAER_PROTO}</td></tr>
 *   <tr><td>{@code prepare}</td><td>active and ended</td><td>{@code XAER_PROTO} (still associated
 *       or suspended, prepared, completed)</td></tr>
 *   <tr><td>{@code commit(onePhase)}</td><td>active and ended: prepares, then commits</td>
 *       <td>{@code XAER_PROTO}</td></tr>
 *   <tr><td>{@code commit}</td><td>prepared; a replay after commit is a no-op</td><td>{@code
 *       XA_RBROLLBACK} after a rollback, {@code XAER_PROTO}</td></tr>
 *   <tr><td>{@code rollback}</td><td>any phase but committed; repeatable</td><td>{@code
 *       XAER_PROTO}</td></tr>
 *   <tr><td>{@code forget}</td><td>never: no branch is completed heuristically</td><td>{@code
 *       XAER_NOTA}</td></tr>
 * </table>
 *
 * <p>An Xid that is not this branch's is {@code XAER_NOTA}, except that {@code commit} and {@code
 * rollback} of another branch of this node are passed to recovery ({@link RecoveryXAResource}).
 *
 * <h2>Prepare and completion</h2>
 *
 * <ul>
 *   <li>{@code prepare}: saves the branch as prepared in the store ({@link LeaseStore#savePrepared},
 *       kept until the branch is completed, so recovery lists it whatever happens to the locks), then
 *       checks each lease: it must be held with at least a tenth of its lease duration left, and a
 *       conditional write on its version records the transaction id and grants a fresh lease
 *       duration for the commit window. A failure votes {@code XA_RB*} (see {@link XaErrors#prepareFailed}).
 *       Never {@code XA_RDONLY}.
 *   <li>{@code commit(onePhase)}: the same checks (no prepared record: there is no in-doubt window).
 *   <li>completion ({@link BranchCompletion}, the same path as recovery's): releases each lease, or
 *       only clears the transaction of a lease its holder keeps ({@code releaseOnCompletion(false)}).
 *       When the enlistment registered an interposed synchronization ({@link #completeAfterTransaction()}),
 *       commit and rollback only record the outcome and the leases are completed in {@link
 *       #afterCompletion}, after every other branch of the transaction has completed: the next holder
 *       never sees data still in doubt. If the process dies before, the prepared record stays and
 *       recovery completes the branch.
 * </ul>
 *
 * <p>Not {@link java.io.Serializable}: a transaction manager logs only the Xid, and recovery finds the
 * branch through {@link RecoveryXAResource#recover}, so no transaction manager ever has to load a
 * txlease class from its log.
 *
 * <p>Thread-safe: the XA methods and the lease list share the monitor, held across store calls (the
 * transaction manager calls one verb at a time). Loss reports never take it; they read the volatile
 * phase.
 */
final class LeaseXAResource extends StoreXAResource {
    private static final System.Logger LOG = System.getLogger(LeaseXAResource.class.getName());

    /** Where the branch is. */
    enum Phase {
        ACTIVE,
        PREPARING,
        PREPARED,
        COMMITTED,
        ROLLED_BACK
    }

    /** The association of the branch with a thread of control. */
    private enum Association {
        NONE,
        ASSOCIATED,
        SUSPENDED
    }

    private final LeaseStore store;
    private final String node;
    private final PublishedLeases published;
    private final RecoveryXAResource recovery;
    private final LeaseEvents events;
    private final List<TransactionalLease> leases = new ArrayList<>();
    private final Set<TransactionalLease> attempted = Collections.newSetFromMap(new IdentityHashMap<>());
    private final AcquireWaiter waiter = new AcquireWaiter();
    private Xid xid;
    private String transactionId;
    private Association association = Association.NONE;
    private boolean failed;
    private boolean saved;
    private boolean completeAfterTransaction;
    private boolean timeoutProbed;
    private boolean completed;
    private volatile Phase phase = Phase.ACTIVE;

    LeaseXAResource(LeaseStore store, String node, PublishedLeases published) {
        this(store, node, published, LeaseEvents.loggingOnly());
    }

    LeaseXAResource(LeaseStore store, String node, PublishedLeases published, LeaseEvents events) {
        super(store.storeId());
        this.store = store;
        this.node = node;
        this.published = published;
        this.events = events;
        this.recovery = new RecoveryXAResource(store, node, events);
    }

    /** Returns whether the transaction still runs (no prepare, commit or rollback has begun). */
    boolean isActive() {
        return phase == Phase.ACTIVE;
    }

    /** Returns the waiting acquisitions of this transaction, which its rollback ends. */
    AcquireWaiter waiter() {
        return waiter;
    }

    /**
     * From now on commit and rollback only record the outcome; {@link #afterCompletion} completes the
     * leases (the enlistment registered an interposed synchronization that calls it).
     */
    synchronized void completeAfterTransaction() {
        this.completeAfterTransaction = true;
    }

    /** Returns whether a lease was added to the branch. */
    synchronized boolean hasLeases() {
        return !leases.isEmpty();
    }

    /** Returns the name of the branch's first lock, for messages; null if it has none. */
    synchronized String firstLockName() {
        return leases.isEmpty() ? null : leases.get(0).name();
    }

    /** Returns {@code true} the first time only: the transaction's timeout is to be learned by a probe. */
    synchronized boolean needsTimeoutProbe() {
        boolean first = !timeoutProbed;
        timeoutProbed = true;
        return first;
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

    /** Marks {@code lease} for release at completion, unless the branch is completed ({@code false}). */
    synchronized boolean deferRelease(TransactionalLease lease) {
        if (completed || ((phase == Phase.COMMITTED || phase == Phase.ROLLED_BACK) && !completeAfterTransaction)) {
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
            case TMJOIN -> {
                requireOwn(xid);
                if (failed || phase == Phase.ROLLED_BACK) {
                    throw XaErrors.rolledBack(
                            XAException.XA_RBROLLBACK,
                            "branch " + transactionId + " is rollback-only (ended with TMFAIL, or rolled back);"
                                    + " it cannot be joined",
                            null);
                }
                if (association != Association.NONE) {
                    throw XaErrors.protocol("join of branch " + transactionId + " while it is " + association);
                }
            }
            case TMRESUME -> {
                requireOwn(xid);
                if (association != Association.SUSPENDED) {
                    throw XaErrors.protocol(
                            "resume of branch " + transactionId + ", which is not suspended (" + association + ")");
                }
            }
            default -> throw XaErrors.invalid("start accepts TMNOFLAGS, TMJOIN or TMRESUME, got " + hex(flags));
        }
        if (phase != Phase.ACTIVE) {
            throw XaErrors.protocol("start of branch " + XidCodec.describe(xid) + " in phase " + phase);
        }
        association = Association.ASSOCIATED;
    }

    @Override
    public synchronized void end(Xid xid, int flags) throws XAException {
        requireXid(xid, "end");
        if (flags != TMSUCCESS && flags != TMFAIL && flags != TMSUSPEND) {
            throw XaErrors.invalid("end accepts TMSUCCESS, TMFAIL or TMSUSPEND, got " + hex(flags));
        }
        requireOwn(xid);
        if (phase == Phase.ROLLED_BACK) {
            association = Association.NONE;
            throw XaErrors.rolledBack(XAException.XA_RBROLLBACK, "branch " + transactionId + " was rolled back", null);
        }
        if (phase != Phase.ACTIVE) {
            throw XaErrors.protocol("end of branch " + transactionId + " in phase " + phase);
        }
        if (association == Association.NONE || (flags == TMSUSPEND && association == Association.SUSPENDED)) {
            throw XaErrors.protocol("end(" + hex(flags) + ") of branch " + transactionId + ", which is "
                    + (association == Association.NONE ? "not associated" : "suspended already"));
        }
        association = flags == TMSUSPEND ? Association.SUSPENDED : Association.NONE;
        failed |= flags == TMFAIL;
    }

    @Override
    public synchronized int prepare(Xid xid) throws XAException {
        requireXid(xid, "prepare");
        requireOwn(xid);
        if (phase != Phase.ACTIVE) {
            throw XaErrors.protocol("prepare of branch " + transactionId + " in phase " + phase);
        }
        requireEnded("prepare");
        prepareAll(false);
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
                completeNowUnlessDeferred("commit of branch " + transactionId); // a replay
                return;
            }
            case ACTIVE -> {
                if (!onePhase) {
                    throw XaErrors.protocol("two-phase commit of branch " + transactionId + " before prepare");
                }
                requireEnded("one-phase commit");
                prepareAll(true);
            }
            case PREPARED -> {
                if (onePhase) {
                    throw XaErrors.protocol("one-phase commit of prepared branch " + transactionId);
                }
            }
            case ROLLED_BACK -> throw XaErrors.rolledBack(
                    XAException.XA_RBROLLBACK, "commit of branch " + transactionId + ", which was rolled back", null);
            default -> throw XaErrors.protocol("commit of branch " + transactionId + " in phase " + phase);
        }
        phase = Phase.COMMITTED;
        completeNowUnlessDeferred("commit of branch " + transactionId);
    }

    @Override
    public synchronized void rollback(Xid xid) throws XAException {
        requireXid(xid, "rollback");
        if (!isOwn(xid)) {
            recovery.rollback(xid);
            return;
        }
        if (phase == Phase.COMMITTED) {
            throw XaErrors.protocol("rollback of committed branch " + transactionId);
        }
        waiter.transactionEnded(); // a timed-out transaction: end its waiting acquire
        phase = Phase.ROLLED_BACK;
        association = Association.NONE;
        completeNowUnlessDeferred("rollback of branch " + transactionId);
    }

    @Override
    public synchronized void forget(Xid xid) throws XAException {
        requireXid(xid, "forget");
        throw XaErrors.unknown(xid, this + " (txlease never completes a branch heuristically: nothing to forget)");
    }

    @Override
    public Xid[] recover(int flags) throws XAException {
        return recovery.recover(flags);
    }

    @Override
    public boolean isSameRM(XAResource other) {
        return other == this;
    }

    /**
     * Completes the leases once the transaction has completed (every branch committed or rolled back),
     * from the interposed synchronization the enlistment registered. A store failure is logged: the
     * prepared record stays, so recovery completes the branch, and the lease expires meanwhile.
     *
     * @param status the transaction's JTA status
     */
    synchronized void afterCompletion(int status) {
        waiter.transactionEnded();
        if (phase != Phase.COMMITTED) {
            phase = Phase.ROLLED_BACK; // rolled back, or never reached prepare
        }
        association = Association.NONE;
        try {
            completeNow((status == Status.STATUS_COMMITTED ? "commit" : "rollback") + " of branch " + transactionId);
        } catch (XAException e) {
            LOG.log(Level.WARNING, "txlease: " + e.getMessage(), e);
        }
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

    private void requireEnded(String verb) throws XAException {
        if (association != Association.NONE) {
            throw XaErrors.protocol(
                    verb + " of branch " + transactionId + " while it is " + association + " (end it first)");
        }
    }

    /** Prepares every lease, or votes rollback (and rolls back, unless completion is deferred). */
    private void prepareAll(boolean onePhase) throws XAException {
        phase = Phase.PREPARING;
        XAException vote = failed
                ? XaErrors.rolledBack(
                        XAException.XA_RBROLLBACK, "branch " + transactionId + " was ended with TMFAIL", null)
                : null;
        if (vote == null && !onePhase && !leases.isEmpty()) {
            vote = savePrepared();
        }
        for (int i = 0; vote == null && i < leases.size(); i++) {
            vote = prepare(leases.get(i));
        }
        events.prepareVoted(vote == null ? XA_OK : vote.errorCode);
        if (vote != null) {
            phase = Phase.ROLLED_BACK;
            completeNowUnlessDeferred("rollback of branch " + transactionId + " after its rollback vote");
            throw vote;
        }
        phase = Phase.PREPARED;
    }

    /** Saves the branch as prepared; returns the rollback vote if the store cannot be reached. */
    private XAException savePrepared() {
        Set<String> kept = new LinkedHashSet<>();
        List<String> names = new ArrayList<>(leases.size());
        Map<String, HolderRef> holders = new HashMap<>();
        for (TransactionalLease lease : leases) {
            names.add(lease.name());
            HolderRef holder = lease.managed().holder();
            if (!holder.isExclusive()) {
                holders.put(lease.name(), holder);
            }
            if (!lease.releaseOnCompletion()) {
                kept.add(lease.name());
            }
        }
        saved = true; // even if the write's outcome is unknown: completion forgets it
        try {
            store.savePrepared(new PreparedBranch(node, transactionId, names, kept, holders));
            return null;
        } catch (LeaseStoreUnavailableException e) {
            return XaErrors.rolledBack(
                    XAException.XA_RBCOMMFAIL,
                    "branch " + transactionId + " could not be saved as prepared, so it rolls back: " + e.getMessage(),
                    e);
        }
    }

    /** Checks one lease and records the transaction on it; returns the rollback vote, or null. */
    private XAException prepare(TransactionalLease lease) {
        Duration margin = lease.leaseDuration().dividedBy(10);
        Duration left = lease.remaining();
        if (lease.isValid() && left.compareTo(margin) < 0) {
            return XaErrors.tooCloseToExpiry(lease, left, margin, transactionId);
        }
        try {
            attempted.add(lease);
            lease.managed().prepare(transactionId, lease.leaseDuration());
            return null;
        } catch (LeaseLostException e) {
            if (e.lossCause() != dev.txlease.LossCause.STORE_UNREACHABLE) {
                attempted.remove(lease); // nothing of ours is on the item: the release path applies
            }
            return XaErrors.prepareFailed(lease, lease.lossCause(), transactionId, e);
        } catch (RuntimeException e) {
            return XaErrors.prepareFailed(lease, lease.lossCause(), transactionId, e); // may have landed
        }
    }

    private void completeNowUnlessDeferred(String what) throws XAException {
        if (!completeAfterTransaction) {
            completeNow(what);
        }
    }

    /** The completion path: see {@link BranchCompletion}; a no-op once it succeeded. */
    private void completeNow(String what) throws XAException {
        if (completed) {
            return;
        }
        List<BranchCompletion.LockCompletion> locks = new ArrayList<>(leases.size());
        for (TransactionalLease lease : leases) {
            locks.add(new LiveLock(lease, attempted.contains(lease)));
        }
        BranchCompletion.complete(store, node, transactionId, saved, locks, what);
        completed = true;
    }

    /** A lease of this branch: its transaction is completed if it may be on the item, else released if asked. */
    private final class LiveLock implements BranchCompletion.LockCompletion {
        private final TransactionalLease lease;
        private final boolean mayCarryTransaction;

        LiveLock(TransactionalLease lease, boolean mayCarryTransaction) {
            this.lease = lease;
            this.mayCarryTransaction = mayCarryTransaction;
        }

        @Override
        public String lockName() {
            return lease.name();
        }

        @Override
        public void complete() {
            if (mayCarryTransaction) {
                lease.managed().completeTransaction(transactionId, lease.releaseOnCompletion());
            } else if (lease.releaseOnCompletion()) {
                lease.managed().releaseQuietly();
            }
        }
    }
}
