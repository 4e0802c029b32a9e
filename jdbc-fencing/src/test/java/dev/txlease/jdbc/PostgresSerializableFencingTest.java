package dev.txlease.jdbc;

import dev.txlease.jdbc.testing.Databases;
import java.sql.Connection;

/** The fencing scenarios on PostgreSQL at SERIALIZABLE. */
class PostgresSerializableFencingTest extends FencingContract {
    PostgresSerializableFencingTest() {
        super(
                Databases::postgres,
                Connection.TRANSACTION_SERIALIZABLE,
                SNAPSHOT_CONFLICTS,
                PostgresSessions.BLOCKED_GUARD_UPDATES);
    }
}
