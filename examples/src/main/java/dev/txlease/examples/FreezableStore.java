package dev.txlease.examples;

import dev.txlease.LeaseStoreUnavailableException;
import dev.txlease.spi.ForwardingLeaseStore;
import dev.txlease.spi.LeaseStore;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * The real lease store, behind a gate that models a stop-the-world pause of one worker's process:
 * while frozen, that worker's heartbeats cannot reach the store, exactly as during a long GC pause;
 * they go through when the process thaws. Thread-safe.
 */
final class FreezableStore extends ForwardingLeaseStore {
    private final AtomicInteger parked = new AtomicInteger();
    private volatile CountDownLatch thawed = new CountDownLatch(0);
    private volatile CountDownLatch firstParked = new CountDownLatch(0);

    FreezableStore(LeaseStore store) {
        super(store);
    }

    void freeze() {
        firstParked = new CountDownLatch(1);
        thawed = new CountDownLatch(1);
    }

    /**
     * Waits until a call (a heartbeat) waits at the gate: from then on the frozen worker's client
     * can neither renew nor notice on its own that the lease ran out (a lease's next beat is queued
     * only when this one has run).
     */
    boolean awaitParked(Duration timeout) throws InterruptedException {
        return firstParked.await(timeout.toNanos(), TimeUnit.NANOSECONDS);
    }

    void thaw() {
        thawed.countDown();
    }

    boolean isFrozen() {
        return thawed.getCount() > 0;
    }

    /** Returns how many calls (heartbeats) wait at the gate now. */
    int parkedCalls() {
        return parked.get();
    }

    @Override
    protected <T> T forward(String operation, String lockName, Supplier<T> call) {
        parked.incrementAndGet();
        CountDownLatch gate = thawed;
        if (gate.getCount() > 0) {
            firstParked.countDown();
        }
        try {
            gate.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new LeaseStoreUnavailableException("interrupted while frozen", lockName, e);
        } finally {
            parked.decrementAndGet();
        }
        return call.get();
    }
}
