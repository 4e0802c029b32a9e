package dev.txlease.jdbc;

import dev.txlease.jdbc.testing.Databases;
import java.sql.Connection;

/** The fencing scenarios on PostgreSQL at REPEATABLE READ. */
class PostgresRepeatableReadFencingTest extends FencingContract {
    PostgresRepeatableReadFencingTest() {
        super(
                Databases::postgres,
                Connection.TRANSACTION_REPEATABLE_READ,
                SNAPSHOT_CONFLICTS,
                PostgresSessions.BLOCKED_GUARD_UPDATES);
    }
}
