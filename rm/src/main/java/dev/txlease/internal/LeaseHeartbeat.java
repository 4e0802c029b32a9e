package dev.txlease.internal;

import dev.txlease.LeaseLostException;
import dev.txlease.LeaseState;
import dev.txlease.LeaseStoreUnavailableException;
import dev.txlease.LossCause;
import java.time.Duration;

/**
 * The heartbeat of one lease: the engine's {@link HeartbeatScheduler} runs its beats, each one
 * period after the previous one started, at most one pending at a time. Reports near expiry
 * (renewals failing with little time left), late renewals (the scheduler is overloaded) and loss
 * to the lease's listener.
 *
 * <p>Thread-safe: beats of one lease never overlap (the scheduler queues the next beat only when
 * this one has run, and a beat that finds another operation running on the lease skips its turn),
 * and the streak flags are guarded by this object's monitor.
 */
final class LeaseHeartbeat {
    private final ManagedLease lease;
    private final Duration period;
    private HeartbeatScheduler scheduler; // null once stopped
    private boolean unreachableStreak;
    private boolean nearExpiryReported;
    private boolean lateReported;

    LeaseHeartbeat(ManagedLease lease, Duration period) {
        this.lease = lease;
        this.period = period;
    }

    Duration period() {
        return period;
    }

    /**
     * Starts beating.
     *
     * @return false if the scheduler is closed
     */
    boolean start(HeartbeatScheduler scheduler) {
        synchronized (this) {
            this.scheduler = scheduler;
        }
        return scheduleNext(System.nanoTime());
    }

    /** Stops beating; a beat already running finishes, and a queued one does nothing. */
    synchronized void stop() {
        scheduler = null;
    }

    private synchronized boolean isStopped() {
        return scheduler == null;
    }

    /** Queues the next beat one period after {@code from}, unless stopped. */
    private boolean scheduleNext(long from) {
        HeartbeatScheduler current;
        synchronized (this) {
            current = scheduler;
        }
        if (current == null) {
            return true;
        }
        long expiresAt = System.nanoTime() + lease.remaining().toNanos();
        return current.schedule(this, from + period.toNanos(), expiresAt);
    }

    /**
     * One beat, started {@code lateNanos} after it was due: renews, unless the heartbeat was stopped
     * or another operation on the lease is running; then queues the next beat. Never throws.
     */
    void beat(long lateNanos) {
        long startedAt = System.nanoTime();
        if (isStopped()) {
            return;
        }
        try {
            lease.engine().events().renewalStarted(lateNanos);
            reportLateness(lateNanos);
            beatOnce();
        } finally {
            scheduleNext(startedAt);
        }
    }

    private void beatOnce() {
        if (!lease.tryLockOperation()) {
            return; // a release, prepare or manual renew is running; the next beat will do
        }
        try {
            if (lease.state() != LeaseState.HELD) {
                stop();
                return;
            }
            if (!lease.isValid()) {
                boolean unreachable;
                synchronized (this) {
                    unreachable = unreachableStreak;
                }
                lease.markLost(unreachable ? LossCause.STORE_UNREACHABLE : LossCause.EXPIRED_LOCALLY, null);
                return;
            }
            lease.renew();
            synchronized (this) {
                unreachableStreak = false;
                nearExpiryReported = false;
            }
        } catch (LeaseStoreUnavailableException e) {
            reportUnreachable();
        } catch (LeaseLostException e) {
            // the lease told its listener when it marked itself lost
        } catch (RuntimeException e) {
            lease.engine().logHeartbeatFailure(lease, e);
        } finally {
            lease.unlockOperation();
        }
    }

    /** A beat more than half a period late: the client's heartbeats cannot keep up. Once per streak. */
    private void reportLateness(long lateNanos) {
        boolean late = lateNanos > period.toNanos() / 2;
        boolean report;
        synchronized (this) {
            report = late && !lateReported;
            lateReported = late;
        }
        if (report) {
            Duration delay = Duration.ofNanos(lateNanos);
            lease.engine().notify(() -> lease.listener().onRenewalLate(lease, delay));
        }
    }

    private void reportUnreachable() {
        Duration left = lease.remaining();
        boolean report;
        synchronized (this) {
            unreachableStreak = true;
            report = !nearExpiryReported && left.compareTo(period.multipliedBy(2)) <= 0;
            nearExpiryReported |= report;
        }
        if (report) {
            lease.engine().notify(() -> lease.listener().onNearExpiry(lease, left));
        }
    }
}
