package dev.txlease.client;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

/** A monotonic clock that only moves when a test advances it. Thread-safe. */
final class ManualClock implements LeaseClock {
    private final AtomicLong nanos = new AtomicLong(1_000_000_000L);

    @Override
    public long nanoTime() {
        return nanos.get();
    }

    void advance(Duration duration) {
        nanos.addAndGet(duration.toNanos());
    }
}
