package dev.txlease.examples;

import dev.txlease.LeaseStoreUnavailableException;
import dev.txlease.spi.ForwardingLeaseStore;
import dev.txlease.spi.LeaseStore;
import java.util.concurrent.CountDownLatch;
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

    FreezableStore(LeaseStore store) {
        super(store);
    }

    void freeze() {
        thawed = new CountDownLatch(1);
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
        try {
            thawed.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new LeaseStoreUnavailableException("interrupted while frozen", lockName, e);
        } finally {
            parked.decrementAndGet();
        }
        return call.get();
    }
}
