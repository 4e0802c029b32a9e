package dev.txlease.spring.internal;

import dev.txlease.AcquireOptions;
import dev.txlease.Lease;
import dev.txlease.LeaseClient;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Lets non-waiting lock attempts take over a holder that stopped renewing.
 *
 * <p>The lease client takes a held lock over only after watching the holder's version unchanged for
 * a whole lease duration within one waiting {@code acquire}; a {@code tryAcquire}, or an acquire
 * that waits less than the holder's lease, never does, so a crashed holder would block short
 * attempts (ShedLock's, a leader initiator's busy wait) for ever. When an attempt finds the lock
 * held, {@link #claimOrWatch} starts one background {@code acquireAsync} per lock name that waits
 * long enough to take over; a later attempt claims the lease it was granted.
 *
 * <p>A lease granted in the background is held (and renewed) until an attempt claims it or {@link
 * #close()} releases it; a claim more than one lease duration after the grant releases it instead
 * and reports nothing, so an unclaimed lease does not block others for long. Thread-safe.
 */
public final class BackgroundTakeover implements AutoCloseable {
    private final LeaseClient client;
    private final Map<String, CompletableFuture<Granted>> watches = new ConcurrentHashMap<>();

    private record Granted(Lease lease, long grantedAt) {}

    /**
     * Creates the helper.
     *
     * @param client the client the background acquisitions run on
     */
    public BackgroundTakeover(LeaseClient client) {
        this.client = client;
    }

    /**
     * Returns a lease granted in the background on {@code name}, if one is ready; otherwise starts a
     * background acquisition (unless one runs) and returns empty.
     *
     * @param name the lock name
     * @param options the options of the lease; the wait timeout is raised to twice the lease duration
     * @return a lease to use, or empty
     */
    public Optional<Lease> claimOrWatch(String name, AcquireOptions options) {
        CompletableFuture<Granted> watch = watches.get(name);
        if (watch != null && watch.isDone()) {
            watches.remove(name, watch);
            Granted granted = watch.isCompletedExceptionally() ? null : watch.join();
            if (granted != null) {
                long age = System.nanoTime() - granted.grantedAt();
                if (granted.lease().isValid()
                        && age < granted.lease().leaseDuration().toNanos()) {
                    return Optional.of(granted.lease());
                }
                granted.lease().close();
                return Optional.empty(); // free again: the next attempt gets it directly
            }
        }
        Duration wait = options.leaseDuration().multipliedBy(2);
        AcquireOptions waiting = options.toBuilder()
                .waitTimeout(wait.compareTo(Duration.ofDays(7)) > 0 ? Duration.ofDays(7) : wait)
                .build();
        watches.computeIfAbsent(name, key -> client.acquireAsync(key, waiting)
                .thenApply(lease -> new Granted(lease, System.nanoTime())));
        return Optional.empty();
    }

    /** Stops the background acquisitions and releases the leases they were granted. */
    @Override
    public void close() {
        for (CompletableFuture<Granted> watch : watches.values()) {
            watch.cancel(true);
            if (watch.isDone() && !watch.isCompletedExceptionally()) {
                watch.join().lease().close();
            }
        }
        watches.clear();
    }
}
