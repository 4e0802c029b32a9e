package dev.txlease.micrometer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.txlease.AcquireOptions;
import dev.txlease.Lease;
import dev.txlease.LeaseLostException;
import dev.txlease.LeaseStoreUnavailableException;
import dev.txlease.LeaseTimeoutException;
import dev.txlease.LockMode;
import dev.txlease.LossCause;
import dev.txlease.client.DefaultLeaseClient;
import dev.txlease.client.LeaseClock;
import dev.txlease.dynamodb.DynamoDbLeaseStore;
import dev.txlease.testing.Await;
import dev.txlease.testing.DynamoDbLocal;
import dev.txlease.testing.FaultInjector;
import dev.txlease.testing.ManualClock;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** {@link LeaseClientMetrics} after real operations on DynamoDB Local: each meter's counts and tags. */
class LeaseClientMetricsTest {
    @RegisterExtension
    static final DynamoDbLocal DYNAMO = DynamoDbLocal.embedded();

    private static final Tags CLIENT = Tags.of("client", "test");

    private final List<DefaultLeaseClient> clients = new ArrayList<>();
    private DynamoDbLeaseStore store;
    private MeterRegistry registry;

    @BeforeEach
    void setUp() {
        store = DYNAMO.newStore();
        registry = new SimpleMeterRegistry();
    }

    @AfterEach
    void closeClients() {
        DYNAMO.faults().reset();
        clients.forEach(DefaultLeaseClient::close);
    }

    @Test
    void acquisitionsAreTimedByOutcome() throws Exception {
        DefaultLeaseClient client = observed("owner-a", LeaseClock.system());
        DefaultLeaseClient holder = plain("holder", LeaseClock.system());
        holder.acquire("held", noHeartbeat(Duration.ofSeconds(30)));

        Lease free = client.acquire("free", noHeartbeat(Duration.ofSeconds(30)));
        Lease async = client.acquireAsync("free-async", noHeartbeat(Duration.ofSeconds(30)))
                .get(30, TimeUnit.SECONDS);
        assertTrue(
                client.tryAcquire("held", noHeartbeat(Duration.ofSeconds(30))).isEmpty());
        AcquireOptions shortWait = noHeartbeat(Duration.ofSeconds(30)).toBuilder()
                .waitTimeout(Duration.ofMillis(100))
                .pollInterval(Duration.ofMillis(20))
                .build();
        assertThrows(LeaseTimeoutException.class, () -> client.acquire("held", shortWait));
        DYNAMO.faults().failRequests("UpdateItem", 1);
        assertThrows(
                LeaseStoreUnavailableException.class,
                () -> client.tryAcquire("unreachable", noHeartbeat(Duration.ofSeconds(30))));

        assertEquals(2, acquires("granted"));
        assertEquals(1, acquires("not_granted"));
        assertEquals(1, acquires("timeout"));
        assertEquals(1, acquires("store_unavailable"));
        assertEquals(0, acquires("failed"));
        assertTrue(
                registry.get(LeaseClientMetrics.ACQUIRE)
                                .tags(CLIENT)
                                .tag("outcome", "timeout")
                                .timer()
                                .totalTime(TimeUnit.MILLISECONDS)
                        >= 100,
                "the timeout's wait is in its time");
        assertEquals(2.0, gauge(LeaseClientMetrics.LEASES_HELD));
        free.close();
        assertEquals(1.0, gauge(LeaseClientMetrics.LEASES_HELD));
        async.close();
        assertEquals(0.0, gauge(LeaseClientMetrics.LEASES_HELD));
    }

    @Test
    void acquisitionsInOtherModesAreTaggedWithTheirMode() {
        DefaultLeaseClient client = observed("reader", LeaseClock.system());
        AcquireOptions shared = noHeartbeat(Duration.ofSeconds(30)).toBuilder()
                .mode(LockMode.PR)
                .build();
        Lease first = client.acquire("shared", shared);
        Lease second = client.acquire("shared", shared);
        assertTrue(second.fenceToken().isNewerThan(first.fenceToken()));

        assertEquals(
                2,
                registry.get(LeaseClientMetrics.ACQUIRE)
                        .tags(CLIENT)
                        .tag("mode", "PR")
                        .tag("outcome", "granted")
                        .timer()
                        .count());
        assertEquals(0, acquires("granted"), "no EX acquisition");
        assertEquals(2.0, gauge(LeaseClientMetrics.LEASES_HELD));
    }

