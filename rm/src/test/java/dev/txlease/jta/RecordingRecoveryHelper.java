package dev.txlease.jta;

import com.arjuna.ats.jta.recovery.XAResourceRecoveryHelper;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import javax.transaction.xa.XAException;
import javax.transaction.xa.XAResource;
import javax.transaction.xa.Xid;

/**
 * Wraps a recovery helper so a test sees which verbs recovery called on its XAResources ({@code
 * "commit"}, {@code "rollback"}, {@code "forget"}), to tell a replayed commit from a presumed abort.
 * Thread-safe.
 */
final class RecordingRecoveryHelper implements XAResourceRecoveryHelper {
    private final XAResourceRecoveryHelper helper;
    private final List<String> calls = new CopyOnWriteArrayList<>();

    RecordingRecoveryHelper(XAResourceRecoveryHelper helper) {
        this.helper = helper;
    }

    /** Returns the completion verbs called so far, in order. */
    List<String> calls() {
        return calls;
    }

    @Override
    public boolean initialise(String parameter) throws Exception {
        return helper.initialise(parameter);
    }

    @Override
    public XAResource[] getXAResources() throws Exception {
        XAResource[] resources = helper.getXAResources();
        XAResource[] recording = new XAResource[resources.length];
        for (int i = 0; i < resources.length; i++) {
            recording[i] = new Recording(resources[i]);
        }
        return recording;
    }

    private final class Recording implements XAResource {
        private final XAResource resource;

        Recording(XAResource resource) {
            this.resource = resource;
        }

        @Override
        public void commit(Xid xid, boolean onePhase) throws XAException {
            calls.add("commit");
            resource.commit(xid, onePhase);
        }

        @Override
        public void rollback(Xid xid) throws XAException {
            calls.add("rollback");
            resource.rollback(xid);
        }

        @Override
        public void forget(Xid xid) throws XAException {
            calls.add("forget");
            resource.forget(xid);
        }

        @Override
        public Xid[] recover(int flags) throws XAException {
            return resource.recover(flags);
        }

        @Override
        public void start(Xid xid, int flags) throws XAException {
            resource.start(xid, flags);
        }

        @Override
        public void end(Xid xid, int flags) throws XAException {
            resource.end(xid, flags);
        }

        @Override
        public int prepare(Xid xid) throws XAException {
            return resource.prepare(xid);
        }

        @Override
        public boolean isSameRM(XAResource other) throws XAException {
            return resource.isSameRM(other instanceof Recording ? ((Recording) other).resource : other);
        }

        @Override
        public int getTransactionTimeout() throws XAException {
            return resource.getTransactionTimeout();
        }

        @Override
        public boolean setTransactionTimeout(int seconds) throws XAException {
            return resource.setTransactionTimeout(seconds);
        }
    }
}
