package dev.txlease.client;

/**
 * The monotonic clock a lease client measures every duration with: lease expiry, a holder's unchanged
 * version, wait timeouts. Never a wall clock, never compared across machines.
 *
 * <p>Tests inject one to drive time; implementations must be thread-safe and never go backwards.
 */
@FunctionalInterface
public interface LeaseClock {

    /** Returns the current value of the clock in nanoseconds, from an arbitrary origin. */
    long nanoTime();

    /** Returns the system's monotonic clock, {@link System#nanoTime()}. */
    static LeaseClock system() {
        return System::nanoTime;
    }
}
