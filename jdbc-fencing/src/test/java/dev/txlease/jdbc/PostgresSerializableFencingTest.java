package dev.txlease.jdbc;

import dev.txlease.jdbc.testing.Databases;
import java.sql.Connection;
import javax.sql.DataSource;

/** The fencing scenarios on PostgreSQL at SERIALIZABLE. */
class PostgresSerializableFencingTest extends FencingContract {

    @Override
    DataSource rawDataSource() {
        return Databases.postgres();
    }

    @Override
    int isolation() {
        return Connection.TRANSACTION_SERIALIZABLE;
    }

    @Override
    boolean snapshotConflicts() {
        return true;
    }

    @Override
    String blockedGuardUpdatesSql() {
        return PostgresSessions.BLOCKED_GUARD_UPDATES;
    }
}
