package dev.txlease.jdbc.internal;

import dev.txlease.FenceToken;
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
 * <p>The algorithm, per lock name {@code n} and token {@code t}:
 *
 * <ol>
 *   <li>{@code UPDATE guard SET token = t WHERE name = n AND token <= t}. One row: done; the row
 *       lock now orders every competing holder after this transaction. This is the common path, and
 *       it takes the row's exclusive lock directly (inserting first would take a shared lock on an
 *       existing row, and two such transactions deadlock on InnoDB when both then update).
 *   <li>Zero rows: insert {@code (n, 0)} if absent, in the dialect's race-free way (PostgreSQL {@code
 *       ON CONFLICT DO NOTHING}, H2 {@code MERGE} with a concurrent duplicate tolerated), then run
 *       the update again. On MariaDB/MySQL a name not seen before by this data source skips step 1:
 *       an {@code UPDATE} that finds no row takes a gap lock under {@code REPEATABLE READ}, and two
 *       transactions creating different names in the same gap then deadlock; instead {@code INSERT
 *       ... ON DUPLICATE KEY UPDATE token = IF(token <= t, t, token)} creates or raises the row,
 *       taking only the row's lock.
 *   <li>Still zero rows: read the stored token with {@code SELECT ... FOR UPDATE} (a locking read
 *       sees the latest committed row even under InnoDB's {@code REPEATABLE READ} snapshot). Greater
 *       than {@code t}: {@link StaleFenceTokenException}. Equal: fine (drivers that count changed
 *       rather than matched rows report zero when the token is unchanged).
 * </ol>
 *
 * <p>A serialization failure or deadlock (SQLState {@code 40001}, {@code 40P01}), a timed-out wait
 * for the guard row's lock, and a row that a snapshot cannot see (H2's snapshot isolation levels)
 * become a {@link FenceConflictException}; other failures are rethrown with their cause named.
 *
 * <p>Thread-safe: the resolved table name and the set of names known to have a row are published
 * through a volatile field and a concurrent set.
 */
public final class GuardStatements {
    private static final System.Logger LOG = System.getLogger(GuardStatements.class.getName());
    private static final int KNOWN_NAMES_LIMIT = 10_000;
    /** What {@link #lockedToken} returns when its locking read finds no row. */
    private static final long NO_ROW = Long.MIN_VALUE;

    private final GuardDialect dialect;
    private final GuardTable configured;
    private final FenceObserver observer;
    private final Set<String> knownNames = ConcurrentHashMap.newKeySet();
    private volatile Sql sql;

    /** The statements, on the resolved table name. */
    private record Sql(String table, String update, String insertIfAbsent, String raise, String selectForUpdate) {
        static Sql on(String table, GuardDialect dialect) {
            return new Sql(
                    table,
                    "UPDATE " + table + " SET token = ? WHERE name = ? AND token <= ?",
                    insertIfAbsentSql(dialect, table),
                    "INSERT INTO " + table + " (name, token) VALUES (?, ?)"
                            + " ON DUPLICATE KEY UPDATE token = IF(token <= VALUES(token), VALUES(token), token)",
                    "SELECT token FROM " + table + " WHERE name = ? FOR UPDATE");
        }
    }

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

