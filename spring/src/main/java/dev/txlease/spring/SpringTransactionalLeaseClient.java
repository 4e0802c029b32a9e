package dev.txlease.spring;

import dev.txlease.AcquireOptions;
import dev.txlease.Lease;
import dev.txlease.LeaseClient;
import dev.txlease.LeaseException;
import dev.txlease.LeaseInfo;
import dev.txlease.LeaseState;
import dev.txlease.LockNames;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;
import org.springframework.transaction.support.TransactionSynchronizationManager;

/**
 * A {@link LeaseClient} whose leases join Spring-managed transactions, without XA: any {@code
 * PlatformTransactionManager} that synchronizes transactions ({@code DataSourceTransactionManager},
 * {@code JpaTransactionManager}, {@code JdbcTransactionManager}, ...).
 *
 * <pre>{@code
 * LeaseClient leases = new SpringTransactionalLeaseClient(defaultLeaseClient);
 * DataSource dataSource = FencedDataSource.builder(pool)
 *         .transactionLeases(SpringTransactionLeases.leaseSource())
 *         .build(); // the DataSource of the DataSourceTransactionManager
 *
 * @Transactional
 * public void credit(long customerId, long amount) {
 *     leases.acquire("customer-" + customerId, AcquireOptions.defaults());
 *     jdbc.update("UPDATE account SET balance = balance + ? WHERE id = ?", amount, customerId); // fenced
 * } // commit, then release
 * }</pre>
 *
 * <p>Inside an active Spring transaction, {@code acquire} and {@code tryAcquire}:
 *
 * <ul>
 *   <li>bind the lease to the transaction, where {@link SpringTransactionLeases#leaseSource()} shows
 *       it to the fenced DataSource: the transaction's statements are fenced with its token;
 *   <li>are reentrant per transaction: the same lock name again in the same transaction (also from a
 *       {@code NESTED} scope) returns the same lease, converted first if the mode asked for is not
 *       covered by the one it holds ({@link dev.txlease.LockMode#covers}, e.g. PR then EX converts it to
 *       EX with a new token); a {@code REQUIRES_NEW} transaction is another
 *       transaction and waits for the lock like any other;
 *   <li>check the lease before commit ({@code beforeCommit}): a lease that is lost, or has less than
 *       a tenth of its lease duration left, or a failed fence check, fails the commit with a {@link
 *       dev.txlease.LeaseLostException} naming the lock, and the transaction rolls back;
 *   <li>release the lease after the transaction committed or rolled back ({@code afterCompletion}),
 *       unless {@link AcquireOptions#releaseOnCompletion()} is false: the lease is then kept, with its
 *       heartbeats, until {@link Lease#close()} or {@link #release}.
 * </ul>
 *
 * <p>Releasing a lease of the running transaction ({@link #release}, {@link Lease#close()}, the end
 * of a try-with-resources block) is deferred to the end of the transaction: releasing before the
 * commit would let the next holder read state not yet committed.
 *
 * <p>Outside a transaction every method behaves as the wrapped client. {@link #acquireAsync} cannot
 * join the caller's transaction and fails inside one. Under {@code JtaTransactionManager} prefer
 * {@code TransactionalLeaseClient}, whose XA resource checks the lease in the two-phase commit.
 *
 * <p>Thread-safe; a Spring transaction is bound to one thread.
 */
public final class SpringTransactionalLeaseClient implements LeaseClient {
    private final LeaseClient delegate;
    private final AtomicLong lostLeases = new AtomicLong();

    /**
     * Creates a client over {@code delegate}.
     *
     * @param delegate the client that talks to the store, e.g. a {@code DefaultLeaseClient}; closed by
     *     {@link #close()}
     */
    public SpringTransactionalLeaseClient(LeaseClient delegate) {
        this.delegate = Objects.requireNonNull(delegate, "delegate must not be null");
    }

    /** Returns the wrapped client. */
    public LeaseClient delegate() {
        return delegate;
    }

    /** Returns how many leases acquired through this client were lost since it was created. */
    public long lostLeases() {
        return lostLeases.get();
    }

