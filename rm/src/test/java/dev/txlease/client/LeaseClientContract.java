package dev.txlease.client;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.txlease.AcquireOptions;
import dev.txlease.Lease;
import dev.txlease.LeaseException;
import dev.txlease.LeaseInfo;
import dev.txlease.LeaseListener;
import dev.txlease.LeaseLostException;
import dev.txlease.LeaseState;
import dev.txlease.LeaseTimeoutException;
import dev.txlease.LossCause;
import dev.txlease.spi.ForwardingLeaseStore;
import dev.txlease.spi.GrantRequest;
import dev.txlease.spi.LeaseRecord;
import dev.txlease.spi.LeaseStore;
import dev.txlease.testing.Await;
import dev.txlease.testing.DynamoDbLocal;
import dev.txlease.testing.FaultInjector;
import dev.txlease.testing.FenceTokens;
import dev.txlease.testing.ManualClock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The behaviour every {@link DefaultLeaseClient} must show over a real store, whatever the
 * transport. Subclasses name the DynamoDB Local they run against.
 */
abstract class LeaseClientContract {
    static final Duration DEADLINE = Duration.ofSeconds(20);

    LeaseStore store;
    final List<DefaultLeaseClient> clients = new ArrayList<>();

    abstract DynamoDbLocal dynamo();

    @BeforeEach
    void newTable() {
        store = dynamo().newStore();
    }

    @AfterEach
    void closeClients() {
        clients.forEach(DefaultLeaseClient::close);
    }

    DefaultLeaseClient client(String owner) {
        return started(builder(owner, store));
    }

    /** A client on {@code decorated}, a decorator of {@link #store}. */
    DefaultLeaseClient client(String owner, LeaseStore decorated) {
        return started(builder(owner, decorated));
    }

    DefaultLeaseClient client(String owner, LeaseClock clock) {
        return started(builder(owner, store).clock(clock));
    }

    private static DefaultLeaseClient.Builder builder(String owner, LeaseStore on) {
        return DefaultLeaseClient.builder(on).owner(owner).node("node-" + owner);
    }

    /** Builds the client and closes it after the test. */
    private DefaultLeaseClient started(DefaultLeaseClient.Builder builder) {
        DefaultLeaseClient client = builder.build();
        clients.add(client);
        return client;
    }

    static AcquireOptions noHeartbeat(Duration lease) {
        return AcquireOptions.builder()
                .leaseDuration(lease)
                .heartbeatPeriod(Duration.ZERO)
                .waitTimeout(Duration.ofSeconds(30))
                .pollInterval(Duration.ofMillis(5))
                .build();
    }

    @Test
    void freeAcquireRenewAndReleaseAreOneRequestEach() {
        DefaultLeaseClient a = client("a");
        dynamo().requests().reset();
        Lease lease = a.acquire("counted", noHeartbeat(Duration.ofSeconds(10)));
        assertEquals(1, dynamo().requests().total(), "free acquire");
        a.renew(lease);
        assertEquals(2, dynamo().requests().total(), "renew");
        assertTrue(a.release(lease));
        assertEquals(3, dynamo().requests().total(), "release");
        assertEquals(3, dynamo().requests().count("UpdateItem"));
    }

    @Test
    void heldLockAnswersInOneRequestWithTheHolder() {
        DefaultLeaseClient a = client("a");
        DefaultLeaseClient b = client("b");
        Lease held = a.acquire("held", noHeartbeat(Duration.ofSeconds(10)));
        dynamo().requests().reset();
        assertEquals(Optional.empty(), b.tryAcquire("held", noHeartbeat(Duration.ofSeconds(10))));
        assertEquals(1, dynamo().requests().total());
        assertTrue(held.isValid());
    }

