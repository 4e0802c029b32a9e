package dev.txlease.client;

import dev.txlease.AcquireOptions;
import dev.txlease.Lease;
import dev.txlease.LeaseClient;
import dev.txlease.LeaseInfo;
import dev.txlease.LockNames;
import dev.txlease.internal.LeaseEngine;
import dev.txlease.internal.LeaseEngines;
import dev.txlease.spi.LeaseRecord;
import dev.txlease.spi.LeaseStore;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;

/**
 * The lease client over any {@link LeaseStore}, for example {@code DynamoDbLeaseStore}.
 *
 * <!-- snippet: lease-client -->
 * <pre>{@code
 * DynamoDbClient dynamo = DynamoDbClient.create(); // region and credentials from the default chain
 * DynamoDbLeaseStore store =
 *         DynamoDbLeaseStore.builder(dynamo).tableName("txlease_locks").build();
 * store.createTableIfMissing(); // on-demand billing; or create the table with your IaC
 *
 * try (DefaultLeaseClient client =
 *         DefaultLeaseClient.builder(store).node("worker-7").build()) {
 *     AcquireOptions options = AcquireOptions.builder()
 *             .leaseDuration(Duration.ofSeconds(20))
 *             .waitTimeout(Duration.ofSeconds(30))
 *             .build();
 *     try (Lease lease = client.acquire("customer-42", options)) {
 *         long fence = lease.fenceToken().value(); // greater than every earlier grant of this name
 *         // ... write with the fence token (see "Fenced writes" below) ...
 *     }
 * }
 * }</pre>
 *
 * <p>Round trips: acquiring a free lock, renewing and releasing each take one store request. A
 * waiter polls a lock held by another process every {@link AcquireOptions#pollInterval()}, and is
 * woken at once when this client releases it.
 *
 * <p>Heartbeats: every held lease is renewed each {@link AcquireOptions#heartbeatPeriod()} by renewal
 * threads that the client starts when renewals are due faster than the running ones serve them, up
 * to {@link Builder#heartbeatThreads}, and stops when idle; no thread per lease. Each lease has at
 * most one renewal pending; when renewals fall behind, the lease nearest expiry is renewed first,
 * and {@link dev.txlease.LeaseListener#onRenewalLate} and a WARNING report it. With the defaults a
 * client holds 10,000 leases with no missed renewal when each store request takes 10 ms (README,
 * benchmark measure 4).
 *
 * <p>Metrics and logs: {@link Builder#observer} registers a {@link LeaseClientObserver} (for example
 * txlease-micrometer's {@code LeaseClientMetrics}); lifecycle events are logged through {@link
 * System.Logger} under this class's name (lost: WARNING, takeover: INFO, renewals: TRACE).
 *
 * <p>Thread-safe: share one client per process (per node identity). It owns its renewal threads,
 * and one scheduler thread and a small pool for {@link #acquireAsync} (a pending call holds no
 * thread while it waits). {@link #close()} stops them and ends every waiting acquisition with a
 * {@link dev.txlease.LeaseException}; a closed client sends no grant.
 */
public final class DefaultLeaseClient implements LeaseClient {
    /** The default of {@link Builder#heartbeatThreads}: the most renewal threads. */
    public static final int DEFAULT_HEARTBEAT_THREADS = 64;

    static {
        LeaseEngines.install(client -> client.engine); // for the transactional client; not API
    }

    private final LeaseEngine engine;

    private DefaultLeaseClient(Builder builder) {
        String node = builder.node != null ? builder.node : defaultNode();
        String owner = builder.owner != null ? builder.owner : node + "/" + UUID.randomUUID();
        this.engine =
                new LeaseEngine(builder.store, owner, node, builder.clock, builder.heartbeatThreads, builder.observer);
    }

    /**
     * Returns a builder for a client over {@code store}.
     *
     * @param store the lease store
     * @return the builder
     */
    public static Builder builder(LeaseStore store) {
        return new Builder(store);
    }

    @Override
    public Lease acquire(String name, AcquireOptions options) {
        return engine.acquire(name, options, true).orElseThrow();
    }

    @Override
    public Optional<Lease> tryAcquire(String name, AcquireOptions options) {
        return engine.acquire(name, options, false).map(Lease.class::cast);
    }

    @Override
    public CompletableFuture<Lease> acquireAsync(String name, AcquireOptions options) {
        return engine.acquireAsync(name, options);
    }

    @Override
    public void renew(Lease lease) {
        engine.renew(engine.requireOwn(lease));
    }

    @Override
    public boolean release(Lease lease) {
        return engine.release(engine.requireOwn(lease));
    }

