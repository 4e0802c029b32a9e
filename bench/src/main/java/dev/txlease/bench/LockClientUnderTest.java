package dev.txlease.bench;

import java.time.Duration;

/**
 * One lock client instance of one library, seen through the few operations the measures need, so
 * every measure runs the same code for both libraries.
 *
 * <p>Implementations are thread-safe, as the clients they wrap are.
 *
 * @param <H> the library's handle of a held lock
 */
interface LockClientUnderTest<H> extends AutoCloseable {

    /** Acquires a lock that is expected to be free; throws if it is not granted at once. */
    H acquireFree(String name);

    /** Acquires a lock, waiting up to {@code timeout} while another holder has it. */
    H acquireWaiting(String name, Duration timeout);

    /** Renews the lock now. */
    void renew(H lock);

    /** Releases the lock; returns {@code false} if it had been lost. */
    boolean release(H lock);

    /** Returns whether the client still considers the lock held and unexpired. */
    boolean isHeld(H lock);

    /** Stops the client's background threads. */
    @Override
    void close();
}
