package dev.txlease.reliability;

import dev.txlease.jdbc.testing.Databases;
import java.sql.Connection;

/** Scenario 3 on PostgreSQL at READ COMMITTED (skipped without PostgreSQL, see {@code Databases}). */
class PostgresReadCommittedContendedCounterTest extends ContendedCounterContract {
    PostgresReadCommittedContendedCounterTest() {
        super(
                Databases::postgres,
                Connection.TRANSACTION_READ_COMMITTED,
                "rel_contended_rc", /* snapshotConflicts */
                false);
    }
}
