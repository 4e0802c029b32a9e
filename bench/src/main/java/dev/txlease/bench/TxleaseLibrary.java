package dev.txlease.bench;

import dev.txlease.AcquireOptions;
import dev.txlease.Lease;
import dev.txlease.LockMode;
import dev.txlease.client.DefaultLeaseClient;
import dev.txlease.dynamodb.DynamoDbLeaseAttributes;
import dev.txlease.dynamodb.DynamoDbLeaseStore;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * txlease under test: {@link DefaultLeaseClient}s over one {@link DynamoDbLeaseStore} on the shared
 * table (partition key {@value BenchTable#KEY_ATTRIBUTE}), as its Javadoc shows.
 *
 * <p>Thread-safe.
 */
final class TxleaseLibrary implements LibraryUnderTest<Lease> {
    private static final DynamoDbLeaseAttributes ATTRIBUTES = DynamoDbLeaseAttributes.builder()
            .partitionKey(BenchTable.KEY_ATTRIBUTE)
            .build();

    private final RequestCounter requests = new RequestCounter(BenchTable.KEY_ATTRIBUTE, ATTRIBUTES.waiter());
    private final DynamoDbLeaseStore store;
    private final AtomicInteger clients = new AtomicInteger();

    TxleaseLibrary(LoopbackDynamoDb dynamo, String tableName) {
        this.store = DynamoDbLeaseStore.builder(dynamo.newClient(requests))
                .tableName(tableName)
                .attributes(ATTRIBUTES)
                .build();
        store.createTableIfMissing(); // the table exists: this checks its key
    }

    /** Returns the store all clients share. */
    DynamoDbLeaseStore store() {
        return store;
    }

    @Override
    public String key() {
        return "txlease";
    }

    @Override
    public String displayName() {
        return "txlease (this build)";
    }

    @Override
    public RequestCounter requests() {
        return requests;
    }

    @Override
    public String threadNamePrefix() {
        return "txlease-";
    }

    @Override
    public LockClientUnderTest<Lease> newClient(LeaseSettings settings) {
        return new Client(newLeaseClient(settings), options(settings, LockMode.EX));
    }

    /**
     * Returns a new txlease client with its own owner identity, for the measures of txlease alone
     * (lock modes); the caller closes it.
     */
    DefaultLeaseClient newLeaseClient(LeaseSettings settings) {
        DefaultLeaseClient.Builder builder =
                DefaultLeaseClient.builder(store).node("bench").owner("bench-txlease-" + clients.incrementAndGet());
        if (settings.heartbeatThreads() > 0) {
            builder.heartbeatThreads(settings.heartbeatThreads());
        }
        return builder.build();
    }

    /** Returns the acquire options of {@code settings} in {@code mode}. */
    static AcquireOptions options(LeaseSettings settings, LockMode mode) {
        return AcquireOptions.builder()
                .leaseDuration(settings.leaseDuration())
                .heartbeatPeriod(settings.heartbeatPeriod())
                .mode(mode)
                .build();
    }

    /** One {@link DefaultLeaseClient}. Thread-safe. */
    private static final class Client implements LockClientUnderTest<Lease> {
        private final DefaultLeaseClient client;
        private final AcquireOptions options;

        Client(DefaultLeaseClient client, AcquireOptions options) {
            this.client = client;
            this.options = options;
        }

        @Override
        public Lease acquireFree(String name) {
            return client.tryAcquire(name, options)
                    .orElseThrow(() -> new IllegalStateException("txlease: lock '" + name + "' was not free"));
        }

        @Override
        public Lease acquireWaiting(String name, Duration timeout) {
            return client.acquire(name, options.toBuilder().waitTimeout(timeout).build());
        }

        @Override
        public void renew(Lease lease) {
            client.renew(lease);
        }

        @Override
        public boolean release(Lease lease) {
            return client.release(lease);
        }

        @Override
        public boolean isHeld(Lease lease) {
            return lease.isValid();
        }

        @Override
        public void close() {
            client.close();
        }
    }
}
