package dev.txlease.testing;

import java.io.Serial;
import java.io.Serializable;
import javax.transaction.xa.XAResource;
import javax.transaction.xa.Xid;

/**
 * An XAResource that does no work and votes {@code XA_OK}: the base of the test kit's resources,
 * which override only the calls they script or record. Serializable, so a transaction manager logs
 * it and recovery replays it without a recovery helper; it uses only the JDK, so a subclass that does
 * too can be read back by a transaction manager that sees no other txlease class ({@link
 * IsolatedRecovery} copies both). Never the same resource manager as another instance. Stateless:
 * thread-safe as far as a subclass is.
 */
public class NoOpXAResource implements XAResource, Serializable {
    @Serial
    private static final long serialVersionUID = 1L;

    @Override
    public int prepare(Xid xid) {
        return XA_OK;
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
    public int getTransactionTimeout() {
        return 0;
    }

    @Override
    public boolean setTransactionTimeout(int seconds) {
        return false;
    }
}
