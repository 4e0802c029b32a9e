package dev.txlease.bench;

import dev.txlease.Lease;
import dev.txlease.jdbc.FencedDataSource;
import dev.txlease.jdbc.GuardTable;
import dev.txlease.jdbc.internal.Fencer;
import dev.txlease.jdbc.internal.TransactionContext;
import io.agroal.api.AgroalDataSource;
import io.agroal.api.configuration.supplier.AgroalDataSourceConfigurationSupplier;
import io.agroal.api.security.NamePrincipal;
import io.agroal.api.transaction.TransactionIntegration;
import io.agroal.narayana.NarayanaTransactionIntegration;
import jakarta.transaction.TransactionManager;
import jakarta.transaction.TransactionSynchronizationRegistry;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import javax.sql.DataSource;
import org.h2.jdbcx.JdbcDataSource;
import org.postgresql.ds.PGSimpleDataSource;
import org.postgresql.xa.PGXADataSource;

/**
 * One database of the transaction measure: a table {@value #ACCOUNT_TABLE} with one row to update,
 * the guard table {@value #GUARD_TABLE}, an Agroal pool whose connections Narayana enlists in JTA
 * transactions, a pool for local transactions, and a {@link FencedDataSource} over each.
 *
 * <p>H2 runs in memory and is enlisted through its XA data source. PostgreSQL is the machine's (URL
 * from {@value #PG_URL_VARIABLE}, else {@value #PG_DEFAULT_URL}); it is enlisted through XA when
 * {@code max_prepared_transactions} allows, otherwise as Narayana's one-phase last resource. Its
 * tables are dropped on {@link #close()}.
 *
 * <p>Thread-safe as the pools are.
 */
final class BenchDatabase implements AutoCloseable {
    static final String ACCOUNT_TABLE = "txlease_bench_account";
    static final String GUARD_TABLE = "txlease_bench_guard";
    static final String ROWS_TABLE = "txlease_bench_rows";
    static final int ROWS = 100;
    static final String PG_URL_VARIABLE = "TXLEASE_PG_URL";
    static final String PG_DEFAULT_URL = "jdbc:postgresql://127.0.0.1:5432/test?user=postgres&connectTimeout=3";

    private final String key;
    private final String description;
    private final AgroalDataSource jtaPool;
    private final AgroalDataSource localPool;
    private final FencedDataSource fencedJta;
    private final FencedDataSource fencedLocal;
    private final Fencer unverifiedLocal;

    private BenchDatabase(
            String key,
            String description,
            AgroalDataSource jtaPool,
            AgroalDataSource localPool,
            TransactionSynchronizationRegistry registry) {
        this.key = key;
        this.description = description;
        this.jtaPool = jtaPool;
        this.localPool = localPool;
        this.fencedJta = FencedDataSource.builder(jtaPool)
                .guardTable(GUARD_TABLE)
                .transactionRegistry(registry)
                .build();
        this.fencedLocal =
                FencedDataSource.builder(localPool).guardTable(GUARD_TABLE).build();
        this.unverifiedLocal = new Fencer(GuardTable.named(GUARD_TABLE), null, TransactionContext.NONE, false);
    }

    /** Returns H2 in memory, enlisted through XA. */
    static BenchDatabase h2(TransactionManager transactionManager, TransactionSynchronizationRegistry registry)
            throws SQLException {
        String url = "jdbc:h2:mem:txlease-bench-" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1;LOCK_TIMEOUT=10000";
        return open(
                "h2",
                "H2 " + org.h2.engine.Constants.VERSION + " in memory (XA)",
                JdbcDataSource.class,
                url,
                "sa",
                transactionManager,
                registry);
    }

    /** Returns the machine's PostgreSQL; throws if it does not answer. */
    static BenchDatabase postgresql(TransactionManager transactionManager, TransactionSynchronizationRegistry registry)
            throws SQLException {
        String override = System.getenv(PG_URL_VARIABLE);
        String url = override == null || override.isBlank() ? PG_DEFAULT_URL : override;
        PGSimpleDataSource probe = new PGSimpleDataSource();
        probe.setURL(url);
        int preparedTransactions;
        String version;
        try (Connection connection = probe.getConnection();
                Statement statement = connection.createStatement();
                ResultSet rows = statement.executeQuery("SHOW max_prepared_transactions")) {
            rows.next();
            preparedTransactions = Integer.parseInt(rows.getString(1));
            version = connection.getMetaData().getDatabaseProductVersion();
        }
        boolean xa = preparedTransactions > 0;
        return open(
                "postgresql",
                "PostgreSQL " + version + (xa ? " (XA)" : " (one-phase last resource: max_prepared_transactions = 0)"),
                xa ? PGXADataSource.class : PGSimpleDataSource.class,
                url,
                null,
                transactionManager,
                registry);
    }

    private static BenchDatabase open(
            String key,
            String description,
            Class<?> provider,
            String url,
            String user,
            TransactionManager transactionManager,
            TransactionSynchronizationRegistry registry)
            throws SQLException {
        AgroalDataSource jtaPool =
                pool(provider, url, user, new NarayanaTransactionIntegration(transactionManager, registry));
        AgroalDataSource localPool = pool(provider, url, user, null);
        BenchDatabase database = new BenchDatabase(key, description, jtaPool, localPool, registry);
        try {
            database.createTables();
        } catch (SQLException | RuntimeException e) {
            database.close();
            throw e;
        }
        return database;
    }

