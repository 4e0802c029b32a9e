package dev.txlease.reliability;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.txlease.AcquireOptions;
import dev.txlease.Lease;
import dev.txlease.LeaseStoreUnavailableException;
import dev.txlease.client.DefaultLeaseClient;
import dev.txlease.spi.LeaseRecord;
import dev.txlease.spi.LeaseStore;
import dev.txlease.testing.DynamoDbLocal;
import dev.txlease.testing.FenceTokens;
import java.time.Duration;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Scenario 5: a DynamoDB response is lost after the request took effect (the {@code FaultInjector}
 * drops it on the wire), or a request is lost before it reaches DynamoDB. Over HTTP, with the SDK's
 * default retries on: a single lost answer is retried by the SDK, and the client recognises its own
 * landed write; to see what the caller does with an unknown outcome, every attempt of a call is
 * lost. {@code ServerLeaseClientTest} in rm already
 * shows that a waiting acquire whose grant response was lost is granted once, on the SDK's retry.
 * This adds what it lacks: the lock is never granted twice and never leaked for longer than one
 * lease, whatever the caller does next, and a lost release is not a leak either.
 */
class LostResponseTest {
    @RegisterExtension
    static final DynamoDbLocal DYNAMO = DynamoDbLocal.server();

    private static final Duration LEASE = Duration.ofSeconds(10);
    private static final AcquireOptions OPTIONS = AcquireOptions.builder()
            .leaseDuration(LEASE)
            .heartbeatPeriod(Duration.ZERO)
            .pollInterval(Duration.ofMillis(5))
            .build();

    private LeaseStore store;
    private String lock;

    @BeforeEach
    void setUp() {
        store = DYNAMO.newStore();
        lock = "lost-" + UUID.randomUUID();
    }

    @Test
    void tryAcquireWhoseGrantResponseIsLostNeitherGrantsTwiceNorLeaksForLongerThanALease() throws Exception {
        try (DefaultLeaseClient caller =
                        DefaultLeaseClient.builder(store).owner("caller").build();
                Taker other = new Taker(store, "other")) {
            DYNAMO.faults().dropResponses("UpdateItem", DYNAMO.maxAttempts());
            LeaseStoreUnavailableException unsure =
                    assertThrows(LeaseStoreUnavailableException.class, () -> caller.tryAcquire(lock, OPTIONS));
            assertEquals(lock, unsure.lockName());
            LeaseRecord landed = store.read(lock).orElseThrow();
            assertEquals("caller", landed.owner(), "the grant took effect");
            assertEquals(1, FenceTokens.grantCount(landed.fence()));
            assertEquals(0, caller.heldLeases(), "the caller holds nothing it knows of");

            // A new attempt cannot tell the landed grant from another holder's: no second grant.
            assertEquals(Optional.empty(), caller.tryAcquire(lock, OPTIONS));
            assertEquals(Optional.empty(), other.client().tryAcquire(lock, OPTIONS));
            assertEquals(landed, store.read(lock).orElseThrow());

            // Not leaked forever: anyone takes it over once a lease has passed on their own clock.
            Lease next = other.takeOver(lock, LEASE);
            assertEquals(2, FenceTokens.grantCount(next.fenceToken()));
            assertTrue(other.client().release(next));
        }
    }

    @Test
    void acquireWhoseGrantResponseIsLostIsGrantedOnceAndItsReleaseFreesTheLockAtOnce() {
        try (DefaultLeaseClient caller =
                        DefaultLeaseClient.builder(store).owner("caller").build();
                DefaultLeaseClient other =
                        DefaultLeaseClient.builder(store).owner("other").build()) {
            DYNAMO.requests().reset();
            DYNAMO.faults().dropResponses("UpdateItem", 1);
            Lease lease = caller.acquire(lock, OPTIONS);
            assertEquals(1, FenceTokens.grantCount(lease.fenceToken()), "granted twice");
            assertEquals(2, DYNAMO.requests().count("UpdateItem"), "the lost grant, and the SDK's retry that found it");
            assertTrue(caller.release(lease));
            assertTrue(store.read(lock).orElseThrow().released());
            Lease next = other.tryAcquire(lock, OPTIONS).orElseThrow(); // no wait for a lease
            assertEquals(2, FenceTokens.grantCount(next.fenceToken()));
            assertTrue(other.release(next));
        }
    }

    @Test
    void releaseWhoseAnswerTheSdkRetriedReportsSuccess() {
        try (DefaultLeaseClient caller =
                        DefaultLeaseClient.builder(store).owner("caller").build();
                DefaultLeaseClient other =
                        DefaultLeaseClient.builder(store).owner("other").build()) {
            Lease lease = caller.acquire(lock, OPTIONS);
            DYNAMO.faults().dropResponses("UpdateItem", 1);
            assertTrue(caller.release(lease), "a release that landed reported a loss");
            Lease next = other.tryAcquire(lock, OPTIONS).orElseThrow();
            assertEquals(lease.fenceToken().value() + 1, next.fenceToken().value());
            assertTrue(other.release(next));
        }
    }

    @Test
    void releaseWhoseResponseIsLostHasReleasedTheLock() {
        try (DefaultLeaseClient caller =
                        DefaultLeaseClient.builder(store).owner("caller").build();
                DefaultLeaseClient other =
                        DefaultLeaseClient.builder(store).owner("other").build()) {
            Lease lease = caller.acquire(lock, OPTIONS);
            DYNAMO.faults().dropResponses("UpdateItem", DYNAMO.maxAttempts());
            assertThrows(LeaseStoreUnavailableException.class, () -> caller.release(lease));
            assertTrue(store.read(lock).orElseThrow().released(), "the release took effect");
            Lease next = other.tryAcquire(lock, OPTIONS).orElseThrow();
            LeaseRecord before = store.read(lock).orElseThrow();
            assertFalse(caller.release(lease), "a retried release finds the lock no longer ours");
            assertEquals(before, store.read(lock).orElseThrow(), "the retried release touched the next holder");
            assertTrue(other.release(next));
        }
    }

    @Test
    void releaseWhoseRequestIsLostLeavesTheLockForOneLeaseAtMost() throws Exception {
        try (DefaultLeaseClient caller =
                        DefaultLeaseClient.builder(store).owner("caller").build();
                Taker other = new Taker(store, "other")) {
            Lease lease = caller.acquire(lock, OPTIONS);
            DYNAMO.faults().failRequests("UpdateItem", DYNAMO.maxAttempts());
            assertThrows(LeaseStoreUnavailableException.class, () -> caller.release(lease));
            assertEquals("caller", store.read(lock).orElseThrow().owner(), "the release never left");
            assertEquals(Optional.empty(), other.client().tryAcquire(lock, OPTIONS));
            Lease next = other.takeOver(lock, LEASE);
            assertEquals(lease.fenceToken().value() + 1, next.fenceToken().value());
            assertTrue(other.client().release(next));
        }
    }
}
