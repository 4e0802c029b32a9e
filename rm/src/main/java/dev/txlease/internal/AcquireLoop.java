package dev.txlease.internal;

import dev.txlease.AcquireOptions;
import dev.txlease.LeaseDeadlockException;
import dev.txlease.LeaseException;
import dev.txlease.LeaseLimitException;
import dev.txlease.LeaseStoreUnavailableException;
import dev.txlease.LeaseTimeoutException;
import dev.txlease.LockMode;
import dev.txlease.spi.GrantRequest;
import dev.txlease.spi.HolderRef;
import dev.txlease.spi.HolderVersion;
import dev.txlease.spi.LeaseHolder;
import dev.txlease.spi.LeaseRecord;
import dev.txlease.spi.LeaseWaiter;
import dev.txlease.spi.StoreResult;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * One acquisition of one lock name in one mode (or one conversion of a lease to another mode): its
 * attempts, how long to wait between them, and how to give up. The engine drives it from the calling
 * thread ({@code acquire}, {@code tryAcquire}, {@code convert}) or from its scheduler ({@code
 * acquireAsync}). Every acquisition has its own holder id, under which a holder in a mode other
 * than EX is granted (and which names its waiter marker).
 *
 * <p>Each {@link #attempt()}:
 *
 * <ol>
 *   <li>refuses if the client is closed (no grant is sent by a closed client);
 *   <li>sends one conditional grant with a fresh version, recorded with its send time in {@link
 *       GrantAttempts}: granted if no holder in an incompatible mode ({@link Blockers}) is left but
 *       those it takes over or evicts, each seen unchanged for its own whole lease ({@link
 *       HolderWatches}, across calls);
 *   <li>granted: the lease counts from this attempt's send time;
 *   <li>the store answers with a record that carries our owner and the version of one of our
 *       attempts: that earlier attempt landed (its answer lost, retried by the SDK, or delayed), and
 *       the lease counts from <em>its</em> send time, so that it never outlives the takeover of a
 *       waiter that saw the grant at once;
 *   <li>a conversion that another holder's conversion waits for, while that holder blocks it, fails
 *       at once ({@link LeaseDeadlockException}): the other conversion queued, and its marker names
 *       its holder;
 *   <li>a mode that already has as many holders as the store keeps fails at once ({@link
 *       LeaseLimitException});
 *   <li>otherwise the holders are watched; a request that waits for holders in modes other than EX
 *       queues by writing its waiter marker (fairness, see {@link dev.txlease.spi.LeaseStore}) if no
 *       other marker stands, and refreshes it every third of its lease duration; {@link
 *       #pauseNanos()} says how long to wait: the poll interval, the first takeover moment, the next
 *       refresh of our marker or the deadline, whichever comes first.
 * </ol>
 *
 * <p>Giving up after an interrupt, a cancellation or a close {@linkplain #abandon releases} whatever
 * grant of this acquisition may have landed, by its versions, so no grant of it stays behind in the
 * store unknown to the caller; any give-up removes our waiter marker if a write of it was ever sent
 * (its outcome may be unknown), by a removal conditional on our waiter id. Not thread-safe: one thread at a time drives an acquisition.
 */
final class AcquireLoop {
    private final LeaseEngine engine;
    private final String name;
    private final AcquireOptions options;
    private final boolean wait;
    private final long start;
    private final long deadline;
    private final String holderId;
    private final HolderRef ref;
    private final ManagedLease converting;
    private final GrantAttempts attempts = new GrantAttempts();
    private HolderWatches.Sighting sighting;
    private Blockers blockers;
    private LeaseStoreUnavailableException lastFailure;
    private final WaiterMarker marker;
    private boolean unknownOutcome;

    AcquireLoop(LeaseEngine engine, String name, AcquireOptions options, boolean wait) {
        this(engine, name, options, wait, null);
    }

    /** An acquisition, or with {@code converting} the conversion of that lease to the options' mode. */
    AcquireLoop(LeaseEngine engine, String name, AcquireOptions options, boolean wait, ManagedLease converting) {
        this.engine = engine;
        this.name = name;
        this.options = options;
        this.wait = wait;
        this.start = engine.clock().nanoTime();
        this.deadline = start + (wait ? options.waitTimeout().toNanos() : 0);
        this.converting = converting;
        this.holderId = converting == null ? Versions.next() : converting.holderId();
        this.ref = HolderRef.of(options.mode(), holderId);
        this.sighting = engine.watches().get(name);
        this.marker = new WaiterMarker(engine.store(), name, holderId, engine.owner(), options);
    }

    String name() {
        return name;
    }

    /**
     * Sends one attempt.
     *
     * @return the lease if granted, or null if the lock is held (or the store failed) and the caller
     *     may wait {@link #pauseNanos()} and try again
     * @throws LeaseException if the client is closed, the mode's holder limit is reached, or the store
     *     failed and the caller does not wait
     */
    ManagedLease attempt() {
        if (engine.isClosed()) {
            throw abandon(closed());
        }
        long sentAt = engine.clock().nanoTime();
        GrantRequest request = request(sentAt);
        StoreResult result;
        try {
            result = call(request);
            lastFailure = null;
        } catch (LeaseStoreUnavailableException e) {
            unknownOutcome = true;
            if (isInterruption(e)) {
                throw interrupted(e);
            }
            if (!wait || engine.clock().nanoTime() - deadline >= 0) {
                throw giveUp(e);
            }
            lastFailure = e;
            return null;
        }
        LeaseRecord record = result.record();
        Long landedAt = result.succeeded() ? Long.valueOf(sentAt) : ours(record);
        if (landedAt != null) {
            ManagedLease lease = granted(record, landedAt);
            reportTakeover(request, lease);
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
        if (converting != null) {
            converting.requireHeldIn(record, "convert to " + ref.mode());
        }
        long now = engine.clock().nanoTime();
        sighting = engine.watches().saw(record, now);
        blockers = Blockers.in(record, ref.mode(), holderId, converting == null ? null : converting.ref());
        if (converting != null) {
            LeaseHolder cycle = blockers.conversionDeadlock(record, converting.ref());
            if (cycle != null) {
                throw giveUp(new LeaseDeadlockException(
                        name,
                        engine.owner(),
                        converting.fenceToken(),
                        converting.mode(),
                        ref.mode(),
                        cycle.owner(),
                        record.waiter().mode()));
            }
        }
        marker.saw(record);
        LockMode mode = ref.mode();
        int limit = engine.store().holderLimit(mode);
        if (mode.isCompatibleWith(mode) && record.count(mode) >= limit) {
            throw giveUp(new LeaseLimitException(
                    name, engine.owner(), mode, limit, engine.store().storeId()));
        }
        if (wait) {
            queue(record, now); // a conversion too: else a stream of new readers starves PR -> EX
        }
        return null;
    }

    /** The grant request of an attempt sent at {@code sentAt}, with what it may take over. */
    private GrantRequest request(long sentAt) {
        String version = attempts.next(sentAt);
        GrantRequest request = new GrantRequest(
                        name, engine.owner(), engine.node(), version, options.leaseDuration(), options.data(), null)
                .withHolder(ref);
        if (sighting != null) {
            Blockers seen =
                    Blockers.in(sighting.record(), ref.mode(), holderId, converting == null ? null : converting.ref());
            request = new GrantRequest(
                            name,
                            engine.owner(),
                            engine.node(),
                            version,
                            options.leaseDuration(),
                            options.data(),
                            seen.takeoverVersion(sighting, sentAt))
                    .withHolder(ref)
                    .withEvictions(seen.evictions(sighting, sentAt))
                    .withWaiter(marker.ownId(), seen.waiterTakeoverVersion(sighting, sentAt));
        }
        if (converting != null) {
            request = request.converting(converting.ref(), converting.expectedVersions());
        }
        return request;
    }

    /** Reports a grant that took over an EX holder or evicted holders in other modes. */
    private void reportTakeover(GrantRequest request, ManagedLease lease) {
        if (request.takeoverVersion() == null && request.evictions().isEmpty()) {
            return;
        }
        LeaseRecord seen = sighting.record();
        List<String> displaced = new ArrayList<>();
        if (request.takeoverVersion() != null) {
            displaced.add(seen.owner());
        }
        for (HolderVersion evicted : request.evictions()) {
            for (LeaseHolder holder : seen.allHolders()) {
                if (holder.ref().equals(evicted.ref()) && !displaced.contains(holder.owner())) {
                    displaced.add(holder.owner());
                }
            }
        }
        engine.events().tookOver(lease, String.join(", ", displaced));
    }

    private ManagedLease granted(LeaseRecord record, long landedAt) {
        engine.watches().forget(name);
        LeaseHolder holder = record.holder(ref);
        marker.removeIfOn(record); // our marker, written by a request whose answer was lost
        if (converting != null) {
            converting.converted(holder, landedAt);
            return converting;
        }
        ManagedLease lease = engine.start(name, holderId, holder, landedAt, options);
        if (engine.isClosed()) {
            lease.releaseQuietly();
            throw closed();
        }
        return lease;
    }

    /** Queues for the lock, or refreshes our marker ({@link WaiterMarker#queue}). */
    private void queue(LeaseRecord record, long now) {
        LeaseWaiter current = record.waiter();
        String replaceable = null;
        if (current != null) {
            HolderWatches.Watch watch = sighting.of(current);
            if (watch != null && watch.version().equals(current.version()) && watch.expired(now)) {
                replaceable = current.version();
            }
        }
        try {
            marker.queue(record, blockers.sharedHolderBlocks(), replaceable, now);
        } catch (RuntimeException e) {
            throw interrupted(e);
        }
    }

    /**
     * Gives up with {@code failure}, removing our waiter marker (best effort) if a write of it was
     * ever sent: its answer may have been lost, or the record that showed no marker may have been read
     * before it landed; the removal is conditional on our waiter id, so it is harmless if absent.
     */
    private <E extends LeaseException> E giveUp(E failure) {
        marker.remove();
        if (converting != null && unknownOutcome) {
            try {
                converting.settleConversion(this);
            } catch (RuntimeException e) {
                failure.addSuppressed(e);
            }
        }
        return failure;
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
                throw giveUp(lastFailure);
            }
            LeaseHolder holder = blockers == null ? null : blockers.first();
            LeaseWaiter waiter = blockers == null ? null : blockers.waiter();
            throw giveUp(new LeaseTimeoutException(
                    name,
                    holder != null ? holder.owner() : waiter != null ? waiter.owner() + " (queued first)" : null,
                    holder == null ? null : holder.fenceToken(),
                    Duration.ofNanos(now - start)));
        }
        long pause = Math.min(options.pollInterval().toNanos(), deadline - now);
        if (sighting != null && blockers != null && lastFailure == null) {
            pause = Math.min(pause, blockers.nanosUntilFirstExpiry(sighting, now));
        }
        pause = Math.min(pause, marker.nanosUntilRefresh(now)); // a live marker must not look dead
        return pause;
    }

    /**
     * Gives up because the waiting thread was interrupted; the interrupt flag stays set. A conversion
     * is settled first ({@link ManagedLease#settleConversion}), so the message names the mode the
     * lease holds.
     */
    LeaseException interrupted(Throwable cause) {
        LeaseException cleanup = abandon(new LeaseException("cleanup", name, engine.owner(), null, null));
        LeaseException failure;
        if (converting == null) {
            failure = new LeaseException(
                    "Interrupted while acquiring lock '" + name + "'; no lease is held (a grant that may have"
                            + " landed was released)",
                    name,
                    engine.owner(),
                    null,
                    cause);
        } else {
            LockMode held = converting.mode();
            failure = new LeaseException(
                    "Interrupted while converting the lease on lock '" + name + "' to " + ref.mode()
                            + "; the lease holds mode " + held + " (fence " + converting.fenceToken() + ")"
                            + (held == ref.mode() ? ": the conversion had landed" : ", the conversion did not land"),
                    name,
                    engine.owner(),
                    converting.fenceToken(),
                    cause);
        }
        for (Throwable suppressed : cleanup.getSuppressed()) {
            failure.addSuppressed(suppressed);
        }
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
     * removes its waiter marker, and returns {@code failure} (with what went wrong doing so added as
     * suppressed). Runs with the interrupt flag cleared so that the release can be sent; the caller
     * restores it. A conversion releases nothing: the lease settles a conversion whose outcome is
     * unknown ({@link ManagedLease#settleConversion}).
     */
    <E extends LeaseException> E abandon(E failure) {
        boolean wasInterrupted = Thread.interrupted();
        try {
            giveUp(failure);
            if (converting == null && attempts.any()) {
                StoreResult result = engine.store().release(name, ref, engine.owner(), attempts.versions());
                if (result.succeeded()) {
                    engine.waiters().signal(name);
                }
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

    /** Whether an attempt's outcome is unknown (it may have landed unseen). */
    boolean unknownOutcome() {
        return unknownOutcome;
    }

    /** Returns the holder of our attempt that {@code record} shows, or null. */
    LeaseHolder landed(LeaseRecord record) {
        return record != null && ours(record) != null ? record.holder(ref) : null;
    }

    /** Returns the holder this acquisition requests (its mode and holder id). */
    HolderRef ref() {
        return ref;
    }

    /** Returns the send time of our attempt that {@code record} shows landed, or null. */
    Long ours(LeaseRecord record) {
        LeaseHolder holder = record == null ? null : record.holder(ref);
        if (holder == null || !engine.owner().equals(holder.owner())) {
            return null;
        }
        return attempts.sentAt(holder.version());
    }

    private StoreResult call(GrantRequest request) {
        try {
            return engine.store().tryGrant(request);
        } catch (IllegalArgumentException e) {
            if (converting == null) {
                throw e; // the caller's own options
            }
            // the lease's own owner, node or data: the caller passed only a mode
            throw giveUp(new LeaseException(
                    "Cannot convert the lease on lock '" + name + "' from " + converting.mode() + " to " + ref.mode()
                            + ": store " + engine.store().storeId() + " refused the lease's own data for that mode ("
                            + e.getMessage() + "); the lease keeps " + converting.mode()
                            + " - acquire the lock in " + ref.mode() + " with smaller data instead",
                    name,
                    engine.owner(),
                    converting.fenceToken(),
                    e));
        } catch (LeaseException | UnsupportedOperationException e) {
            throw e;
        } catch (RuntimeException e) {
            throw new LeaseStoreUnavailableException(
                    "Store " + engine.store().storeId() + " failed to grant lock '" + name + "' in mode " + ref.mode()
                            + " (" + e + "); whether the grant took effect is unknown, retrying is safe",
                    name,
                    e);
        }
    }

    static boolean isInterruption(Throwable failure) {
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
