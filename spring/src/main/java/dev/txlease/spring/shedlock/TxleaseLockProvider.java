package dev.txlease.spring.shedlock;

import dev.txlease.AcquireOptions;
import dev.txlease.Lease;
import dev.txlease.LeaseClient;
import dev.txlease.jdbc.LeaseBinding;
import java.lang.System.Logger.Level;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import net.javacrumbs.shedlock.core.LockConfiguration;
import net.javacrumbs.shedlock.core.LockProvider;
import net.javacrumbs.shedlock.core.SimpleLock;

/**
 * A ShedLock {@link LockProvider} on txlease leases.
 *
 * <pre>{@code
 * @Bean
 * LockProvider lockProvider(LeaseClient leases) {
 *     return new TxleaseLockProvider(leases);
 * }
 * }</pre>
 *
 * <p>What it adds over ShedLock's own providers:
 *
 * <ul>
 *   <li><b>Skew-safe expiry.</b> {@code lockAtMostFor} is the lease duration. A node that dies
 *       holding the lock blocks the others for that long, judged on their own monotonic clocks, not
 *       by comparing timestamps written by different machines. A node that keeps running renews its
 *       lease (heartbeats), so a task that runs longer than {@code lockAtMostFor} is not run twice.
 *   <li><b>Fenced writes.</b> While the task runs, its lease is bound to the task's thread ({@link
 *       LeaseBinding}): every transaction the task runs through a {@code FencedDataSource} checks the
 *       lease's fence token, so a task that stalled past its lease and was taken over cannot write
 *       after the new holder. {@link #currentLease(String)} gives the lease and its token.
 * </ul>
 *
 * <p>{@code lockAtLeastFor} keeps the lease after the task until that instant. A ShedLock attempt
 * never waits; a node that died holding the lock is taken over by this node's attempts once they
 * have seen its lease unrenewed for {@code lockAtMostFor}: the lease client remembers, across its
 * {@code tryAcquire} calls, since when it has seen the holder's version unchanged. Close the
 * provider to release at once the leases whose {@code lockAtLeastFor} is pending.
 *
 * <p>Thread-safe.
 */
public final class TxleaseLockProvider implements LockProvider, AutoCloseable {
    private static final System.Logger LOG = System.getLogger(TxleaseLockProvider.class.getName());

    private final LeaseClient client;
    private final String prefix;
    private final AcquireOptions options;
    private final ScheduledExecutorService delayedReleases;

    /**
     * Creates a provider whose lock names are ShedLock's.
     *
     * @param client the lease client
     */
    public TxleaseLockProvider(LeaseClient client) {
        this(client, "", AcquireOptions.defaults());
    }

    /**
     * Creates a provider.
     *
     * @param client the lease client
     * @param prefix prepended to ShedLock's lock names, e.g. {@code "shedlock-"}
     * @param options other options of every acquisition (poll interval, listener); the lease
     *     duration ({@code lockAtMostFor}) and heartbeat period (a third of it) are set per lock
     */
    public TxleaseLockProvider(LeaseClient client, String prefix, AcquireOptions options) {
        this.client = Objects.requireNonNull(client, "client must not be null");
        this.prefix = Objects.requireNonNull(prefix, "prefix must not be null");
        this.options = Objects.requireNonNull(options, "options must not be null");
        ScheduledThreadPoolExecutor executor = new ScheduledThreadPoolExecutor(1, runnable -> {
            Thread thread = new Thread(runnable, "txlease-shedlock-release");
            thread.setDaemon(true);
            return thread;
        });
        executor.setRemoveOnCancelPolicy(true);
        this.delayedReleases = executor;
    }

    @Override
    public Optional<SimpleLock> lock(LockConfiguration configuration) {
        String name = prefix + configuration.getName();
        Duration leaseDuration = configuration.getLockAtMostFor();
        AcquireOptions lockOptions = options.toBuilder()
                .leaseDuration(leaseDuration)
                .heartbeatPeriod(options.heartbeatPeriod().isZero() ? Duration.ZERO : leaseDuration.dividedBy(3))
                .waitTimeout(Duration.ZERO)
                .build();
        // A dead holder is taken over by the client once repeated attempts saw it unrenewed for a lease.
        return client.tryAcquire(name, lockOptions)
                .map(lease -> new LeaseLock(lease, LeaseBinding.bind(lease), configuration.getLockAtLeastUntil()));
    }

    /**
     * Returns the lease of a lock whose task runs on the calling thread.
     *
     * @param lockName the ShedLock lock name (without the prefix)
     * @return the lease, or empty if the calling thread runs no task under that lock
     */
    public Optional<Lease> currentLease(String lockName) {
        String name = prefix + lockName;
        return LeaseBinding.current().stream()
                .filter(lease -> lease.name().equals(name))
                .findFirst();
    }

    /** Releases now the leases whose {@code lockAtLeastFor} is pending; does not close the client. */
    @Override
    public void close() {
        for (Runnable pending : delayedReleases.shutdownNow()) {
            pending.run();
        }
    }

    @Override
    public String toString() {
        return "TxleaseLockProvider[prefix=" + prefix + ", client=" + client + "]";
    }

    /** One held lock: unbinds the lease from the task's thread and releases it (now or at lockAtLeastUntil). */
    private final class LeaseLock implements SimpleLock {
        private final Lease lease;
        private final LeaseBinding binding;
        private final Instant lockAtLeastUntil;

        LeaseLock(Lease lease, LeaseBinding binding, Instant lockAtLeastUntil) {
            this.lease = lease;
            this.binding = binding;
            this.lockAtLeastUntil = lockAtLeastUntil;
        }

        @Override
        public void unlock() {
            try {
                binding.close();
            } catch (IllegalStateException e) {
                LOG.log(Level.DEBUG, "ShedLock unlocked '" + lease.name() + "' on another thread", e);
            }
            long delay = Duration.between(Instant.now(), lockAtLeastUntil).toMillis();
            if (delay <= 0) {
                lease.close();
                return;
            }
            try {
                delayedReleases.schedule(lease::close, delay, TimeUnit.MILLISECONDS);
            } catch (java.util.concurrent.RejectedExecutionException closed) {
                lease.close();
            }
        }

        @Override
        public String toString() {
            return "TxleaseLockProvider.LeaseLock[" + lease + "]";
        }
    }
}
