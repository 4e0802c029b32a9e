package dev.txlease.testing;

import java.time.Duration;
import java.util.function.BooleanSupplier;

/**
 * Polling with a deadline: the test kit's only way to wait for something a test cannot get a latch
 * for (a request another thread sends, a row lock in the database). Never a sleep that hopes for
 * order. Every module's tests use this one.
 *
 * <p>Stateless and thread-safe.
 */
public final class Await {
    /** How long a test waits for something that should happen at once. */
    public static final Duration DEADLINE = Duration.ofSeconds(30);

    private Await() {}

    /** Waits until {@code condition} holds, failing the test after {@link #DEADLINE}. */
    public static void until(String what, BooleanSupplier condition) {
        until(what, DEADLINE, condition);
    }

    /** Waits until {@code condition} holds, failing the test after {@code timeout}. */
    public static void until(String what, Duration timeout, BooleanSupplier condition) {
        if (!reached(timeout, condition)) {
            throw new AssertionError("timed out after " + timeout + " waiting until " + what);
        }
    }

    /** Waits until {@code condition} holds or {@code timeout} passes; returns whether it held. */
    public static boolean reached(Duration timeout, BooleanSupplier condition) {
        return reached(timeout, Duration.ofMillis(2), condition);
    }

    /**
     * Waits until {@code condition}, evaluated every {@code interval}, holds or {@code timeout}
     * passes; returns whether it held.
     */
    public static boolean reached(Duration timeout, Duration interval, BooleanSupplier condition) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - deadline > 0) {
                return false;
            }
            try {
                Thread.sleep(interval.toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted while waiting", e);
            }
        }
        return true;
    }
}
