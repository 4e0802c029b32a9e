package dev.txlease.internal;

import dev.txlease.FenceToken;
import dev.txlease.Lease;
import dev.txlease.LeaseListener;
import dev.txlease.LeaseLostException;
import dev.txlease.LeaseState;
import dev.txlease.LeaseStoreUnavailableException;
import dev.txlease.LossCause;
import dev.txlease.spi.LeaseRecord;
import dev.txlease.spi.StoreResult;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A lease granted by a {@link LeaseEngine}: its local state and every store operation on it.
 *
 * <p>Thread-safe. Two locks, taken in this order only: {@code operation} serializes the store calls
 * on the lease (renew, release, prepare, complete), so a heartbeat never races a release; the
 * monitor guards the fields and is never held across a store call, so {@link #isValid()} never
 * waits for the network.
 *
 * <p>After a store call fails with an unknown outcome, the version it tried to write may or may not
 * be on the item: both are kept in {@code versions}, and the next conditional write accepts either.
 */
public final class ManagedLease implements Lease {
    private final LeaseEngine engine;
    private final String name;
    private final FenceToken fenceToken;
    private final byte[] data;
    private final Duration leaseDuration;
    private final LeaseListener listener;
    private final ReentrantLock operation = new ReentrantLock();

    private final Set<String> versions = new LinkedHashSet<>();
    private long expiresAtNanos;
    private LeaseState state = LeaseState.HELD;
    private LossCause lossCause;
    private LeaseHeartbeat heartbeat;

    ManagedLease(LeaseEngine engine, LeaseRecord granted, long sentAtNanos, LeaseListener listener) {
        this.engine = engine;
        this.name = granted.name();
        this.fenceToken = granted.fenceToken();
        this.data = granted.data() == null ? null : granted.data().clone();
        this.leaseDuration = granted.leaseDuration();
        this.listener = listener;
        this.versions.add(granted.version());
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
    public FenceToken fenceToken() {
        return fenceToken;
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
        return state == LeaseState.HELD && engine.clock().nanoTime() < expiresAtNanos;
    }

    @Override
    public synchronized Duration remaining() {
        long left = expiresAtNanos - engine.clock().nanoTime();
        return state == LeaseState.HELD && left > 0 ? Duration.ofNanos(left) : Duration.ZERO;
    }

    @Override
    public synchronized LeaseState state() {
        return state;
    }

    @Override
    public void close() {
        if (state() == LeaseState.HELD) {
            releaseIgnoringConcurrentRelease();
        }
    }

    /** Returns the engine that granted this lease. */
    public LeaseEngine engine() {
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
        try {
            requireHeld("renew");
            requireUnexpired("renew");
            String newVersion = Versions.next();
            long sentAt = engine.clock().nanoTime();
            StoreResult result = callStore(newVersion, () -> engine.store()
                    .renew(name, owner(), versionsSnapshot(), newVersion, leaseDuration));
            if (!result.succeeded()) {
                throw lost(LossCause.TAKEN_OVER, result.record(), "renew");
            }
            advance(newVersion, sentAt, leaseDuration);
        } finally {
            operation.unlock();
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
                current = state;
                cause = lossCause;
            }
            if (current == LeaseState.RELEASED) {
                throw new IllegalStateException("Lease on lock '" + name + "' (fence " + fenceToken
                        + ") was already released; release each lease once (Lease.close() is idempotent)");
            }
            if (current == LeaseState.LOST) {
                if (cause != LossCause.TAKEN_OVER) {
                    releaseExpired(); // a store call: never under the monitor
                }
                return false;
            }
            stopHeartbeat();
            StoreResult result;
            try {
                result = callStore(null, () -> engine.store().release(name, owner(), versionsSnapshot()));
            } catch (LeaseStoreUnavailableException e) {
                engine.forget(this); // no longer renewed: it is released, or expires; release may be retried
                throw e;
            }
            if (!result.succeeded()) {
                markLost(LossCause.TAKEN_OVER, null);
                return false;
            }
            finish(LeaseState.RELEASED);
            return true;
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
            String newVersion = Versions.next();
            long sentAt = engine.clock().nanoTime();
            StoreResult result = callStore(newVersion, () -> engine.store()
                    .prepare(name, owner(), versionsSnapshot(), newVersion, leaseDuration, transactionId));
            if (!result.succeeded()) {
                throw lost(LossCause.TAKEN_OVER, result.record(), "prepare");
            }
            advance(newVersion, sentAt, leaseDuration);
        } finally {
            operation.unlock();
        }
    }

    /**
     * Completes a prepared branch: releases the lease ({@code release}) or only clears the recorded
     * transaction and keeps heartbeating. A record that no longer carries the transaction means the
     * branch was completed already or the lease was taken over: both are done, not errors.
     *
     * @throws LeaseStoreUnavailableException if the store cannot be reached (safe to call again)
     */
    public void completeTransaction(String transactionId, boolean release) {
        operation.lock();
        try {
            StoreResult result = engine.store().completeTransaction(name, transactionId, release);
            if (release) {
                stopHeartbeat();
                if (result.succeeded()) {
                    finish(LeaseState.RELEASED);
                } else if (state() == LeaseState.HELD) {
                    markLost(LossCause.TAKEN_OVER, null);
                }
            } else if (result.succeeded() && result.record() != null) {
                synchronized (this) {
                    versions.clear();
                    versions.add(result.record().version());
                }
            }
        } finally {
            operation.unlock();
        }
    }

    /**
     * Releases the lease in the store if it is held and no transaction was recorded on it (rollback
     * before prepare), or if it ran out locally and may still be ours in the store. Returns quietly
     * if it is released or taken over already.
     */
    public void releaseQuietly() {
        if (state() != LeaseState.RELEASED) {
            releaseIgnoringConcurrentRelease();
        }
    }

    private void releaseIgnoringConcurrentRelease() {
        try {
            release();
        } catch (IllegalStateException alreadyReleased) {
            // a concurrent close released it between the state check and the release
        }
    }

    /**
     * A lease that ran out locally (or whose renewals could not reach the store) may still carry our
     * owner and version in the store if nobody took it over: a conditional release frees it at once
     * instead of after a whole lease duration. Best effort: a failure leaves it to expire.
     */
    private void releaseExpired() {
        try {
            if (engine.store().release(name, owner(), versionsSnapshot()).succeeded()) {
                engine.waiters().signal(name);
            }
        } catch (RuntimeException e) {
            // unreachable: the lease expires on its own
        }
    }

    /** A lease that ran out on this process's clock is lost, even if the store still names us. */
    private void requireUnexpired(String operationName) {
        if (!isValid()) {
            markLost(LossCause.EXPIRED_LOCALLY, null);
            throw new LeaseLostException(
                    "Lease on lock '" + name + "' (fence " + fenceToken + ", owner " + owner()
                            + ") ran out on this process's clock before " + operationName
                            + "; renewals did not keep it alive (check heartbeatPeriod and the store's"
                            + " reachability) - acquire the lock again",
                    name,
                    owner(),
                    fenceToken,
                    LossCause.EXPIRED_LOCALLY,
                    null);
        }
    }

    private void requireHeld(String operationName) {
        LeaseState current;
        LossCause cause;
        synchronized (this) {
            current = state;
            cause = lossCause;
        }
        if (current == LeaseState.RELEASED) {
            throw new IllegalStateException("Cannot " + operationName + " lease on lock '" + name + "' (fence "
                    + fenceToken + "): it was released");
        }
        if (current == LeaseState.LOST) {
            throw new LeaseLostException(
                    "Cannot " + operationName + " lease on lock '" + name + "' (fence " + fenceToken
                            + "): it was lost; acquire the lock again",
                    name,
                    owner(),
                    fenceToken,
                    cause,
                    null);
        }
    }

    private StoreResult callStore(String newVersion, java.util.function.Supplier<StoreResult> call) {
        try {
            return call.get();
        } catch (LeaseStoreUnavailableException e) {
            if (newVersion != null) {
                synchronized (this) {
                    versions.add(newVersion); // the write may have landed
                }
            }
            throw e;
        }
    }

    private synchronized List<String> versionsSnapshot() {
        return new ArrayList<>(versions);
    }

    private synchronized void advance(String newVersion, long sentAtNanos, Duration duration) {
        versions.clear();
        versions.add(newVersion);
        expiresAtNanos = Math.max(expiresAtNanos, sentAtNanos + duration.toNanos());
    }

    private LeaseLostException lost(LossCause cause, LeaseRecord current, String operationName) {
        markLost(cause, null);
        String holder = current == null ? "nobody" : current.released() ? "nobody (released)" : current.owner();
        return new LeaseLostException(
                "Lease on lock '" + name + "' (fence " + fenceToken + ", owner " + owner() + ") is lost: "
                        + operationName + " found " + holder
                        + (current == null ? "" : " at fence " + current.fence())
                        + "; stop the work it guards and acquire the lock again",
                name,
                owner(),
                fenceToken,
                cause,
                null);
    }

    void markLost(LossCause cause, Throwable detail) {
        synchronized (this) {
            if (state != LeaseState.HELD) {
                return;
            }
            state = LeaseState.LOST;
            lossCause = cause;
        }
        stopHeartbeat();
        engine.forget(this);
        engine.notify(() -> listener.onLost(this, cause, detail));
    }

    private void finish(LeaseState finalState) {
        synchronized (this) {
            state = finalState;
        }
        engine.forget(this);
        engine.waiters().signal(name);
    }

    private void stopHeartbeat() {
        LeaseHeartbeat current;
        synchronized (this) {
            current = heartbeat;
            heartbeat = null;
        }
        if (current != null) {
            current.stop();
        }
    }

    @Override
    public String toString() {
        return "Lease[name=" + name + ", owner=" + owner() + ", fence=" + fenceToken + ", state=" + state()
                + ", remaining=" + remaining() + "]";
    }
}
