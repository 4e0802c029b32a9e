package dev.txlease.reliability;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import javax.sql.DataSource;

/**
 * What H2's sessions are doing, read from {@code INFORMATION_SCHEMA.SESSIONS}: how a test sees that a
 * fence check waits for a guard row lock instead of guessing with a sleep. Stateless and thread-safe.
 */
final class H2Sessions {
    /** How long a guard statement must have run to count as waiting when H2 names no blocking session. */
    private static final long WAITING_MILLIS = 500;

    private H2Sessions() {}

    /** Returns whether a session is blocked by another session in a statement on {@code guardTable}. */
    static boolean blockedOnGuard(DataSource database, String guardTable) {
        return count(database, guardTable, "BLOCKER_ID IS NOT NULL") > 0;
    }

    /**
     * Returns whether a session waits in a statement on {@code guardTable} (the fence check's update,
     * or its insert of a missing row): blocked by a session, or running it for over {@value
     * #WAITING_MILLIS} ms (an in-doubt XA branch holds its rows without a session, so H2 names no
     * blocker for it).
     */
    static boolean waitingOnGuard(DataSource database, String guardTable) {
        return count(
                        database,
                        guardTable,
                        "(BLOCKER_ID IS NOT NULL OR DATEDIFF('MILLISECOND', EXECUTING_STATEMENT_START,"
                                + " CURRENT_TIMESTAMP) >= " + WAITING_MILLIS + ")")
                > 0;
    }

    private static int count(DataSource database, String guardTable, String condition) {
        try (Connection connection = database.getConnection();
                PreparedStatement select =
                        connection.prepareStatement("SELECT COUNT(*) FROM INFORMATION_SCHEMA.SESSIONS" + " WHERE "
                                + condition + " AND UPPER(EXECUTING_STATEMENT) LIKE ?")) {
            select.setString(1, "%" + guardTable.toUpperCase() + "%");
            try (ResultSet count = select.executeQuery()) {
                count.next();
                return count.getInt(1);
            }
        } catch (SQLException e) {
            throw new AssertionError("could not read H2's sessions", e);
        }
    }
}
