package dev.txlease.jdbc.internal;

import dev.txlease.FenceToken;
import dev.txlease.jdbc.FenceConflictException;
import dev.txlease.jdbc.GuardDialect;
import java.sql.SQLException;

/**
 * Turns a database error raised by the fence check into an exception that names its real cause
 * and what to do: conflicts and lock wait timeouts become {@link FenceConflictException} (retry the
 * transaction), everything else an {@link SQLException} keeping the driver's SQLState, error code
 * and exception as the cause.
 *
 * <p>Stateless and thread-safe.
 */
final class GuardFailures {
    /** H2's lock timeout (its {@code ErrorCode.LOCK_TIMEOUT_1}). */
    private static final int H2_LOCK_TIMEOUT = 50200;
    /** MariaDB/MySQL {@code ER_LOCK_WAIT_TIMEOUT}. */
    private static final int MARIADB_LOCK_WAIT_TIMEOUT = 1205;

    private GuardFailures() {}

    static SQLException translate(SQLException e, String lockName, FenceToken token, String table) {
        String state = e.getSQLState() == null ? "" : e.getSQLState();
        String check = "Fence check for lock '" + lockName + "' (token " + token + ") on guard table " + table;
        String driver = " (SQLState " + state + ", error " + e.getErrorCode() + ": " + e.getMessage() + ")";
        if (state.equals("40001") || state.equals("40P01")) {
            return new FenceConflictException(
                    check + " conflicted with a concurrent transaction" + driver + ". Roll back and retry the"
                            + " transaction; if a newer holder has written, the retry fails with"
                            + " StaleFenceTokenException.",
                    lockName,
                    token,
                    e);
        }
        if (isLockTimeout(e, state)) {
            return new FenceConflictException(
                    check + " timed out waiting for the guard row's lock" + driver + ": another transaction"
                            + " guarded by this lock name holds it and has not ended (a holder that stalls inside"
                            + " its transaction, or, on H2, two transactions creating guard rows in opposite"
                            + " orders, which H2 does not detect as a deadlock). Roll back and retry the"
                            + " transaction; to end a stalled holder's transaction, set the database's idle"
                            + " transaction timeout (see the README).",
                    lockName,
                    token,
                    e);
        }
        return new SQLException(check + " failed: " + cause(state) + driver, e.getSQLState(), e.getErrorCode(), e);
    }

    private static boolean isLockTimeout(SQLException e, String state) {
        return state.equals("55P03") // PostgreSQL lock_not_available (lock_timeout)
                || e.getErrorCode() == H2_LOCK_TIMEOUT && state.equals("HYT00")
                || e.getErrorCode() == MARIADB_LOCK_WAIT_TIMEOUT;
    }

    private static String cause(String state) {
        if (state.equals("42P01") || state.startsWith("42S0")) {
            return "the guard table does not exist for this connection (create it with"
                    + " FencedDataSource.createGuardTable or GuardTable.createIfAbsent, in the schema every"
                    + " connection resolves; or give a schema-qualified name)";
        }
        if (state.equals("42703") || state.equals("42S22")) {
            return "the guard table lacks a column the check needs (name, token, and for lock modes other than"
                    + " EX cr_token, cw_token, pr_token, pw_token): add them with GuardDialect.addModeColumnsSql, or"
                    + " recreate the table with GuardDialect.createTableSql";
        }
        if (state.equals("42501")) {
            return "the database user may not read and write the guard table: grant SELECT, INSERT and UPDATE";
        }
        if (state.equals("25P02")) {
            return "the transaction had already failed (an earlier statement's error aborted it): roll back";
        }
        if (state.equals("25P03") || state.startsWith("08")) {
            return "the connection was lost or closed by the database (idle transaction timeout, restart,"
                    + " network); the transaction is gone: roll back, and retry on a new connection";
        }
        if (state.equals("57014") || state.equals("70100")) {
            return "the statement was canceled (statement timeout, or canceled by an operator): roll back and retry";
        }
        if (state.equals("25006")) {
            return "the transaction is read-only: the check writes the guard row";
        }
        return "the database refused the guard statements";
    }

    /**
     * The guard row exists (the insert found it) but the check's locking read cannot see it: under
     * H2's snapshot isolation levels a row created after the transaction's snapshot stays invisible.
     */
    static SQLException invisibleRow(String lockName, FenceToken token, String table, GuardDialect dialect) {
        if (dialect == GuardDialect.H2) {
            return new FenceConflictException(
                    "Fence check for lock '" + lockName + "' (token " + token + ") on guard table " + table
                            + " conflicted with a concurrent transaction: another transaction created or"
                            + " changed the guard row after this transaction's snapshot (H2 REPEATABLE READ,"
                            + " SNAPSHOT or SERIALIZABLE). Roll back and retry the transaction; if a newer holder"
                            + " has written, the retry fails with StaleFenceTokenException.",
                    lockName,
                    token,
                    null);
        }
        return new SQLException("Fence check for lock '" + lockName + "': its row in guard table " + table
                + " disappeared during the check; something deletes guard rows, which lets fence tokens"
                + " restart");
    }
}
