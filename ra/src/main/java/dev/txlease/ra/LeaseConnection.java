package dev.txlease.ra;

import dev.txlease.AcquireOptions;
import dev.txlease.Lease;
import dev.txlease.LeaseInfo;
import java.util.Optional;

/**
 * A connection to the lease store, handed out by {@link LeaseConnectionFactory}.
 *
 * <p>Inside a container transaction, a lease acquired here behaves as one of {@code
 * dev.txlease.jta.TransactionalLeaseClient}: it is published under {@code
 * TransactionLeases.REGISTRY_KEY} (the fenced DataSource checks its fence token), prepare checks it is
 * still held, and it is released when the transaction commits or rolls back (unless {@link
 * AcquireOptions#releaseOnCompletion()} is false); {@link Lease#close()} inside the transaction defers
 * the release to its end. Outside a transaction the lease is a plain lease: close it.
 *
 * <p>Not thread-safe: one connection per thread and transaction, as the container hands them out.
 * After {@link #close()} every method throws {@link IllegalStateException}.
 */
public interface LeaseConnection extends AutoCloseable {
    /**
     * Acquires the lock {@code name}, waiting up to the options' wait timeout for a holder to release
     * it or for its lease to run out.
     *
     * @param name the lock name
     * @param options the options, e.g. {@link AcquireOptions#defaults()}
     * @return the lease
     * @throws dev.txlease.LeaseTimeoutException if the lock stays held past the wait timeout
     * @throws dev.txlease.LeaseException if the store fails or the transaction is not active
     */
    Lease acquire(String name, AcquireOptions options);

    /**
     * Acquires the lock {@code name} if it is free (or its holder's lease ran out), without waiting.
     *
     * @param name the lock name
     * @param options the options
     * @return the lease, or empty if another holder has it
     * @throws dev.txlease.LeaseException if the store fails or the transaction is not active
     */
    Optional<Lease> tryAcquire(String name, AcquireOptions options);

    /**
     * Reads the current state of the lock {@code name} from the store, without acquiring it.
     *
     * @param name the lock name
     * @return what the store holds, or empty if the lock was never used
     */
    Optional<LeaseInfo> inspect(String name);

    /** Returns the connection to the container's pool; does not release the transaction's leases. */
    @Override
    void close();
}
