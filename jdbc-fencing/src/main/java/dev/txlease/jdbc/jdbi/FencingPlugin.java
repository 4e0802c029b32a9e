package dev.txlease.jdbc.jdbi;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.core.spi.JdbiPlugin;

/**
 * Fences every handle of a {@link Jdbi}: the plugin wraps each connection in {@link
 * #customizeConnection} the way {@link dev.txlease.jdbc.FencedDataSource} does, with the settings
 * of the Jdbi's {@link FencingConfig}. Then {@code jdbi.useTransaction(...)} runs the fence check
 * before its first statement, for the leases bound with {@link dev.txlease.jdbc.LeaseBinding} or
 * published by the current JTA transaction:
 *
 * <!-- snippet: fencing-jdbi -->
 * <pre>{@code
 * Jdbi jdbi = Jdbi.create(dataSource);
 * jdbi.installPlugin(new FencingPlugin());
 * jdbi.getConfig(FencingConfig.class).setGuardTable("txlease_fence"); // .setTransactionRegistry(tsr) for JTA
 * GuardTable.named("txlease_fence").createIfAbsent(dataSource); // once; or in a migration
 *
 * try (Lease lease = leases.acquire("customer-42", AcquireOptions.defaults());
 *         LeaseBinding binding = LeaseBinding.bind(lease)) { // fences this thread's transactions
 *     jdbi.useTransaction(
 *             handle -> handle.createUpdate("UPDATE account SET balance = balance - :amount WHERE id = :id")
 *                     .bind("amount", 30)
 *                     .bind("id", "customer-42")
 *                     .execute());
 * }
 * }</pre>
 *
 * <p>A stale lease fails the transaction with a {@code JdbiException} whose cause is the {@link
 * dev.txlease.jdbc.StaleFenceTokenException}; Jdbi rolls it back.
 *
 * <p>Statements outside a transaction ({@code useHandle} in auto-commit mode) are refused while a
 * lease is bound: use a transaction. Do not also wrap the Jdbi's data source in a {@code
 * FencedDataSource}; the checks would run twice.
 *
 * <p>One instance per {@code Jdbi} (installing another instance in the same Jdbi is ignored, as for
 * every {@link JdbiPlugin.Singleton}). Thread-safe.
 */
public final class FencingPlugin extends JdbiPlugin.Singleton {
    private final AtomicReference<Jdbi> jdbi = new AtomicReference<>();

    /** Creates the plugin; install it with {@link Jdbi#installPlugin}. */
    public FencingPlugin() {}

    @Override
    public void customizeJdbi(Jdbi target) {
        if (!jdbi.compareAndSet(null, target) && jdbi.get() != target) {
            throw new IllegalStateException(
                    "This FencingPlugin is already installed in another Jdbi: install a new FencingPlugin() in each");
        }
    }

    @Override
    public Connection customizeConnection(Connection connection) throws SQLException {
        Jdbi owner = jdbi.get();
        if (owner == null) {
            throw new IllegalStateException("FencingPlugin must be installed with Jdbi.installPlugin");
        }
        return owner.getConfig(FencingConfig.class).fencer().wrap(connection, List.of());
    }
}
