package dev.txlease.jta;

import dev.txlease.FenceToken;
import dev.txlease.Lease;
import dev.txlease.LeaseState;
import dev.txlease.LockMode;
import dev.txlease.LossCause;
import dev.txlease.internal.ManagedLease;
import java.time.Duration;
import java.util.Optional;

/**
 * A lease acquired inside a JTA transaction: the engine's lease, plus what the transaction decides
 * about it. {@link #close()} while the transaction runs does not release at once (the transaction's
 * writes are not committed yet): it asks for release when the transaction completes. After the
 * transaction, a kept lease closes as any other. Thread-safe.
 */
final class TransactionalLease implements Lease {
    private final ManagedLease managed;
    private final LeaseXAResource resource;
    private volatile boolean releaseOnCompletion;
    private volatile LossCause lossCause;

    TransactionalLease(ManagedLease managed, LeaseXAResource resource, boolean releaseOnCompletion) {
        this.managed = managed;
        this.resource = resource;
        this.releaseOnCompletion = releaseOnCompletion;
    }

    ManagedLease managed() {
        return managed;
    }

    boolean releaseOnCompletion() {
        return releaseOnCompletion;
    }

    void releaseOnCompletion(boolean release) {
        this.releaseOnCompletion = release;
    }

    /** Returns why the lease was lost, as its listener was told, or {@code null}. */
    LossCause lossCause() {
        return lossCause;
    }

    void lost(LossCause cause) {
        this.lossCause = cause;
    }

    /**
     * Defers the release to the end of the transaction if it still runs.
     *
     * @return {@code true} if deferred, {@code false} if the transaction has completed
     */
    boolean deferRelease() {
        return resource.deferRelease(this);
    }

    @Override
    public String name() {
        return managed.name();
    }

    @Override
    public String owner() {
        return managed.owner();
    }

    @Override
    public FenceToken fenceToken() {
        return managed.fenceToken();
    }

    @Override
    public LockMode mode() {
        return managed.mode();
    }

    /** Converts the lease (see {@link Lease#convert}); the transaction sees the new fence token. */
    @Override
    public void convert(LockMode mode) {
        managed.convert(mode);
    }

    @Override
    public Optional<byte[]> data() {
        return managed.data();
    }

    @Override
    public Duration leaseDuration() {
        return managed.leaseDuration();
    }

    @Override
    public boolean isValid() {
        return managed.isValid();
    }

    @Override
    public Duration remaining() {
        return managed.remaining();
    }

    @Override
    public LeaseState state() {
        return managed.state();
    }

    /**
     * Releases the lease when its transaction completes, or now if the transaction has completed
     * already; does nothing if the lease is released or lost.
     */
    @Override
    public void close() {
        if (managed.state() == LeaseState.HELD && !deferRelease()) {
            managed.close();
        }
    }

    @Override
    public String toString() {
        return "TransactionalLease[name=" + name() + ", owner=" + owner() + ", fence=" + fenceToken() + ", state="
                + state() + ", releaseOnCompletion=" + releaseOnCompletion + "]";
    }
}
