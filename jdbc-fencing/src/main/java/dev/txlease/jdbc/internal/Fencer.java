package dev.txlease.jdbc.internal;

import dev.txlease.Lease;
import dev.txlease.jdbc.GuardDialect;
import dev.txlease.jdbc.GuardTable;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;
import java.util.Objects;

/**
 * Wraps raw connections into fenced ones for one database: the guard table, its dialect (detected
 * from the first connection when not given) and the JTA transaction context. Shared by {@code
 * FencedDataSource} and the Jdbi plugin.
 *
 * <p>Thread-safe: the detected dialect is published through a volatile field (detecting twice in a
 * race is harmless).
 */
public final class Fencer {
    private final GuardTable table;
    private final GuardDialect dialect;
    private final TransactionContext transactions;
    private volatile GuardStatements statements;

    /**
     * Creates a fencer.
     *
     * @param table the guard table
     * @param dialect the dialect, or {@code null} to detect it from the first connection
     * @param transactions the JTA context, or {@link TransactionContext#NONE}
     */
    public Fencer(GuardTable table, GuardDialect dialect, TransactionContext transactions) {
        this.table = Objects.requireNonNull(table, "guardTable must not be null");
        this.dialect = dialect;
        this.transactions = Objects.requireNonNull(transactions, "transactions must not be null");
        this.statements = dialect == null ? null : new GuardStatements(table, dialect);
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
            return new FencedConnection(raw, statementsFor(raw), transactions, leases);
        } catch (SQLException | RuntimeException e) {
            try {
                raw.close();
            } catch (SQLException closeFailed) {
                e.addSuppressed(closeFailed);
            }
            throw e;
        }
    }

    private GuardStatements statementsFor(Connection raw) throws SQLException {
        GuardStatements known = statements;
        if (known == null) {
            known = new GuardStatements(table, GuardDialect.detect(raw));
            statements = known;
        }
        return known;
    }
}
