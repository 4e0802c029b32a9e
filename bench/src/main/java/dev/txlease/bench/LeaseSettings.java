package dev.txlease.bench;

import java.time.Duration;

/**
 * The lease settings a measure gives both libraries.
 *
 * @param leaseDuration how long a grant or renewal holds the lock
 * @param heartbeatPeriod how often held locks are renewed in the background
 * @param heartbeatThreads txlease's most renewal threads, or 0 for the client's default (the AWS
 *     client always has one heartbeat thread)
 */
record LeaseSettings(Duration leaseDuration, Duration heartbeatPeriod, int heartbeatThreads) {
    /** txlease's defaults: {@code AcquireOptions.defaults()} and the client's default renewal threads. */
    static final LeaseSettings TXLEASE_DEFAULTS =
            new LeaseSettings(Duration.ofSeconds(20), Duration.ofSeconds(20).dividedBy(3), 0);

    /** The settings of the request, throughput and handover measures: 20 s leases, beats every 5 s. */
    static final LeaseSettings STANDARD = new LeaseSettings(Duration.ofSeconds(20), Duration.ofSeconds(5), 2);
}
