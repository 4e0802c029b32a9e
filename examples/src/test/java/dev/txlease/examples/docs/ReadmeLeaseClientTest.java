package dev.txlease.examples.docs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.txlease.AcquireOptions;
import dev.txlease.Lease;
import dev.txlease.LeaseException;
import dev.txlease.LeaseInfo;
import dev.txlease.LeaseListener;
import dev.txlease.LeaseTimeoutException;
import dev.txlease.LossCause;
import dev.txlease.client.DefaultLeaseClient;
import dev.txlease.client.LeaseClock;
import dev.txlease.dynamodb.DynamoDbLeaseStore;
import dev.txlease.testing.DynamoDbLocal;
import dev.txlease.testing.FenceTokens;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

/**
 * The README's "Using the lease client" code, run against DynamoDB Local over HTTP. {@code
 * DynamoDbClient.create()} is the AWS SDK's default client, pointed at DynamoDB Local by the SDK's
 * own system properties (endpoint, region, credentials), as a user would point it at DynamoDB.
 */
class ReadmeLeaseClientTest {
    @RegisterExtension
    static final DynamoDbLocal DYNAMO = DynamoDbLocal.server();

    private static final String[] SDK_PROPERTIES = {
        "aws.endpointUrl", "aws.region", "aws.accessKeyId", "aws.secretAccessKey"
    };

    @BeforeAll
    static void pointTheDefaultClientAtDynamoDbLocal() {
        DYNAMO.start();
        System.setProperty("aws.endpointUrl", DYNAMO.endpoint().toString());
        System.setProperty("aws.region", "us-east-1");
        System.setProperty("aws.accessKeyId", "txlease");
        System.setProperty("aws.secretAccessKey", "txlease");
    }

    @AfterAll
    static void clearTheSdkProperties() {
        for (String property : SDK_PROPERTIES) {
            System.clearProperty(property);
        }
    }

    @Test
    void leaseClientSnippetAcquiresAndReleasesWithAGrowingFence() {
        AtomicLong seen = new AtomicLong();
        // tag::lease-client[]
        DynamoDbClient dynamo = DynamoDbClient.create(); // region and credentials from the default chain
        DynamoDbLeaseStore store =
                DynamoDbLeaseStore.builder(dynamo).tableName("txlease_locks").build();
        store.createTableIfMissing(); // on-demand billing; or create the table with your IaC

        try (DefaultLeaseClient client =
                DefaultLeaseClient.builder(store).node("worker-7").build()) {
            AcquireOptions options = AcquireOptions.builder()
                    .leaseDuration(Duration.ofSeconds(20))
                    .waitTimeout(Duration.ofSeconds(30))
                    .build();
            try (Lease lease = client.acquire("customer-42", options)) {
                long fence = lease.fenceToken().value(); // greater than every earlier grant of this name
                // ... write with the fence token (see "Fenced writes" below) ...
                // end::lease-client[]
                seen.set(fence);
                assertEquals("customer-42", lease.name());
                assertTrue(lease.isValid());
                // tag::lease-client[]
            }
        }
        // end::lease-client[]
        assertEquals(1, FenceTokens.grantCount(seen.get()), "the first grant of a new item");
        try (DefaultLeaseClient again = DefaultLeaseClient.builder(store).build();
                Lease next = again.acquire("customer-42", AcquireOptions.defaults())) {
            assertEquals(
                    seen.get() + 1, next.fenceToken().value(), "the fence grows with every grant, released or not");
        }
        dynamo.close();
    }