    @Test
    void takeoverIsCountedByTheTakerAndTheLossByTheLoserWithItsCause() throws Exception {
        Duration lease = Duration.ofSeconds(10);
        ManualClock waiterClock = new ManualClock();
        DefaultLeaseClient waiter = observed("waiter", waiterClock);
        MeterRegistry holderRegistry = new SimpleMeterRegistry();
        LeaseClientMetrics holderMetrics = new LeaseClientMetrics(Tags.of("client", "holder"));
        DefaultLeaseClient holder = DefaultLeaseClient.builder(store)
                .owner("holder")
                .observer(holderMetrics)
                .build();
        clients.add(holder);
        holderMetrics.bindTo(holderRegistry);
        Lease stalled = holder.acquire("taken", noHeartbeat(lease));

        DYNAMO.requests().reset();
        CompletableFuture<Lease> next = waiter.acquireAsync("taken", noHeartbeat(lease));
        Await.until("the waiter polled", () -> DYNAMO.requests().total() >= 2);
        assertEquals(0.0, count(registry, LeaseClientMetrics.TAKEOVERS, CLIENT));
        waiterClock.advance(lease.plusMillis(1));
        Lease taken = next.get(30, TimeUnit.SECONDS);
        assertEquals("waiter", taken.owner());
        assertEquals(1.0, count(registry, LeaseClientMetrics.TAKEOVERS, CLIENT));

        LeaseLostException lost = assertThrows(LeaseLostException.class, () -> holder.renew(stalled));
        assertEquals(LossCause.TAKEN_OVER, lost.lossCause());
        Tags holderTags = Tags.of("client", "holder");
        assertEquals(1.0, count(holderRegistry, LeaseClientMetrics.LEASES_LOST, holderTags.and("cause", "taken_over")));
        assertEquals(
                0.0, count(holderRegistry, LeaseClientMetrics.LEASES_LOST, holderTags.and("cause", "expired_locally")));
        assertEquals(0.0, count(holderRegistry, LeaseClientMetrics.TAKEOVERS, holderTags));
        assertEquals(
                1,
                holderRegistry
                        .get(LeaseClientMetrics.RENEWALS)
                        .tags(holderTags)
                        .tag("outcome", "lost")
                        .timer()
                        .count());
        assertEquals(0.0, count(registry, LeaseClientMetrics.LEASES_LOST, CLIENT.and("cause", "taken_over")));
    }

    @Test
    void renewalsAreTimedByOutcomeAndLocalExpiryIsALossOfItsOwnCause() {
        ManualClock clock = new ManualClock();
        DefaultLeaseClient client = observed("renewer", clock);
        Lease lease = client.acquire("renewed", noHeartbeat(Duration.ofSeconds(10)));

        client.renew(lease);
        client.renew(lease);
        DYNAMO.faults().failRequests("UpdateItem", 1);
        assertThrows(LeaseStoreUnavailableException.class, () -> client.renew(lease));
        clock.advance(Duration.ofSeconds(11));
        LeaseLostException expired = assertThrows(LeaseLostException.class, () -> client.renew(lease));
        assertEquals(LossCause.EXPIRED_LOCALLY, expired.lossCause());

        assertEquals(2, renewals("renewed"));
        assertEquals(1, renewals("store_unavailable"));
        assertEquals(1, renewals("lost"));
        assertEquals(0, renewals("failed"));
        assertEquals(1.0, count(registry, LeaseClientMetrics.LEASES_LOST, CLIENT.and("cause", "expired_locally")));
        assertEquals(0.0, count(registry, LeaseClientMetrics.LEASES_LOST, CLIENT.and("cause", "taken_over")));
        assertEquals(0.0, gauge(LeaseClientMetrics.LEASES_HELD));
    }

    @Test
    void heartbeatsThatCannotReachTheStoreLoseTheLeaseAsStoreUnreachable() {
        DefaultLeaseClient client = observed("beating", LeaseClock.system());
        AcquireOptions beating = AcquireOptions.builder()
                .leaseDuration(Duration.ofMillis(600))
                .heartbeatPeriod(Duration.ofMillis(100))
                .build();
        Lease lease = client.acquire("unreachable", beating);
        DYNAMO.faults().failRequests("UpdateItem", 1_000_000);

        Await.until(
                "the heartbeat gave the lease up",
                () -> count(registry, LeaseClientMetrics.LEASES_LOST, CLIENT.and("cause", "store_unreachable")) == 1);
        assertTrue(renewals("store_unavailable") >= 1, () -> "renewals: " + renewals("store_unavailable"));
        assertEquals(0, renewals("lost"), "the heartbeat saw the lease run out before its renewal");
        assertEquals(0.0, gauge(LeaseClientMetrics.LEASES_HELD));
        LeaseLostException lost = assertThrows(LeaseLostException.class, () -> client.renew(lease));
        assertEquals(LossCause.STORE_UNREACHABLE, lost.lossCause());
    }

