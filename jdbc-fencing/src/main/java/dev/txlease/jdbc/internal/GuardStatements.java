package dev.txlease.jdbc.internal;

import dev.txlease.FenceToken;
import dev.txlease.LockMode;
import dev.txlease.jdbc.FenceConflictException;
import dev.txlease.jdbc.FenceObserver;
import dev.txlease.jdbc.GuardDialect;
import dev.txlease.jdbc.GuardTable;
import dev.txlease.jdbc.StaleFenceTokenException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Runs the fence check for one lease on a raw connection, inside the caller's transaction.
 *
 * <p>Before the first check, the guard table is resolved and checked once ({@link
 * GuardTableInspector}): its name is then qualified with the schema it resolved to, so that a
 * connection with another search path cannot check a different table.
 *
 * <p>The guard row of a name keeps, per lock mode, the highest token that passed the check in that
 * mode ({@link GuardColumns}: {@code token} for EX). The check of lock name {@code n}, token {@code
 * t}, mode {@code m} passes iff no mode incompatible with {@code m} has recorded a token greater than
 * {@code t}, and records {@code t} for {@code m}. The algorithm ({@link GuardSql} has the statements):
 *
 * <ol>
 *   <li>{@code UPDATE guard SET c(m) = GREATEST(c(m), t) WHERE name = n AND c(i) <= t} for every mode
 *       {@code i} incompatible with {@code m}. One row: done; the row lock now orders every holder
 *       that checks the name after this transaction, compatible ones included, until it ends. This is
 *       the common path, and it takes the row's exclusive lock directly (inserting first would take a
 *       shared lock on an existing row, and two such transactions deadlock on InnoDB when both then
 *       update).
 *   <li>Zero rows: insert {@code (n, 0, ...)} if absent, in the dialect's race-free way (PostgreSQL
 *       {@code ON CONFLICT DO NOTHING}, H2 {@code MERGE} with a concurrent duplicate tolerated), then
 *       run the update again. On MariaDB/MySQL a name not seen before by this data source skips step
 *       1: an {@code UPDATE} that finds no row takes a gap lock under {@code REPEATABLE READ}, and two
 *       transactions creating different names in the same gap then deadlock; instead {@code INSERT
 *       ... ON DUPLICATE KEY UPDATE} creates or raises the row under the same condition, taking only
 *       the row's lock.
 *   <li>Still zero rows: read the row's tokens with {@code SELECT ... FOR UPDATE} (a locking read
 *       sees the latest committed row even under InnoDB's {@code REPEATABLE READ} snapshot). An
 *       incompatible mode's token greater than {@code t}: {@link StaleFenceTokenException} naming it.
 *       Otherwise {@code c(m) >= t}: passed (drivers that count changed rather than matched rows
 *       report zero when {@code GREATEST} keeps the value).
 * </ol>
 *
 * <p>A serialization failure or deadlock (SQLState {@code 40001}, {@code 40P01}), a timed-out wait
 * for the guard row's lock, and a row that a snapshot cannot see (H2's snapshot isolation levels)
 * become a {@link FenceConflictException}; other failures are rethrown with their cause named. A
 * mode other than EX on a table without the mode columns fails with the {@code ALTER TABLE} to run.
 *
 * <p>Thread-safe: the resolved table and the set of names known to have a row are published through
 * a volatile field and a concurrent set.
 */
public final class GuardStatements {
    private static final System.Logger LOG = System.getLogger(GuardStatements.class.getName());
    private static final int KNOWN_NAMES_LIMIT = 10_000;

    private final GuardDialect dialect;
    private final GuardTable configured;
    private final FenceObserver observer;
    private final Set<String> knownNames = ConcurrentHashMap.newKeySet();
    private volatile GuardSql sql;

    /**
     * Creates the statements for a guard table; the table is resolved and checked on first use.
     *
     * @param table the guard table
     * @param dialect the database's dialect
     */
    public GuardStatements(GuardTable table, GuardDialect dialect) {
        this(table, dialect, FenceObserver.NONE);
    }

    /**
     * Creates the statements for a guard table that report every check to {@code observer}.
     *
     * @param table the guard table
     * @param dialect the database's dialect
     * @param observer told of every check
     */
    public GuardStatements(GuardTable table, GuardDialect dialect, FenceObserver observer) {
        this.observer = Objects.requireNonNull(observer, "observer must not be null");
        this.dialect = Objects.requireNonNull(dialect, "dialect must not be null");
        this.configured = Objects.requireNonNull(table, "table must not be null");
    }

    /** Returns the dialect. */
    public GuardDialect dialect() {
        return dialect;
    }

    /** Returns the guard table name as configured. */
    public String table() {
        return configured.name();
    }

