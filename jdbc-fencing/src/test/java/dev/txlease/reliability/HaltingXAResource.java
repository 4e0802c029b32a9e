package dev.txlease.reliability;

import java.io.Serializable;
import javax.transaction.xa.XAResource;
import javax.transaction.xa.Xid;

/**
 * A do-nothing XAResource that halts the JVM in {@code commit} when the system property {@value
 * #HALT_PROPERTY} is {@code true}: enlisted first, it is committed first, so the process dies after
 * the transaction manager logged its decision and before any other branch was committed.
 * Serializable, so the transaction manager logs it and recovery replays it in a JVM that does not
 * halt. Stateless and thread-safe.
 */
final class HaltingXAResource implements XAResource, Serializable {
    /** The system property that arms the halt. */
    static final String HALT_PROPERTY = "txlease.reliability.haltOnCommit";

    /** The exit status of a halted JVM. */
    static final int HALT_STATUS = 43;

    private static final long serialVersionUID = 1L;

    @Override
    public int prepare(Xid xid) {
        return XA_OK;
    }

    @Override
    public void commit(Xid xid, boolean onePhase) {
        if (Boolean.getBoolean(HALT_PROPERTY)) {
            System.out.println("halting in commit of " + xid);
            System.out.flush();
            Runtime.getRuntime().halt(HALT_STATUS);
        }
    }

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
