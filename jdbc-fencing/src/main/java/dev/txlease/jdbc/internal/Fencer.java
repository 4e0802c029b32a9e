package dev.txlease.jdbc.internal;

import dev.txlease.Lease;
import dev.txlease.jdbc.FenceObserver;
import dev.txlease.jdbc.GuardDialect;
import dev.txlease.jdbc.GuardTable;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * Wraps raw connections into fenced ones for one database: the guard table, its dialect (detected
 * from the first connection when not given) and the JTA transaction context. Shared by {@code
 * FencedDataSource} and the Jdbi plugin.
 *
 * <p>Thread-safe: the detected dialect is published through a volatile field (detecting twice in a
 * race is harmless).
 */
public final class Fencer {
    private static final Pattern REPLAY = Pattern.compile("(?i)[?&;]transactionReplay=(true|1|yes|on)\\b");

    private final GuardTable table;
    private final GuardDialect dialect;
    private final TransactionContext transactions;
    private final boolean verifyAtCommit;
    private final boolean fencedReads;
    private final FenceObserver observer;
    private volatile GuardStatements statements;
    private volatile boolean driverAccepted;

    /**
     * Creates a fencer.
     *
     * @param table the guard table
     * @param dialect the dialect, or {@code null} to detect it from the first connection
     * @param transactions the JTA context, or {@link TransactionContext#NONE}
     */
    public Fencer(GuardTable table, GuardDialect dialect, TransactionContext transactions) {
        this(table, dialect, transactions, true);
    }

    /**
     * Creates a fencer that may skip the re-verification at a local commit; the bench uses it to
     * measure what the re-verification costs.
     *
     * @param table the guard table
     * @param dialect the dialect, or {@code null} to detect it from the first connection
     * @param transactions the JTA context, or {@link TransactionContext#NONE}
     * @param verifyAtCommit whether a local {@code commit()} re-runs the guard update of every fence
     *     the transaction checked (the default)
     */
    public Fencer(GuardTable table, GuardDialect dialect, TransactionContext transactions, boolean verifyAtCommit) {
        this(table, dialect, transactions, verifyAtCommit, false);
    }

    /**
     * Creates a fencer.
     *
     * @param table the guard table
     * @param dialect the dialect, or {@code null} to detect it from the first connection
     * @param transactions the JTA context, or {@link TransactionContext#NONE}
     * @param verifyAtCommit whether a local {@code commit()} re-runs the guard update of every fence
     *     the transaction checked (the default)
     * @param fencedReads whether read-mode leases guard queries on new connections (each connection
     *     can change it)
     */
    public Fencer(
            GuardTable table,
            GuardDialect dialect,
            TransactionContext transactions,
            boolean verifyAtCommit,
            boolean fencedReads) {
        this(table, dialect, transactions, verifyAtCommit, fencedReads, FenceObserver.NONE);
    }

    /**
     * Creates a fencer that reports every fence check to {@code observer}.
     *
     * @param table the guard table
     * @param dialect the dialect, or {@code null} to detect it from the first connection
     * @param transactions the JTA context, or {@link TransactionContext#NONE}
     * @param verifyAtCommit whether a local {@code commit()} re-runs the guard update of every fence
     *     the transaction checked (the default)
     * @param fencedReads whether read-mode leases guard queries on new connections (each connection
     *     can change it)
     * @param observer told of every fence check
     */
    public Fencer(
            GuardTable table,
            GuardDialect dialect,
            TransactionContext transactions,
            boolean verifyAtCommit,
            boolean fencedReads,
            FenceObserver observer) {
        this.observer = Objects.requireNonNull(observer, "observer must not be null");
        this.verifyAtCommit = verifyAtCommit;
        this.fencedReads = fencedReads;
        this.table = Objects.requireNonNull(table, "guardTable must not be null");
        this.dialect = dialect;
        this.transactions = Objects.requireNonNull(transactions, "transactions must not be null");
        this.statements = dialect == null ? null : new GuardStatements(table, dialect, observer);
    }

    /** Returns the guard table. */
    public GuardTable table() {
        return table;
    }

    /** Returns the configured dialect, or {@code null} if it is detected. */
    public GuardDialect dialect() {
        return dialect;
    }

    /**
     * Wraps a raw connection; closes it if wrapping fails.
     *
     * @param raw the connection to wrap
     * @param leases leases that guard every transaction of the connection, beyond those bound to the
     *     thread or published by the JTA transaction
     * @return the fenced connection
     * @throws SQLException if the dialect cannot be detected
     */
    public Connection wrap(Connection raw, List<Lease> leases) throws SQLException {
        Objects.requireNonNull(raw, "connection must not be null");
        try {
            GuardStatements guard = statementsFor(raw);
            refuseTransactionReplay(raw);
            return new FencedConnection(raw, guard, transactions, leases, verifyAtCommit, fencedReads);
        } catch (SQLException | RuntimeException e) {
            try {
                raw.close();
            } catch (SQLException closeFailed) {
                e.addSuppressed(closeFailed);
            }
            throw e;
        }
    }

    /**
     * Refuses a driver that replays transactions after reconnecting (MariaDB Connector/J's {@code
     * transactionReplay}): the replayed guard {@code UPDATE} matches no row once a newer holder has
     * written, nobody reads its count, and the stale writes replayed after it commit. The URL of the
     * first accepted connection stands for the data source.
     */
    private void refuseTransactionReplay(Connection raw) throws SQLException {
        if (driverAccepted) {
            return;
        }
        String url = raw.getMetaData().getURL();
        if (url != null && REPLAY.matcher(url).find()) {
            throw new SQLException(
                    "The JDBC URL enables transactionReplay (" + url.replaceAll("(?i)password=[^&;]*", "password=***")
                            + "): after a reconnect the driver would replay the transaction, fence check included,"
                            + " without the check seeing that a newer lease holder has written in between. Remove"
                            + " transactionReplay from the URL of a fenced data source; a transaction lost on failover"
                            + " then fails and the application retries it, fence check included.",
                    "08004");
        }
        driverAccepted = true;
    }

    private GuardStatements statementsFor(Connection raw) throws SQLException {
        GuardStatements known = statements;
        if (known == null) {
            known = new GuardStatements(table, GuardDialect.detect(raw), observer);
            statements = known;
        }
        return known;
    }
}