    private static AgroalDataSource pool(Class<?> provider, String url, String user, TransactionIntegration integration)
            throws SQLException {
        return AgroalDataSource.from(new AgroalDataSourceConfigurationSupplier().connectionPoolConfiguration(pool -> {
            pool.initialSize(1).maxSize(4).acquisitionTimeout(Duration.ofSeconds(20));
            if (integration != null) {
                pool.transactionIntegration(integration);
            }
            return pool.connectionFactoryConfiguration(factory -> {
                factory.connectionProviderClass(provider).jdbcUrl(url);
                return user == null ? factory : factory.principal(new NamePrincipal(user));
            });
        }));
    }

    private void createTables() throws SQLException {
        try (Connection connection = localPool.getConnection();
                Statement statement = connection.createStatement()) {
            statement.execute(
                    "CREATE TABLE IF NOT EXISTS " + ACCOUNT_TABLE + " (id INT PRIMARY KEY, balance BIGINT NOT NULL)");
            try (ResultSet rows = statement.executeQuery("SELECT COUNT(*) FROM " + ACCOUNT_TABLE + " WHERE id = 1")) {
                rows.next();
                if (rows.getLong(1) == 0) {
                    statement.execute("INSERT INTO " + ACCOUNT_TABLE + " (id, balance) VALUES (1, 0)");
                }
            }
        }
        createRows(ROWS_TABLE);
        fencedLocal.createGuardTable();
    }

    private void createRows(String rowsTable) throws SQLException {
        try (Connection connection = localPool.getConnection();
                Statement statement = connection.createStatement()) {
            statement.execute("CREATE TABLE IF NOT EXISTS " + rowsTable + " (id INT PRIMARY KEY, label VARCHAR(32))");
            try (ResultSet rows = statement.executeQuery("SELECT COUNT(*) FROM " + rowsTable)) {
                rows.next();
                for (int id = rows.getInt(1) + 1; id <= ROWS; id++) {
                    statement.execute(
                            "INSERT INTO " + rowsTable + " (id, label) VALUES (" + id + ", 'row " + id + "')");
                }
            }
        }
    }

    /**
     * Runs the measured read: all {@value #ROWS} rows of {@value #ROWS_TABLE}, two columns each, so
     * that the per-call cost of a wrapper shows (one prepare, one execute, 201 result set calls).
     */
    static long read(Connection connection) throws SQLException {
        long sum = 0;
        try (PreparedStatement select = connection.prepareStatement("SELECT id, label FROM " + ROWS_TABLE);
                ResultSet rows = select.executeQuery()) {
            while (rows.next()) {
                sum += rows.getInt(1) + rows.getString(2).length();
            }
        }
        return sum;
    }

    /** Returns the short key: {@code h2} or {@code postgresql}. */
    String key() {
        return key;
    }

    /** Returns the product name: {@code H2} or {@code PostgreSQL}. */
    String label() {
        return key.equals("h2") ? "H2" : "PostgreSQL";
    }

    /** Returns the product, version and how it is enlisted. */
    String description() {
        return description;
    }

    /** Returns the pool whose connections join the caller's JTA transaction. */
    DataSource jtaPool() {
        return jtaPool;
    }

    /** Returns the fenced data source over {@link #jtaPool()}, checking the transaction's leases. */
    FencedDataSource fencedJta() {
        return fencedJta;
    }

    /** Returns the pool for local (non-JTA) transactions. */
    DataSource localPool() {
        return localPool;
    }

    /** Returns the fenced data source over {@link #localPool()}. */
    FencedDataSource fencedLocal() {
        return fencedLocal;
    }

    /**
     * Returns a fenced connection of {@link #localPool()} guarded by a lease, whose local commit does
     * not re-run the guard update (the internal switch the bench uses to measure re-verification).
     */
    Connection fencedWithoutReVerification(Lease lease) throws SQLException {
        return unverifiedLocal.wrap(localPool.getConnection(), List.of(lease));
    }

    /** Runs the measured write: one {@code UPDATE} of the account row. */
    static void write(Connection connection) throws SQLException {
        try (PreparedStatement update =
                connection.prepareStatement("UPDATE " + ACCOUNT_TABLE + " SET balance = balance + 1 WHERE id = ?")) {
            update.setInt(1, 1);
            if (update.executeUpdate() != 1) {
                throw new IllegalStateException("the account row of " + ACCOUNT_TABLE + " is missing");
            }
        }
    }

    /** Drops the tables and closes the pools. */
    @Override
    public void close() throws SQLException {
        try (Connection connection = localPool.getConnection();
                Statement statement = connection.createStatement()) {
            statement.execute("DROP TABLE IF EXISTS " + ACCOUNT_TABLE);
            statement.execute("DROP TABLE IF EXISTS " + GUARD_TABLE);
            statement.execute("DROP TABLE IF EXISTS " + ROWS_TABLE);
        } finally {
            jtaPool.close();
            localPool.close();
        }
    }
}
