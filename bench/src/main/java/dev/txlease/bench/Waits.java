package dev.txlease.bench;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * Waiting with a deadline, for the harness's own coordination.
 *
 * <p>Not instantiable.
 */
final class Waits {
    private Waits() {}

    /** Polls {@code condition} every millisecond until it holds; throws after {@code timeout}. */
    static void until(String what, Duration timeout, BooleanSupplier condition) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - deadline >= 0) {
                throw new IllegalStateException("timed out after " + timeout + " waiting until " + what);
            }
            sleep(Duration.ofMillis(1));
        }
    }

    /** Joins {@code thread}; throws if it is still alive after {@code timeout}. */
    static void join(Thread thread, Duration timeout) {
        try {
            thread.join(timeout.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while joining " + thread.getName(), e);
        }
        if (thread.isAlive()) {
            throw new IllegalStateException(thread.getName() + " still runs after " + timeout);
        }
    }

    /** Sleeps, restoring the interrupt flag and throwing if interrupted. */
    static void sleep(Duration duration) {
        try {
            TimeUnit.NANOSECONDS.sleep(duration.toNanos());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }
}
