package dev.txlease.jta;

import javax.transaction.xa.XAException;
import javax.transaction.xa.XAResource;
import javax.transaction.xa.Xid;

/**
 * What the live and the recovery XAResource share: the identity of the lease store, the transaction
 * timeout the transaction manager announced, and the first checks of every XA method. Thread-safe.
 */
abstract class StoreXAResource implements XAResource {
    private final String storeId;
    private volatile int transactionTimeoutSeconds;

    StoreXAResource(String storeId) {
        this.storeId = storeId;
    }

    /** Returns the identity of the lease store: the resource manager. */
    final String storeId() {
        return storeId;
    }

    @Override
    public final int getTransactionTimeout() {
        return transactionTimeoutSeconds;
    }

    /**
     * Records the transaction timeout; a lease acquired later in the transaction must outlive it (see
     * {@link TransactionalLeaseClient}). Zero means the transaction manager's default, not checked.
     */
    @Override
    public final boolean setTransactionTimeout(int seconds) throws XAException {
        if (seconds < 0) {
            throw XaErrors.invalid("transaction timeout must not be negative, was " + seconds + " s");
        }
        transactionTimeoutSeconds = seconds;
        return true;
    }

    /** The first check of every XA method: a null Xid is {@code XAER_INVAL}. */
    static Xid requireXid(Xid xid, String method) throws XAException {
        if (xid == null) {
            throw XaErrors.invalid(method + " needs an Xid, got null");
        }
        return xid;
    }

    /** Returns the flags in hexadecimal, for messages. */
    static String hex(int flags) {
        return "0x" + Integer.toHexString(flags);
    }
}
