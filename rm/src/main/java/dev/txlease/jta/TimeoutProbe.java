package dev.txlease.jta;

import javax.transaction.xa.XAException;
import javax.transaction.xa.XAResource;
import javax.transaction.xa.Xid;

/**
 * An XAResource that does no work and only learns the transaction's timeout for a {@link
 * LeaseXAResource}: a transaction manager tells each resource the timeout when it enlists it, and the
 * lease resource itself is enlisted only at the end of the transaction (to be prepared last). Enlisted
 * at the first lease without heartbeats, which must outlive the transaction. It votes {@code
 * XA_RDONLY}, so it takes no part in the commit and is never logged. Thread-safe.
 */
final class TimeoutProbe implements XAResource {
    private final LeaseXAResource resource;

    TimeoutProbe(LeaseXAResource resource) {
        this.resource = resource;
    }

    @Override
    public boolean setTransactionTimeout(int seconds) throws XAException {
        return resource.setTransactionTimeout(seconds);
    }

    @Override
    public int getTransactionTimeout() {
        return resource.getTransactionTimeout();
    }

    @Override
    public int prepare(Xid xid) {
        return XA_RDONLY;
    }

    @Override
    public void commit(Xid xid, boolean onePhase) {}

    @Override
    public void rollback(Xid xid) {}

    @Override
    public void start(Xid xid, int flags) {}

    @Override
    public void end(Xid xid, int flags) {}

    @Override
    public void forget(Xid xid) {}

    @Override
    public Xid[] recover(int flag) {
        return new Xid[0];
    }

    @Override
    public boolean isSameRM(XAResource other) {
        return other == this;
    }

    @Override
    public String toString() {
        return "TimeoutProbe[" + resource + "]";
    }
}