    @Test
    void aBlockedRenewalThreadShowsAsPendingRenewalsAndLateness() {
        LeaseClientMetrics metrics = new LeaseClientMetrics(CLIENT);
        DefaultLeaseClient client = DefaultLeaseClient.builder(store)
                .owner("one-thread")
                .heartbeatThreads(1)
                .observer(metrics)
                .build();
        clients.add(client);
        metrics.bindTo(registry);
        AcquireOptions beating = AcquireOptions.builder()
                .leaseDuration(Duration.ofSeconds(30))
                .heartbeatPeriod(Duration.ofMillis(100))
                .build();
        Lease first = client.acquire("first", beating);
        Lease second = client.acquire("second", beating);

        FaultInjector.Gate held = DYNAMO.faults().holdNextRequest("UpdateItem");
        held.awaitReached(); // the only renewal thread waits in one lease's renewal
        Await.until("the other lease's renewal is due", () -> gauge(LeaseClientMetrics.HEARTBEAT_PENDING) == 1.0);
        long renewedBefore = renewals("renewed");
        held.open();
        Await.until("both leases renewed again", () -> renewals("renewed") >= renewedBefore + 2);
        first.close();
        second.close();

        // the beats still queued for the released leases run (doing nothing) and are not queued again
        Await.until("the backlog drained", () -> gauge(LeaseClientMetrics.HEARTBEAT_PENDING) == 0.0);
        var lateness =
                registry.get(LeaseClientMetrics.HEARTBEAT_LATENESS).tags(CLIENT).timer();
        assertTrue(lateness.count() >= 2, () -> "beats: " + lateness.count());
        assertTrue(lateness.max(TimeUnit.MILLISECONDS) > 0, "the blocked beat started late");
    }

    @Test
    void oneMetricsInstanceObservesOneClient() {
        LeaseClientMetrics metrics = new LeaseClientMetrics();
        clients.add(DefaultLeaseClient.builder(store).observer(metrics).build());
        IllegalStateException second = assertThrows(
                IllegalStateException.class,
                () -> DefaultLeaseClient.builder(store).observer(metrics).build());
        assertTrue(second.getMessage().contains("one LeaseClientMetrics per client"), second.getMessage());
    }

    @Test
    void theReadmeExampleCountsAGrant() {
        // tag::micrometer-client[]
        LeaseClientMetrics metrics = new LeaseClientMetrics(Tags.of("client", "orders"));
        DefaultLeaseClient client =
                DefaultLeaseClient.builder(store).observer(metrics).build();
        metrics.bindTo(registry); // Spring Boot binds every MeterBinder bean itself
        // end::micrometer-client[]
        clients.add(client);
        client.acquire("readme", AcquireOptions.defaults()).close();
        assertEquals(
                1,
                registry.get(LeaseClientMetrics.ACQUIRE)
                        .tags("client", "orders", "outcome", "granted")
                        .timer()
                        .count());
    }

    private DefaultLeaseClient observed(String owner, LeaseClock clock) {
        LeaseClientMetrics metrics = new LeaseClientMetrics(CLIENT);
        DefaultLeaseClient client = DefaultLeaseClient.builder(store)
                .observer(metrics)
                .owner(owner)
                .clock(clock)
                .build();
        metrics.bindTo(registry);
        clients.add(client);
        return client;
    }

    private DefaultLeaseClient plain(String owner, LeaseClock clock) {
        DefaultLeaseClient client =
                DefaultLeaseClient.builder(store).owner(owner).clock(clock).build();
        clients.add(client);
        return client;
    }

    private long acquires(String outcome) {
        return registry.get(LeaseClientMetrics.ACQUIRE)
                .tags(CLIENT)
                .tag("mode", "EX")
                .tag("outcome", outcome)
                .timer()
                .count();
    }

    private long renewals(String outcome) {
        return registry.get(LeaseClientMetrics.RENEWALS)
                .tags(CLIENT)
                .tag("outcome", outcome)
                .timer()
                .count();
    }

    private double gauge(String name) {
        return registry.get(name).tags(CLIENT).gauge().value();
    }

    private static double count(MeterRegistry registry, String name, Tags tags) {
        return registry.get(name).tags(tags).counter().count();
    }

    static AcquireOptions noHeartbeat(Duration lease) {
        return AcquireOptions.builder()
                .leaseDuration(lease)
                .heartbeatPeriod(Duration.ZERO)
                .waitTimeout(Duration.ofSeconds(30))
                .pollInterval(Duration.ofMillis(5))
                .build();
    }
}
