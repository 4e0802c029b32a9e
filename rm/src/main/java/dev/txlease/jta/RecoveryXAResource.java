package dev.txlease.jta;

import dev.txlease.LeaseStoreUnavailableException;
import dev.txlease.internal.LeaseEvents;
import dev.txlease.spi.HolderRef;
import dev.txlease.spi.LeaseStore;
import dev.txlease.spi.PreparedBranch;
import java.lang.System.Logger.Level;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javax.transaction.xa.XAException;
import javax.transaction.xa.XAResource;
import javax.transaction.xa.Xid;

/**
 * The XAResource that recovery works with: it holds no leases in memory, only what the store says.
 *
 * <p>{@code recover(TMSTARTRSCAN)} lists the prepared branches of this node ({@link
 * LeaseStore#findPrepared(String)}, whatever happened to their locks since: a takeover included) and
 * remembers them; the whole scan is returned by that first call, so {@code recover(TMNOFLAGS)}
 * returns nothing more and {@code TMENDRSCAN} closes the scan. {@code commit} and {@code rollback}
 * complete the branch through {@link BranchCompletion}, the path live branches take: each lock is
 * released, or only cleared of the transaction if its holder keeps it, conditional on the
 * transaction id (a lock taken over since is left alone), and the branch's record is forgotten, so
 * it is listed no more. A branch not found in the last scan is looked up again before the answer
 * {@code XAER_NOTA}. {@code forget} is always {@code XAER_NOTA}: no branch is ever completed
 * heuristically, and an in-doubt branch stays listed until it is committed or rolled back.
 *
 * <p>Thread-safe: every method holds the monitor (recovery is rare and sequential).
 */
final class RecoveryXAResource extends StoreXAResource {
    private static final System.Logger LOG = System.getLogger(RecoveryXAResource.class.getName());
    private static final Xid[] NONE = new Xid[0];

    private final LeaseStore store;
    private final String node;
    private final LeaseEvents events;
    private final Map<String, PreparedBranch> prepared = new LinkedHashMap<>();
    private boolean scanOpen;

    RecoveryXAResource(LeaseStore store, String node) {
        this(store, node, LeaseEvents.loggingOnly());
    }

    RecoveryXAResource(LeaseStore store, String node, LeaseEvents events) {
        super(store.storeId());
        this.store = store;
        this.node = node;
        this.events = events;
    }

    /** Returns the node whose prepared branches this resource recovers. */
    String node() {
        return node;
    }

    @Override
    public synchronized Xid[] recover(int flags) throws XAException {
        if ((flags & ~(TMSTARTRSCAN | TMENDRSCAN)) != 0) {
            throw XaErrors.invalid("recover accepts TMSTARTRSCAN, TMENDRSCAN or TMNOFLAGS, got " + hex(flags));
        }
        Xid[] found = NONE;
        if ((flags & TMSTARTRSCAN) != 0) {
            found = scan();
            scanOpen = true;
        } else if (!scanOpen) {
            throw XaErrors.invalid("recover(" + hex(flags) + ") without an open scan; start one with TMSTARTRSCAN");
        }
        if ((flags & TMENDRSCAN) != 0) {
            scanOpen = false;
        }
        return found;
    }

    @Override
    public synchronized void commit(Xid xid, boolean onePhase) throws XAException {
        requireXid(xid, "commit");
        if (onePhase) {
            throw XaErrors.protocol("one-phase commit of recovered branch " + XidCodec.describe(xid)
                    + ": a recovered branch is prepared, commit it in two phases");
        }
        complete(xid, "commit");
    }

    @Override
    public synchronized void rollback(Xid xid) throws XAException {
        requireXid(xid, "rollback");
        complete(xid, "rollback");
    }

    @Override
    public void forget(Xid xid) throws XAException {
        requireXid(xid, "forget");
        throw XaErrors.unknown(xid, this + " (txlease never completes a branch heuristically: nothing to forget)");
    }

    @Override
    public void start(Xid xid, int flags) throws XAException {
        requireXid(xid, "start");
        throw notActive("start", xid);
    }

    @Override
    public void end(Xid xid, int flags) throws XAException {
        requireXid(xid, "end");
        throw notActive("end", xid);
    }

    @Override
    public int prepare(Xid xid) throws XAException {
        requireXid(xid, "prepare");
        throw notActive("prepare", xid);
    }

    /** True for the recovery resource of the same node on the same store. */
    @Override
    public boolean isSameRM(XAResource other) {
        return other instanceof RecoveryXAResource recovery
                && recovery.storeId().equals(storeId())
                && recovery.node.equals(node);
    }

    @Override
    public String toString() {
        return "RecoveryXAResource[node=" + node + ", store=" + storeId() + "]";
    }

    private Xid[] scan() throws XAException {
        List<PreparedBranch> branches = find("recovery scan of node '" + node + "'");
        prepared.clear();
        List<Xid> xids = new ArrayList<>();
        for (PreparedBranch branch : branches) {
            try {
                xids.add(XidCodec.decode(branch.transactionId()));
                prepared.put(branch.transactionId(), branch);
            } catch (IllegalArgumentException e) {
                LOG.log(
                        Level.WARNING,
                        "txlease: prepared branch {0} of node ''{1}'' is not an Xid, left alone",
                        new Object[] {branch.transactionId(), node});
            }
        }
        return xids.toArray(NONE);
    }

    private void complete(Xid xid, String verb) throws XAException {
        String transactionId = XidCodec.encode(xid);
        PreparedBranch branch = prepared.get(transactionId);
        if (branch == null) {
            branch = find("looking up branch " + transactionId).stream()
                    .filter(candidate -> candidate.transactionId().equals(transactionId))
                    .findFirst()
                    .orElseThrow(() -> XaErrors.unknown(xid, toString()));
        }
        List<BranchCompletion.LockCompletion> locks = new ArrayList<>();
        for (String name : branch.lockNames()) {
            boolean release = branch.releases(name);
            HolderRef holder = branch.holder(name);
            locks.add(new BranchCompletion.LockCompletion() {
                @Override
                public String lockName() {
                    return name;
                }

                @Override
                public void complete() {
                    store.completeTransaction(name, holder, transactionId, release); // a conflict: done already
                }
            });
        }
        BranchCompletion.complete(
                store, node, transactionId, true, locks, verb + " of recovered branch " + XidCodec.describe(xid));
        prepared.remove(transactionId);
        LOG.log(
                Level.INFO,
                "txlease: recovery completed ({0}) prepared branch {1} of node ''{2}'', locks {3}",
                verb,
                XidCodec.describe(xid),
                node,
                branch.lockNames());
        events.branchRecovered(verb.equals("commit"));
    }

    private List<PreparedBranch> find(String what) throws XAException {
        try {
            return store.findPrepared(node);
        } catch (LeaseStoreUnavailableException e) {
            throw XaErrors.unavailable(what + " on " + storeId() + " failed", e);
        }
    }

    private XAException notActive(String method, Xid xid) {
        return XaErrors.protocol(method + " of " + XidCodec.describe(xid) + " on " + this
                + ", which only commits and rolls back recovered branches");
    }
}
