package dev.txlease.jdbc;

/** Queries on PostgreSQL's session views shared by the PostgreSQL scenario classes. */
final class PostgresSessions {
    static final String BLOCKED_GUARD_UPDATES = "SELECT COUNT(*) FROM pg_stat_activity"
            + " WHERE datname = current_database() AND wait_event_type = 'Lock'"
            + " AND query ILIKE 'UPDATE %" + FencingContract.GUARD + "% SET %'";

    private PostgresSessions() {}
}
