package dev.txlease.jdbc;

import dev.txlease.FenceToken;
import dev.txlease.LockMode;
import java.sql.SQLException;
import java.time.Duration;

/**
 * Hooks a {@link FencedDataSource} (or the Jdbi plugin) calls after each fence check, for metrics
 * (the {@code txlease-micrometer} module implements it) or tracing. Defaults to doing nothing;
 * register one with {@link FencedDataSource.Builder#observer}.
 *
 * <p>Calls come from the threads that run statements, often several at once: implementations must
 * be thread-safe, return quickly and not use the connection. An exception an observer throws is
 * ignored (the check's own outcome stands).
 */
public interface FenceObserver {
    /** An observer that ignores every check. */
    FenceObserver NONE = new FenceObserver() {};

    /**
     * A fence check of one lease ended, in the database transaction it guards (a local commit's
     * re-verification included).
     *
     * @param lockName the lock name
     * @param token the lease's fence token
     * @param mode the lease's mode ({@link LockMode#NL} leases are never checked)
     * @param elapsed how long the guard statements took
     * @param failure {@code null} if the check passed; else a {@link StaleFenceTokenException} (a
     *     newer holder has written), a {@link FenceConflictException} (serialization failure or
     *     deadlock on the guard row), or another {@link SQLException}
     */
    default void checked(String lockName, FenceToken token, LockMode mode, Duration elapsed, SQLException failure) {}
}
