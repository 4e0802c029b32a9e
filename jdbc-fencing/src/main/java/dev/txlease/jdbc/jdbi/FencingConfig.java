package dev.txlease.jdbc.jdbi;

import dev.txlease.TransactionLeases;
import dev.txlease.jdbc.FenceObserver;
import dev.txlease.jdbc.GuardDialect;
import dev.txlease.jdbc.GuardTable;
import dev.txlease.jdbc.internal.Fencer;
import dev.txlease.jdbc.internal.JtaTransactionContext;
import dev.txlease.jdbc.internal.TransactionContext;
import jakarta.transaction.TransactionSynchronizationRegistry;
import java.util.Objects;
import java.util.Optional;
import org.jdbi.v3.core.config.JdbiConfig;

/**
 * Settings of the {@link FencingPlugin}, read from the {@code Jdbi} each time a handle opens:
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
 * <p>Defaults: guard table {@value GuardTable#DEFAULT_NAME}, dialect detected from each connection,
 * no JTA (leases come from {@link dev.txlease.jdbc.LeaseBinding}).
 *
 * <p>Not thread-safe for writes, like every Jdbi config: configure it before handles are opened.
 */
public final class FencingConfig implements JdbiConfig<FencingConfig> {
    private GuardTable guardTable = GuardTable.defaultTable();
    private GuardDialect dialect;
    private TransactionContext transactions = TransactionContext.NONE;
    private boolean fencedReads;
    private FenceObserver observer = FenceObserver.NONE;
    private Fencer fencer;

    /** Creates the default settings (Jdbi calls this). */
    public FencingConfig() {}

    private FencingConfig(FencingConfig other) {
        this.guardTable = other.guardTable;
        this.dialect = other.dialect;
        this.transactions = other.transactions;
        this.fencedReads = other.fencedReads;
        this.observer = other.observer;
        this.fencer = other.fencer;
    }

    /**
     * Sets the guard table name.
     *
     * @param name a plain SQL identifier, optionally schema-qualified
     * @return this config
     * @throws IllegalArgumentException if the name is not a plain identifier
     */
    public FencingConfig setGuardTable(String name) {
        this.guardTable = GuardTable.named(name);
        this.fencer = null;
        return this;
    }

    /** Returns the guard table. */
    public GuardTable getGuardTable() {
        return guardTable;
    }

    /**
     * Sets the dialect; {@code null} (the default) detects it from each connection.
     *
     * @param dialect the dialect, or {@code null}
     * @return this config
     */
    public FencingConfig setDialect(GuardDialect dialect) {
        this.dialect = dialect;
        this.fencer = null;
        return this;
    }

    /** Returns the configured dialect; empty when it is detected. */
    public Optional<GuardDialect> getDialect() {
        return Optional.ofNullable(dialect);
    }

    /**
     * Fences JTA transactions: handles read the leases of the current transaction from this registry
     * (under {@link TransactionLeases#REGISTRY_KEY}) and mark it rollback-only when a check fails.
     * Without it, a statement in a JTA transaction whose transactional lease client published leases
     * fails (SQLState {@code 55000}) instead of running unchecked.
     *
     * @param registry the transaction manager's registry
     * @return this config
     */
    public FencingConfig setTransactionRegistry(TransactionSynchronizationRegistry registry) {
        this.transactions = new JtaTransactionContext(Objects.requireNonNull(registry, "registry must not be null"));
        this.fencer = null;
        return this;
    }

    /**
     * Sets whether leases in read modes ({@link dev.txlease.LockMode#CR CR}, {@link
     * dev.txlease.LockMode#PR PR}) guard queries too, in every handle (a handle can change it on its
     * connection: {@code handle.getConnection().unwrap(FencingConnection.class)}); off by default. See
     * {@link dev.txlease.jdbc.FencedDataSource.Builder#fencedReads(boolean)}.
     *
     * @param fencedReads whether read-mode leases guard queries
     * @return this config
     */
    public FencingConfig setFencedReads(boolean fencedReads) {
        this.fencedReads = fencedReads;
        this.fencer = null;
        return this;
    }

    /** Returns whether read-mode leases guard queries in new handles. */
    public boolean getFencedReads() {
        return fencedReads;
    }

    /**
     * Sets the observer told of every fence check (for metrics); {@link FenceObserver#NONE} by
     * default.
     *
     * @param observer the observer
     * @return this config
     */
    public FencingConfig setObserver(FenceObserver observer) {
        this.observer = Objects.requireNonNull(observer, "observer must not be null");
        this.fencer = null;
        return this;
    }

    /** Returns the fencer for these settings; made once per change, shared by copies. */
    Fencer fencer() {
        Fencer current = fencer;
        if (current == null) {
            current = new Fencer(guardTable, dialect, transactions, true, fencedReads, observer);
            fencer = current;
        }
        return current;
    }

    @Override
    public FencingConfig createCopy() {
        return new FencingConfig(this);
    }
}
