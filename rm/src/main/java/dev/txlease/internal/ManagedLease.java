package dev.txlease.internal;

import dev.txlease.AcquireOptions;
import dev.txlease.FenceToken;
import dev.txlease.Lease;
import dev.txlease.LeaseException;
import dev.txlease.LeaseListener;
import dev.txlease.LeaseLostException;
import dev.txlease.LeaseState;
import dev.txlease.LeaseStoreUnavailableException;
import dev.txlease.LockMode;
import dev.txlease.LossCause;
import dev.txlease.spi.HolderRef;
import dev.txlease.spi.LeaseHolder;
import dev.txlease.spi.LeaseRecord;
import dev.txlease.spi.StoreResult;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;

/**
 * A lease granted by a {@link LeaseEngine}: its local state and every store operation on it.
 *
 * <h2>State</h2>
 *
 * <p>The state is a phase ({@link LeaseState}), a loss cause, the holder in the store ({@link
 * HolderRef}: mode and holder id) with its fence token, the {@link PossibleVersions} that may be on
 * it, the local expiry on the engine's monotonic clock, and the heartbeat. It changes in {@link
 * #transition} only, by this table (any other combination changes nothing):
 *
 * <pre>
 *   from  event                                  to        effect, outside the monitor
 *   HELD  Confirmed(version, expiry): a write    HELD      -
 *         of ours is on the item
 *   HELD  Unknown(versions): a write's outcome   HELD      -
 *         is unknown, its version may be on it
 *   HELD  Converted(holder, expiry): our         HELD      -  (new mode, holder, token, version)
 *         conversion is on the item
 *   HELD  Unrenewed: a release is under way      HELD      stop the heartbeat, no longer counted held
 *   HELD  Released: our release is on the item   RELEASED  stop the heartbeat, forget, wake local waiters
 *   HELD  Lost(cause): taken over, or ran out    LOST      stop the heartbeat, forget, tell the listener
 *   LOST  FreedAfterLoss: a lease that ran out   LOST      wake local waiters
 *         was released in the store
 * </pre>
 *
 * <p>Expiry: a write of version {@code v} that the store confirms keeps the lease until the send
 * time of the <em>first</em> write of {@code v} plus the shortest duration written with it, since a
 * waiter elsewhere may have seen {@code v} from the moment that first write landed. Clock readings
 * are compared by subtraction only ({@link System#nanoTime()} rules: the origin is arbitrary and
 * readings may overflow).
 *
 * <p>A write the SDK retried after it landed comes back as a failed condition whose record is our
 * own write: renewals and prepares accept their own new version in the condition (so a retry of a
 * landed one succeeds), and a release or completion recognises our owner and a version we may have
 * written (an EX release keeps the version on the item). A holder in another mode is removed by its
 * release, so a release that finds it gone was ours if it was sent before the lease ran out
 * locally: nobody evicts a holder before its lease has run out on the evictor's clock. Such writes
 * report success.
 *
 * <p>Thread-safe. Two locks, taken in this order only: {@code operation} serializes the store calls
 * on the lease (renew, release, prepare, complete), so a heartbeat never races a release; the
 * monitor guards the state and is never held across a store call, so {@link #isValid()} never waits
 * for the network.
 */
public final class ManagedLease implements Lease {
    private final LeaseEngine engine;
    private final String name;
    private final String holderId;
    private final byte[] data;
    private final Duration leaseDuration;
    private final AcquireOptions options;
    private final LeaseListener listener;
    private final ReentrantLock operation = new ReentrantLock();

    // guarded by this, changed in transition() only
    private HolderRef ref;
    private FenceToken fenceToken;
    private LeaseState phase = LeaseState.HELD;
    private LossCause lossCause;
    private PossibleVersions versions;
    private long expiresAtNanos;
    private LeaseHeartbeat heartbeat;