    private static String insertIfAbsentSql(GuardDialect dialect, String table) {
        switch (dialect) {
            case POSTGRESQL:
                return "INSERT INTO " + table + " (name, token) VALUES (?, 0) ON CONFLICT (name) DO NOTHING";
            case MARIADB:
                return "INSERT INTO " + table + " (name, token) VALUES (?, 0) ON DUPLICATE KEY UPDATE name = name";
            case H2:
                return "MERGE INTO " + table + " g USING (VALUES (CAST(? AS VARCHAR(255)))) s(name)"
                        + " ON g.name = s.name WHEN NOT MATCHED THEN INSERT (name, token) VALUES (s.name, 0)";
            default:
                throw new IllegalArgumentException("unknown dialect " + dialect);
        }
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
     * Checks and records the token for a lock name in the connection's current transaction.
     *
     * @param connection the raw connection, not in auto-commit mode
     * @param lockName the lock name
     * @param token the lease's fence token
     * @throws StaleFenceTokenException if a greater token has already written
     * @throws FenceConflictException on a serialization failure, deadlock or lock wait timeout
     * @throws SQLException if the guard table is missing or unfit, or the check could not run
     */
    public void check(Connection connection, String lockName, FenceToken token) throws SQLException {
        long started = System.nanoTime();
        SQLException failure = null;
        try {
            checkToken(connection, lockName, token);
        } catch (SQLException e) {
            failure = e;
            throw e;
        } catch (RuntimeException e) {
            failure = new SQLException("the fence check failed: " + e, e);
            throw e;
        } finally {
            observe(lockName, token, Duration.ofNanos(System.nanoTime() - started), failure);
        }
    }

    private void observe(String lockName, FenceToken token, Duration elapsed, SQLException failure) {
        try {
            observer.checked(lockName, token, elapsed, failure);
        } catch (RuntimeException e) { // it must not change the check's outcome
            LOG.log(
                    System.Logger.Level.WARNING,
                    "txlease: a FenceObserver threw; it should return quickly and not throw",
                    e);
        }
    }

    private void checkToken(Connection connection, String lockName, FenceToken token) throws SQLException {
        Sql statements = resolve(connection);
        long stored;
        try {
            stored = checkRow(connection, statements, lockName, token);
        } catch (SQLException e) {
            throw GuardFailures.translate(e, lockName, token, statements.table());
        }
        if (stored == NO_ROW) {
            throw GuardFailures.invisibleRow(lockName, token, statements.table(), dialect);
        }
        if (stored > token.value()) {
            throw new StaleFenceTokenException(
                    "Stale fence token for lock '" + lockName + "': this transaction carries token " + token
                            + " but token " + stored + " has already written (guard table " + statements.table()
                            + "). A newer holder took the lease over: roll back, and acquire the lock again"
                            + " before retrying.",
                    lockName,
                    token,
                    FenceToken.of(stored),
                    null);
        }
        if (stored < token.value()) {
            throw new SQLException("Fence check for lock '" + lockName + "' (token " + token + ") matched no"
                    + " row in guard table " + statements.table() + " although it holds token " + stored
                    + ": is a trigger or rule rewriting updates?");
        }
        rememberName(lockName);
    }

    /**
     * Runs the check's statements; returns the token now stored (equal to {@code token} if passed), or
     * {@link #NO_ROW}.
     */
    private long checkRow(Connection connection, Sql statements, String lockName, FenceToken token)
            throws SQLException {
        if (dialect == GuardDialect.MARIADB && !knownNames.contains(lockName)) {
            if (raise(connection, statements, lockName, token) == 2) {
                return token.value(); // 2: an existing row was raised to this token
            }
            return lockedToken(connection, statements, lockName);
        }
        if (update(connection, statements, lockName, token) > 0) {
            return token.value();
        }
        insertIfAbsent(connection, statements, lockName);
        if (update(connection, statements, lockName, token) > 0) {
            return token.value();
        }
        return lockedToken(connection, statements, lockName);
    }

    private Sql resolve(Connection connection) throws SQLException {
        Sql known = sql;
        if (known == null) {
            known = Sql.on(GuardTableInspector.resolve(connection, configured, dialect), dialect);
            sql = known;
        }
        return known;
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

    private static int update(Connection connection, Sql statements, String lockName, FenceToken token)
            throws SQLException {
        try (PreparedStatement statement = connection.prepareStatement(statements.update())) {
            statement.setLong(1, token.value());
            statement.setString(2, lockName);
            statement.setLong(3, token.value());
            return statement.executeUpdate();
        }
    }

    private static int raise(Connection connection, Sql statements, String lockName, FenceToken token)
            throws SQLException {
        try (PreparedStatement statement = connection.prepareStatement(statements.raise())) {
            statement.setString(1, lockName);
            statement.setLong(2, token.value());
            return statement.executeUpdate();
        }
    }

    private void insertIfAbsent(Connection connection, Sql statements, String lockName) throws SQLException {
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

    private static long lockedToken(Connection connection, Sql statements, String lockName) throws SQLException {
        try (PreparedStatement statement = connection.prepareStatement(statements.selectForUpdate())) {
            statement.setString(1, lockName);
            try (ResultSet row = statement.executeQuery()) {
                return row.next() ? row.getLong(1) : NO_ROW;
            }
        }
    }
}
