package dev.txlease.testing;

import dev.txlease.client.LeaseClock;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A monotonic {@link LeaseClock} that moves only when a test advances it: a takeover then costs no
 * real waiting, and a clock jump is one call. Its origin is arbitrary, as {@link System#nanoTime()}'s
 * is: {@link #nearOverflow()} starts it just below {@link Long#MAX_VALUE} so that readings wrap
 * around during a test. Every module's tests use this one. Thread-safe.
 */
public final class ManualClock implements LeaseClock {
    private final AtomicLong nanos;

    /** A clock that starts at one second. */
    public ManualClock() {
        this(1_000_000_000L);
    }

    private ManualClock(long start) {
        this.nanos = new AtomicLong(start);
    }

    /** A clock that starts one second before its readings overflow to negative values. */
    public static ManualClock nearOverflow() {
        return new ManualClock(Long.MAX_VALUE - 1_000_000_000L);
    }

    @Override
    public long nanoTime() {
        return nanos.get();
    }

    /** Moves the clock forward by {@code duration}. */
    public void advance(Duration duration) {
        if (duration.isNegative()) {
            throw new IllegalArgumentException("a monotonic clock does not go back: " + duration);
        }
        nanos.addAndGet(duration.toNanos());
    }
}
