package dev.txlease.internal;

import dev.txlease.Lease;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * An {@code acquireAsync} in progress: each attempt runs on the engine's acquire pool; between
 * attempts it holds no thread, only a timer on the engine's acquire scheduler and a registration for
 * a local release of the name, whichever fires first.
 *
 * <p>Cancelling the future, or closing the engine, ends it: a grant that an attempt in flight brings
 * is released, and so is a grant of an earlier attempt that may have landed ({@link
 * AcquireLoop#abandon}).
 *
 * <p>Thread-safe: attempts of one acquisition never overlap (a step is scheduled only by the step
 * before it, through {@link #waiting}).
 */
final class AsyncAcquisition {
    private final LeaseEngine engine;
    private final AcquireLoop loop;
    private final CompletableFuture<Lease> result;
    private final AtomicBoolean waiting = new AtomicBoolean();
    private final AtomicBoolean released = new AtomicBoolean();
    private final Runnable wakeUp = this::releasedLocally;
    private volatile ScheduledFuture<?> timer;

    AsyncAcquisition(LeaseEngine engine, AcquireLoop loop, CompletableFuture<Lease> result) {
        this.engine = engine;
        this.loop = loop;
        this.result = result;
        result.whenComplete((lease, failure) -> {
            if (result.isCancelled()) {
                cancelWait();
            }
        });
    }

    void start() {
        if (!engine.runAttempt(this::step)) {
            result.completeExceptionally(loop.closed());
        }
    }

    /** Ends the acquisition because the engine closes. */
    void close() {
        result.completeExceptionally(loop.closed());
        cancelWait();
    }

    private void step() {
        if (result.isDone()) {
            loop.abandon(loop.closed());
            return;
        }
        released.set(false);
        engine.waiters().register(loop.name(), wakeUp); // before the attempt: a release after it wakes us
        boolean registered = true;
        try {
            ManagedLease lease = loop.attempt();
            if (lease != null) {
                engine.waiters().unregister(loop.name(), wakeUp);
                registered = false;
                if (!result.complete(lease)) {
                    lease.releaseQuietly(); // cancelled or closed while the grant was on its way
                }
                return;
            }
            if (result.isDone()) {
                loop.abandon(loop.closed());
                return;
            }
            long pause = released.get() ? 0 : loop.pauseNanos();
            waiting.set(true);
            registered = false; // stays registered while it waits
            timer = engine.schedule(this::wake, pause);
            if (timer == null) {
                wake();
            }
        } catch (RuntimeException e) {
            result.completeExceptionally(e);
        } finally {
            if (registered) {
                engine.waiters().unregister(loop.name(), wakeUp);
            }
        }
    }

    private void releasedLocally() {
        released.set(true);
        wake();
    }

    /** The timer fired or the name was released locally: the next attempt, once. */
    private void wake() {
        if (!waiting.compareAndSet(true, false)) {
            return;
        }
        ScheduledFuture<?> current = timer;
        if (current != null) {
            current.cancel(false);
        }
        engine.waiters().unregister(loop.name(), wakeUp);
        if (!engine.runAttempt(this::step)) {
            result.completeExceptionally(loop.closed());
        }
    }

    /** The future completed while waiting: stop the timer and release what may have landed. */
    private void cancelWait() {
        if (!waiting.compareAndSet(true, false)) {
            return; // an attempt is running; it sees the completed future
        }
        ScheduledFuture<?> current = timer;
        if (current != null) {
            current.cancel(false);
        }
        engine.waiters().unregister(loop.name(), wakeUp);
        engine.runAttempt(() -> loop.abandon(loop.closed()));
    }
}
