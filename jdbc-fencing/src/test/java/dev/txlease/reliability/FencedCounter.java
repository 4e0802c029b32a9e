package dev.txlease.reliability;

import dev.txlease.Lease;
import dev.txlease.jdbc.FenceConflictException;
import dev.txlease.jdbc.FencedDataSource;
import dev.txlease.jdbc.StaleFenceTokenException;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import javax.sql.DataSource;

/**
 * The write every local-transaction scenario makes: one {@link WriteHistory} increment under a lease,
 * in a local transaction of a {@link FencedDataSource} connection guarded by that lease, so the
 * fence check, the counter and the history row commit or roll back together; the history keeps the
 * lease's mode. Readers (leases in CR or PR) read the counter with fenced reads instead.
 *
 * <p>Each instance owns a guard table {@code <prefix>_guard} and the history tables {@code
 * <prefix>_history} and {@code <prefix>_counters}, recreated by {@link #create}. Thread-safe: each
 * increment uses its own connection.
 */
final class FencedCounter {
    /** How a fenced increment ended. */
    enum Outcome {
        /** Committed: the increment and its history row are in the database. */
        COMMITTED,
        /** Rejected with {@link StaleFenceTokenException}: a newer fence has written; rolled back. */
        STALE,
        /** Rejected with {@link FenceConflictException} (serialization failure); rolled back. */
        CONFLICT
    }

    /** Runs between the last statement of an increment and its commit. */
    @FunctionalInterface
    interface BeforeCommit {
        /** Nothing to do. */
        BeforeCommit NONE = connection -> {};

        void run(Connection connection) throws SQLException, InterruptedException;
    }

    private final DataSource raw;
    private final FencedDataSource fenced;
    private final FencedDataSource fencedReads;
    private final WriteHistory history;
    private final String guardTable;
    private final int isolation;

    private FencedCounter(DataSource raw, String prefix, int isolation) {
        this.raw = raw;
        this.guardTable = prefix + "_guard";
        this.fenced = FencedDataSource.builder(raw).guardTable(guardTable).build();
        this.fencedReads = FencedDataSource.builder(raw)
                .guardTable(guardTable)
                .fencedReads(true)
                .build();
        this.history = new WriteHistory(prefix);
        this.isolation = isolation;
    }

    /**
     * Drops and creates the guard and history tables in {@code raw}'s database.
     *
     * @param isolation the JDBC isolation level of the increments, or {@link
     *     Connection#TRANSACTION_NONE} for the database's default
     */
    static FencedCounter create(DataSource raw, String prefix, int isolation) throws SQLException {
        FencedCounter counter = new FencedCounter(raw, prefix, isolation);
        try (Connection connection = raw.getConnection();
                Statement statement = connection.createStatement()) {
            connection.setAutoCommit(true);
            statement.execute("DROP TABLE IF EXISTS " + counter.guardTable);
        }
        counter.fenced.createGuardTable();
        counter.history.recreate(raw);
        return counter;
    }

    /** Creates the counter row of {@code lock}. */
    void addLock(String lock) throws SQLException {
        history.addLock(raw, lock);
    }

    /** Increments the counter of {@code lease}'s lock under its fence, as {@code writer}. */
    Outcome increment(Lease lease, String writer) throws SQLException, InterruptedException {
        return increment(lease, writer, BeforeCommit.NONE);
    }

    /**
     * Increments the counter of {@code lease}'s lock under its fence, as {@code writer}, running
     * {@code beforeCommit} after the last statement (the fence check has run and holds its guard row).
     */
    Outcome increment(Lease lease, String writer, BeforeCommit beforeCommit) throws SQLException, InterruptedException {
        try (Connection connection = fenced.getConnection(lease)) {
            connection.setAutoCommit(false);
            if (isolation != Connection.TRANSACTION_NONE) {
                connection.setTransactionIsolation(isolation);
            }
            try {
                history.increment(connection, lease.name(), lease.fenceToken().value(), lease.mode(), writer);
                beforeCommit.run(connection);
                connection.commit();
                return Outcome.COMMITTED;
            } catch (StaleFenceTokenException e) {
                connection.rollback();
                return Outcome.STALE;
            } catch (FenceConflictException e) {
                connection.rollback();
                return Outcome.CONFLICT;
            }
        }
    }

    /**
     * Reads the counter of {@code lease}'s lock in a transaction of a connection with fenced reads (so
     * a lease in CR or PR is checked too), running {@code beforeCommit} after the read (the check has
     * run and holds its guard row). The value read is not kept: what matters is whether the reader's
     * transaction was rejected.
     */
    Outcome read(Lease lease, BeforeCommit beforeCommit) throws SQLException, InterruptedException {
        try (Connection connection = fencedReads.getConnection(lease)) {
            connection.setAutoCommit(false);
            if (isolation != Connection.TRANSACTION_NONE) {
                connection.setTransactionIsolation(isolation);
            }
            try {
                history.read(connection, lease.name());
                beforeCommit.run(connection);
                connection.commit();
                return Outcome.COMMITTED;
            } catch (StaleFenceTokenException e) {
                connection.rollback();
                return Outcome.STALE;
            } catch (FenceConflictException e) {
                connection.rollback();
                return Outcome.CONFLICT;
            }
        }
    }

    /** Returns the fenced data source. */
    FencedDataSource fenced() {
        return fenced;
    }

    /** Returns the raw data source. */
    DataSource raw() {
        return raw;
    }

    /** Returns the oracle over this counter's tables. */
    WriteHistory history() {
        return history;
    }

    /** Returns the guard table name. */
    String guardTable() {
        return guardTable;
    }

    /** Returns the guard table's token for {@code lock}, 0 if it has no row. */
    long guardToken(String lock) throws SQLException {
        return WriteHistory.guardToken(raw, guardTable, lock);
    }

    /** Returns the committed counter of {@code lock}. */
    long counter(String lock) throws SQLException {
        return history.counter(raw, lock);
    }

    /** Runs the checker over the history, including the guard table. */
    WriteHistory.Verdict check() throws SQLException {
        return history.check(raw, guardTable);
    }
}