    @Override
    public Optional<LeaseInfo> inspect(String name) {
        return engine.read(LockNames.check(name)).map(LeaseRecord::toInfo);
    }

    @Override
    public String owner() {
        return engine.owner();
    }

    /** Returns this client's node identity (recorded on its leases, used by transaction recovery). */
    public String node() {
        return engine.node();
    }

    /** Returns the store this client runs on. */
    public LeaseStore store() {
        return engine.store();
    }

    /** Returns the number of leases this client currently holds and renews. */
    public int heldLeases() {
        return engine.activeLeases();
    }

    /**
     * Returns the number of renewals that are due and have not started yet: the heartbeat backlog,
     * zero while the renewal threads keep up.
     */
    public int pendingRenewals() {
        return engine.pendingRenewals();
    }

    @Override
    public void close() {
        engine.close();
    }

    @Override
    public String toString() {
        return "DefaultLeaseClient[owner=" + owner() + ", store="
                + engine.store().storeId() + "]";
    }

    private static String defaultNode() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (UnknownHostException e) {
            return "txlease-node";
        }
    }

    /** Builds a {@link DefaultLeaseClient}. Not thread-safe. */
    public static final class Builder {
        private final LeaseStore store;
        private String owner;
        private String node;
        private LeaseClock clock = LeaseClock.system();
        private int heartbeatThreads = DEFAULT_HEARTBEAT_THREADS;
        private LeaseClientObserver observer = LeaseClientObserver.NONE;

        private Builder(LeaseStore store) {
            this.store = Objects.requireNonNull(store, "store must not be null");
        }

        /**
         * Sets the node identity: stable across restarts of this process, unique among processes that
         * share a store. Transaction recovery finds the prepared leases of its node by it. Defaults to
         * the host name.
         *
         * @param node the node identity, 1 to 255 characters
         * @return this builder
         */
        public Builder node(String node) {
            this.node = checkIdentity("node", node);
            return this;
        }

        /**
         * Sets the owner identity recorded on this client's leases; must be unique per client instance.
         * Defaults to {@code <node>/<random UUID>}.
         *
         * @param owner the owner identity, 1 to 255 characters
         * @return this builder
         */
        public Builder owner(String owner) {
            this.owner = checkIdentity("owner", owner);
            return this;
        }

        /**
         * Sets the monotonic clock (tests drive time with it). Defaults to {@link LeaseClock#system()}.
         *
         * @param clock the clock
         * @return this builder
         */
        public Builder clock(LeaseClock clock) {
            this.clock = Objects.requireNonNull(clock, "clock must not be null");
            return this;
        }

        /**
         * Sets the most threads that run renewals at once (default {@value
         * DefaultLeaseClient#DEFAULT_HEARTBEAT_THREADS}); they start on demand, so a client with few
         * leases runs one. The renewal capacity is about this many requests per store latency: 64
         * threads at 10 ms a request renew 6,400 leases a second (the defaults renew a lease every
         * 6.7 s). Each thread may hold an HTTP connection of the DynamoDB client.
         *
         * @param heartbeatThreads 1 to 256
         * @return this builder
         */
        public Builder heartbeatThreads(int heartbeatThreads) {
            if (heartbeatThreads < 1 || heartbeatThreads > 256) {
                throw new IllegalArgumentException(
                        "heartbeatThreads must be between 1 and 256, was " + heartbeatThreads);
            }
            this.heartbeatThreads = heartbeatThreads;
            return this;
        }

        /**
         * Sets the observer the client reports acquisitions, renewals, losses and transaction
         * outcomes to, for example {@code dev.txlease.micrometer.LeaseClientMetrics}. Defaults to
         * {@link LeaseClientObserver#NONE}.
         *
         * @param observer the observer; its {@link LeaseClientObserver#attached} is called by {@link
         *     #build()}
         * @return this builder
         */
        public Builder observer(LeaseClientObserver observer) {
            this.observer = Objects.requireNonNull(observer, "observer must not be null");
            return this;
        }

        /** Returns the client. */
        public DefaultLeaseClient build() {
            DefaultLeaseClient client = new DefaultLeaseClient(this);
            try {
                observer.attached(client);
            } catch (RuntimeException e) {
                client.close(); // refused by its observer: no thread of it stays behind
                throw e;
            }
            return client;
        }

        private static String checkIdentity(String argument, String value) {
            Objects.requireNonNull(value, () -> argument + " must not be null");
            if (value.isBlank() || value.length() > 255 || value.chars().anyMatch(Character::isISOControl)) {
                throw new IllegalArgumentException(
                        argument + " must be 1 to 255 characters without control characters, was '" + value + "'");
            }
            return value;
        }
    }
}
