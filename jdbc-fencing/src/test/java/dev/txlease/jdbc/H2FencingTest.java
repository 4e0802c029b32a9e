package dev.txlease.jdbc;

import dev.txlease.jdbc.testing.Databases;
import java.sql.Connection;
import javax.sql.DataSource;

/** The fencing scenarios on H2 (in memory) at its default isolation, READ COMMITTED. */
class H2FencingTest extends FencingContract {

    @Override
    DataSource rawDataSource() {
        return Databases.h2("fencing");
    }

    @Override
    int isolation() {
        return Connection.TRANSACTION_READ_COMMITTED;
    }

    @Override
    boolean snapshotConflicts() {
        return false;
    }

    @Override
    String blockedGuardUpdatesSql() {
        return "SELECT COUNT(*) FROM INFORMATION_SCHEMA.SESSIONS WHERE BLOCKER_ID IS NOT NULL"
                + " AND UPPER(EXECUTING_STATEMENT) LIKE UPPER('UPDATE %" + GUARD + "% SET %')";
    }
}