    ManagedLease(
            LeaseEngine engine,
            String name,
            String holderId,
            LeaseHolder granted,
            long sentAtNanos,
            AcquireOptions options) {
        this.engine = engine;
        this.name = name;
        this.holderId = holderId;
        this.ref = granted.ref();
        this.fenceToken = granted.fenceToken();
        this.data = granted.data() == null ? null : granted.data().clone();
        this.leaseDuration = granted.leaseDuration();
        this.options = options;
        this.listener = options.listener();
        this.versions = PossibleVersions.granted(granted.version());
        this.expiresAtNanos = sentAtNanos + leaseDuration.toNanos();
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public String owner() {
        return engine.owner();
    }

    @Override
    public synchronized FenceToken fenceToken() {
        return fenceToken;
    }

    @Override
    public synchronized LockMode mode() {
        return ref.mode();
    }

    /**
     * Converts the lease to {@code mode} without releasing it (see {@link Lease#convert}); converting
     * to the mode it holds does nothing.
     */
    @Override
    public void convert(LockMode mode) {
        Objects.requireNonNull(mode, "mode must not be null");
        if (mode == mode()) {
            return;
        }
        requireHeld("convert");
        engine.convert(this, mode);
    }

    /** Returns the holder in the store. */
    synchronized HolderRef ref() {
        return ref;
    }

    /** Returns the holder in the store (its mode and holder id), for the transaction layer. */
    public HolderRef holder() {
        return ref();
    }

    /** Returns the holder id of this lease's acquisition. */
    String holderId() {
        return holderId;
    }

    AcquireOptions options() {
        return options;
    }

    /** Returns the versions a conditional write on our holder accepts. */
    List<String> expectedVersions() {
        return versions().expected();
    }

    /**
     * One attempt of a conversion, with the store operations on the lease held off.
     *
     * @return whether the lease is converted
     */
    boolean attemptConversion(AcquireLoop loop) {
        operation.lock();
        try {
            requireHeld("convert");
            requireUnexpired("convert");
            renewIfDue();
            return loop.attempt() != null;
        } finally {
            operation.unlock();
        }
    }

    /**
     * Renews now if the heartbeat's period has passed since the last renewal: a conversion that waits
     * sends attempts as often as it polls, each holding the operation lock, so the heartbeat (which
     * skips a turn that finds the lock taken) could miss every turn. A renewal that cannot reach the
     * store is left to the heartbeat's reporting; a lost lease ends the conversion.
     */
    private void renewIfDue() {
        LeaseHeartbeat beating;
        synchronized (this) {
            beating = heartbeat;
        }
        if (beating == null || remaining().compareTo(leaseDuration.minus(beating.period())) > 0) {
            return;
        }
        try {
            renew();
        } catch (LeaseStoreUnavailableException e) {
            // outcome unknown: the next attempt or beat renews again
        }
    }

    /**
     * Makes the lease and the store agree after a conversion whose outcome is unknown (an attempt was
     * interrupted in flight, or failed, and the conversion ended): renews the holder the lease
     * believes in. That renewal succeeds only if no attempt landed, and then none still in the network
     * can land (each requires a version the renewal replaced); if it finds our converted holder
     * instead, the lease adopts it. Runs with the operation lock (re-entrant from an attempt).
     */
    void settleConversion(AcquireLoop loop) {
        operation.lock();
        try {
            if (state() != LeaseState.HELD || !isValid()) {
                return; // a lease that ran out is not renewed; what landed expires with it
            }
            PossibleVersions writing = versions().writing(engine.clock().nanoTime(), leaseDuration);
            String newVersion = writing.pending().version();
            HolderRef holder = ref();
            StoreResult result = write(writing, () -> engine.store()
                    .renew(name, holder, owner(), writing.expected(), newVersion, leaseDuration));
            Long landedAt = result.succeeded() ? null : loop.ours(result.record());
            if (landedAt != null) {
                converted(result.record().holder(loop.ref()), landedAt);
                return;
            }
            confirmOrLose(
                    result,
                    writing,
                    null,
                    "settle a conversion to " + loop.ref().mode());
        } finally {
            operation.unlock();
        }
    }

    /** Our conversion landed: the lease holds {@code holder} from {@code sentAtNanos}. */
    void converted(LeaseHolder holder, long sentAtNanos) {
        transition(new Converted(holder, sentAtNanos + leaseDuration.toNanos()));
    }

    /** Throws {@link LeaseLostException} (and marks the lease lost) unless {@code record} still holds us. */
    void requireHeldIn(LeaseRecord record, String operationName) {
        HolderRef current = ref();
        if (!versions().heldBy(owner(), record.holder(current))) {
            transition(new Lost(LossCause.TAKEN_OVER, null));
            throw lostException(record, operationName);
        }
    }

    @Override
    public Optional<byte[]> data() {
        return Optional.ofNullable(data).map(byte[]::clone);
    }

    @Override
    public Duration leaseDuration() {
        return leaseDuration;
    }

    @Override
    public synchronized boolean isValid() {
        return phase == LeaseState.HELD && engine.clock().nanoTime() - expiresAtNanos < 0;
    }

    @Override
    public synchronized Duration remaining() {
        long left = expiresAtNanos - engine.clock().nanoTime();
        return phase == LeaseState.HELD && left > 0 ? Duration.ofNanos(left) : Duration.ZERO;
    }

    @Override
    public synchronized LeaseState state() {
        return phase;
    }

    /** Releases the lease as {@link #releaseQuietly()} does. */
    @Override
    public void close() {
        releaseQuietly();
    }

    /** Returns whether {@code candidate} granted this lease. */
    public boolean isGrantedBy(LeaseEngine candidate) {
        return engine == candidate;
    }

    LeaseEngine engine() {
        return engine;
    }

    LeaseListener listener() {
        return listener;
    }

    synchronized void heartbeat(LeaseHeartbeat heartbeat) {
        this.heartbeat = heartbeat;
    }

    boolean tryLockOperation() {
        return operation.tryLock();
    }

    void unlockOperation() {
        operation.unlock();
    }

    /** Renews now. Throws {@link LeaseLostException} if the store holds another owner or version. */
    void renew() {
        operation.lock();
        long started = engine.clock().nanoTime();
        RuntimeException failure = null;
        try {
            requireHeld("renew");
            requireUnexpired("renew");
            PossibleVersions writing = versions().writing(engine.clock().nanoTime(), leaseDuration);
            String newVersion = writing.pending().version();
            HolderRef holder = ref();
            StoreResult result = write(writing, () -> engine.store()
                    .renew(name, holder, owner(), writing.expected(), newVersion, leaseDuration));
            confirmOrLose(result, writing, null, "renew");
        } catch (RuntimeException e) {
            failure = e;
            throw e;
        } finally {
            operation.unlock();
            engine.events().renewalEnded(this, started, failure);
        }
    }

    /**
     * Releases the lease in the store.
     *
     * @return {@code true} if released now, {@code false} if it had been lost
     */
    boolean release() {
        operation.lock();
        try {
            LeaseState current;
            LossCause cause;
            synchronized (this) {
                current = phase;
                cause = lossCause;
            }
            if (current == LeaseState.RELEASED) {
                throw new IllegalStateException("Lease on lock '" + name + "' (fence " + fenceToken()
                        + ") was already released; release each lease once (Lease.close() is idempotent)");
            }
            if (current == LeaseState.LOST) {
                if (cause != LossCause.TAKEN_OVER) {
                    releaseAfterLoss();
                }
                return false;
            }
            transition(new Unrenewed()); // a release whose outcome is unknown may be retried
            PossibleVersions ours = versions();
            HolderRef holder = ref();
            long sentAt = engine.clock().nanoTime();
            StoreResult result = call(() -> engine.store().release(name, holder, owner(), ours.expected()));
            if (result.succeeded() || releasedIn(result.record(), ours, sentAt)) {
                transition(new Released());
                return true;
            }
            transition(new Lost(LossCause.TAKEN_OVER, null));
            return false;
        } finally {
            operation.unlock();
        }
    }

    /**
     * Checks the lease in the store and records a prepared transaction branch on it, extending it by
     * {@code leaseDuration} from now (XA prepare, or one-phase commit).
     *
     * @throws LeaseLostException if the lease is expired locally or the store holds another owner or
     *     version
     * @throws LeaseStoreUnavailableException if the store cannot be reached (outcome unknown)
     */
    public void prepare(String transactionId, Duration leaseDuration) {
        operation.lock();
        try {
            requireHeld("prepare");
            requireUnexpired("prepare");
            PossibleVersions writing = versions().writing(engine.clock().nanoTime(), leaseDuration);
            String newVersion = writing.pending().version();
            HolderRef holder = ref();
            StoreResult result = write(writing, () -> engine.store()
                    .prepare(name, holder, owner(), writing.expected(), newVersion, leaseDuration, transactionId));
            confirmOrLose(result, writing, transactionId, "prepare");
        } finally {
            operation.unlock();
        }
    }

    /**
     * Completes a prepared branch: releases the lease ({@code release}) or only clears the recorded
     * transaction and keeps heartbeating. A record that no longer carries the transaction means the
     * branch was completed already (our own completion, answered late, included) or the lease was
     * taken over: both are done, not errors.
     *
     * @throws LeaseStoreUnavailableException if the store cannot be reached (safe to call again)
     */
    public void completeTransaction(String transactionId, boolean release) {
        operation.lock();
        try {
            HolderRef holder = ref();
            long sentAt = engine.clock().nanoTime();
            StoreResult result = call(() -> engine.store().completeTransaction(name, holder, transactionId, release));
            PossibleVersions ours = versions();
            LeaseRecord record = result.record();
            LeaseHolder mine = record == null ? null : record.holder(holder);
            if (release) {
                if (result.succeeded() || releasedIn(record, ours, sentAt)) {
                    transition(new Released());
                } else {
                    transition(new Lost(LossCause.TAKEN_OVER, null));
                }
            } else if (mine != null
                    && (result.succeeded() || (ours.heldBy(owner(), mine) && mine.transactionId() == null))) {
                transition(new Confirmed(mine.version(), null));
            }
        } finally {
            operation.unlock();
        }
    }

    /**
     * Releases the lease in the store if it is held, or if it ran out locally and may still be ours
     * in the store. Returns quietly if it is released or taken over already.
     */
    public void releaseQuietly() {
        if (state() == LeaseState.RELEASED) {
            return;
        }
        try {
            release();
        } catch (IllegalStateException alreadyReleased) {
            // a concurrent close released it between the state check and the release
        }
    }

    /** Marks the lease lost (the heartbeat found it ran out, or could not reach the store in time). */
    void markLost(LossCause cause, Throwable detail) {
        transition(new Lost(cause, detail));
    }

    /**
     * A lease that ran out locally (or whose renewals could not reach the store) may still carry our
     * owner and version in the store if nobody took it over: a conditional release frees it at once
     * instead of after a whole lease duration. Best effort: a failure leaves it to expire.
     */
    private void releaseAfterLoss() {
        PossibleVersions ours = versions();
        HolderRef holder = ref();
        try {
            StoreResult result = engine.store().release(name, holder, owner(), ours.expected());
            if (result.succeeded() || (holder.isExclusive() && ours.releasedIn(result.record()))) {
                transition(new FreedAfterLoss());
            }
        } catch (RuntimeException e) {
            // unreachable: the lease expires on its own
        }
    }

    /**
     * Whether {@code record}, the answer to our release (or releasing completion) sent at {@code
     * sentAt}, shows it released: an EX holder keeps our version on the released item; a holder in
     * another mode is gone, which before our local expiry only our own release can have done.
     */
    private boolean releasedIn(LeaseRecord record, PossibleVersions ours, long sentAt) {
        HolderRef holder = ref();
        if (holder.isExclusive()) {
            return ours.releasedIn(record);
        }
        boolean sentInTime;
        synchronized (this) {
            sentInTime = sentAt - expiresAtNanos < 0;
        }
        return record != null && record.holder(holder) == null && sentInTime;
    }

    private void confirmOrLose(StoreResult result, PossibleVersions writing, String transactionId, String verb) {
        PossibleVersions.Pending written = writing.pending();
        LeaseRecord record = result.record();
        LeaseHolder mine = record == null ? null : record.holder(ref());
        boolean ours = result.succeeded()
                || (mine != null
                        && writing.heldBy(owner(), mine)
                        && mine.version().equals(written.version())
                        && (transactionId == null || transactionId.equals(mine.transactionId())));
        if (!ours) {
            transition(new Lost(LossCause.TAKEN_OVER, null));
            throw lostException(record, verb);
        }
        transition(new Confirmed(
                written.version(),
                written.firstSentAtNanos() + written.shortestDuration().toNanos()));
    }

    /** Runs a write of {@code writing}'s pending version: if its outcome is unknown, keeps the version. */
    private StoreResult write(PossibleVersions writing, Supplier<StoreResult> call) {
        try {
            return call(call);
        } catch (LeaseStoreUnavailableException e) {
            transition(new Unknown(writing));
            throw e;
        }
    }

    /**
     * Runs a store call; any failure other than a result or a rejected argument is an unknown
     * outcome, reported as a {@link LeaseStoreUnavailableException}.
     */
    private StoreResult call(Supplier<StoreResult> call) {
        try {
            return call.get();
        } catch (LeaseException | IllegalArgumentException e) {
            throw e;
        } catch (RuntimeException e) {
            throw unknownOutcome(e);
        }
    }

    private LeaseStoreUnavailableException unknownOutcome(RuntimeException e) {
        return new LeaseStoreUnavailableException(
                "Store " + engine.store().storeId() + " failed on lock '" + name + "' (" + e
                        + "); whether the write took effect is unknown, retrying is safe",
                name,
                e);
    }

    /** A lease that ran out on this process's clock is lost, even if the store still names us. */
    private void requireUnexpired(String operationName) {
        if (!isValid()) {
            transition(new Lost(LossCause.EXPIRED_LOCALLY, null));
            throw new LeaseLostException(
                    "Lease on lock '" + name + "' (fence " + fenceToken() + ", owner " + owner()
                            + ") ran out on this process's clock before " + operationName
                            + "; renewals did not keep it alive (check heartbeatPeriod and the store's"
                            + " reachability) - acquire the lock again",
                    name,
                    owner(),
                    fenceToken(),
                    LossCause.EXPIRED_LOCALLY,
                    null);
        }
    }

    private void requireHeld(String operationName) {
        LeaseState current;
        LossCause cause;
        synchronized (this) {
            current = phase;
            cause = lossCause;
        }
        if (current == LeaseState.RELEASED) {
            throw new IllegalStateException("Cannot " + operationName + " lease on lock '" + name + "' (fence "
                    + fenceToken() + "): it was released");
        }
        if (current == LeaseState.LOST) {
            throw new LeaseLostException(
                    "Cannot " + operationName + " lease on lock '" + name + "' (fence " + fenceToken()
                            + "): it was lost; acquire the lock again",
                    name,
                    owner(),
                    fenceToken(),
                    cause,
                    null);
        }
    }

    private LeaseLostException lostException(LeaseRecord current, String operationName) {
        HolderRef ours = ref();
        String holder = current == null
                ? "nobody"
                : !ours.isExclusive()
                        ? "our " + ours.mode() + " holder gone"
                        : current.released() ? "nobody (released)" : current.owner();
        return new LeaseLostException(
                "Lease on lock '" + name + "' (fence " + fenceToken() + ", owner " + owner() + ") is lost: "
                        + operationName + " found " + holder
                        + (current == null ? "" : " at fence " + current.fence())
                        + "; stop the work it guards and acquire the lock again",
                name,
                owner(),
                fenceToken(),
                LossCause.TAKEN_OVER,
                null);
    }

    private synchronized PossibleVersions versions() {
        return versions;
    }

    /** The events of the state table. */
    private sealed interface Event permits Confirmed, Unknown, Converted, Unrenewed, Released, Lost, FreedAfterLoss {}

    /** Our conversion is on the item: a new holder, mode, token and version. */
    private record Converted(LeaseHolder holder, long expiresAtNanos) implements Event {}

    /** A write of {@code version} is on the item; {@code expiresAtNanos} null keeps the expiry. */
    private record Confirmed(String version, Long expiresAtNanos) implements Event {}

    private record Unknown(PossibleVersions versions) implements Event {}

    private record Unrenewed() implements Event {}

    private record Released() implements Event {}

    private record Lost(LossCause cause, Throwable detail) implements Event {}

    private record FreedAfterLoss() implements Event {}

    /** The one place the state changes; see the table in the class comment. */
    private void transition(Event event) {
        LeaseHeartbeat stopped = null;
        boolean forget = false;
        boolean wake = false;
        Lost told = null;
        synchronized (this) {
            if (phase == LeaseState.HELD) {
                if (event instanceof Confirmed confirmed) {
                    versions = versions.confirm(confirmed.version());
                    if (confirmed.expiresAtNanos() != null) {
                        expiresAtNanos = confirmed.expiresAtNanos();
                    }
                } else if (event instanceof Unknown unknown) {
                    versions = unknown.versions();
                } else if (event instanceof Converted converted) {
                    ref = converted.holder().ref();
                    fenceToken = converted.holder().fenceToken();
                    versions = PossibleVersions.granted(converted.holder().version());
                    expiresAtNanos = converted.expiresAtNanos();
                } else if (event instanceof Unrenewed) {
                    stopped = heartbeat;
                    heartbeat = null;
                    forget = true;
                } else if (event instanceof Released) {
                    phase = LeaseState.RELEASED;
                    stopped = heartbeat;
                    heartbeat = null;
                    forget = true;
                    wake = true;
                } else if (event instanceof Lost lost) {
                    phase = LeaseState.LOST;
                    lossCause = lost.cause();
                    stopped = heartbeat;
                    heartbeat = null;
                    forget = true;
                    told = lost;
                }
            } else if (phase == LeaseState.LOST && event instanceof FreedAfterLoss) {
                wake = true;
            }
        }
        if (stopped != null) {
            stopped.stop();
        }
        if (forget) {
            engine.forget(this);
        }
        if (wake) {
            engine.waiters().signal(name);
        }
        if (told != null) {
            LossCause cause = told.cause();
            Throwable detail = told.detail();
            engine.events().lost(this, cause, detail);
            engine.notify(() -> listener.onLost(this, cause, detail));
        }
    }

    @Override
    public String toString() {
        return "Lease[name=" + name + ", owner=" + owner() + ", mode=" + mode() + ", fence=" + fenceToken()
                + ", state=" + state()
                + ", remaining=" + remaining() + "]";
    }
}
