package dev.txlease.spring.integration;

import dev.txlease.AcquireOptions;
import dev.txlease.LeaseClient;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import org.springframework.integration.support.locks.DistributedLock;
import org.springframework.integration.support.locks.RenewableLockRegistry;

/**
 * A Spring Integration {@link RenewableLockRegistry} whose locks are txlease leases: aggregators,
 * {@code LockRegistryLeaderInitiator} and {@code executeLocked} run on leases with fence tokens.
 *
 * <pre>{@code
 * TxleaseLockRegistry registry = new TxleaseLockRegistry(leaseClient, Duration.ofSeconds(30));
 * LockRegistryLeaderInitiator leader = new LockRegistryLeaderInitiator(registry, candidate);
 * }</pre>
 *
 * <p>The lock of a key is the lease on the lock name {@code prefix + key}. Its TTL is the lease
 * duration; heartbeats renew the lease while it is held, so a holder that keeps running keeps the
 * lock, and one that stalls loses it after the TTL, judged on the waiter's own clock. While held,
 * {@link TxleaseLock#lease()} gives the lease and its fence token, to fence the holder's writes
 * ({@code FencedDataSource.getConnection(lease)} or {@code LeaseBinding}).
 *
 * <p>A {@code tryLock} that waits less than a holder's TTL does not see a stalled holder out by
 * itself, but repeated ones do (as a leader initiator's busy wait makes them): the lease client
 * remembers, across calls, since when it has seen the holder's version unchanged, and takes the
 * lock over once that lasted a whole TTL on its own clock.
 *
 * <p>Thread-safe; each lock is reentrant and owned by a thread, as {@link java.util.concurrent.locks.Lock}
 * requires.
 */
public final class TxleaseLockRegistry implements RenewableLockRegistry<DistributedLock>, AutoCloseable {
    private final LeaseClient client;
    private final Duration defaultTtl;
    private final String prefix;
    private final AcquireOptions options;
    private final Map<String, TxleaseLock> locks = new ConcurrentHashMap<>();

    /**
     * Creates a registry with lock names equal to the keys.
     *
     * @param client the lease client
     * @param defaultTtl the lease duration of {@code lock()} and {@code tryLock(...)} without a TTL
     */
    public TxleaseLockRegistry(LeaseClient client, Duration defaultTtl) {
        this(client, defaultTtl, "", AcquireOptions.defaults());
    }

    /**
     * Creates a registry.
     *
     * @param client the lease client
     * @param defaultTtl the lease duration of {@code lock()} and {@code tryLock(...)} without a TTL
     * @param prefix prepended to every key to form the lock name, e.g. {@code "si-"}
     * @param options other options of every acquisition (poll interval, listener, data); its lease
     *     duration and wait timeout are replaced per call
     */
    public TxleaseLockRegistry(LeaseClient client, Duration defaultTtl, String prefix, AcquireOptions options) {
        this.client = Objects.requireNonNull(client, "client must not be null");
        this.defaultTtl = Objects.requireNonNull(defaultTtl, "defaultTtl must not be null");
        this.prefix = Objects.requireNonNull(prefix, "prefix must not be null");
        this.options = Objects.requireNonNull(options, "options must not be null");
        TxleaseLock.withTtl(options, defaultTtl).build(); // checks the TTL now
    }

    /**
     * Returns the lock of a key: the same object for equal keys.
     *
     * @param lockKey the key; its {@code toString()} forms the lock name
     * @return the lock
     */
    @Override
    public TxleaseLock obtain(Object lockKey) {
        String name = prefix + Objects.requireNonNull(lockKey, "lockKey must not be null");
        return locks.computeIfAbsent(name, key -> new TxleaseLock(client, key, options, defaultTtl));
    }

    /**
     * Renews now the lease of a lock the calling thread holds (heartbeats also renew it).
     *
     * @throws IllegalStateException if the calling thread does not hold the lock
     * @throws dev.txlease.LeaseLostException if the lease was lost
     */
    @Override
    public void renewLock(Object lockKey) {
        TxleaseLock lock = obtain(lockKey);
        client.renew(lock.lease());
    }

    /**
     * Renews the lease of a held lock; the TTL is fixed when the lock is taken.
     *
     * @throws UnsupportedOperationException if {@code ttl} differs from the lease duration
     */
    @Override
    public void renewLock(Object lockKey, Duration ttl) {
        TxleaseLock lock = obtain(lockKey);
        if (!lock.lease().leaseDuration().equals(ttl)) {
            throw new UnsupportedOperationException("The lease on '" + lock.name() + "' was taken for "
                    + lock.lease().leaseDuration() + "; a txlease lease keeps its duration (heartbeats renew it)."
                    + " Take the lock with the TTL you need.");
        }
        client.renew(lock.lease());
    }

    /**
     * Does nothing: the registry holds no resources of its own (locks held by threads are left to
     * their holders, and the lease client stays open). Kept so that existing code that closes the
     * registry keeps compiling.
     */
    @Override
    public void close() {}

    @Override
    public String toString() {
        return "TxleaseLockRegistry[prefix=" + prefix + ", ttl=" + defaultTtl + ", client=" + client + "]";
    }
}
