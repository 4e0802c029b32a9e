package dev.txlease.spring;

import dev.txlease.FenceToken;
import dev.txlease.Lease;
import dev.txlease.LeaseState;
import dev.txlease.LockMode;
import dev.txlease.LossCause;
import java.time.Duration;
import java.util.Optional;

/**
 * A lease acquired inside a Spring-managed transaction: the client's lease, plus what the
 * transaction decides about it. {@link #close()} while the transaction runs only asks for the lease
 * to be released when the transaction completes; afterwards it releases at once.
 *
 * <p>Thread-safe.
 */
final class SpringTransactionLease implements Lease {
    private final SpringTransactionalLeaseClient client;
    private final Lease lease;
    private final TransactionLeaseHolder holder;
    private final boolean releaseOnCompletion;
    private final LossWatcher watcher;
    private volatile boolean releaseRequested;

    SpringTransactionLease(
            SpringTransactionalLeaseClient client,
            Lease lease,
            TransactionLeaseHolder holder,
            LossWatcher watcher,
            boolean releaseOnCompletion) {
        this.client = client;
        this.lease = lease;
        this.holder = holder;
        this.watcher = watcher;
        this.releaseOnCompletion = releaseOnCompletion;
        watcher.reportAs(this);
    }

    SpringTransactionalLeaseClient client() {
        return client;
    }

    /** Returns the client's lease. */
    Lease unwrap() {
        return lease;
    }

    /** Returns why the lease was lost, as its listener was told, or {@code null}. */
    LossCause lossCause() {
        return watcher.lossCause();
    }

    /** Returns whether the transaction's completion releases this lease. */
    boolean releaseAtCompletion() {
        return releaseOnCompletion || releaseRequested;
    }

    /**
     * Asks for the release at the end of the transaction if it still runs.
     *
     * @return {@code true} if deferred, {@code false} if the transaction has completed
     */
    boolean deferRelease() {
        if (holder.isCompleted()) {
            return false;
        }
        releaseRequested = true;
        // The transaction may have completed in between and missed the request.
        return !holder.isCompleted();
    }

    /** Releases the lease now, if it is still held. */
    void releaseNow() {
        if (lease.state() == LeaseState.HELD) {
            client.delegate().release(lease);
        }
    }

    @Override
    public String name() {
        return lease.name();
    }

    @Override
    public String owner() {
        return lease.owner();
    }

    @Override
    public FenceToken fenceToken() {
        return lease.fenceToken();
    }

    @Override
    public LockMode mode() {
        return lease.mode();
    }

    /** Converts the lease (see {@link Lease#convert}); the transaction sees the new fence token. */
    @Override
    public void convert(LockMode mode) {
        lease.convert(mode);
    }

    @Override
    public Optional<byte[]> data() {
        return lease.data();
    }

    @Override
    public Duration leaseDuration() {
        return lease.leaseDuration();
    }

    @Override
    public boolean isValid() {
        return lease.isValid();
    }

    @Override
    public Duration remaining() {
        return lease.remaining();
    }

    @Override
    public LeaseState state() {
        return lease.state();
    }

    /**
     * Releases the lease when its transaction completes, or now if the transaction has completed
     * already; does nothing if the lease is released or lost.
     */
    @Override
    public void close() {
        if (lease.state() == LeaseState.HELD && !deferRelease()) {
            releaseNow();
        }
    }

    @Override
    public String toString() {
        return "SpringTransactionLease[name=" + name() + ", owner=" + owner() + ", fence=" + fenceToken() + ", state="
                + state() + ", releaseOnCompletion=" + releaseOnCompletion + "]";
    }
}
