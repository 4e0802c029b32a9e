package dev.txlease.jta;

import dev.txlease.testing.NoOpXAResource;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import javax.transaction.xa.Xid;

/**
 * A do-nothing XAResource for tests that records its calls and runs a script at prepare and at
 * commit. Serializable (as its base), so Narayana logs it and recovery replays it without a recovery
 * helper. Thread-safe.
 */
final class ScriptedXAResource extends NoOpXAResource {
    private static final long serialVersionUID = 1L;

    private final transient List<String> calls = new CopyOnWriteArrayList<>();
    private final transient Runnable atPrepare;
    private final transient Runnable atCommit;
    private transient volatile Xid started;

    ScriptedXAResource(Runnable atPrepare) {
        this(atPrepare, null);
    }

    /** A resource that runs {@code atPrepare} in prepare and {@code atCommit} in commit (either may be null). */
    ScriptedXAResource(Runnable atPrepare, Runnable atCommit) {
        this.atPrepare = atPrepare;
        this.atCommit = atCommit;
    }

    /** Returns the branch Xid this resource was started with, or null. */
    Xid started() {
        return started;
    }

    /** Returns the calls received so far, in order ({@code "prepare"}, {@code "commit"}, ...). */
    List<String> calls() {
        return calls;
    }

    @Override
    public int prepare(Xid xid) {
        record("prepare");
        if (atPrepare != null) {
            atPrepare.run();
        }
        return XA_OK;
    }

    @Override
    public void commit(Xid xid, boolean onePhase) {
        record("commit");
        if (atCommit != null) {
            atCommit.run();
        }
    }

    @Override
    public void rollback(Xid xid) {
        record("rollback");
    }

    @Override
    public void start(Xid xid, int flags) {
        started = xid;
        record("start");
    }

    @Override
    public void end(Xid xid, int flags) {
        record("end");
    }

    @Override
    public void forget(Xid xid) {
        record("forget");
    }

    private void record(String call) {
        if (calls != null) { // null after deserialization
            calls.add(call);
        }
    }
}
