package dev.txlease.spring;

import dev.txlease.Lease;
import dev.txlease.LeaseListener;
import dev.txlease.LossCause;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The listener a Spring lease client installs on every acquisition: it remembers why the lease was
 * lost, counts the loss for the health indicator, and forwards both events to the caller's listener
 * with the lease the caller holds. Thread-safe.
 */
final class LossWatcher implements LeaseListener {
    private final LeaseListener listener;
    private final AtomicLong lostLeases;
    private volatile Lease reported;
    private volatile LossCause lossCause;

    LossWatcher(LeaseListener listener, AtomicLong lostLeases) {
        this.listener = listener;
        this.lostLeases = lostLeases;
    }

    /** Makes the events name {@code lease} (the wrapper the caller holds) instead of the client's. */
    void reportAs(Lease lease) {
        this.reported = lease;
    }

    LossCause lossCause() {
        return lossCause;
    }

    @Override
    public void onLost(Lease lease, LossCause cause, Throwable detail) {
        lossCause = cause;
        lostLeases.incrementAndGet();
        listener.onLost(reported != null ? reported : lease, cause, detail);
    }

    @Override
    public void onNearExpiry(Lease lease, Duration remaining) {
        listener.onNearExpiry(reported != null ? reported : lease, remaining);
    }
}
