package dev.txlease.jdbc;

import dev.txlease.Lease;
import dev.txlease.LockMode;
import dev.txlease.TransactionLeases;
import dev.txlease.jdbc.internal.Fencer;
import dev.txlease.jdbc.internal.JtaTransactionContext;
import dev.txlease.jdbc.internal.TransactionContext;
import jakarta.transaction.TransactionSynchronizationRegistry;
import java.io.PrintWriter;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.util.Collection;
import java.util.List;
import java.util.Objects;
import java.util.logging.Logger;
import javax.sql.DataSource;

/**
 * A {@link DataSource} whose connections make the database reject writes under a stale fence token.
 *
 * <p>Before the first statement of each database transaction (and again before the next statement
 * when a lease is added in mid-transaction), a connection runs, for each lease that guards the
 * transaction and inside that transaction, {@code UPDATE <guard> SET token = :t WHERE name = :n AND
 * token <= :t} (inserting the row the first time). If a newer token has already written, it throws
 * {@link StaleFenceTokenException} (SQLState {@value StaleFenceTokenException#SQL_STATE}) and the
 * transaction cannot commit. The updated guard row stays locked until the transaction ends, so a
 * newer holder's check waits for this transaction and the writes of competing holders land in fence
 * order. A serialization failure or deadlock on the guard row becomes {@link FenceConflictException}
 * (SQLState {@value FenceConflictException#SQL_STATE}, retry the transaction).
 *
 * <p>The leases that guard a transaction are:
 *
 * <ul>
 *   <li>under JTA ({@link Builder#transactionRegistry}), those the transactional lease client
 *       published for the current transaction under {@link TransactionLeases#REGISTRY_KEY};
 *   <li>with another transaction manager ({@link Builder#transactionLeases}), those its {@link
 *       TransactionLeaseSource} names for the current transaction (Spring's, in txlease-spring);
 *   <li>those passed to {@link #getConnection(Lease...)}, for every transaction of that connection;
 *   <li>those bound to the executing thread with {@link LeaseBinding#bind(Lease...)}.
 * </ul>
 *
 * <p>Lock modes ({@link Lease#mode()}): the statement above is the check of an {@link LockMode#EX}
 * lease. The guard row keeps, per mode, the highest token that passed the check ({@code token} for
 * EX, {@code cr_token}, {@code cw_token}, {@code pr_token}, {@code pw_token}), and the check of mode
 * {@code m} records its token for {@code m} unless a mode incompatible with {@code m} holds a newer
 * one: a statement is rejected iff a holder in an incompatible mode with a larger token has already
 * passed the check. Compatible holders never reject each other (they still take turns on the guard
 * row's lock, transaction by transaction). {@link LockMode#NL} is never checked.
 *
 * <p>Which statements a lease guards: SQL text is never parsed, so a lease in a write mode (CW, PW,
 * EX) guards every statement of the transaction, reads included. A lease in a read mode (CR, PR)
 * guards its writes, and its reads only with {@linkplain Builder#fencedReads fenced reads}. Reads
 * are {@code executeQuery} of a {@code Statement} or {@code PreparedStatement} and {@code execute}
 * whose first result is a result set; everything else that runs SQL or writes is a write ({@code
 * execute} that returns an update count is checked right after it returns, before the caller sees
 * the result; every execution of a {@code CallableStatement} counts as a write). A data-changing
 * statement run through {@code executeQuery} counts as a read.
 *
 * <p>A connection with no lease in effect behaves exactly like the wrapped one. With leases in
 * effect, statements they guard are refused in auto-commit mode with SQLState {@code 25000} (and so
 * is {@code execute} under a read-mode lease): a check and a statement in separate transactions
 * would let a newer holder write in between.
 *
 * <p>The guard table is checked once per data source, at {@link #createGuardTable()} and before
 * the first fence check: it must exist with {@code name} as its whole primary key (and InnoDB on
 * MariaDB/MySQL). A table created before lock modes ({@code name}, {@code token}) fences EX leases;
 * a lease in another mode fails with SQLState {@code 42S22} and the statement that adds the columns
 * ({@link GuardDialect#addModeColumnsSql(String)}). An unqualified name is resolved then, as the database resolves it for that
 * connection, and later checks use the schema-qualified result whatever a connection's search path.
 *
 * <p>Wrap the pool, not the pool's driver: {@code FencedDataSource.builder(agroalDataSource)} works
 * with connections the pool enlists in JTA transactions. Create the guard table with {@link
 * #createGuardTable()} or a migration ({@link GuardDialect#createTableSql(String)}).
 *
 * <p>In local transactions, with {@code leases} a {@code LeaseClient}, {@code pool} any {@code
 * DataSource} and {@code account} a table of the application:
 *
 * <!-- snippet: fencing-jdbc -->
 * <pre>{@code
 * FencedDataSource fenced = FencedDataSource.builder(pool) // dialect detected; guard table txlease_fence
 *         .build();
 * fenced.createGuardTable(); // once; or run the DDL (see "Guard table") in a migration
 *
 * try (Lease lease = leases.acquire("customer-42", AcquireOptions.defaults());
 *         Connection connection = fenced.getConnection(lease)) { // every transaction of it is fenced
 *     connection.setAutoCommit(false);
 *     try (PreparedStatement debit =
 *             connection.prepareStatement("UPDATE account SET balance = balance - ? WHERE id = ?")) {
 *         debit.setLong(1, 30);
 *         debit.setString(2, "customer-42");
 *         debit.executeUpdate(); // the fence check runs first, in this transaction
 *     }
 *     connection.commit();
 * }
 * }</pre>
 *
 * <p>Thread-safe: share one instance. The connections it hands out are not thread-safe.
 */
