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
 * @param txleaseHandovers handovers measured for txlease, one client shared by the threads
 * @param awsHandovers handovers measured for the AWS client, one client shared by the threads
 * @param txleaseSeparateHandovers handovers measured for txlease with one client per thread
 * @param heartbeatLeases leases held by one client in the heartbeat measure
 * @param heartbeat the lease settings of the heartbeat measure
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
        int txleaseHandovers,
        int awsHandovers,
        int txleaseSeparateHandovers,
        int heartbeatLeases,
        LeaseSettings heartbeat,
        Duration heartbeatHold,
        int transactionWarmUps,
        int transactions) {

    /** A few seconds per measure; numbers are not meaningful. */
    static final BenchMode QUICK = new BenchMode(
            "quick",
            3,
            1,
            List.of(1, 4),
            Duration.ofMillis(200),
            Duration.ofMillis(400),
            2,
            3,
            Duration.ofMillis(2),
            10,
            3,
            3,
            100,
            new LeaseSettings(Duration.ofSeconds(2), Duration.ofMillis(500), 2),
            Duration.ofSeconds(2),
            20,
            50);

    /** The published run: a few minutes. */
    static final BenchMode FULL = new BenchMode(
            "full",
            20,
            5,
            List.of(1, 4),
            Duration.ofSeconds(2),
            Duration.ofSeconds(4),
            3,
            4,
            Duration.ofMillis(5),
            300,
            40,
            40,
            10_000,
            new LeaseSettings(Duration.ofSeconds(30), Duration.ofSeconds(10), 4),
            Duration.ofSeconds(35),
            300,
            1000);

    /** Returns the mode named {@code name}. */
    static BenchMode named(String name) {
        return switch (name) {
            case "quick" -> QUICK;
            case "full" -> FULL;
            default -> throw new IllegalArgumentException("mode must be 'quick' or 'full', was '" + name + "'");
        };
    }
}
