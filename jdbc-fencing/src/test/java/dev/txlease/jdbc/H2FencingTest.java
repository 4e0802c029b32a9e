package dev.txlease.jdbc;

import dev.txlease.jdbc.testing.Databases;
import java.sql.Connection;

/** The fencing scenarios on H2 (in memory) at its default isolation, READ COMMITTED. */
class H2FencingTest extends FencingContract {
    private static final String BLOCKED_GUARD_UPDATES =
            "SELECT COUNT(*) FROM INFORMATION_SCHEMA.SESSIONS WHERE BLOCKER_ID IS NOT NULL"
                    + " AND UPPER(EXECUTING_STATEMENT) LIKE UPPER('UPDATE %" + GUARD + "% SET %')";

    H2FencingTest() {
        super(
                () -> Databases.h2("fencing"),
                Connection.TRANSACTION_READ_COMMITTED,
                STALE_TOKENS,
                BLOCKED_GUARD_UPDATES);
    }
}