public final class FencedDataSource implements DataSource {
    private final DataSource delegate;
    private final Fencer fencer;

    private FencedDataSource(Builder builder) {
        this.delegate = builder.dataSource;
        this.fencer = new Fencer(
                builder.guardTable, builder.dialect, builder.transactions, true, builder.fencedReads, builder.observer);
    }

    /**
     * Returns a builder wrapping a data source.
     *
     * @param dataSource the data source to wrap: a pool, or a driver's data source
     * @return the builder
     */
    public static Builder builder(DataSource dataSource) {
        return new Builder(dataSource);
    }

    @Override
    public Connection getConnection() throws SQLException {
        return fencer.wrap(delegate.getConnection(), List.of());
    }

    @Override
    public Connection getConnection(String username, String password) throws SQLException {
        return fencer.wrap(delegate.getConnection(username, password), List.of());
    }

    /**
     * Returns a connection whose every transaction is guarded by the given leases, in addition to
     * those bound to the thread or published by a JTA transaction.
     *
     * @param leases one or more leases
     * @return the fenced connection
     * @throws SQLException if the wrapped data source fails
     * @throws IllegalArgumentException if no lease is given
     */
    public Connection getConnection(Lease... leases) throws SQLException {
        List<Lease> guarding =
                LeaseArguments.nonEmpty("getConnection(Lease...) (use getConnection() for none)", leases);
        return fencer.wrap(delegate.getConnection(), guarding);
    }

    /** Returns the guard table the connections check. */
    public GuardTable guardTable() {
        return fencer.table();
    }

    /**
     * Creates the guard table if it does not exist, on a connection of the wrapped data source in
     * auto-commit mode, and checks that the table found can fence (see {@link
     * GuardTable#createIfAbsent(DataSource)}).
     *
     * @return the dialect used: the configured one, or the detected one
     * @throws SQLException if the table cannot be created, or an existing one cannot fence
     */
    public GuardDialect createGuardTable() throws SQLException {
        if (fencer.dialect() == null) {
            return fencer.table().createIfAbsent(delegate);
        }
        fencer.table().createIfAbsent(delegate, fencer.dialect());
        return fencer.dialect();
    }

    @Override
    public PrintWriter getLogWriter() throws SQLException {
        return delegate.getLogWriter();
    }

    @Override
    public void setLogWriter(PrintWriter out) throws SQLException {
        delegate.setLogWriter(out);
    }

    @Override
    public void setLoginTimeout(int seconds) throws SQLException {
        delegate.setLoginTimeout(seconds);
    }

    @Override
    public int getLoginTimeout() throws SQLException {
        return delegate.getLoginTimeout();
    }

    @Override
    public Logger getParentLogger() throws SQLFeatureNotSupportedException {
        return delegate.getParentLogger();
    }

    @Override
    public <T> T unwrap(Class<T> iface) throws SQLException {
        if (iface.isInstance(this)) {
            return iface.cast(this);
        }
        return iface.isInstance(delegate) ? iface.cast(delegate) : delegate.unwrap(iface);
    }

    @Override
    public boolean isWrapperFor(Class<?> iface) throws SQLException {
        return iface.isInstance(this) || iface.isInstance(delegate) || delegate.isWrapperFor(iface);
    }

