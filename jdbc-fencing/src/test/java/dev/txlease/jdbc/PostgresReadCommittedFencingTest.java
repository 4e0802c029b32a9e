package dev.txlease.jdbc;

import dev.txlease.jdbc.testing.Databases;
import java.sql.Connection;
import javax.sql.DataSource;

/** The fencing scenarios on PostgreSQL at READ COMMITTED. */
class PostgresReadCommittedFencingTest extends FencingContract {

    @Override
    DataSource rawDataSource() {
        return Databases.postgres();
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
        return PostgresSessions.BLOCKED_GUARD_UPDATES;
    }
}
