package dev.txlease.reliability;

import static org.junit.jupiter.api.Assertions.assertFalse;

import dev.txlease.AcquireOptions;
import dev.txlease.Lease;
import dev.txlease.client.DefaultLeaseClient;
import dev.txlease.spi.LeaseStore;
import dev.txlease.testing.Await;
import dev.txlease.testing.ManualClock;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BooleanSupplier;

/**
 * A second process that takes locks over from a stalled holder on its own {@link ManualClock}: it
 * waits until it has seen the holder's version, checks it has not taken the lock early, and advances
 * its clock past the holder's lease. No test sleeps for a whole lease. Thread-safe.
 */
final class Taker implements AutoCloseable {
    private final PausableStore store;
    private final ManualClock clock = new ManualClock();
    private final DefaultLeaseClient client;

    Taker(LeaseStore store, String owner) {
        this.store = new PausableStore(store);
        this.client = DefaultLeaseClient.builder(this.store)
                .owner(owner)
                .node(owner)
                .clock(clock)
                .build();
    }

    /** Returns the taker's client. */
    DefaultLeaseClient client() {
        return client;
    }

    /** Returns the taker's clock. */
    ManualClock clock() {
        return clock;
    }

    /** The options the taker acquires with: no heartbeat, polling every 5 ms. */
    static AcquireOptions options(Duration leaseDuration) {
        return AcquireOptions.builder()
                .leaseDuration(leaseDuration)
                .heartbeatPeriod(Duration.ZERO)
                .waitTimeout(Duration.ofMinutes(10))
                .pollInterval(Duration.ofMillis(5))
                .build();
    }

    /** Returns how many grant attempts the taker has made. */
    long polls() {
        return store.calls("tryGrant");
    }

    /**
     * Takes {@code lock} over from a holder whose lease is {@code holderLease} and who no longer
     * renews it.
     *
     * @return the taker's lease
     * @throws AssertionError if the lock was granted before the taker's clock passed the lease
     */
    Lease takeOver(String lock, Duration holderLease) throws InterruptedException {
        long before = polls();
        CompletableFuture<Lease> next = client.acquireAsync(lock, options(Duration.ofSeconds(10)));
        passHolderLease(lock, before, next::isDone, holderLease);
        try {
            return next.get(Await.DEADLINE.toSeconds(), TimeUnit.SECONDS);
        } catch (ExecutionException | TimeoutException e) {
            throw new AssertionError("the taker did not take '" + lock + "' over", e);
        }
    }

    /**
     * For an acquisition of {@code lock} that another thread started after the taker had made {@code
     * pollsBefore} attempts: waits until the taker has seen the holder's version, checks that it has
     * not been granted yet, and advances the taker's clock past {@code holderLease}.
     */
    void passHolderLease(String lock, long pollsBefore, BooleanSupplier granted, Duration holderLease) {
        // The second attempt has started: the first answer (the holder's version) has been noted.
        Await.until("the taker polled " + lock + " twice", () -> polls() >= pollsBefore + 2 || granted.getAsBoolean());
        assertFalse(
                granted.getAsBoolean(), "the taker got '" + lock + "' before the holder's lease ran out on its clock");
        clock.advance(holderLease.plusMillis(1));
    }

    @Override
    public void close() {
        client.close();
    }
}
