package dev.txlease.internal;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Wakes the waiters of a lock name when this client releases it, so a handover inside one process
 * does not wait for the next poll.
 *
 * <p>A waiter {@linkplain #register registers} before it reads the store, then awaits the returned
 * signal: a release that happens between the read and the await still wakes it. Thread-safe.
 */
final class LocalWaiters {
    private final ConcurrentHashMap<String, CountDownLatch> signals = new ConcurrentHashMap<>();

    /** Returns the signal that the next release of {@code name} will fire. */
    CountDownLatch register(String name) {
        return signals.computeIfAbsent(name, key -> new CountDownLatch(1));
    }

    /** Wakes everyone waiting on {@code name}. */
    void signal(String name) {
        CountDownLatch latch = signals.remove(name);
        if (latch != null) {
            latch.countDown();
        }
    }

    /** Waits for {@code signal} at most {@code nanos}; returns early when interrupted, with the flag set. */
    static void await(CountDownLatch signal, long nanos) throws InterruptedException {
        if (nanos > 0) {
            signal.await(nanos, TimeUnit.NANOSECONDS);
        }
    }
}
