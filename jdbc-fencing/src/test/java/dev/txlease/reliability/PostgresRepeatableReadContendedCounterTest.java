package dev.txlease.reliability;

import dev.txlease.jdbc.testing.Databases;
import java.sql.Connection;
import javax.sql.DataSource;

/**
 * Scenario 3 on PostgreSQL at REPEATABLE READ: a fence check that waited for a transaction which then
 * committed fails with a serialization failure, an acceptable abort ({@code FenceConflictException}).
 */
class PostgresRepeatableReadContendedCounterTest extends ContendedCounterContract {

    @Override
    DataSource database() {
        return Databases.postgres();
    }

    @Override
    int isolation() {
        return Connection.TRANSACTION_REPEATABLE_READ;
    }

    @Override
    String tablePrefix() {
        return "rel_contended_rr";
    }

    @Override
    boolean snapshotConflicts() {
        return true;
    }
}
