package dev.txlease.jta;

import dev.txlease.LeaseStoreUnavailableException;
import dev.txlease.spi.LeaseStore;
import java.io.IOException;
import java.io.InvalidObjectException;
import java.io.ObjectInputStream;
import java.io.Serial;
import java.io.Serializable;
import java.util.Arrays;
import java.util.List;
import javax.transaction.xa.XAException;
import javax.transaction.xa.XAResource;
import javax.transaction.xa.Xid;

/**
 * What Narayana writes to its transaction log for a {@link LeaseXAResource} (its {@code
 * writeReplace}), and completes the branch with after a crash: the store's identity, the node, the
 * transaction id and, per lock, whether completion releases it. No client, no store, no lease.
 *
 * <p>Narayana serializes an enlisted XAResource that is {@link Serializable} into the log when it
 * writes it after prepare, and on recovery completes the branch with the deserialized resource; it
 * asks the recovery helpers' {@code recover()} lists only for a resource it could not deserialize.
 * So this branch is completed even when {@link RecoveryXAResource} no longer lists its Xid, as after
 * a takeover, whose grant clears the recorded transaction.
 *
 * <ul>
 *   <li>{@code commit}, {@code rollback}: {@link LeaseStore#completeTransaction} for each lock, with
 *       its release flag, on the store that {@link LeaseRecoveryHelper} registered for the identity.
 *       A lock that no longer carries the transaction (completed already, or taken over) is done, so
 *       a replay is harmless. No store registered yet, or the store unreachable: {@code XAER_RMFAIL},
 *       and Narayana tries again on a later pass.
 *   <li>{@code forget}: only clears the transaction id.
 *   <li>{@code recover}: nothing; the recovery helper lists prepared branches.
 *   <li>{@code start}, {@code end}, {@code prepare}: {@code XAER_PROTO}, the branch is prepared.
 * </ul>
 *
 * <p>Immutable and thread-safe.
 */
final class PreparedLeaseBranch implements XAResource, Serializable {
    @Serial
    private static final long serialVersionUID = 1L;

    private static final Xid[] NONE = new Xid[0];

    private final String storeId;
    private final String node;
    private final String transactionId;
    private final String[] names;
    private final boolean[] releases;

    /**
     * @param transactionId the branch's transaction id as the store records it, or null if unknown
     *     (the Xid that commit or rollback receives is then taken as the branch's)
     * @param names the locks of the branch
     * @param releases per lock, whether completion releases it (else only clears the transaction)
     */
    PreparedLeaseBranch(String storeId, String node, String transactionId, List<String> names, boolean[] releases) {
        if (names.size() != releases.length) {
            throw new IllegalArgumentException(names.size() + " locks but " + releases.length + " release flags");
        }
        this.storeId = storeId;
        this.node = node;
        this.transactionId = transactionId;
        this.names = names.toArray(new String[0]);
        this.releases = releases.clone();
    }

    /** Returns the identity of the lease store: the resource manager. */
    String storeId() {
        return storeId;
    }

    /** Returns the locks of the branch. */
    List<String> names() {
        return List.of(names);
    }

    @Override
    public void commit(Xid xid, boolean onePhase) throws XAException {
        StoreXAResource.requireXid(xid, "commit");
        if (onePhase) {
            throw XaErrors.protocol("one-phase commit of logged branch " + XidCodec.describe(xid)
                    + ": a logged branch is prepared, commit it in two phases");
        }
        complete(xid, false, "commit");
    }

    @Override
    public void rollback(Xid xid) throws XAException {
        StoreXAResource.requireXid(xid, "rollback");
        complete(xid, false, "rollback");
    }

    @Override
    public void forget(Xid xid) throws XAException {
        StoreXAResource.requireXid(xid, "forget");
        complete(xid, true, "forget");
    }

    @Override
    public Xid[] recover(int flags) throws XAException {
        if ((flags & ~(TMSTARTRSCAN | TMENDRSCAN)) != 0) {
            throw XaErrors.invalid(
                    "recover accepts TMSTARTRSCAN, TMENDRSCAN or TMNOFLAGS, got " + StoreXAResource.hex(flags));
        }
        return NONE;
    }

    @Override
    public void start(Xid xid, int flags) throws XAException {
        StoreXAResource.requireXid(xid, "start");
        throw notActive("start", xid);
    }

    @Override
    public void end(Xid xid, int flags) throws XAException {
        StoreXAResource.requireXid(xid, "end");
        throw notActive("end", xid);
    }

    @Override
    public int prepare(Xid xid) throws XAException {
        StoreXAResource.requireXid(xid, "prepare");
        throw notActive("prepare", xid);
    }

    @Override
    public boolean isSameRM(XAResource other) {
        return StoreXAResource.sameStore(storeId, other);
    }

    @Override
    public int getTransactionTimeout() {
        return 0;
    }

    /** Accepts and ignores a timeout: the branch is prepared, its leases were granted their time. */
    @Override
    public boolean setTransactionTimeout(int seconds) throws XAException {
        if (seconds < 0) {
            throw XaErrors.invalid("transaction timeout must not be negative, was " + seconds + " s");
        }
        return false;
    }

    @Override
    public String toString() {
        return "PreparedLeaseBranch[branch=" + transactionId + ", locks=" + Arrays.toString(names) + ", node=" + node
                + ", store=" + storeId + "]";
    }

    private void complete(Xid xid, boolean forget, String operation) throws XAException {
        String branch = XidCodec.encode(xid);
        if (transactionId != null && !transactionId.equals(branch)) {
            throw XaErrors.unknown(xid, toString());
        }
        LeaseStore store = RecoveryStores.find(storeId)
                .orElseThrow(() -> XaErrors.unavailable(
                        operation + " of logged branch " + branch + ": no LeaseRecoveryHelper registered for store "
                                + storeId + " yet; recovery tries again",
                        null));
        LeaseStoreUnavailableException failure = null;
        for (int i = 0; i < names.length; i++) {
            try {
                store.completeTransaction(names[i], branch, !forget && releases[i]);
            } catch (LeaseStoreUnavailableException e) {
                failure = e;
            }
        }
        if (failure != null) {
            throw XaErrors.unavailable(
                    operation + " of logged branch " + branch + " could not complete lock '" + failure.lockName()
                            + "'; it is safe to repeat, recovery will",
                    failure);
        }
    }

    private XAException notActive(String method, Xid xid) {
        return XaErrors.protocol(method + " of " + XidCodec.describe(xid) + " on " + this
                + ", which only commits, rolls back and forgets a logged branch");
    }

    @Serial
    private void readObject(ObjectInputStream in) throws IOException, ClassNotFoundException {
        in.defaultReadObject();
        if (storeId == null || names == null || releases == null || names.length != releases.length) {
            throw new InvalidObjectException("a PreparedLeaseBranch needs a store id and one release flag per lock");
        }
        for (String name : names) {
            if (name == null) {
                throw new InvalidObjectException("a PreparedLeaseBranch lock name is null");
            }
        }
    }
}
