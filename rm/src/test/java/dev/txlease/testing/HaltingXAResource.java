package dev.txlease.testing;

import java.io.Serial;
import java.io.Serializable;
import javax.transaction.xa.XAResource;
import javax.transaction.xa.Xid;

/**
 * An XAResource that votes yes and halts the JVM in its commit: enlisted first in a transaction, it
 * makes the process die after the transaction manager logged its decision and before the other
 * branches were committed. Serializable and free of txlease classes (only the JDK), so a transaction
 * manager that sees no txlease class can read it back from its log and commit it on recovery (the
 * recovering JVM does not halt: it halts only in the JVM that created it). Thread-safe.
 */
public final class HaltingXAResource implements XAResource, Serializable {
    /** The exit status of the halted JVM. */
    public static final int HALT_STATUS = 42;

    @Serial
    private static final long serialVersionUID = 1L;

    private transient volatile boolean halting;

    /** A resource that halts the JVM in its commit. */
    public HaltingXAResource() {
        this.halting = true;
    }

    @Override
    public void commit(Xid xid, boolean onePhase) {
        if (halting) { // false once read back from the log
            System.out.println("halting in commit of " + xid);
            System.out.flush();
            Runtime.getRuntime().halt(HALT_STATUS);
        }
    }

    @Override
    public int prepare(Xid xid) {
        return XA_OK;
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
