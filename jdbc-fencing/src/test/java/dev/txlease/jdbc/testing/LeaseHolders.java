package dev.txlease.jdbc.testing;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.txlease.AcquireOptions;
import dev.txlease.Lease;
import dev.txlease.LeaseClient;
import dev.txlease.client.DefaultLeaseClient;
import dev.txlease.spi.LeaseStore;
import java.time.Duration;
import java.util.UUID;

/**
 * Two lease clients on one real store, standing for two processes: holder A, who stalls, and holder
 * B, who takes the lock over once A's lease has run out. Nothing is faked: the fence tokens come
 * from the store's counter.
 *
 * <p>Thread-safe, as the clients are.
 */
public final class LeaseHolders implements AutoCloseable {
    /** A's lease duration: short, so that B's takeover costs little test time. */
    public static final Duration STALL_LEASE = Duration.ofMillis(300);

    private final LeaseClient holderA;
    private final LeaseClient holderB;

    /**
     * Creates the two clients.
     *
     * @param store the store both use
     */
    public LeaseHolders(LeaseStore store) {
        this.holderA = DefaultLeaseClient.builder(store)
                .owner("holder-A-" + UUID.randomUUID())
                .build();
        this.holderB = DefaultLeaseClient.builder(store)
                .owner("holder-B-" + UUID.randomUUID())
                .build();
    }

    /** Returns a lock name not used before. */
    public static String newLockName() {
        return "fencing-test-" + UUID.randomUUID();
    }

    /**
     * A acquires the lock with a short lease and no heartbeat: from now on A is "stalled", its lease
     * runs out after {@link #STALL_LEASE} unless it writes first.
     *
     * @param name the lock name
     * @return A's lease (token n)
     */
    public Lease stallingHolder(String name) {
        return holderA.acquire(
                name,
                AcquireOptions.builder()
                        .leaseDuration(STALL_LEASE)
                        .heartbeatPeriod(Duration.ZERO)
                        .build());
    }

    /**
     * B acquires the lock, waiting for A's lease to run out and taking it over.
     *
     * @param name the lock name
     * @param stalled A's lease
     * @return B's lease (token greater than A's)
     */
    public Lease takeOver(String name, Lease stalled) {
        Lease lease = holderB.acquire(
                name,
                AcquireOptions.builder()
                        .waitTimeout(Duration.ofSeconds(30))
                        .pollInterval(Duration.ofMillis(20))
                        .build());
        assertTrue(
                lease.fenceToken().isNewerThan(stalled.fenceToken()),
                () -> "B's token " + lease.fenceToken() + " must be newer than A's " + stalled.fenceToken());
        return lease;
    }

    @Override
    public void close() {
        try {
            holderA.close();
        } finally {
            holderB.close();
        }
    }
}
