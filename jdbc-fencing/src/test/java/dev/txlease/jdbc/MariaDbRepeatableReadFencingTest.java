package dev.txlease.jdbc;

import dev.txlease.jdbc.testing.Databases;
import java.sql.Connection;

/**
 * The fencing scenarios on MariaDB at REPEATABLE READ. InnoDB's UPDATE and locking reads see the
 * latest committed row whatever the snapshot, so a newer holder shows up as a stale token.
 */
class MariaDbRepeatableReadFencingTest extends FencingContract {
    MariaDbRepeatableReadFencingTest() {
        super(
                Databases::mariadb,
                Connection.TRANSACTION_REPEATABLE_READ,
                STALE_TOKENS,
                MariaDbSessions.BLOCKED_GUARD_UPDATES);
    }
}