    @Override
    public Lease acquire(String name, AcquireOptions options) {
        return acquire(name, options, true).orElseThrow();
    }

    @Override
    public Optional<Lease> tryAcquire(String name, AcquireOptions options) {
        return acquire(name, options, false);
    }

    /** Outside a transaction as the wrapped client's; inside one it fails. */
    @Override
    public CompletableFuture<Lease> acquireAsync(String name, AcquireOptions options) {
        LockNames.check(name);
        if (inTransaction()) {
            return CompletableFuture.failedFuture(new LeaseException(
                    "acquireAsync cannot bind lock '" + name + "' to the caller's Spring transaction (it acquires"
                            + " on another thread); use acquire",
                    name,
                    owner(),
                    null,
                    null));
        }
        return delegate.acquireAsync(name, options);
    }

    @Override
    public void renew(Lease lease) {
        delegate.renew(unwrap(lease));
    }

    /**
     * Releases the lease, or, if its transaction is still running, marks it to be released when the
     * transaction completes and returns {@code true}.
     */
    @Override
    public boolean release(Lease lease) {
        Objects.requireNonNull(lease, "lease must not be null");
        if (lease instanceof SpringTransactionLease) {
            SpringTransactionLease bound = (SpringTransactionLease) lease;
            if (bound.state() == LeaseState.HELD && bound.deferRelease()) {
                return true;
            }
        }
        return delegate.release(unwrap(lease));
    }

    @Override
    public Optional<LeaseInfo> inspect(String name) {
        return delegate.inspect(name);
    }

    @Override
    public String owner() {
        return delegate.owner();
    }

    /** Closes the wrapped client. */
    @Override
    public void close() {
        delegate.close();
    }

    @Override
    public String toString() {
        return "SpringTransactionalLeaseClient[" + delegate + "]";
    }

    private Optional<Lease> acquire(String name, AcquireOptions options, boolean wait) {
        LockNames.check(name);
        Objects.requireNonNull(options, "options must not be null (use AcquireOptions.defaults())");
        if (!inTransaction()) {
            LossWatcher watcher = new LossWatcher(options.listener(), lostLeases);
            AcquireOptions watched = options.toBuilder().listener(watcher).build();
            return wait ? Optional.of(delegate.acquire(name, watched)) : delegate.tryAcquire(name, watched);
        }
        TransactionLeaseHolder holder = TransactionLeaseHolder.bindIfAbsent();
        SpringTransactionLease existing = holder.find(this, name);
        if (existing != null) {
            // The transaction's lease serves if its mode covers the request; else it is converted to the
            // least mode covering both (waiting like an acquire), as the JTA client does.
            if (!existing.mode().covers(options.mode())) {
                existing.convert(existing.mode().join(options.mode()));
            }
            return Optional.of(existing);
        }
        LossWatcher watcher = new LossWatcher(options.listener(), lostLeases);
        AcquireOptions watched = options.toBuilder().listener(watcher).build();
        Optional<Lease> granted =
                wait ? Optional.of(delegate.acquire(name, watched)) : delegate.tryAcquire(name, watched);
        return granted.map(lease ->
                holder.add(new SpringTransactionLease(this, lease, holder, watcher, options.releaseOnCompletion())));
    }

    /**
     * Returns whether the caller runs in an active Spring transaction.
     *
     * @throws IllegalStateException if a transaction is active without synchronization
     */
    private static boolean inTransaction() {
        if (!TransactionSynchronizationManager.isActualTransactionActive()) {
            return false;
        }
        if (!TransactionSynchronizationManager.isSynchronizationActive()) {
            throw new IllegalStateException("A Spring transaction is active but its synchronization is off"
                    + " (transactionSynchronization = SYNCHRONIZATION_NEVER): a lease cannot be bound to it."
                    + " Turn synchronization on, or acquire the lease outside the transaction.");
        }
        return true;
    }

    private static Lease unwrap(Lease lease) {
        Objects.requireNonNull(lease, "lease must not be null");
        return lease instanceof SpringTransactionLease ? ((SpringTransactionLease) lease).unwrap() : lease;
    }
}
