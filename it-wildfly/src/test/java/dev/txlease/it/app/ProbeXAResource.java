package dev.txlease.it.app;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Supplier;
import javax.transaction.xa.XAException;
import javax.transaction.xa.XAResource;
import javax.transaction.xa.Xid;

/**
 * The test's second resource, wrapping a real H2 XAResource (so the server's datasource recovery can
 * complete its branch after a crash): it records the XA calls it gets, and what {@code atCommit} says
 * when its commit begins; with {@code halt}, its commit halts the server JVM instead, after every
 * branch was prepared and the decision logged.
 */
public final class ProbeXAResource implements XAResource {
    private final XAResource delegate;
    private final boolean halt;
    private final Supplier<String> atCommit;
    private final List<String> calls = new CopyOnWriteArrayList<>();

    public ProbeXAResource(XAResource delegate, boolean halt, Supplier<String> atCommit) {
        this.delegate = delegate;
        this.halt = halt;
        this.atCommit = atCommit;
    }

    public List<String> calls() {
        return calls;
    }

    @Override
    public void start(Xid xid, int flags) throws XAException {
        calls.add("start");
        delegate.start(xid, flags);
    }

    @Override
    public void end(Xid xid, int flags) throws XAException {
        calls.add("end");
        delegate.end(xid, flags);
    }

    @Override
    public int prepare(Xid xid) throws XAException {
        calls.add("prepare");
        return delegate.prepare(xid);
    }

    @Override
    public void commit(Xid xid, boolean onePhase) throws XAException {
        calls.add("commit(" + atCommit.get() + ")");
        if (halt) {
            Runtime.getRuntime().halt(77);
        }
        delegate.commit(xid, onePhase);
    }

    @Override
    public void rollback(Xid xid) throws XAException {
        calls.add("rollback");
        delegate.rollback(xid);
    }

    @Override
    public void forget(Xid xid) throws XAException {
        delegate.forget(xid);
    }

    @Override
    public Xid[] recover(int flags) throws XAException {
        return delegate.recover(flags);
    }

    /** Never joins another resource's branch: it must be a branch of its own, committed first. */
    @Override
    public boolean isSameRM(XAResource other) {
        return false;
    }

    @Override
    public int getTransactionTimeout() throws XAException {
        return delegate.getTransactionTimeout();
    }

    @Override
    public boolean setTransactionTimeout(int seconds) throws XAException {
        return delegate.setTransactionTimeout(seconds);
    }
}
