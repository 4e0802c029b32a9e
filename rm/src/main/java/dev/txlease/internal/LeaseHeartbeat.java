package dev.txlease.internal;

import dev.txlease.LeaseLostException;
import dev.txlease.LeaseState;
import dev.txlease.LeaseStoreUnavailableException;
import dev.txlease.LossCause;
import java.time.Duration;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * The heartbeat of one lease: the engine's single scheduler thread triggers it every period, and the
 * renewal itself runs on the engine's worker pool, so one slow store call never delays the beats of
 * other leases. Reports near expiry (renewals failing with little time left) and loss to the lease's
 * listener.
 *
 * <p>Thread-safe: beats of one lease never overlap (a beat that finds another operation running on the
 * lease skips its turn), and the streak flags are guarded by this object's monitor.
 */
final class LeaseHeartbeat {
    private final ManagedLease lease;
    private final Duration period;
    private ScheduledFuture<?> schedule;
    private boolean unreachableStreak;
    private boolean nearExpiryReported;

    LeaseHeartbeat(ManagedLease lease, Duration period) {
        this.lease = lease;
        this.period = period;
    }

    /**
     * Starts beating.
     *
     * @throws RejectedExecutionException if the scheduler is shut down
     */
    synchronized void start(ScheduledExecutorService scheduler, Executor workers) {
        schedule = scheduler.scheduleAtFixedRate(
                () -> submit(workers), period.toNanos(), period.toNanos(), TimeUnit.NANOSECONDS);
    }

    /** Stops beating; a beat already running finishes. */
    void stop() {
        ScheduledFuture<?> current;
        synchronized (this) {
            current = schedule;
            schedule = null;
        }
        if (current != null) {
            current.cancel(false);
        }
    }

    private void submit(Executor workers) {
        try {
            workers.execute(this::beat);
        } catch (RejectedExecutionException e) {
            // the client is closing
        }
    }

    /** One beat: renews, unless another operation on the lease is running. Never throws. */
    void beat() {
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