    @Test
    void tryAcquireSnippetDoesTheWorkOnlyWhenTheLockIsFree() {
        DynamoDbLeaseStore store = DYNAMO.newStore();
        List<Long> worked = new ArrayList<>();
        try (DefaultLeaseClient client = DefaultLeaseClient.builder(store).build();
                DefaultLeaseClient other = DefaultLeaseClient.builder(store).build()) {
            for (int round = 0; round < 2; round++) {
                Lease held = round == 0 ? null : other.acquire("nightly-report", AcquireOptions.defaults());
                // tag::lease-client-try[]
                Optional<Lease> free = client.tryAcquire("nightly-report", AcquireOptions.defaults());
                if (free.isPresent()) {
                    try (Lease lease = free.get()) {
                        // ... the work, its writes carrying lease.fenceToken() ...
                        // end::lease-client-try[]
                        worked.add(lease.fenceToken().value());
                        // tag::lease-client-try[]
                    }
                } // else another process holds the lock: a result, not an exception
                // end::lease-client-try[]
                if (held != null) {
                    held.close();
                }
            }
        }
        assertEquals(1, worked.size(), "the work ran once, when the lock was free: " + worked);
    }

    @Test
    void listenerSnippetHearsOfTheLoss() throws Exception {
        DynamoDbLeaseStore store = DYNAMO.newStore();
        JumpingClock clock = new JumpingClock();
        AtomicReference<LossCause> heard = new AtomicReference<>();
        try (DefaultLeaseClient client =
                DefaultLeaseClient.builder(store).clock(clock).build()) {
            // tag::lease-listener[]
            CountDownLatch lost = new CountDownLatch(1);
            AcquireOptions options = AcquireOptions.builder()
                    .listener(new LeaseListener() {
                        @Override
                        public void onLost(Lease lease, LossCause cause, Throwable detail) {
                            // end::lease-listener[]
                            heard.set(cause);
                            // tag::lease-listener[]
                            // TAKEN_OVER, STORE_UNREACHABLE or EXPIRED_LOCALLY: stop the work it guards
                            lost.countDown();
                        }

                        @Override
                        public void onNearExpiry(Lease lease, Duration remaining) {
                            // renewals are failing: the lease runs out in `remaining` unless one succeeds
                        }
                    })
                    .build();
            // end::lease-listener[]
            Lease lease = client.acquire(
                    "customer-42",
                    options.toBuilder().heartbeatPeriod(Duration.ofMillis(50)).build());
            clock.jump(Duration.ofSeconds(21)); // past the 20 s default lease on the client's clock

            assertTrue(lost.await(30, TimeUnit.SECONDS), "onLost(lease, cause, detail) was not called");
            assertEquals(LossCause.EXPIRED_LOCALLY, heard.get());
            assertFalse(lease.isValid());
        }
    }

    @Test
    void programmingErrorsAreTheStandardExceptionsAndEverythingElseALeaseException() {
        DynamoDbLeaseStore store = DYNAMO.newStore();
        try (DefaultLeaseClient holder = DefaultLeaseClient.builder(store).build();
                DefaultLeaseClient other = DefaultLeaseClient.builder(store).build()) {
            assertThrows(IllegalArgumentException.class, () -> holder.acquire("", AcquireOptions.defaults()));
            assertThrows(IllegalArgumentException.class, () -> AcquireOptions.builder()
                    .leaseDuration(Duration.ofMillis(1)));
            assertThrows(NullPointerException.class, () -> holder.acquire(null, AcquireOptions.defaults()));
            Lease lease = holder.acquire("customer-42", AcquireOptions.defaults());
            LeaseException timeout = assertThrows(
                    LeaseTimeoutException.class,
                    () -> other.acquire(
                            "customer-42",
                            AcquireOptions.builder().waitTimeout(Duration.ZERO).build()));
            assertEquals("customer-42", timeout.lockName());
            assertThrows(IllegalArgumentException.class, () -> other.release(lease));
            assertTrue(holder.release(lease));
            assertThrows(IllegalStateException.class, () -> holder.release(lease));
            LeaseInfo info = holder.inspect("customer-42").orElseThrow();
            assertEquals(lease.fenceToken(), info.fenceToken());
        }
    }

    /** A monotonic clock that runs with real time and jumps when told. Thread-safe. */
    private static final class JumpingClock implements LeaseClock {
        private final AtomicLong offset = new AtomicLong();

        @Override
        public long nanoTime() {
            return System.nanoTime() + offset.get();
        }

        void jump(Duration duration) {
            offset.addAndGet(duration.toNanos());
        }
    }
}
