package dev.txlease.jdbc;

import dev.txlease.jdbc.testing.Databases;
import java.sql.Connection;
import javax.sql.DataSource;

/**
 * The fencing scenarios on MariaDB at READ COMMITTED. InnoDB's UPDATE and locking reads see the
 * latest committed row whatever the snapshot, so a newer holder shows up as a stale token.
 */
class MariaDbReadCommittedFencingTest extends FencingContract {

    @Override
    DataSource rawDataSource() {
        return Databases.mariadb();
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
        return MariaDbSessions.BLOCKED_GUARD_UPDATES;
    }
}
