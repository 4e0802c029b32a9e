package dev.txlease.jta;

import dev.txlease.LeaseStoreUnavailableException;
import dev.txlease.spi.LeaseRecord;
import dev.txlease.spi.LeaseStore;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.logging.Level;
import java.util.logging.Logger;
import javax.transaction.xa.XAException;
import javax.transaction.xa.Xid;

/**
 * The XAResource that recovery works with: it holds no leases in memory, only what the store says.
 *
 * <p>{@code recover(TMSTARTRSCAN)} reads {@link LeaseStore#findPrepared(String)} for this node and
 * remembers, per recorded transaction id, the lock names that carry it; the whole scan is returned by
 * that first call, so {@code recover(TMNOFLAGS)} returns nothing more and {@code TMENDRSCAN} closes
 * the scan. {@code commit} and {@code rollback} then release those locks with {@link
 * LeaseStore#completeTransaction} (conditional on the transaction id, so a replay, or a lock taken
 * over since, is done rather than an error); {@code forget} only clears the transaction id. A branch
 * not found in the last scan is looked up again before the answer {@code XAER_NOTA}.
 *
 * <p>Thread-safe: every method holds the monitor (recovery is rare and sequential).
 */
final class RecoveryXAResource extends StoreXAResource {
    private static final Logger LOG = Logger.getLogger(RecoveryXAResource.class.getName());
    private static final Xid[] NONE = new Xid[0];

    private final LeaseStore store;
    private final String node;
    private final Map<String, Set<String>> prepared = new LinkedHashMap<>();
    private boolean scanOpen;

    RecoveryXAResource(LeaseStore store, String node) {
        super(store.storeId());
        this.store = store;
        this.node = node;
    }

    /** Returns the node whose prepared leases this resource recovers. */
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
        complete(xid, true, "commit");
    }

    @Override
    public synchronized void rollback(Xid xid) throws XAException {
        requireXid(xid, "rollback");
        complete(xid, true, "rollback");
    }

    @Override
    public synchronized void forget(Xid xid) throws XAException {
        requireXid(xid, "forget");
        complete(xid, false, "forget");
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

    @Override
    public String toString() {
        return "RecoveryXAResource[node=" + node + ", store=" + storeId() + "]";
    }

    private Xid[] scan() throws XAException {
        List<LeaseRecord> records;
        try {
            records = store.findPrepared(node);
        } catch (LeaseStoreUnavailableException e) {
            throw XaErrors.unavailable("recovery scan of node '" + node + "' on " + storeId() + " failed", e);
        }
        prepared.clear();
        List<Xid> xids = new ArrayList<>();
        for (LeaseRecord record : records) {
            String transactionId = record.transactionId();
            if (transactionId == null) {
                continue;
            }
            if (!prepared.containsKey(transactionId)) {
                try {
                    xids.add(XidCodec.decode(transactionId));
                } catch (IllegalArgumentException e) {
                    LOG.log(
                            Level.WARNING,
                            "txlease: lock ''{0}'' records a transaction id that is not an Xid, left alone: {1}",
                            new Object[] {record.name(), transactionId});
                    continue;
                }
            }
            prepared.computeIfAbsent(transactionId, key -> new LinkedHashSet<>())
                    .add(record.name());
        }
        return xids.toArray(NONE);
    }

    private void complete(Xid xid, boolean release, String operation) throws XAException {
        String transactionId = XidCodec.encode(xid);
        Set<String> names = prepared.get(transactionId);
        if (names == null) {
            names = lookUp(transactionId);
        }
        if (names.isEmpty()) {
            throw XaErrors.unknown(xid, toString());
        }
        LeaseStoreUnavailableException failure = null;
        for (String name : names) {
            try {
                store.completeTransaction(name, transactionId, release);
            } catch (LeaseStoreUnavailableException e) {
                failure = e;
            }
        }
        if (failure != null) {
            throw XaErrors.unavailable(
                    operation + " of recovered branch " + XidCodec.describe(xid) + " on locks " + names
                            + " failed; it is safe to repeat",
                    failure);
        }
        prepared.remove(transactionId);
    }

    private Set<String> lookUp(String transactionId) throws XAException {
        Set<String> names = new LinkedHashSet<>();
        try {
            for (LeaseRecord record : store.findPrepared(node)) {
                if (transactionId.equals(record.transactionId())) {
                    names.add(record.name());
                }
            }
        } catch (LeaseStoreUnavailableException e) {
            throw XaErrors.unavailable("looking up branch " + transactionId + " on " + storeId() + " failed", e);
        }
        return names;
    }

    private XAException notActive(String method, Xid xid) {
        return XaErrors.protocol(method + " of " + XidCodec.describe(xid) + " on " + this
                + ", which only commits, rolls back and forgets recovered branches");
    }
}
