package dev.txlease.jdbc.internal;

import dev.txlease.FenceToken;
import dev.txlease.jdbc.FenceCheckException;
import dev.txlease.jdbc.FenceConflictException;
import dev.txlease.jdbc.GuardDialect;
import dev.txlease.jdbc.GuardTable;
import dev.txlease.jdbc.StaleFenceTokenException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Objects;

/**
 * Runs the fence check for one lease on a raw connection, inside the caller's transaction.
 *
 * <p>The algorithm, per lock name {@code n} and token {@code t}:
 *
 * <ol>
 *   <li>{@code UPDATE guard SET token = t WHERE name = n AND token <= t}. One row: done; the row
 *       lock now orders every competing holder after this transaction. This is the common path, and
 *       it takes the row's exclusive lock directly (inserting first would take a shared lock on an
 *       existing row, and two such transactions deadlock on InnoDB when both then update).
 *   <li>Zero rows: insert {@code (n, 0)} if absent, in the dialect's race-free way (PostgreSQL {@code
 *       ON CONFLICT DO NOTHING}, MariaDB {@code ON DUPLICATE KEY UPDATE} as a no-op, H2 {@code MERGE}
 *       with a concurrent duplicate tolerated), then run the update again.
 *   <li>Still zero rows: read the stored token with {@code SELECT ... FOR UPDATE} (a locking read
 *       sees the latest committed row even under InnoDB's {@code REPEATABLE READ} snapshot). Greater
 *       than {@code t}: {@link StaleFenceTokenException}. Equal: fine (drivers that count changed
 *       rather than matched rows report zero when the token is unchanged).
 * </ol>
 *
 * <p>A serialization failure or deadlock (SQLState {@code 40001}, {@code 40P01}) in any step becomes
 * a {@link FenceConflictException}; other failures are rethrown with the lock and table named.
 *
 * <p>Instances are immutable and thread-safe.
 */
public final class GuardStatements {
    private final GuardDialect dialect;
    private final String table;
    private final String update;
    private final String insertIfAbsent;
    private final String selectForUpdate;

    /**
     * Creates the statements for a guard table.
     *
     * @param table the guard table
     * @param dialect the database's dialect
     */
    public GuardStatements(GuardTable table, GuardDialect dialect) {
        this.dialect = Objects.requireNonNull(dialect, "dialect must not be null");
        this.table = table.name();
        this.update = "UPDATE " + this.table + " SET token = ? WHERE name = ? AND token <= ?";
        this.insertIfAbsent = insertIfAbsentSql(dialect, this.table);
        this.selectForUpdate = "SELECT token FROM " + this.table + " WHERE name = ? FOR UPDATE";
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

    /** Returns the guard table name. */
    public String table() {
        return table;
    }

    /**
     * Checks and records the token for a lock name in the connection's current transaction.
     *
     * @param connection the raw connection, not in auto-commit mode
     * @param lockName the lock name
     * @param token the lease's fence token
     * @throws StaleFenceTokenException if a greater token has already written
     * @throws FenceConflictException on a serialization failure or deadlock
     * @throws SQLException if the check could not run
     */
    public void check(Connection connection, String lockName, FenceToken token) throws SQLException {
        try {
            if (update(connection, lockName, token) > 0) {
                return;
            }
            insertIfAbsent(connection, lockName);
            if (update(connection, lockName, token) > 0) {
                return;
            }
            long stored = lockedToken(connection, lockName);
            if (stored > token.value()) {
                throw new StaleFenceTokenException(
                        "Stale fence token for lock '" + lockName + "': this transaction carries token " + token
                                + " but token " + stored + " has already written (guard table " + table
                                + "). A newer holder took the lease over: roll back, and acquire the lock again"
                                + " before retrying.",
                        lockName,
                        token,
                        FenceToken.of(stored),
                        null);
            }
            if (stored < token.value()) {
                throw new SQLException("Fence check for lock '" + lockName + "' (token " + token + ") matched no"
                        + " row in guard table " + table + " although it holds token " + stored
                        + ": is a trigger or rule rewriting updates?");
            }
        } catch (FenceCheckException e) {
            throw e;
        } catch (SQLException e) {
            throw translate(e, lockName, token);
        }
    }

    private int update(Connection connection, String lockName, FenceToken token) throws SQLException {
        try (PreparedStatement statement = connection.prepareStatement(update)) {
            statement.setLong(1, token.value());
            statement.setString(2, lockName);
            statement.setLong(3, token.value());
            return statement.executeUpdate();
        }
    }

    private void insertIfAbsent(Connection connection, String lockName) throws SQLException {
        try (PreparedStatement statement = connection.prepareStatement(insertIfAbsent)) {
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

    private long lockedToken(Connection connection, String lockName) throws SQLException {
        try (PreparedStatement statement = connection.prepareStatement(selectForUpdate)) {
            statement.setString(1, lockName);
            try (ResultSet row = statement.executeQuery()) {
                if (!row.next()) {
                    throw new SQLException("Fence check for lock '" + lockName + "': its row in guard table "
                            + table + " disappeared during the check; something deletes guard rows, which"
                            + " lets fence tokens restart");
                }
                return row.getLong(1);
            }
        }
    }

    private SQLException translate(SQLException e, String lockName, FenceToken token) {
        String state = e.getSQLState();
        if ("40001".equals(state) || "40P01".equals(state)) {
            return new FenceConflictException(
                    "Fence check for lock '" + lockName + "' (token " + token + ") conflicted with a concurrent"
                            + " transaction on guard table " + table + " (SQLState " + state + ": " + e.getMessage()
                            + "). Roll back and retry the transaction; if a newer holder has written, the retry"
                            + " fails with StaleFenceTokenException.",
                    lockName,
                    token,
                    e);
        }
        return new SQLException(
                "Fence check for lock '" + lockName + "' (token " + token + ") failed on guard table " + table
                        + " (does it exist? see GuardTable.createIfAbsent): " + e.getMessage(),
                state,
                e.getErrorCode(),
                e);
    }
}
