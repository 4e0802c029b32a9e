package dev.txlease.reliability;

import dev.txlease.client.LeaseClock;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A monotonic {@link LeaseClock} that moves only when a test advances it: a takeover then costs no
 * real waiting, and a clock jump is one call. Thread-safe.
 */
final class TestClock implements LeaseClock {
    private final AtomicLong nanos = new AtomicLong(1_000_000_000L);

    @Override
    public long nanoTime() {
        return nanos.get();
    }

    /** Moves the clock forward by {@code duration}. */
    void advance(Duration duration) {
        if (duration.isNegative()) {
            throw new IllegalArgumentException("a monotonic clock does not go back: " + duration);
        }
        nanos.addAndGet(duration.toNanos());
    }
}
