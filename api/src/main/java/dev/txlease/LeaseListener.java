package dev.txlease;

import java.time.Duration;

/**
 * Callbacks about a lease's health, delivered on the client's heartbeat threads. Implementations
 * must be thread-safe and return quickly; both methods default to doing nothing.
 */
public interface LeaseListener {

    /** A listener that ignores every event. */
    LeaseListener NONE = new LeaseListener() {};

    /**
     * The lease is lost; stop the work it guards. Called at most once per lease.
     *
     * @param lease the lost lease
     * @param cause why it was lost
     * @param detail the failure that caused it, or {@code null}
     */
    default void onLost(Lease lease, LossCause cause, Throwable detail) {}

    /**
     * Renewals are failing and the lease will expire soon unless the next one succeeds. Called at most
     * once per failing streak.
     *
     * @param lease the lease
     * @param remaining the time left on the local monotonic clock
     */
    default void onNearExpiry(Lease lease, Duration remaining) {}

    /**
     * A renewal of the lease started {@code delay} after it was due (more than half a heartbeat
     * period) although nothing failed: the client's heartbeats are overloaded (more leases than its
     * renewal threads serve at the store's latency, or a starved process) and the lease may expire.
     * The client also logs a WARNING. Called at most once per streak of late renewals.
     *
     * @param lease the lease
     * @param delay how late the renewal started
     */
    default void onRenewalLate(Lease lease, Duration delay) {}
}
