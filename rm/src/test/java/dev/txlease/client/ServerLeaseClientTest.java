package dev.txlease.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.txlease.AcquireOptions;
import dev.txlease.Lease;
import dev.txlease.LeaseListener;
import dev.txlease.LeaseStoreUnavailableException;
import dev.txlease.LossCause;
import dev.txlease.testing.DynamoDbLocal;
import dev.txlease.testing.FenceTokens;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The contract over loopback HTTP, plus what needs real requests: outages and lost responses. */
class ServerLeaseClientTest extends LeaseClientContract {
    @RegisterExtension
    static final DynamoDbLocal DYNAMO = DynamoDbLocal.server();

    @Override
    DynamoDbLocal dynamo() {
        return DYNAMO;
    }

    @Test
    void listenerHearsOfAStoreOutageAndTheLeaseStopsBeingValid() throws Exception {
        DefaultLeaseClient holder = client("holder");
        AtomicReference<LossCause> cause = new AtomicReference<>();
        CountDownLatch nearExpiry = new CountDownLatch(1);
        CountDownLatch lost = new CountDownLatch(1);
        Lease lease = holder.acquire(
                "outage",
                AcquireOptions.builder()
                        .leaseDuration(Duration.ofMillis(1500))
                        .heartbeatPeriod(Duration.ofMillis(200))
                        .listener(new LeaseListener() {
                            @Override
                            public void onLost(Lease lost1, LossCause why, Throwable detail) {
                                cause.set(why);
                                lost.countDown();
                            }

                            @Override
                            public void onNearExpiry(Lease lease1, Duration remaining) {
                                nearExpiry.countDown();
                            }
                        })
                        .build());
        DYNAMO.stopServer();
        try {
            assertTrue(nearExpiry.await(DEADLINE.toSeconds(), TimeUnit.SECONDS), "onNearExpiry not called");
            assertTrue(lost.await(DEADLINE.toSeconds(), TimeUnit.SECONDS), "onLost not called");
            assertEquals(LossCause.STORE_UNREACHABLE, cause.get());
            assertFalse(lease.isValid());
            LeaseStoreUnavailableException down = assertThrows(
                    LeaseStoreUnavailableException.class,
                    () -> holder.tryAcquire("outage-2", AcquireOptions.defaults()));
            assertEquals("outage-2", down.lockName());
        } finally {
            DYNAMO.startServer();
        }
        store = DYNAMO.newStore(); // the restarted in-memory server starts empty
        DefaultLeaseClient after = client("after");
        assertEquals(
                1,
                FenceTokens.grantCount(
                        after.acquire("outage", AcquireOptions.defaults()).fenceToken()));
    }

    @Test
    void ambiguousRenewDoesNotDropALeaseThatIsStillOurs() {
        DefaultLeaseClient holder = client("holder");
        Lease lease = holder.acquire("ambiguous", noHeartbeat(Duration.ofSeconds(30)));
        DYNAMO.faults().dropResponses("UpdateItem", DynamoDbLocal.MAX_ATTEMPTS);
        assertThrows(LeaseStoreUnavailableException.class, () -> holder.renew(lease));
        holder.renew(lease); // the store holds the version the failed renew wrote
        assertTrue(lease.isValid());
        assertEquals("holder", holder.inspect("ambiguous").orElseThrow().owner().orElseThrow());
        assertTrue(holder.release(lease));
    }

    @Test
    void lostGrantResponseIsRecognisedOnRetryWithoutASecondGrant() {
        DefaultLeaseClient holder = client("holder");
        DYNAMO.faults().dropResponses("UpdateItem", DynamoDbLocal.MAX_ATTEMPTS);
        Lease lease = holder.acquire(
                "lost-response",
                AcquireOptions.builder().pollInterval(Duration.ofMillis(5)).build());
        assertEquals(1, FenceTokens.grantCount(lease.fenceToken()), "granted twice");
        assertEquals(
                lease.fenceToken(),
                holder.inspect("lost-response").orElseThrow().fenceToken());
        assertTrue(holder.release(lease));
    }

    @Test
    void aReleaseThatCouldNotReachTheStoreStopsRenewingAndCanBeRetried() {
        DefaultLeaseClient holder = client("holder");
        Lease lease = holder.acquire("release-retry", AcquireOptions.defaults());
        assertEquals(1, holder.heldLeases());
        DYNAMO.faults().failRequests("UpdateItem", DynamoDbLocal.MAX_ATTEMPTS);
        LeaseStoreUnavailableException down =
                assertThrows(LeaseStoreUnavailableException.class, () -> holder.release(lease));
        assertEquals("release-retry", down.lockName());
        assertEquals(0, holder.heldLeases(), "a lease whose release failed is no longer renewed");
        assertTrue(holder.release(lease), "the retried release reaches the store");
        assertTrue(holder.inspect("release-retry").orElseThrow().isReleased());
    }
}
