package dev.txlease.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.txlease.AcquireOptions;
import dev.txlease.Lease;
import dev.txlease.LeaseException;
import dev.txlease.LeaseListener;
import dev.txlease.LeaseState;
import dev.txlease.LeaseStoreUnavailableException;
import dev.txlease.LossCause;
import dev.txlease.internal.ManagedLease;
import dev.txlease.spi.ForwardingLeaseStore;
import dev.txlease.spi.GrantRequest;
import dev.txlease.spi.LeaseRecord;
import dev.txlease.spi.StoreResult;
import dev.txlease.testing.Await;
import dev.txlease.testing.DynamoDbLocal;
import dev.txlease.testing.FaultInjector;
import dev.txlease.testing.FenceTokens;
import dev.txlease.testing.ManualClock;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
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
        DYNAMO.faults().dropResponses("UpdateItem", DYNAMO.maxAttempts());
        assertThrows(LeaseStoreUnavailableException.class, () -> holder.renew(lease));
        holder.renew(lease); // the store holds the version the failed renew wrote
        assertTrue(lease.isValid());
        assertEquals("holder", holder.inspect("ambiguous").orElseThrow().owner().orElseThrow());
        assertTrue(holder.release(lease));
    }

    @Test
    void lostGrantResponseIsRecognisedOnRetryWithoutASecondGrant() {
        DefaultLeaseClient holder = client("holder");
        DYNAMO.faults().dropResponses("UpdateItem", DYNAMO.maxAttempts());
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
        DYNAMO.faults().failRequests("UpdateItem", DYNAMO.maxAttempts());
        LeaseStoreUnavailableException down =
                assertThrows(LeaseStoreUnavailableException.class, () -> holder.release(lease));
        assertEquals("release-retry", down.lockName());
        assertEquals(0, holder.heldLeases(), "a lease whose release failed is no longer renewed");
        assertTrue(holder.release(lease), "the retried release reaches the store");
        assertTrue(holder.inspect("release-retry").orElseThrow().isReleased());
    }

    // Issue 10, item 3: a write the SDK retried after it landed is a success, not a loss.
    @Test
    void renewAndReleaseThatTheSdkRetriedAfterTheyLandedSucceed() throws Exception {
        BlockingQueue<StoreResult> grantAnswers = new LinkedBlockingQueue<>();
        DefaultLeaseClient holder = client("holder", new ForwardingLeaseStore(store) {
            @Override
            public StoreResult tryGrant(GrantRequest request) {
                StoreResult answer = super.tryGrant(request);
                grantAnswers.add(answer);
                return answer;
            }
        });
        Lease lease = holder.acquire("retried", noHeartbeat(Duration.ofSeconds(30)));
        DYNAMO.requests().reset();
        DYNAMO.faults().dropResponses("UpdateItem", 1);
        holder.renew(lease);
        assertEquals(2, DYNAMO.requests().count("UpdateItem"), "the renew landed, and the SDK retried it");
        assertTrue(lease.isValid());
        assertEquals(LeaseState.HELD, lease.state());

        AcquireOptions slowPoll = AcquireOptions.builder()
                .leaseDuration(Duration.ofSeconds(30))
                .pollInterval(Duration.ofMinutes(10))
                .waitTimeout(Duration.ofMinutes(5))
                .build();
        grantAnswers.clear();
        CompletableFuture<Lease> next = holder.acquireAsync("retried", slowPoll);
        // Wait for the waiter's grant call itself to have returned (SDK retries included): a grant of
        // it still in flight could land between the release and the release's retry, which then finds
        // that grant and must report a loss. Counting requests is not enough: another request (a
        // late one of an earlier test) or an SDK resend of the waiter's attempt may land meanwhile.
        StoreResult polled = grantAnswers.poll(DEADLINE.toSeconds(), TimeUnit.SECONDS);
        assertEquals(lease.fenceToken(), polled == null ? null : polled.record().fenceToken(), "the waiter's poll");
        // An attempt of that call that the SDK gave up on (timed out before it landed) may still land.
        Await.until("no attempt still on its way", () -> DYNAMO.requests().inFlight() == 0);
        DYNAMO.faults().dropResponses("UpdateItem", 1);
        boolean released = holder.release(lease);
        assertTrue(
                released,
                () -> "a release that landed reported a loss: " + lease + " " + store.read("retried") + " "
                        + DYNAMO.requests());
        assertEquals(LeaseState.RELEASED, lease.state());
        Lease granted = next.get(DEADLINE.toSeconds(), TimeUnit.SECONDS); // woken by the local release
        assertEquals(lease.fenceToken().value() + 1, granted.fenceToken().value());
    }

    // Issue 10, item 3: a renewal the SDK retried after it landed does not tell the listener of a loss.
    @Test
    void aHeartbeatThatTheSdkRetriedAfterItLandedKeepsTheLease() {
        DefaultLeaseClient holder = client("holder");
        AtomicReference<LossCause> cause = new AtomicReference<>();
        Lease lease = holder.acquire(
                "beat-retried",
                AcquireOptions.builder()
                        .leaseDuration(Duration.ofSeconds(30))
                        .heartbeatPeriod(Duration.ofMillis(50))
                        .listener(new LeaseListener() {
                            @Override
                            public void onLost(Lease lost, LossCause why, Throwable detail) {
                                cause.set(why);
                            }
                        })
                        .build());
        DYNAMO.requests().reset();
        DYNAMO.faults().dropResponses("UpdateItem", 1);
        Await.until("two more renewals", () -> DYNAMO.requests().count("UpdateItem") >= 4);
        assertEquals(null, cause.get(), "the listener heard of a loss");
        assertEquals(LeaseState.HELD, lease.state());
        assertTrue(holder.release(lease));
    }

    // Issue 10, item 3: prepare and completion that the SDK retried after they landed succeed.
    @Test
    void prepareAndCompletionThatTheSdkRetriedAfterTheyLandedSucceed() {
        DefaultLeaseClient holder = client("holder");
        ManagedLease lease = (ManagedLease) holder.acquire("prepared", noHeartbeat(Duration.ofSeconds(30)));
        DYNAMO.faults().dropResponses("UpdateItem", 1);
        lease.prepare("tx-1", Duration.ofSeconds(60));
        assertEquals("tx-1", store.read("prepared").orElseThrow().transactionId());
        DYNAMO.faults().dropResponses("UpdateItem", 1);
        lease.completeTransaction("tx-1", false);
        assertEquals(LeaseState.HELD, lease.state());
        holder.renew(lease); // the versions it holds are the store's
        DYNAMO.faults().dropResponses("UpdateItem", 1);
        lease.prepare("tx-2", Duration.ofSeconds(60));
        DYNAMO.faults().dropResponses("UpdateItem", 1);
        lease.completeTransaction("tx-2", true);
        assertEquals(LeaseState.RELEASED, lease.state());
        assertTrue(store.read("prepared").orElseThrow().released());
    }

    // Issue 10, item 1: a grant that lands late counts from the send time of the request that carried it.
    @Test
    void aGrantThatLandsLateCountsFromTheSendTimeOfItsRequest() throws Exception {
        Duration leaseDuration = Duration.ofSeconds(10);
        DefaultLeaseClient holder = client("holder");
        ManualClock clock = new ManualClock();
        DefaultLeaseClient caller = client("caller", clock);
        Lease held = holder.acquire("late", noHeartbeat(leaseDuration));
        DYNAMO.requests().reset();
        FaultInjector.Gate late = DYNAMO.faults().delayNextRequest("UpdateItem");
        CompletableFuture<Lease> acquired = caller.acquireAsync("late", noHeartbeat(leaseDuration));
        late.awaitReached(); // the first attempt is in the network, sent at the clock's start
        Await.until(
                "the SDK's retry was answered with the holder",
                () -> DYNAMO.requests().total() >= 2);
        clock.advance(Duration.ofSeconds(5));
        FaultInjector.Gate poll = DYNAMO.faults().holdNextRequest("UpdateItem");
        poll.awaitReached(); // a poll sent 5 s after the first attempt
        assertTrue(holder.release(held));
        late.open();
        late.awaitPassed(); // the first attempt lands now: the lock is the caller's
        assertEquals("caller", store.read("late").orElseThrow().owner());
        poll.open();
        Lease lease = acquired.get(DEADLINE.toSeconds(), TimeUnit.SECONDS);
        assertTrue(
                lease.remaining().compareTo(Duration.ofSeconds(5)) <= 0,
                "the lease counts from a later poll: " + lease.remaining() + " left");
        assertEquals(held.fenceToken().value() + 1, lease.fenceToken().value());
        assertTrue(caller.release(lease));
    }

    // Issue 10, item 7: an acquire interrupted while its grant is in flight leaves no stranded grant.
    @Test
    void anAcquireInterruptedWhileItsGrantIsInFlightHoldsTheLeaseOrLeavesNoGrant() throws Exception {
        DefaultLeaseClient caller = client("caller");
        FaultInjector.Gate answer = DYNAMO.faults().holdNextResponse("UpdateItem");
        AtomicReference<Object> outcome = new AtomicReference<>();
        AtomicReference<Boolean> interruptFlag = new AtomicReference<>();
        Thread acquiring = new Thread(() -> {
            try {
                outcome.set(caller.acquire("interrupted", noHeartbeat(Duration.ofSeconds(30))));
            } catch (RuntimeException e) {
                outcome.set(e);
            }
            interruptFlag.set(Thread.currentThread().isInterrupted());
        });
        acquiring.start();
        answer.awaitReached(); // the grant landed; its answer waits
        acquiring.interrupt();
        answer.open();
        acquiring.join(DEADLINE.toMillis());
        assertFalse(acquiring.isAlive());
        if (outcome.get() instanceof Lease lease) {
            assertTrue(lease.isValid());
            assertTrue(caller.release(lease));
        } else {
            assertInstanceOf(LeaseException.class, outcome.get());
            assertTrue(interruptFlag.get(), "the interrupt flag was not restored");
            LeaseRecord record = store.read("interrupted").orElseThrow();
            assertTrue(record.released(), "the landed grant was stranded: " + record);
        }
    }

    // Issue 10, item 7: a cancelled acquireAsync leaves no stranded grant.
    @Test
    void aCancelledAsyncAcquireLeavesNoGrant() {
        DefaultLeaseClient caller = client("caller");
        FaultInjector.Gate answer = DYNAMO.faults().holdNextResponse("UpdateItem");
        CompletableFuture<Lease> acquiring = caller.acquireAsync("cancelled", noHeartbeat(Duration.ofSeconds(30)));
        answer.awaitReached();
        assertTrue(acquiring.cancel(true));
        answer.open();
        Await.until(
                "the landed grant was released",
                () -> store.read("cancelled").orElseThrow().released());
        assertEquals(0, caller.heldLeases());
    }

    // Issue 10, item 6: a lease outlives a store outage shorter than its remaining lease.
    @Test
    void aLeaseSurvivesAnOutageShorterThanItsRemainingLeaseAndCloseReleasesIt() {
        DefaultLeaseClient holder = client("holder");
        Lease lease = holder.acquire(
                "outlives",
                AcquireOptions.builder()
                        .leaseDuration(Duration.ofSeconds(20))
                        .heartbeatPeriod(Duration.ofMillis(20))
                        .build());
        DYNAMO.requests().reset();
        DYNAMO.stopServer();
        try {
            Await.reached(Duration.ofSeconds(2), () -> false); // an outage of two seconds
        } finally {
            DYNAMO.startServer();
        }
        long after = DYNAMO.requests().count("UpdateItem");
        Await.until("a renewal after the outage", () -> DYNAMO.requests().count("UpdateItem") > after + 1);
        assertTrue(lease.isValid());
        lease.close();
        assertTrue(store.read("outlives").orElseThrow().released());
    }
}