    /**
     * Checks and records an exclusive ({@link LockMode#EX}) holder's token.
     *
     * @param connection the raw connection, not in auto-commit mode
     * @param lockName the lock name
     * @param token the lease's fence token
     * @throws StaleFenceTokenException if a greater token has already passed the check
     * @throws FenceConflictException on a serialization failure, deadlock or lock wait timeout
     * @throws SQLException if the guard table is missing or unfit, or the check could not run
     */
    public void check(Connection connection, String lockName, FenceToken token) throws SQLException {
        check(connection, lockName, token, LockMode.EX);
    }

    /**
     * Checks and records the token of a holder in a mode, in the connection's current transaction;
     * {@link LockMode#NL} is never checked.
     *
     * @param connection the raw connection, not in auto-commit mode
     * @param lockName the lock name
     * @param token the lease's fence token
     * @param mode the lease's mode
     * @throws StaleFenceTokenException if a greater token has already passed the check in a mode
     *     incompatible with {@code mode}
     * @throws FenceConflictException on a serialization failure, deadlock or lock wait timeout
     * @throws SQLException if the guard table is missing or unfit (or lacks the mode columns), or the
     *     check could not run
     */
    public void check(Connection connection, String lockName, FenceToken token, LockMode mode) throws SQLException {
        if (mode == LockMode.NL) {
            return;
        }
        long started = System.nanoTime();
        SQLException failure = null;
        try {
            checkInMode(connection, lockName, token, mode);
        } catch (SQLException e) {
            failure = e;
            throw e;
        } catch (RuntimeException e) {
            failure = new SQLException("the fence check failed: " + e, e);
            throw e;
        } finally {
            observe(lockName, token, mode, Duration.ofNanos(System.nanoTime() - started), failure);
        }
    }

    private void observe(String lockName, FenceToken token, LockMode mode, Duration elapsed, SQLException failure) {
        try {
            observer.checked(lockName, token, mode, elapsed, failure);
        } catch (RuntimeException e) { // it must not change the check's outcome
            LOG.log(
                    System.Logger.Level.WARNING,
                    "txlease: a FenceObserver threw; it should return quickly and not throw",
                    e);
        }
    }

    private void checkInMode(Connection connection, String lockName, FenceToken token, LockMode mode)
            throws SQLException {
        GuardSql statements = statementsFor(connection, lockName, token, mode);
        GuardRow row;
        try {
            row = checkRow(connection, statements, statements.mode(mode), lockName, token);
        } catch (SQLException e) {
            throw GuardFailures.translate(e, lockName, token, statements.table());
        }
        if (row == GuardRow.ABSENT) {
            throw GuardFailures.invisibleRow(lockName, token, statements.table(), dialect);
        }
        if (row != GuardRow.PASSED) {
            verdict(row, statements, lockName, token, mode);
        }
        rememberName(lockName);
    }

    /** Judges the row read after the update matched nothing: stale, passed, or something rewrote it. */
    private static void verdict(GuardRow row, GuardSql statements, String lockName, FenceToken token, LockMode mode)
            throws SQLException {
        LockMode newest = null;
        for (LockMode other : GuardColumns.incompatible(mode)) {
            if (row.token(other) > token.value() && (newest == null || row.token(other) > row.token(newest))) {
                newest = other;
            }
        }
        if (newest != null) {
            FenceToken observed = FenceToken.of(row.token(newest));
            throw new StaleFenceTokenException(
                    "Stale fence token for lock '" + lockName + "': this transaction holds it in mode " + mode
                            + " with token " + token + ", but a holder in mode " + newest + ", incompatible with "
                            + mode + ", with the newer token " + observed + " has already passed the fence check"
                            + " (it wrote, or read with fenced reads) (guard table " + statements.table() + "). A"
                            + " newer holder took the lease over: roll back, and acquire the lock again before"
                            + " retrying.",
                    lockName,
                    token,
                    mode,
                    observed,
                    newest,
                    null);
        }
        if (row.token(mode) < token.value()) {
            throw new SQLException("Fence check for lock '" + lockName + "' (mode " + mode + ", token " + token
                    + ") matched no row in guard table " + statements.table() + " although no incompatible mode"
                    + " holds a newer token: is a trigger or rule rewriting updates?");
        }
    }

    /**
     * Runs the check's statements; returns {@link GuardRow#PASSED}, or the row's tokens read with a
     * locking read, or {@link GuardRow#ABSENT}.
     */
    private GuardRow checkRow(
            Connection connection, GuardSql statements, GuardSql.ModeSql mode, String lockName, FenceToken token)
            throws SQLException {
        if (dialect == GuardDialect.MARIADB && !knownNames.contains(lockName)) {
            if (raise(connection, mode, lockName, token) == 2) {
                return GuardRow.PASSED; // 2: an existing row was raised to this token
            }
            return GuardRow.lockedRead(connection, statements, lockName);
        }
        if (update(connection, mode, lockName, token) > 0) {
            return GuardRow.PASSED;
        }
        insertIfAbsent(connection, statements, lockName);
        if (update(connection, mode, lockName, token) > 0) {
            return GuardRow.PASSED;
        }
        return GuardRow.lockedRead(connection, statements, lockName);
    }

