package dev.txlease.bench;

import java.time.Duration;
import java.util.List;

/**
 * How much each measure does: {@link #QUICK} proves the harness in seconds (a test runs it), {@link
 * #FULL} produces the published numbers.
 *
 * @param name {@code quick} or {@code full}
 * @param cheapRepetitions repetitions of the free acquire, renew and release counts
 * @param heldRepetitions repetitions of the held-lock acquire counts (each costs the AWS client a
 *     one-second poll)
 * @param throughputThreads the thread counts of the throughput measure
 * @param throughputWarmUp the untimed round per library and thread count
 * @param throughputRound one timed round of one library
 * @param throughputRounds timed rounds per library and thread count, alternating the order
 * @param handoverThreads threads contending for the one lock
 * @param handoverHold how long a holder keeps the lock
 * @param handoverWarmUps handovers not recorded at the start of each handover run
 * @param txleaseHandovers handovers measured for txlease, one client shared by the threads
 * @param awsHandovers handovers measured for the AWS client, one client shared by the threads
 * @param txleaseSeparateHandovers handovers measured for txlease with one client per thread
 * @param heartbeatLeases leases held by one client in the heartbeat measure
 * @param awsFewerHeartbeatLeases the smaller count the AWS client is also measured at (one
 *     heartbeat thread renews its leases one after the other)
 * @param heartbeat the lease settings of the heartbeat measure
 * @param heartbeatLatency the latency added to every request during the heartbeat measure
 * @param heartbeatHold how long the leases are held once all are granted
 * @param transactionWarmUps untimed transactions per variant
 * @param transactions timed transactions per variant
 */
record BenchMode(
        String name,
        int cheapRepetitions,
        int heldRepetitions,
        List<Integer> throughputThreads,
        Duration throughputWarmUp,
        Duration throughputRound,
        int throughputRounds,
        int handoverThreads,
        Duration handoverHold,
        int handoverWarmUps,
        int txleaseHandovers,
        int awsHandovers,
        int txleaseSeparateHandovers,
        int heartbeatLeases,
        int awsFewerHeartbeatLeases,
        LeaseSettings heartbeat,
        Duration heartbeatLatency,
        Duration heartbeatHold,
        int transactionWarmUps,
        int transactions) {

    /** A few seconds per measure; numbers are not meaningful. */
    static final BenchMode QUICK = new BenchMode(
            /* name */ "quick",
            /* cheapRepetitions */ 3,
            /* heldRepetitions */ 1,
            /* throughputThreads */ List.of(1, 4),
            /* throughputWarmUp */ Duration.ofMillis(200),
            /* throughputRound */ Duration.ofMillis(400),
            /* throughputRounds */ 2,
            /* handoverThreads */ 2,
            /* handoverHold */ Duration.ofMillis(2),
            /* handoverWarmUps */ 0,
            /* txleaseHandovers */ 10,
            /* awsHandovers */ 2,
            /* txleaseSeparateHandovers */ 3,
            /* heartbeatLeases */ 100,
            /* awsFewerHeartbeatLeases */ 50,
            /* heartbeat */ new LeaseSettings(Duration.ofSeconds(2), Duration.ofMillis(500), 0),
            /* heartbeatLatency */ Duration.ofMillis(10),
            /* heartbeatHold */ Duration.ofSeconds(2),
            /* transactionWarmUps */ 10,
            /* transactions */ 20);

    /** The published run: a few minutes. */
    static final BenchMode FULL = new BenchMode(
            /* name */ "full",
            /* cheapRepetitions */ 20,
            /* heldRepetitions */ 5,
            /* throughputThreads */ List.of(1, 4),
            /* throughputWarmUp */ Duration.ofSeconds(2),
            /* throughputRound */ Duration.ofSeconds(3),
            /* throughputRounds */ 3,
            /* handoverThreads */ 4,
            /* handoverHold */ Duration.ofMillis(5),
            /* handoverWarmUps */ 2,
            /* txleaseHandovers */ 300,
            /* awsHandovers */ 30,
            /* txleaseSeparateHandovers */ 40,
            /* heartbeatLeases */ 10_000,
            /* awsFewerHeartbeatLeases */ 2_000,
            /* heartbeat */ LeaseSettings.TXLEASE_DEFAULTS,
            /* heartbeatLatency */ Duration.ofMillis(10),
            /* heartbeatHold */ Duration.ofSeconds(30),
            /* transactionWarmUps */ 200,
            /* transactions */ 600);

    /** Returns the mode named {@code name}. */
    static BenchMode named(String name) {
        return switch (name) {
            case "quick" -> QUICK;
            case "full" -> FULL;
            default -> throw new IllegalArgumentException("mode must be 'quick' or 'full', was '" + name + "'");
        };
    }
}