    @Override
    public String toString() {
        return "FencedDataSource[guardTable=" + fencer.table() + ", dialect="
                + (fencer.dialect() == null ? "detected" : fencer.dialect()) + ", dataSource=" + delegate + "]";
    }

    /**
     * Builds a {@link FencedDataSource}; each setter checks its argument.
     *
     * <p>Not thread-safe.
     */
    public static final class Builder {
        private final DataSource dataSource;
        private GuardTable guardTable = GuardTable.defaultTable();
        private GuardDialect dialect;
        private TransactionContext transactions = TransactionContext.NONE;
        private boolean fencedReads;
        private FenceObserver observer = FenceObserver.NONE;

        private Builder(DataSource dataSource) {
            this.dataSource = Objects.requireNonNull(dataSource, "dataSource must not be null");
        }

        /**
         * Sets the guard table name; {@value GuardTable#DEFAULT_NAME} by default.
         *
         * @param name a plain SQL identifier, optionally schema-qualified
         * @return this builder
         * @throws IllegalArgumentException if the name is not a plain identifier
         */
        public Builder guardTable(String name) {
            this.guardTable = GuardTable.named(name);
            return this;
        }

        /**
         * Sets the database dialect; by default it is detected from the first connection's {@link
         * java.sql.DatabaseMetaData}.
         *
         * @param dialect the dialect
         * @return this builder
         */
        public Builder dialect(GuardDialect dialect) {
            this.dialect = Objects.requireNonNull(dialect, "dialect must not be null");
            return this;
        }

        /**
         * Fences JTA transactions: the connections read the leases of the current transaction from
         * this registry (under {@link TransactionLeases#REGISTRY_KEY}), and mark the transaction
         * rollback-only when a check fails. Needs {@code jakarta.transaction-api} at run time.
         *
         * <p>Without it, a statement in a JTA transaction whose transactional lease client published
         * leases fails (SQLState {@code 55000}) instead of running unchecked.
         *
         * @param registry the transaction manager's registry
         * @return this builder
         */
        public Builder transactionRegistry(TransactionSynchronizationRegistry registry) {
            this.transactions = new JtaTransactionContext(registry);
            return this;
        }

        /**
         * Fences the transactions of another transaction manager: the connections read the leases of
         * the current transaction from {@code source}, and tell it when a check fails. Replaces a
         * {@link #transactionRegistry} set before (a data source follows one transaction manager).
         *
         * @param source the transaction manager's lease source
         * @return this builder
         */
        public Builder transactionLeases(TransactionLeaseSource source) {
            this.transactions = new SourceContext(Objects.requireNonNull(source, "source must not be null"));
            return this;
        }

        /**
         * Sets whether leases in read modes ({@link dev.txlease.LockMode#CR CR}, {@link
         * dev.txlease.LockMode#PR PR}) guard queries too, on every connection (a connection can change
         * it with {@link FencingConnection#setFencedReads}); off by default. With it on, a reader
         * superseded by an incompatible holder that has written is rejected at its next query, and
         * the reader's check locks the guard row until its transaction ends (so readers of one name
         * take turns, and a later writer waits for them).
         *
         * @param fencedReads whether read-mode leases guard queries
         * @return this builder
         */
        public Builder fencedReads(boolean fencedReads) {
            this.fencedReads = fencedReads;
            return this;
        }

        /**
         * Sets the observer told of every fence check, for example {@code
         * dev.txlease.micrometer.FencedDataSourceMetrics}. Defaults to {@link FenceObserver#NONE}.
         *
         * @param observer the observer
         * @return this builder
         */
        public Builder observer(FenceObserver observer) {
            this.observer = Objects.requireNonNull(observer, "observer must not be null");
            return this;
        }

        /**
         * Returns the fenced data source.
         *
         * @return a new fenced data source
         */
        public FencedDataSource build() {
            return new FencedDataSource(this);
        }
    }

    /** Adapts a public {@link TransactionLeaseSource} to what the connections ask. */
    private static final class SourceContext implements TransactionContext {
        private final TransactionLeaseSource source;

        SourceContext(TransactionLeaseSource source) {
            this.source = source;
        }

        @Override
        public Object currentKey() {
            return source.currentTransaction();
        }

        @Override
        public Collection<Lease> leases() {
            return source.leases();
        }

        @Override
        public void setRollbackOnly() {
            source.setRollbackOnly();
        }
    }
}
