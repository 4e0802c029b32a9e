package dev.txlease.reliability;

import dev.txlease.jdbc.testing.Databases;
import java.sql.Connection;
import javax.sql.DataSource;

/** Scenario 3 on PostgreSQL at READ COMMITTED (skipped without PostgreSQL, see {@code Databases}). */
class PostgresReadCommittedContendedCounterTest extends ContendedCounterContract {

    @Override
    DataSource database() {
        return Databases.postgres();
    }

    @Override
    int isolation() {
        return Connection.TRANSACTION_READ_COMMITTED;
    }

    @Override
    String tablePrefix() {
        return "rel_contended_rc";
    }
}