    /**
     * Returns the statements, resolving the table on first use; for a mode the resolved table has no
     * column for, resolves it again (it may have been altered since) and fails if it still lacks it.
     */
    private GuardSql statementsFor(Connection connection, String lockName, FenceToken token, LockMode mode)
            throws SQLException {
        GuardSql known = sql;
        if (known == null || known.mode(mode) == null) {
            known = GuardSql.on(GuardTableInspector.resolve(connection, configured, dialect), dialect);
            sql = known;
        }
        if (known.mode(mode) == null) {
            throw missingModeColumns(known.missingColumns(), lockName, token, mode);
        }
        return known;
    }

    private SQLException missingModeColumns(List<String> missing, String lockName, FenceToken token, LockMode mode) {
        return new SQLException(
                "Guard table " + configured + " has no column for lock mode " + mode + " (it lacks " + missing
                        + "; it was probably created before txlease supported lock modes), so lock '" + lockName
                        + "' held in mode " + mode + " with token " + token + " cannot be fenced. Add the columns"
                        + " with: " + GuardColumns.addColumnsSql(dialect, configured.name(), missing) + " (or call"
                        + " FencedDataSource.createGuardTable(), which adds them); then restart the applications"
                        + " that use the table (a data source reads its columns once). Exclusive (EX) leases"
                        + " keep working without them.",
                "42S22");
    }

    private void rememberName(String lockName) {
        if (dialect != GuardDialect.MARIADB) {
            return;
        }
        if (knownNames.size() >= KNOWN_NAMES_LIMIT) {
            knownNames.clear(); // forgetting costs one more statement at the next first use, nothing else
        }
        knownNames.add(lockName);
    }

    private static int update(Connection connection, GuardSql.ModeSql mode, String lockName, FenceToken token)
            throws SQLException {
        try (PreparedStatement statement = connection.prepareStatement(mode.update())) {
            statement.setLong(1, token.value());
            statement.setString(2, lockName);
            for (int i = 0; i < mode.updateTokens(); i++) {
                statement.setLong(3 + i, token.value());
            }
            return statement.executeUpdate();
        }
    }

    private static int raise(Connection connection, GuardSql.ModeSql mode, String lockName, FenceToken token)
            throws SQLException {
        try (PreparedStatement statement = connection.prepareStatement(mode.raise())) {
            statement.setString(1, lockName);
            statement.setLong(2, token.value());
            return statement.executeUpdate();
        }
    }

    private void insertIfAbsent(Connection connection, GuardSql statements, String lockName) throws SQLException {
        try (PreparedStatement statement = connection.prepareStatement(statements.insertIfAbsent())) {
            statement.setString(1, lockName);
            statement.executeUpdate();
        } catch (SQLException e) {
            // H2's MERGE does not see a row another transaction inserted and has not committed yet;
            // it waits for that transaction and then reports the duplicate without aborting ours.
            if (!(dialect == GuardDialect.H2 && "23505".equals(e.getSQLState()))) {
                throw e;
            }
        }
    }

    /** The tokens of a guard row per mode, as a locking read found them. Immutable. */
    private static final class GuardRow {
        /** The update matched the row: the check passed. */
        static final GuardRow PASSED = new GuardRow(new long[0]);
        /** The locking read found no row. */
        static final GuardRow ABSENT = new GuardRow(new long[0]);

        private final long[] tokens; // by LockMode ordinal; 0 for a mode without a column

        private GuardRow(long[] tokens) {
            this.tokens = tokens;
        }

        long token(LockMode mode) {
            return tokens[mode.ordinal()];
        }

        static GuardRow lockedRead(Connection connection, GuardSql statements, String lockName) throws SQLException {
            try (PreparedStatement statement = connection.prepareStatement(statements.selectForUpdate())) {
                statement.setString(1, lockName);
                try (ResultSet row = statement.executeQuery()) {
                    if (!row.next()) {
                        return ABSENT;
                    }
                    long[] tokens = new long[LockMode.values().length];
                    List<LockMode> columns = statements.columnsRead();
                    for (int i = 0; i < columns.size(); i++) {
                        tokens[columns.get(i).ordinal()] = row.getLong(i + 1);
                    }
                    return new GuardRow(tokens);
                }
            }
        }
    }
}
