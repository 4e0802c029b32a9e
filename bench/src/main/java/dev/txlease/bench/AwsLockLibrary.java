package dev.txlease.bench;

import com.amazonaws.services.dynamodbv2.AcquireLockOptions;
import com.amazonaws.services.dynamodbv2.AmazonDynamoDBLockClient;
import com.amazonaws.services.dynamodbv2.AmazonDynamoDBLockClientOptions;
import com.amazonaws.services.dynamodbv2.LockItem;
import com.amazonaws.services.dynamodbv2.model.LockNotGrantedException;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

/**
 * The AWS DynamoDB Lock Client under test, used as its README shows: {@link
 * AmazonDynamoDBLockClient} built from {@link AmazonDynamoDBLockClientOptions} with a heartbeat
 * background thread, {@code acquireLock}, {@code sendHeartbeat}, {@code releaseLock}, every other
 * option at its default (notably: the item is deleted on release, a waiter re-reads a held lock
 * every second).
 *
 * <p>Thread-safe.
 */
final class AwsLockLibrary implements LibraryUnderTest<LockItem> {
    private static final String POM_PROPERTIES = "/META-INF/maven/com.amazonaws/dynamodb-lock-client/pom.properties";

    private final RequestCounter requests = new RequestCounter(BenchTable.KEY_ATTRIBUTE, null);
    private final DynamoDbClient dynamoDb;
    private final String tableName;
    private final AtomicInteger clients = new AtomicInteger();

    AwsLockLibrary(LoopbackDynamoDb dynamo, String tableName) {
        this.dynamoDb = dynamo.newClient(requests);
        this.tableName = tableName;
    }

    /** Returns the library's version, read from its jar. */
    static String version() {
        try (InputStream in = AmazonDynamoDBLockClient.class.getResourceAsStream(POM_PROPERTIES)) {
            if (in == null) {
                return "unknown version";
            }
            Properties properties = new Properties();
            properties.load(in);
            return properties.getProperty("version", "unknown version");
        } catch (IOException e) {
            throw new UncheckedIOException("could not read " + POM_PROPERTIES, e);
        }
    }

    @Override
    public String key() {
        return "aws";
    }

    @Override
    public String displayName() {
        return "AWS DynamoDB Lock Client " + version();
    }

    @Override
    public RequestCounter requests() {
        return requests;
    }

    @Override
    public String threadNamePrefix() {
        return "dynamodb-lock-client-";
    }

    @Override
    public LockClientUnderTest<LockItem> newClient(LeaseSettings settings) {
        AmazonDynamoDBLockClient client =
                new AmazonDynamoDBLockClient(AmazonDynamoDBLockClientOptions.builder(dynamoDb, tableName)
                        .withPartitionKeyName(BenchTable.KEY_ATTRIBUTE)
                        .withOwnerName("bench-aws-" + clients.incrementAndGet())
                        .withTimeUnit(TimeUnit.MILLISECONDS)
                        .withLeaseDuration(settings.leaseDuration().toMillis())
                        .withHeartbeatPeriod(settings.heartbeatPeriod().toMillis())
                        .withCreateHeartbeatBackgroundThread(true)
                        .build());
        return new Client(client);
    }

    /** One {@link AmazonDynamoDBLockClient}. Thread-safe. */
    private static final class Client implements LockClientUnderTest<LockItem> {
        private final AmazonDynamoDBLockClient client;

        Client(AmazonDynamoDBLockClient client) {
            this.client = client;
        }

        @Override
        public LockItem acquireFree(String name) {
            try {
                return client.acquireLock(AcquireLockOptions.builder(name).build());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while acquiring '" + name + "'", e);
            }
        }

        @Override
        public LockItem acquireWaiting(String name, Duration timeout) {
            // The wait beyond one lease duration; the refresh period stays at its default (1 s).
            AcquireLockOptions options = AcquireLockOptions.builder(name)
                    .withAdditionalTimeToWaitForLock(timeout.toMillis())
                    .withTimeUnit(TimeUnit.MILLISECONDS)
                    .build();
            try {
                return client.acquireLock(options);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting for '" + name + "'", e);
            } catch (LockNotGrantedException e) {
                throw new IllegalStateException("AWS lock client: '" + name + "' not granted within " + timeout, e);
            }
        }

        @Override
        public void renew(LockItem lock) {
            client.sendHeartbeat(lock);
        }

        @Override
        public boolean release(LockItem lock) {
            return client.releaseLock(lock);
        }

        @Override
        public boolean isHeld(LockItem lock) {
            return !lock.isExpired(); // also true once released
        }

        @Override
        public void close() {
            try {
                client.close();
            } catch (IOException e) {
                throw new UncheckedIOException("could not close the AWS lock client", e);
            }
        }
    }
}
