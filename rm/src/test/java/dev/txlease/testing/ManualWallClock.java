package dev.txlease.testing;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A wall clock ({@link Clock}) that stands still until a test moves it, for what a store dates by
 * wall-clock time (fence bases, TTL expiry). Thread-safe.
 */
public final class ManualWallClock extends Clock {
    private final AtomicReference<Instant> now;

    /** Starts at {@code start}. */
    public ManualWallClock(Instant start) {
        this.now = new AtomicReference<>(start);
    }

    /** Starts at the system's time now, truncated to the millisecond. */
    public static ManualWallClock startingNow() {
        return new ManualWallClock(Instant.ofEpochMilli(System.currentTimeMillis()));
    }

    /** Moves the clock by {@code step}, which may be negative (a clock set back). */
    public void advance(Duration step) {
        now.updateAndGet(instant -> instant.plus(step));
    }

    @Override
    public Instant instant() {
        return now.get();
    }

    @Override
    public ZoneId getZone() {
        return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
        throw new UnsupportedOperationException("ManualWallClock is UTC only");
    }
}
