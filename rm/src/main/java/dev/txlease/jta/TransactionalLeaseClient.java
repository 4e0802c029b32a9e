package dev.txlease.jta;

import dev.txlease.AcquireOptions;
import dev.txlease.Lease;
import dev.txlease.LeaseClient;
import dev.txlease.LeaseException;
import dev.txlease.LeaseInfo;
import dev.txlease.LeaseState;
import dev.txlease.LockNames;
import dev.txlease.TransactionLeases;
import dev.txlease.client.DefaultLeaseClient;
import dev.txlease.internal.LeaseEngine;
import dev.txlease.internal.LeaseEngines;
import dev.txlease.internal.ManagedLease;
import jakarta.transaction.Status;
import jakarta.transaction.SystemException;
import jakarta.transaction.Transaction;
import jakarta.transaction.TransactionManager;
import jakarta.transaction.TransactionSynchronizationRegistry;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * A {@link LeaseClient} whose leases take part in JTA transactions.
 *
 * <!-- snippet: jta-transaction -->
 * <pre>{@code
 * // plain Java: one object store and one node identity for Narayana and the lease client
 * NarayanaStandalone.configure(Path.of("target", "ObjectStore"), "orders-1");
 * TransactionManager tm = NarayanaStandalone.transactionManager();
 * TransactionSynchronizationRegistry tsr = NarayanaStandalone.registry();
 * DefaultLeaseClient client =
 *         DefaultLeaseClient.builder(store).node("orders-1").build();
 * TransactionalLeaseClient leases =
 *         TransactionalLeaseClient.builder(client, tm).registry(tsr).build();
 *
 * tm.begin();
 * Lease lease = leases.acquire("customer-42", AcquireOptions.defaults());
 * // write through the fenced DataSource: it reads the lease's fence token from the registry
 * tm.commit(); // prepare checks the lease in DynamoDB; released after every branch has committed
 * }</pre>
 *
 * <p>Inside an active transaction, {@code acquire} and {@code tryAcquire}:
 *
 * <ul>
 *   <li>give each transaction one XAResource per lease store, which prepares, commits and rolls back
 *       every lease that transaction holds on that store. It is enlisted at the end of the
 *       transaction (from an interposed synchronization's {@code beforeCompletion}), so the
 *       transaction manager prepares it after every other branch: the leases are checked as late as
 *       possible before the decision. Prepare votes
 *       rollback for a lease that is lost or has less than a tenth of its lease duration left, and
 *       the application's {@code commit()} throws a {@code RollbackException} naming the lock;
 *   <li>are reentrant per transaction, not per thread: the same lock name again in the same
 *       transaction returns the same lease (its first options apply), on whatever thread the
 *       transaction was resumed;
 *   <li>publish the transaction's leases, with their fence tokens, in the {@link
 *       TransactionSynchronizationRegistry} under {@link TransactionLeases#REGISTRY_KEY}, where the
 *       fenced DataSource finds them;
 *   <li>release the lease when the transaction has completed, after every other branch of it (from an
 *       interposed synchronization's {@code afterCompletion}), so the next holder never sees the
 *       transaction's data still in doubt; unless {@link AcquireOptions#releaseOnCompletion()} is
 *       false: the lease is then kept, with its heartbeats, and released later by {@link
 *       Lease#close()} or {@link #release}. While this client keeps a lease, acquiring its lock in
 *       another transaction fails at once with a {@link LeaseException};
 *   <li>end a waiting acquisition as soon as the transaction is rolled back (for example by its
 *       timeout), with a {@link LeaseException} that says so;
 *   <li>keep heartbeats running; a lease lost while the transaction runs marks it rollback-only;
 *   <li>require a lease that outlives the transaction: with heartbeats off, the lease duration must
 *       exceed the transaction timeout the transaction manager gave the XAResource, or acquire throws
 *       a {@link LeaseException} naming both.
 * </ul>
 *
 * <p>Releasing a lease of the running transaction ({@link #release}, {@link Lease#close()}, the end
 * of a try-with-resources block) is <em>deferred</em> to the end of the transaction: releasing before
 * the commit would let the next holder in before the transaction's writes are durable. A deferred
 * release also applies to a lease acquired with {@code releaseOnCompletion(false)}.
 *
 * <p>Outside a transaction, every method behaves as the wrapped {@link DefaultLeaseClient}. {@link
 * #acquireAsync} cannot join the caller's transaction and fails inside one. For crash recovery,
 * give the transaction manager the XAResource of {@link LeaseRecovery} (with Narayana: register a
 * {@link dev.txlease.jta.narayana.LeaseRecoveryHelper}).
 *
 * <p>Thread-safe; a transaction is used by one thread at a time, as JTA requires.
 */
public final class TransactionalLeaseClient implements LeaseClient {
    private final DefaultLeaseClient client;
    private final LeaseEngine engine;
    private final TransactionManager transactionManager;
    private final LeaseEnlistment enlistment;

    private TransactionalLeaseClient(Builder builder) {
        this.client = builder.client;
        this.engine = LeaseEngines.of(builder.client);
        this.transactionManager = builder.transactionManager;
        this.enlistment = new LeaseEnlistment(engine, builder.registry);
    }

    /**
     * Returns a builder for a client that enlists the leases of {@code client} in the transactions of
     * {@code transactionManager}.
     *
     * @param client the lease client; closed by {@link #close()}
     * @param transactionManager the transaction manager (Narayana's, or the application server's)
     * @return the builder
     */
    public static Builder builder(DefaultLeaseClient client, TransactionManager transactionManager) {
        return new Builder(client, transactionManager);
    }

    @Override
    public Lease acquire(String name, AcquireOptions options) {
        return acquire(name, options, true).orElseThrow();
    }

    @Override
    public Optional<Lease> tryAcquire(String name, AcquireOptions options) {
        return acquire(name, options, false);
    }

    /** Outside a transaction as {@link DefaultLeaseClient#acquireAsync}; inside one it fails. */
    @Override
    public CompletableFuture<Lease> acquireAsync(String name, AcquireOptions options) {
        LockNames.check(name);
        try {
            if (activeTransaction(name) != null) {
                throw new LeaseException(
                        "acquireAsync cannot enlist lock '" + name + "' in the caller's"
                                + " transaction (it acquires on another thread); use acquire",
                        name,
                        owner(),
                        null,
                        null);
            }
        } catch (LeaseException e) {
            return CompletableFuture.failedFuture(e);
        }
        return client.acquireAsync(name, options);
    }

    @Override
    public void renew(Lease lease) {
        engine.renew(managed(lease));
    }

    /**
     * Releases the lease, or, if its transaction is still running, marks it to be released when the
     * transaction completes and returns {@code true}.
     */
    @Override
    public boolean release(Lease lease) {
        ManagedLease managed = managed(lease);
        if (lease instanceof TransactionalLease
                && managed.state() == LeaseState.HELD
                && ((TransactionalLease) lease).deferRelease()) {
            return true;
        }
        return engine.release(managed);
    }

    @Override
    public Optional<LeaseInfo> inspect(String name) {
        return client.inspect(name);
    }

    @Override
    public String owner() {
        return client.owner();
    }

    /** Closes the wrapped client. */
    @Override
    public void close() {
        client.close();
    }

    @Override
    public String toString() {
        return "TransactionalLeaseClient[owner=" + owner() + ", store="
                + engine.store().storeId() + "]";
    }

    private Optional<Lease> acquire(String name, AcquireOptions options, boolean wait) {
        LockNames.check(name);
        Objects.requireNonNull(options, "options must not be null (use AcquireOptions.defaults())");
        Transaction transaction = activeTransaction(name);
        if (transaction == null) {
            return engine.acquire(name, options, wait).map(Lease.class::cast);
        }
        return enlistment.acquire(transaction, name, options, wait);
    }

    /** Returns the caller's transaction if it is active, null if there is none. */
    private Transaction activeTransaction(String name) {
        try {
            Transaction transaction = transactionManager.getTransaction();
            int status = transaction == null ? Status.STATUS_NO_TRANSACTION : transaction.getStatus();
            return switch (status) {
                case Status.STATUS_NO_TRANSACTION -> null;
                case Status.STATUS_ACTIVE -> transaction;
                case Status.STATUS_MARKED_ROLLBACK -> throw new LeaseException(
                        "The transaction is marked rollback-only; lock '" + name + "' was not acquired",
                        name,
                        owner(),
                        null,
                        null);
                default -> throw new LeaseException(
                        "The transaction is completing (JTA status " + status + "); acquire lock '" + name
                                + "' while it is active",
                        name,
                        owner(),
                        null,
                        null);
            };
        } catch (SystemException e) {
            throw new LeaseException(
                    "The transaction manager failed to report the caller's transaction; lock '" + name
                            + "' was not acquired",
                    name,
                    owner(),
                    null,
                    e);
        }
    }

    private ManagedLease managed(Lease lease) {
        Objects.requireNonNull(lease, "lease must not be null");
        return engine.requireOwn(lease instanceof TransactionalLease ? ((TransactionalLease) lease).managed() : lease);
    }

    /** Builds a {@link TransactionalLeaseClient}. Not thread-safe. */
    public static final class Builder {
        private final DefaultLeaseClient client;
        private final TransactionManager transactionManager;
        private TransactionSynchronizationRegistry registry;

        private Builder(DefaultLeaseClient client, TransactionManager transactionManager) {
            this.client = Objects.requireNonNull(client, "client must not be null");
            this.transactionManager = Objects.requireNonNull(transactionManager, "transactionManager must not be null");
        }

        /**
         * Sets the transaction synchronization registry of {@code transactionManager} (required): it
         * keys the transaction's XAResource and publishes its leases. Standalone Narayana: {@code new
         * com.arjuna.ats.internal.jta.transaction.arjunacore.TransactionSynchronizationRegistryImple()};
         * in an application server, look up {@code java:comp/TransactionSynchronizationRegistry}.
         *
         * @param registry the registry
         * @return this builder
         */
        public Builder registry(TransactionSynchronizationRegistry registry) {
            this.registry = Objects.requireNonNull(registry, "registry must not be null");
            return this;
        }

        /**
         * Returns the client.
         *
         * @throws IllegalStateException if no registry was set
         */
        public TransactionalLeaseClient build() {
            if (registry == null) {
                throw new IllegalStateException(
                        "registry must be set: the TransactionSynchronizationRegistry of the transaction manager");
            }
            return new TransactionalLeaseClient(this);
        }
    }
}
