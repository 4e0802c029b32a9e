package dev.txlease.internal;

import dev.txlease.Lease;
import dev.txlease.LeaseLostException;
import dev.txlease.LeaseStoreUnavailableException;
import dev.txlease.LeaseTimeoutException;
import dev.txlease.LockMode;
import dev.txlease.LossCause;
import dev.txlease.client.AcquireOutcome;
import dev.txlease.client.LeaseClientObserver;
import dev.txlease.client.LeaseClock;
import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.CompletionException;

/**
 * The one place a lease's lifecycle is logged and reported to the client's {@link
 * LeaseClientObserver}: the engine's classes call it with one line where something happens, and it
 * keeps the levels the same everywhere (lease lost: WARNING; takeover: INFO; acquisitions:
 * DEBUG; every renewal: TRACE, a failed one DEBUG).
 *
 * <p>Logger: {@value #LOGGER_NAME}. Thread-safe; an observer that throws is logged and ignored.
 */
public final class LeaseEvents {
    /** The logger of lease lifecycle events. */
    public static final String LOGGER_NAME = "dev.txlease.client.DefaultLeaseClient";

    private static final System.Logger LOG = System.getLogger(LOGGER_NAME);

    private final LeaseClientObserver observer;
    private final LeaseClock clock;

    /**
     * Creates the events of one client.
     *
     * @param observer the client's observer
     * @param clock the client's monotonic clock, for durations
     */
    public LeaseEvents(LeaseClientObserver observer, LeaseClock clock) {
        this.observer = Objects.requireNonNull(observer, "observer");
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    /** Events with no observer (logging only), for resources built without a client. */
    public static LeaseEvents loggingOnly() {
        return new LeaseEvents(LeaseClientObserver.NONE, LeaseClock.system());
    }

    /** Returns a reading of the client's clock, to pass back as {@code startedNanos}. */
    long now() {
        return clock.nanoTime();
    }

    /**
     * Reports the end of an acquisition: {@code lease} if granted (null if not), or its {@code
     * failure}.
     */
    void acquireEnded(String name, LockMode mode, long startedNanos, Lease lease, Throwable failure) {
        Duration elapsed = since(startedNanos);
        Throwable cause =
                failure instanceof CompletionException && failure.getCause() != null ? failure.getCause() : failure;
        AcquireOutcome outcome = cause == null
                ? (lease != null ? AcquireOutcome.GRANTED : AcquireOutcome.NOT_GRANTED)
                : cause instanceof LeaseTimeoutException
                        ? AcquireOutcome.TIMEOUT
                        : cause instanceof LeaseStoreUnavailableException
                                ? AcquireOutcome.STORE_UNAVAILABLE
                                : AcquireOutcome.FAILED;
        if (lease != null) {
            LOG.log(
                    Level.DEBUG,
                    "txlease: acquired lock ''{0}'' (owner {1}, fence {2}) in {3} ms",
                    name,
                    lease.owner(),
                    lease.fenceToken(),
                    elapsed.toMillis());
        } else {
            LOG.log(
                    Level.DEBUG,
                    "txlease: acquire of lock ''{0}'' ended {1} after {2} ms{3}",
                    name,
                    outcome,
                    elapsed.toMillis(),
                    cause == null ? "" : ": " + cause.getMessage());
        }
        observe(() -> observer.acquireEnded(name, mode, outcome, elapsed));
    }

    void tookOver(Lease lease, String previousOwner) {
        LOG.log(
                Level.INFO,
                "txlease: took over lock ''{0}'' from owner {1}, whose lease ran out unrenewed; new owner {2},"
                        + " fence {3}. Writes of the previous owner fenced with older tokens are now rejected",
                lease.name(),
                previousOwner,
                lease.owner(),
                lease.fenceToken());
        observe(() -> observer.tookOver(lease, previousOwner));
    }

    void renewalStarted(long lateNanos) {
        observe(() -> observer.renewalStarted(Duration.ofNanos(Math.max(0, lateNanos))));
    }

    void renewalEnded(Lease lease, long startedNanos, RuntimeException failure) {
        Duration elapsed = since(startedNanos);
        if (failure == null) {
            if (LOG.isLoggable(Level.TRACE)) { // the hot path: no arguments boxed unless it logs
                LOG.log(
                        Level.TRACE,
                        "txlease: renewed lease on lock ''{0}'' (owner {1}, fence {2}) in {3} ms",
                        lease.name(),
                        lease.owner(),
                        lease.fenceToken(),
                        elapsed.toMillis());
            }
        } else if (!(failure instanceof LeaseLostException)) { // a loss is logged once, by lost()
            LOG.log(
                    Level.DEBUG,
                    "txlease: renewal of lease on lock ''{0}'' (owner {1}, fence {2}) failed after {3} ms;"
                            + " retrying is safe, and its heartbeat retries until the lease runs out: {4}",
                    lease.name(),
                    lease.owner(),
                    lease.fenceToken(),
                    elapsed.toMillis(),
                    failure.getMessage());
        }
        observe(() -> observer.renewalEnded(lease, elapsed, failure));
    }

    void lost(Lease lease, LossCause cause, Throwable detail) {
        String message = "txlease: lease on lock '" + lease.name() + "' (owner " + lease.owner() + ", fence "
                + lease.fenceToken() + ") is lost (" + cause + "): " + advice(cause)
                + " Stop the work it guards; fenced writes with this token are rejected once a newer holder wrote;"
                + " acquire the lock again to continue";
        if (detail == null) {
            LOG.log(Level.WARNING, message);
        } else {
            LOG.log(Level.WARNING, message, detail);
        }
        observe(() -> observer.leaseLost(lease, cause));
    }

    /** Reports a prepare vote ({@code XA_OK} or an {@code XA_RB*} code). */
    public void prepareVoted(int xaCode) {
        observe(() -> observer.prepareVoted(xaCode));
    }

    /** Reports that recovery completed a prepared branch. */
    public void branchRecovered(boolean committed) {
        observe(() -> observer.branchRecovered(committed));
    }

    private static String advice(LossCause cause) {
        return switch (cause) {
            case TAKEN_OVER -> "another owner took the lock over, or released it as expired.";
            case STORE_UNREACHABLE -> "renewals could not reach the store before the lease ran out; check the"
                    + " store's reachability.";
            case EXPIRED_LOCALLY -> "it ran out on this process's clock before a renewal succeeded; check for"
                    + " long pauses, heartbeatPeriod and the heartbeat backlog.";
        };
    }

    private Duration since(long startedNanos) {
        return Duration.ofNanos(Math.max(0, clock.nanoTime() - startedNanos));
    }

    private static void observe(Runnable call) {
        try {
            call.run();
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "txlease: a LeaseClientObserver threw; it should return quickly and not throw", e);
        }
    }
}
