package dev.txlease.reliability;

import dev.txlease.jdbc.testing.Databases;
import java.sql.Connection;

/**
 * Scenario 3 on PostgreSQL at REPEATABLE READ: a fence check that waited for a transaction which then
 * committed fails with a serialization failure, an acceptable abort ({@code FenceConflictException}).
 */
class PostgresRepeatableReadContendedCounterTest extends ContendedCounterContract {
    PostgresRepeatableReadContendedCounterTest() {
        super(
                Databases::postgres,
                Connection.TRANSACTION_REPEATABLE_READ,
                "rel_contended_rr", /* snapshotConflicts */
                true);
    }
}
