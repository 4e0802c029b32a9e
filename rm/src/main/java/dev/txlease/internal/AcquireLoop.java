package dev.txlease.internal;

import dev.txlease.AcquireOptions;
import dev.txlease.LeaseException;
import dev.txlease.LeaseStoreUnavailableException;
import dev.txlease.LeaseTimeoutException;
import dev.txlease.spi.GrantRequest;
import dev.txlease.spi.LeaseRecord;
import dev.txlease.spi.StoreResult;
import java.time.Duration;

/**
 * One acquisition of one lock name: its attempts, how long to wait between them, and how to give up.
 * The engine drives it from the calling thread ({@code acquire}, {@code tryAcquire}) or from its
 * scheduler ({@code acquireAsync}).
 *
 * <p>Each {@link #attempt()}:
 *
 * <ol>
 *   <li>refuses if the client is closed (no grant is sent by a closed client);
 *   <li>sends one conditional grant with a fresh version, recorded with its send time in {@link
 *       GrantAttempts}: a free lock, or a takeover of the holder version this client has seen
 *       unchanged for a whole lease ({@link HolderWatches}, across calls);
 *   <li>granted: the lease counts from this attempt's send time;
 *   <li>the store answers with a record that carries our owner and the version of one of our
 *       attempts: that earlier attempt landed (its answer lost, retried by the SDK, or delayed), and
 *       the lease counts from <em>its</em> send time, so that it never outlives the takeover of a
 *       waiter that saw the grant at once;
 *   <li>otherwise the holder is watched, and {@link #pauseNanos()} says how long to wait: the poll
 *       interval, the takeover moment or the deadline, whichever comes first.
 * </ol>
 *
 * <p>Giving up after an interrupt, a cancellation or a close {@linkplain #abandon releases} whatever
 * grant of this acquisition may have landed, by its versions, so no grant of it stays behind in the
 * store unknown to the caller. Not thread-safe: one thread at a time drives an acquisition.
 */
final class AcquireLoop {
    private final LeaseEngine engine;
    private final String name;
    private final AcquireOptions options;
    private final boolean wait;
    private final long start;
    private final long deadline;
    private final GrantAttempts attempts = new GrantAttempts();
    private HolderWatches.Watch watch;
    private LeaseStoreUnavailableException lastFailure;

    AcquireLoop(LeaseEngine engine, String name, AcquireOptions options, boolean wait) {
        this.engine = engine;
        this.name = name;
        this.options = options;
        this.wait = wait;
        this.start = engine.clock().nanoTime();
        this.deadline = start + (wait ? options.waitTimeout().toNanos() : 0);
        this.watch = engine.watches().get(name);
    }

    String name() {
        return name;
    }

    /**
     * Sends one attempt.
     *
     * @return the lease if granted, or null if the lock is held (or the store failed) and the caller
     *     may wait {@link #pauseNanos()} and try again
     * @throws LeaseException if the client is closed, or the store failed and the caller does not wait
     */
    ManagedLease attempt() {
        if (engine.isClosed()) {
            throw abandon(closed());
        }
        long sentAt = engine.clock().nanoTime();
        String takeover = watch != null && watch.expired(sentAt) ? watch.version() : null;
        String version = attempts.next(sentAt);
        GrantRequest request = new GrantRequest(
                name, engine.owner(), engine.node(), version, options.leaseDuration(), options.data(), takeover);
        StoreResult result;
        try {
            result = call(request);
            lastFailure = null;
        } catch (LeaseStoreUnavailableException e) {
            if (isInterruption(e)) {
                throw interrupted(e);
            }
            if (!wait || engine.clock().nanoTime() - deadline >= 0) {
                throw e;
            }
            lastFailure = e;
            return null;
        }
        LeaseRecord record = result.record();
        Long landedAt = result.succeeded() ? Long.valueOf(sentAt) : ours(record);
        if (landedAt != null) {
            engine.watches().forget(name);
            ManagedLease lease = engine.start(record, landedAt, options);
            if (takeover != null) {
                engine.events().tookOver(lease, watch.record().owner());
            }
            if (engine.isClosed()) {
                lease.releaseQuietly();
                throw closed();
            }
            return lease;
        }
        if (record == null) {
            throw new LeaseException(
                    "Store " + engine.store().storeId() + " refused a grant of lock '" + name
                            + "' without naming a holder; the store is inconsistent",
                    name,
                    engine.owner(),
                    null,
                    null);
        }
        watch = engine.watches().saw(record, engine.clock().nanoTime());
        return null;
    }

    /**
     * Returns how long to wait before the next attempt.
     *
     * @throws LeaseTimeoutException if the wait timeout passed (or the last store failure, if the
     *     last attempt failed)
     */
    long pauseNanos() {
        long now = engine.clock().nanoTime();
        if (now - deadline >= 0) {
            if (lastFailure != null) {
                throw lastFailure;
            }
            throw new LeaseTimeoutException(
                    name, watch.record().owner(), watch.record().fenceToken(), Duration.ofNanos(now - start));
        }
        long pause = Math.min(options.pollInterval().toNanos(), deadline - now);
        if (watch != null && lastFailure == null) {
            pause = Math.min(pause, watch.nanosUntilExpired(now));
        }
        return pause;
    }

    /** Gives up because the waiting thread was interrupted; the interrupt flag stays set. */
    LeaseException interrupted(Throwable cause) {
        LeaseException failure = new LeaseException(
                "Interrupted while acquiring lock '" + name + "'; no lease is held (a grant that may have"
                        + " landed was released)",
                name,
                engine.owner(),
                null,
                cause);
        abandon(failure);
        Thread.currentThread().interrupt();
        return failure;
    }

    /** Returns the failure of an acquisition that the closing of the client ended. */
    LeaseException closed() {
        return new LeaseException(
                "The lease client is closed; lock '" + name + "' was not acquired", name, engine.owner(), null, null);
    }

    /**
     * Releases any grant of this acquisition that may have landed, by the versions of its attempts,
     * and returns {@code failure} (with what went wrong doing so added as suppressed). Runs with the
     * interrupt flag cleared so that the release can be sent; the caller restores it.
     */
    LeaseException abandon(LeaseException failure) {
        if (!attempts.any()) {
            return failure;
        }
        boolean wasInterrupted = Thread.interrupted();
        try {
            StoreResult result = engine.store().release(name, engine.owner(), attempts.versions());
            if (result.succeeded()) {
                engine.waiters().signal(name);
            }
        } catch (RuntimeException e) {
            failure.addSuppressed(e);
        } finally {
            if (wasInterrupted) {
                Thread.currentThread().interrupt();
            }
        }
        return failure;
    }

    /** Returns the send time of our attempt that {@code record} shows landed, or null. */
    private Long ours(LeaseRecord record) {
        if (record == null || record.released() || !engine.owner().equals(record.owner())) {
            return null;
        }
        return attempts.sentAt(record.version());
    }

    private StoreResult call(GrantRequest request) {
        try {
            return engine.store().tryGrant(request);
        } catch (LeaseException | IllegalArgumentException e) {
            throw e;
        } catch (RuntimeException e) {
            throw new LeaseStoreUnavailableException(
                    "Store " + engine.store().storeId() + " failed to grant lock '" + name + "' (" + e
                            + "); whether the grant took effect is unknown, retrying is safe",
                    name,
                    e);
        }
    }

    private static boolean isInterruption(Throwable failure) {
        if (Thread.currentThread().isInterrupted()) {
            return true;
        }
        for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
            if (cause instanceof InterruptedException
                    || cause.getClass().getSimpleName().equals("AbortedException")) {
                return true;
            }
        }
        return false;
    }
}
