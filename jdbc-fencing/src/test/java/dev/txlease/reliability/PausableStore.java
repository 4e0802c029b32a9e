package dev.txlease.reliability;

import dev.txlease.LeaseStoreUnavailableException;
import dev.txlease.spi.ForwardingLeaseStore;
import dev.txlease.spi.LeaseStore;
import dev.txlease.spi.StoreResult;
import dev.txlease.testing.Await;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

/**
 * One process's view of the real lease store, with the faults the reliability suite needs:
 *
 * <ul>
 *   <li>{@link #freeze()} models a stop-the-world pause of the process (or requests stuck in the
 *       network): every call blocks before it reaches the store, heartbeats included, and goes
 *       through on {@link #thaw()}. {@link #awaitNoneInFlight()} waits for calls that had already
 *       passed the gate, so that nothing this process sent can still land while it is frozen.
 *   <li>{@link #partition(boolean)} models the store being unreachable from this process: every call
 *       fails with {@link LeaseStoreUnavailableException} before it is sent.
 *   <li>{@link #calls(String)} counts the calls per operation ({@code tryGrant}, {@code renew}, ... as
 *       {@link ForwardingLeaseStore} names them),
 *       so a test knows when a waiter has polled; {@link #succeeded(String)} counts the conditional
 *       writes that took effect.
 * </ul>
 *
 * <p>Thread-safe.
 */
final class PausableStore extends ForwardingLeaseStore {
    private final Map<String, AtomicLong> calls = new ConcurrentHashMap<>();
    private final Map<String, AtomicLong> successes = new ConcurrentHashMap<>();
    private boolean frozen; // guarded by this
    private int blocked; // guarded by this
    private int inFlight; // guarded by this
    private volatile boolean partitioned;

    PausableStore(LeaseStore store) {
        super(store);
    }

    /** Stops every call of this process at the gate until {@link #thaw()}. */
    synchronized void freeze() {
        frozen = true;
    }

    /** Lets the blocked calls and every later one through. */
    synchronized void thaw() {
        frozen = false;
        notifyAll();
    }

    /** Waits until no call of this process is between the gate and the store's answer. */
    synchronized void awaitNoneInFlight() throws InterruptedException {
        long deadline = System.nanoTime() + Await.DEADLINE.toNanos();
        while (inFlight > 0) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                throw new AssertionError(inFlight + " store call(s) did not return within " + Await.DEADLINE);
            }
            wait(Math.max(1, left / 1_000_000));
        }
    }

    /** Returns how many calls are blocked at the gate now. */
    synchronized int blocked() {
        return blocked;
    }

    /** Makes the store unreachable from this process ({@code true}) or reachable again. */
    void partition(boolean unreachable) {
        this.partitioned = unreachable;
    }

    /** Returns how many calls of {@code operation} this process has made (blocked ones included). */
    long calls(String operation) {
        AtomicLong count = calls.get(operation);
        return count == null ? 0 : count.get();
    }

    /** Returns how many conditional writes of {@code operation} this process made took effect. */
    long succeeded(String operation) {
        AtomicLong count = successes.get(operation);
        return count == null ? 0 : count.get();
    }

    @Override
    protected <T> T forward(String operation, String lockName, Supplier<T> call) {
        calls.computeIfAbsent(operation, key -> new AtomicLong()).incrementAndGet();
        enter(lockName);
        try {
            if (partitioned) {
                throw new LeaseStoreUnavailableException(
                        "PausableStore: the store is unreachable from this process (" + operation + ")",
                        lockName,
                        null);
            }
            T result = call.get();
            if (result instanceof StoreResult && ((StoreResult) result).succeeded()) {
                successes.computeIfAbsent(operation, key -> new AtomicLong()).incrementAndGet();
            }
            return result;
        } finally {
            exit();
        }
    }

    private synchronized void enter(String lockName) {
        blocked++;
        try {
            while (frozen) {
                wait();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new LeaseStoreUnavailableException("PausableStore: interrupted while frozen", lockName, e);
        } finally {
            blocked--;
        }
        inFlight++;
    }

    private synchronized void exit() {
        inFlight--;
        notifyAll();
    }

    @Override
    public String toString() {
        return "PausableStore[" + storeId() + "]";
    }
}
