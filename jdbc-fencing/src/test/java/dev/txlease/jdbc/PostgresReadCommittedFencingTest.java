package dev.txlease.jdbc;

import dev.txlease.jdbc.testing.Databases;
import java.sql.Connection;

/** The fencing scenarios on PostgreSQL at READ COMMITTED. */
class PostgresReadCommittedFencingTest extends FencingContract {
    PostgresReadCommittedFencingTest() {
        super(
                Databases::postgres,
                Connection.TRANSACTION_READ_COMMITTED,
                STALE_TOKENS,
                PostgresSessions.BLOCKED_GUARD_UPDATES);
    }
}