    @Test
    void concurrentAcquirersExactlyOneWins() throws Exception {
        int contenders = 8;
        List<DefaultLeaseClient> racers = new ArrayList<>();
        for (int i = 0; i < contenders; i++) {
            racers.add(client("racer-" + i));
        }
        ExecutorService pool = Executors.newFixedThreadPool(contenders);
        try {
            CountDownLatch start = new CountDownLatch(1);
            List<Future<Optional<Lease>>> results = new ArrayList<>();
            for (DefaultLeaseClient racer : racers) {
                results.add(pool.submit(() -> {
                    start.await();
                    return racer.tryAcquire("race", noHeartbeat(Duration.ofSeconds(10)));
                }));
            }
            start.countDown();
            List<Lease> winners = new ArrayList<>();
            for (Future<Optional<Lease>> result : results) {
                result.get(DEADLINE.toSeconds(), TimeUnit.SECONDS).ifPresent(winners::add);
            }
            assertEquals(1, winners.size(), "winners: " + winners);
            assertEquals(1, FenceTokens.grantCount(winners.get(0).fenceToken()));
            assertEquals(
                    winners.get(0).owner(),
                    racers.get(0).inspect("race").orElseThrow().owner().orElseThrow());
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void fenceStrictlyIncreasesAcrossManyAcquisitionsBySeveralClients() throws Exception {
        int workers = 3;
        int rounds = 40;
        List<Long> granted = Collections.synchronizedList(new ArrayList<>());
        ExecutorService pool = Executors.newFixedThreadPool(workers);
        try {
            List<Future<?>> done = new ArrayList<>();
            for (int w = 0; w < workers; w++) {
                DefaultLeaseClient worker = client("worker-" + w);
                done.add(pool.submit(() -> {
                    for (int round = 0; round < rounds; round++) {
                        try (Lease lease = worker.acquire("fence", noHeartbeat(Duration.ofSeconds(30)))) {
                            granted.add(lease.fenceToken().value()); // appended while holding the lock
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> future : done) {
                future.get(60, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }
        assertEquals(workers * rounds, granted.size());
        for (int i = 1; i < granted.size(); i++) {
            assertTrue(
                    granted.get(i) > granted.get(i - 1),
                    "fence went from " + granted.get(i - 1) + " to " + granted.get(i) + " at grant " + i + ": "
                            + granted);
        }
        assertEquals(workers * rounds, FenceTokens.grantCount(granted.get(granted.size() - 1)));
    }

    @Test
    void releaseKeepsTheFenceCounterForTheNextHolder() {
        DefaultLeaseClient a = client("a");
        DefaultLeaseClient b = client("b");
        Lease first = a.acquire("kept", noHeartbeat(Duration.ofSeconds(10)));
        assertTrue(a.release(first));
        LeaseInfo afterRelease = a.inspect("kept").orElseThrow();
        assertTrue(afterRelease.isReleased());
        assertEquals(first.fenceToken(), afterRelease.fenceToken());
        Lease second = b.acquire("kept", noHeartbeat(Duration.ofSeconds(10)));
        assertEquals(first.fenceToken().value() + 1, second.fenceToken().value());
    }

    @Test
    void takeoverOnlyAfterTheHolderVersionStayedUnchangedForAFullLeaseOnTheWaitersClock() throws Exception {
        Duration lease = Duration.ofSeconds(10);
        DefaultLeaseClient holder = client("holder");
        ManualClock waiterClock = new ManualClock();
        DefaultLeaseClient waiter = client("waiter", waiterClock);
        Lease stalled = holder.acquire("takeover", noHeartbeat(lease));

        dynamo().requests().reset();
        CompletableFuture<Lease> next = waiter.acquireAsync("takeover", noHeartbeat(lease));
        Await.until("the waiter polled", () -> dynamo().requests().total() >= 2);
        waiterClock.advance(lease.minusMillis(1));
        long polls = dynamo().requests().total();
        Await.until("the waiter polled again", () -> dynamo().requests().total() >= polls + 2);
        assertFalse(next.isDone(), "taken over before the lease ran out on the waiter's clock");
        assertEquals("holder", waiter.inspect("takeover").orElseThrow().owner().orElseThrow());

        waiterClock.advance(Duration.ofMillis(2));
        Lease taken = next.get(DEADLINE.toSeconds(), TimeUnit.SECONDS);
        assertEquals(stalled.fenceToken().value() + 1, taken.fenceToken().value());
        assertEquals("waiter", taken.owner());
    }

    @Test
    void takeoverDeadlineRestartsWhenTheHolderRenewsMidWait() throws Exception {
        Duration lease = Duration.ofSeconds(10);
        DefaultLeaseClient holder = client("holder");
        ManualClock waiterClock = new ManualClock();
        DefaultLeaseClient waiter = client("waiter", waiterClock);
        Lease held = holder.acquire("renewed", noHeartbeat(lease));
        AcquireOptions patient = noHeartbeat(lease).toBuilder()
                .waitTimeout(Duration.ofMinutes(10))
                .build();

        dynamo().requests().reset();
        CompletableFuture<Lease> next = waiter.acquireAsync("renewed", patient);
        Await.until(
                "the waiter saw the first version", () -> dynamo().requests().total() >= 2);
        waiterClock.advance(Duration.ofSeconds(9)); // the first version has 1 s left on the waiter's clock
        holder.renew(held); // a new version: the waiter's count must restart when it sees it
        long renewed = dynamo().requests().total();
        // the first poll sent after the renewal carries the new version; the second is sent only once
        // the first's answer was handled, so the waiter has seen the new version at 9 s
        Await.until("the waiter saw the new version", () -> dynamo().requests().total() >= renewed + 2);
        waiterClock.advance(Duration.ofSeconds(6)); // 15 s after the first sight, 6 s after the renewal
        long later = dynamo().requests().total();
        Await.until("the waiter polled again", () -> dynamo().requests().total() >= later + 2);
        assertFalse(next.isDone(), "took over 6 s after a renewal of a 10 s lease (AWS lock client issue 94)");
        assertEquals("holder", waiter.inspect("renewed").orElseThrow().owner().orElseThrow());

        waiterClock.advance(Duration.ofSeconds(11)); // past 10 s after any sighting of the new version
        assertEquals("waiter", next.get(DEADLINE.toSeconds(), TimeUnit.SECONDS).owner());
        assertThrows(LeaseLostException.class, () -> holder.renew(held));
    }

    @Test
    void noTakeoverWhileHeartbeatsContinue() {
        DefaultLeaseClient holder = client("holder");
        DefaultLeaseClient waiter = client("waiter");
        AcquireOptions beating = AcquireOptions.builder()
                .leaseDuration(Duration.ofMillis(1500))
                .heartbeatPeriod(Duration.ofMillis(150))
                .build();
        Lease held = holder.acquire("beating", beating);
        AcquireOptions waitLonger = AcquireOptions.builder()
                .leaseDuration(Duration.ofSeconds(5))
                .waitTimeout(Duration.ofMillis(3500))
                .pollInterval(Duration.ofMillis(50))
                .build();
        LeaseTimeoutException timeout =
                assertThrows(LeaseTimeoutException.class, () -> waiter.acquire("beating", waitLonger));
        assertEquals("beating", timeout.lockName());
        assertEquals("holder", timeout.owner());
        assertEquals(held.fenceToken(), timeout.fenceToken());
        assertTrue(held.isValid());
        assertEquals(LeaseState.HELD, held.state());
    }

    @Test
    void staleHolderCannotRenewOrReleaseTheNextHoldersLease() throws Exception {
        Duration lease = Duration.ofSeconds(10);
        DefaultLeaseClient stale = client("stale");
        ManualClock clock = new ManualClock();
        DefaultLeaseClient next = client("next", clock);
        Lease old = stale.acquire("stale", noHeartbeat(lease));
        dynamo().requests().reset();
        CompletableFuture<Lease> taking = next.acquireAsync("stale", noHeartbeat(lease));
        Await.until("the waiter polled", () -> dynamo().requests().total() >= 2);
        clock.advance(lease.plusSeconds(1));
        Lease current = taking.get(DEADLINE.toSeconds(), TimeUnit.SECONDS);
        LeaseRecord before = store.read("stale").orElseThrow();

        LeaseLostException renewFailure = assertThrows(LeaseLostException.class, () -> stale.renew(old));
        assertEquals("stale", renewFailure.lockName());
        assertFalse(stale.release(old), "a lost lease is not released");
        assertEquals(LeaseState.LOST, old.state());
        assertEquals(before, store.read("stale").orElseThrow(), "the new holder's item changed");
        assertTrue(current.isValid());
    }

    @Test
    void listenerHearsOfTakeover() throws Exception {
        DefaultLeaseClient holder = client("holder");
        AtomicReference<LossCause> cause = new AtomicReference<>();
        CountDownLatch lost = new CountDownLatch(1);
        AcquireOptions options = AcquireOptions.builder()
                .leaseDuration(Duration.ofSeconds(3))
                .heartbeatPeriod(Duration.ofMillis(100))
                .listener(new LeaseListener() {
                    @Override
                    public void onLost(Lease lease, LossCause why, Throwable detail) {
                        cause.set(why);
                        lost.countDown();
                    }
                })
                .build();
        Lease held = holder.acquire("watched", options);
        // The heartbeat changes the version every 100 ms: hold its next renewal before it reaches the
        // store, so the version the intruder reads stays the one on the item until it took over.
        FaultInjector.Gate renewal = dynamo().faults().holdNextRequest("UpdateItem");
        renewal.awaitReached();
        // another process whose clock said the lease ran out takes it over
        LeaseRecord current = store.read("watched").orElseThrow();
        assertTrue(store.tryGrant(new GrantRequest(
                        "watched", "intruder", "node-x", "v-intruder", Duration.ofSeconds(3), null, current.version()))
                .succeeded());
        renewal.open(); // the held renewal finds the intruder
        assertTrue(lost.await(DEADLINE.toSeconds(), TimeUnit.SECONDS), "onLost not called");
        assertEquals(LossCause.TAKEN_OVER, cause.get());
        assertFalse(held.isValid());
        assertEquals(0, holder.heldLeases());
    }

    @Test
    void inspectShowsHolderFenceAndData() {
        DefaultLeaseClient a = client("a");
        byte[] data = {1, 2, 3};
        Lease lease = a.acquire("inspected", AcquireOptions.builder().data(data).build());
        LeaseInfo info = a.inspect("inspected").orElseThrow();
        assertEquals("a", info.owner().orElseThrow());
        assertEquals(lease.fenceToken(), info.fenceToken());
        assertArrayEquals(data, info.data().orElseThrow());
        assertArrayEquals(data, lease.data().orElseThrow());
        assertEquals(Optional.empty(), a.inspect("never-granted"));
    }

    @Test
    void waitingAcquirerIsWokenByALocalRelease() throws Exception {
        DefaultLeaseClient a = client("a");
        Lease held = a.acquire("handover", noHeartbeat(Duration.ofSeconds(30)));
        AcquireOptions slowPoll = AcquireOptions.builder()
                .leaseDuration(Duration.ofSeconds(30))
                .pollInterval(Duration.ofMinutes(10))
                .waitTimeout(Duration.ofMinutes(5))
                .build();
        dynamo().requests().reset();
        CompletableFuture<Lease> next = a.acquireAsync("handover", slowPoll);
        Await.until("the waiter polled", () -> dynamo().requests().total() >= 1);
        assertTrue(a.release(held));
        Lease granted = next.get(DEADLINE.toSeconds(), TimeUnit.SECONDS);
        assertEquals(held.fenceToken().value() + 1, granted.fenceToken().value());
    }

    @Test
    void releasingTwiceOrAForeignLeaseFailsClearly() {
        DefaultLeaseClient a = client("a");
        DefaultLeaseClient b = client("b");
        Lease lease = a.acquire("once", noHeartbeat(Duration.ofSeconds(10)));
        IllegalArgumentException foreign = assertThrows(IllegalArgumentException.class, () -> b.release(lease));
        assertTrue(foreign.getMessage().contains("'once'"), foreign.getMessage());
        assertTrue(a.release(lease));
        IllegalStateException twice = assertThrows(IllegalStateException.class, () -> a.release(lease));
        assertTrue(twice.getMessage().contains("'once'"), twice.getMessage());
        lease.close(); // idempotent
        assertEquals(LeaseState.RELEASED, lease.state());
    }

    @Test
    void badInputFailsBeforeAnyRequest() {
        DefaultLeaseClient a = client("a");
        dynamo().requests().reset();
        AcquireOptions options = AcquireOptions.defaults();
        assertThrows(NullPointerException.class, () -> a.acquire(null, options));
        assertThrows(IllegalArgumentException.class, () -> a.acquire("", options));
        assertThrows(IllegalArgumentException.class, () -> a.tryAcquire("x".repeat(256), options));
        assertThrows(IllegalArgumentException.class, () -> a.acquire("bad\nname", options));
        assertThrows(IllegalArgumentException.class, () -> a.acquireAsync("bad\u0000name", options));
        assertThrows(NullPointerException.class, () -> a.acquire("ok", null));
        assertThrows(IllegalArgumentException.class, () -> AcquireOptions.builder()
                .leaseDuration(Duration.ofSeconds(1))
                .heartbeatPeriod(Duration.ofSeconds(1))
                .build());
        assertThrows(
                IllegalArgumentException.class, () -> AcquireOptions.builder().leaseDuration(Duration.ZERO));
        assertThrows(
                IllegalArgumentException.class, () -> AcquireOptions.builder().leaseDuration(Duration.ofSeconds(-1)));
        assertThrows(IllegalArgumentException.class, () -> AcquireOptions.builder()
                .data(new byte[AcquireOptions.MAX_DATA_BYTES + 1]));
        assertThrows(IllegalArgumentException.class, () -> a.inspect(" \t"));
        assertEquals(0, dynamo().requests().total(), "bad input reached the store");
    }

    @Test
    void largestDataRoundTrips() {
        DefaultLeaseClient a = client("a");
        byte[] data = new byte[AcquireOptions.MAX_DATA_BYTES];
        data[data.length - 1] = 42;
        Lease lease = a.acquire("big", AcquireOptions.builder().data(data).build());
        assertArrayEquals(data, a.inspect("big").orElseThrow().data().orElseThrow());
        assertNotEquals(0, lease.fenceToken().value());
    }

    @Test
    void aLeaseThatRanOutLocallyButWasNotTakenOverIsStillReleasedInTheStore() {
        ManualClock clock = new ManualClock();
        DefaultLeaseClient holder = client("holder", clock);
        AcquireOptions beating = AcquireOptions.builder()
                .leaseDuration(Duration.ofSeconds(10))
                .heartbeatPeriod(Duration.ofSeconds(1))
                .build();
        Lease lease = holder.acquire("ran-out", beating);
        clock.advance(Duration.ofSeconds(11)); // renewals did not happen in time, on this process's clock
        LeaseLostException lost = assertThrows(LeaseLostException.class, () -> holder.renew(lease));
        assertEquals(LossCause.EXPIRED_LOCALLY, lost.lossCause());
        assertFalse(lease.isValid());
        assertFalse(holder.release(lease), "a lost lease reports false");
        assertTrue(holder.inspect("ran-out").orElseThrow().isReleased(), "the store still named us: release it now");
    }

    // Issue 10, item 5: the watch of a holder's version outlives one call.
    @Test
    void repeatedTryAcquireTakesOverADeadHolderOnceItsVersionStayedUnchangedForALease() {
        Duration lease = Duration.ofSeconds(10);
        DefaultLeaseClient dead = client("dead");
        ManualClock clock = new ManualClock();
        DefaultLeaseClient poller = client("poller", clock);
        Lease crashed = dead.acquire("job", noHeartbeat(lease));
        assertEquals(Optional.empty(), poller.tryAcquire("job", noHeartbeat(lease)));
        clock.advance(lease.minusMillis(1));
        AcquireOptions shortWait =
                noHeartbeat(lease).toBuilder().waitTimeout(Duration.ZERO).build();
        assertThrows(LeaseTimeoutException.class, () -> poller.acquire("job", shortWait), "taken over too early");
        clock.advance(Duration.ofMillis(2));
        Lease taken = poller.tryAcquire("job", noHeartbeat(lease)).orElseThrow();
        assertEquals(crashed.fenceToken().value() + 1, taken.fenceToken().value());
    }

    // Issue 10, smaller defects: clock readings are compared by subtraction.
    @Test
    void aLeaseCountsCorrectlyOnAClockWhoseReadingsOverflow() {
        ManualClock clock = ManualClock.nearOverflow();
        DefaultLeaseClient a = client("a", clock);
        Lease lease = a.acquire("wrapping", noHeartbeat(Duration.ofSeconds(10)));
        assertTrue(lease.isValid(), "a fresh lease is valid");
        clock.advance(Duration.ofSeconds(2)); // readings are negative from here on
        assertTrue(lease.isValid());
        assertEquals(Duration.ofSeconds(8), lease.remaining());
        a.renew(lease);
        assertEquals(Duration.ofSeconds(10), lease.remaining());
        clock.advance(Duration.ofSeconds(10));
        assertFalse(lease.isValid());
        assertEquals(Duration.ZERO, lease.remaining());
    }

    // Issue 10, smaller defects: close() releases a lease that ran out locally, as release() does.
    @Test
    void closingALeaseThatTheHeartbeatFoundExpiredReleasesItInTheStore() throws Exception {
        ManualClock clock = new ManualClock();
        DefaultLeaseClient holder = client("holder", clock);
        CountDownLatch lost = new CountDownLatch(1);
        Lease lease = holder.acquire(
                "expired-close",
                AcquireOptions.builder()
                        .leaseDuration(Duration.ofSeconds(10))
                        .heartbeatPeriod(Duration.ofMillis(20))
                        .listener(new LeaseListener() {
                            @Override
                            public void onLost(Lease lostLease, LossCause cause, Throwable detail) {
                                lost.countDown();
                            }
                        })
                        .build());
        clock.advance(Duration.ofSeconds(11));
        assertTrue(lost.await(DEADLINE.toSeconds(), TimeUnit.SECONDS), "the heartbeat did not notice");
        lease.close();
        assertTrue(holder.inspect("expired-close").orElseThrow().isReleased(), "close() sent nothing");
    }

    // Issue 10, item 8: close() ends waiting acquires; a closed client sends no grant.
    @Test
    void closeEndsAWaitingAcquireAndAClosedClientSendsNoGrant() throws Exception {
        DefaultLeaseClient holder = client("holder");
        DefaultLeaseClient waiter = client("waiter");
        holder.acquire("closing", noHeartbeat(Duration.ofMinutes(5)));
        AcquireOptions patient = noHeartbeat(Duration.ofSeconds(10)).toBuilder()
                .waitTimeout(Duration.ofMinutes(10))
                .build();
        ExecutorService thread = Executors.newSingleThreadExecutor();
        try {
            dynamo().requests().reset();
            Future<Lease> blocked = thread.submit(() -> waiter.acquire("closing", patient));
            CompletableFuture<Lease> async = waiter.acquireAsync("closing", patient);
            Await.until("the waiters polled", () -> dynamo().requests().total() >= 2);
            waiter.close();
            ExecutionException ended =
                    assertThrows(ExecutionException.class, () -> blocked.get(DEADLINE.toSeconds(), TimeUnit.SECONDS));
            assertInstanceOf(LeaseException.class, ended.getCause());
            ExecutionException endedAsync =
                    assertThrows(ExecutionException.class, () -> async.get(DEADLINE.toSeconds(), TimeUnit.SECONDS));
            assertInstanceOf(LeaseException.class, endedAsync.getCause());
        } finally {
            thread.shutdownNow();
        }
        // Counted on the closed client's own store: the closed waiter's last attempt and the release
        // of what it may have landed are still on their way, and would count on the shared counter.
        AtomicInteger storeCalls = new AtomicInteger();
        DefaultLeaseClient closed = client("closed", new ForwardingLeaseStore(store) {
            @Override
            protected <T> T forward(String operation, String lockName, Supplier<T> call) {
                storeCalls.incrementAndGet();
                return call.get();
            }
        });
        closed.close();
        assertThrows(LeaseException.class, () -> closed.tryAcquire("never", AcquireOptions.defaults()));
        assertThrows(LeaseException.class, () -> closed.acquire("never", AcquireOptions.defaults()));
        ExecutionException async =
                assertThrows(ExecutionException.class, () -> closed.acquireAsync("never", AcquireOptions.defaults())
                        .get(DEADLINE.toSeconds(), TimeUnit.SECONDS));
        assertInstanceOf(LeaseException.class, async.getCause());
        assertEquals(0, storeCalls.get(), "a closed client sent a request");
    }

    // Issue 10, smaller defects: pending acquireAsync calls wait on a scheduler, not a thread each.
    @Test
    void pendingAsyncAcquiresDoNotHoldAThreadEach() throws Exception {
        DefaultLeaseClient holder = client("holder");
        DefaultLeaseClient waiter = client("waiter");
        holder.acquire("crowded", noHeartbeat(Duration.ofMinutes(5)));
        AcquireOptions patient = AcquireOptions.builder()
                .leaseDuration(Duration.ofSeconds(10))
                .pollInterval(Duration.ofSeconds(30))
                .waitTimeout(Duration.ofMinutes(10))
                .build();
        dynamo().requests().reset();
        List<CompletableFuture<Lease>> pending = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            pending.add(waiter.acquireAsync("crowded", patient));
        }
        Await.until("every waiter polled once", () -> dynamo().requests().total() >= 200);
        long threads = Thread.getAllStackTraces().keySet().stream()
                .filter(thread -> thread.getName().startsWith("txlease-acquire"))
                .count();
        assertTrue(threads <= 8, threads + " acquire threads for 200 pending calls");
        assertTrue(pending.stream().noneMatch(CompletableFuture::isDone));
        pending.forEach(future -> future.cancel(true));
        // each cancelled call releases, by its versions, a grant of its that may have landed late
        Await.until(
                "the cancelled waiters cleaned up", () -> dynamo().requests().total() >= 400);
    }
}
