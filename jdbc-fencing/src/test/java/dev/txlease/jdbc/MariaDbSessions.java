package dev.txlease.jdbc;

/** Queries on MariaDB's session views shared by the MariaDB scenario classes. */
final class MariaDbSessions {
    /**
     * Sessions inside an update of the guard table. A guard update that is not blocked finishes in
     * microseconds, so a session found there is waiting for a row lock. (INNODB_TRX was tried first:
     * MariaDB 10.11 does not always list a transaction blocked on its first statement.)
     */
    static final String BLOCKED_GUARD_UPDATES = "SELECT COUNT(*) FROM information_schema.PROCESSLIST"
            + " WHERE STATE = 'Updating' AND INFO LIKE 'UPDATE %" + FencingContract.GUARD + "% SET %'";

    private MariaDbSessions() {}
}
