package dev.txlease.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.txlease.AcquireOptions;
import dev.txlease.Lease;
import dev.txlease.LeaseException;
import dev.txlease.LeaseState;
import dev.txlease.LeaseTimeoutException;
import dev.txlease.LockMode;
import dev.txlease.dynamodb.DynamoDbLeaseStore;
import dev.txlease.spi.LeaseRecord;
import dev.txlease.testing.Await;
import dev.txlease.testing.DynamoDbLocal;
import dev.txlease.testing.FaultInjector;
import dev.txlease.testing.ManualClock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * Issue 16, adversarial: the lock-mode guarantees attacked the way the world would, over loopback
 * HTTP to DynamoDB Local with the SDK's retries on (lost answers, requests held in the network,
 * interrupts in flight, many dead holders). Tests that fail name a defect in their first comment.
 */
class LockModeAdversaryTest {
    @RegisterExtension
    static final DynamoDbLocal DYNAMO = DynamoDbLocal.server();

    static final Duration DEADLINE = Duration.ofSeconds(30);
    static final Duration LEASE = Duration.ofSeconds(10);

    DynamoDbLeaseStore store;
    final List<DefaultLeaseClient> clients = new ArrayList<>();

    @BeforeEach
    void newTable() {
        store = DYNAMO.newStore();
    }

    @AfterEach
    void closeClients() {
        DYNAMO.faults().reset();
        clients.forEach(DefaultLeaseClient::close);
    }

    DefaultLeaseClient client(String owner) {
        return client(owner, null);
    }

    DefaultLeaseClient client(String owner, LeaseClock clock) {
        DefaultLeaseClient.Builder builder =
                DefaultLeaseClient.builder(store).owner(owner).node("node-" + owner);
        if (clock != null) {
            builder.clock(clock);
        }
        DefaultLeaseClient client = builder.build();
        clients.add(client);
        return client;
    }

    static AcquireOptions in(LockMode mode) {
        return AcquireOptions.builder()
                .mode(mode)
                .leaseDuration(LEASE)
                .heartbeatPeriod(Duration.ZERO)
                .waitTimeout(DEADLINE)
                .pollInterval(Duration.ofMillis(5))
                .build();
    }

    LeaseRecord record(String name) {
        return store.read(name).orElseThrow();
    }

    /** The raw item, to check the per-mode counters h_M against the holder entries. */
    Map<String, AttributeValue> item(String name) {
        return DYNAMO.client()
                .getItem(request -> request.tableName(store.tableName())
                        .key(Map.of("name", AttributeValue.fromS(name)))
                        .consistentRead(true))
                .item();
    }

    long counter(String name, LockMode mode) {
        AttributeValue value = item(name).get("h_" + mode.name());
        return value == null ? 0 : Long.parseLong(value.n());
    }

    void assertCountersMatchEntries(String name) {
        LeaseRecord record = record(name);
        for (LockMode mode : List.of(LockMode.NL, LockMode.CR, LockMode.CW, LockMode.PR, LockMode.PW)) {
            assertEquals(record.count(mode), counter(name, mode), "h_" + mode + " of '" + name + "': " + item(name));
        }
    }

    // DEFECT: a conversion that waits does not queue (AcquireLoop.queue is skipped when converting),
    // so a stream of new readers starves a PR -> EX conversion, while an EX acquire would block them.
    @Test
    void aWaitingConversionToExclusiveIsNotStarvedByNewReaders() throws Exception {
        DefaultLeaseClient a = client("a");
        DefaultLeaseClient b = client("b");
        Lease upgrading = a.acquire("conv-fair", in(LockMode.PR));
        Lease other = b.acquire("conv-fair", in(LockMode.PR));
        DYNAMO.requests().reset();
        CompletableFuture<Void> conversion = CompletableFuture.runAsync(() -> upgrading.convert(LockMode.EX));
        Await.until("the conversion polled", () -> DYNAMO.requests().total() >= 3);
        assertFalse(conversion.isDone());
        Optional<Lease> newcomer = client("c").tryAcquire("conv-fair", in(LockMode.PR));
        try {
            assertEquals(
                    Optional.empty(),
                    newcomer,
                    "a new reader was granted while a conversion to EX waited: a stream of readers starves it");
        } finally {
            newcomer.ifPresent(lease -> clients.get(2).release(lease));
            b.release(other);
            conversion.get(DEADLINE.toSeconds(), TimeUnit.SECONDS);
        }
    }

    // DEFECT: a waiter marker whose write had an unknown outcome (answers lost) is not removed when
    // the wait times out (markerOurs stays false, giveUp does not unmark): the marker of a waiter
    // that gave up blocks every incompatible request for a whole lease.
    @Test
    void aWaiterThatTimesOutLeavesNoMarkerEvenIfTheMarkerWriteWasAnsweredLost() throws Exception {
        Lease reader = client("reader").acquire("marker", in(LockMode.PR));
        ManualClock clock = new ManualClock();
        DefaultLeaseClient writer = client("writer", clock);
        AcquireOptions brief =
                in(LockMode.EX).toBuilder().waitTimeout(Duration.ofSeconds(1)).build();
        FaultInjector.Gate answer = DYNAMO.faults().holdNextResponse("UpdateItem");
        CompletableFuture<Lease> waiting = writer.acquireAsync("marker", brief);
        answer.awaitReached(); // the grant was refused (the reader holds); its answer waits
        DYNAMO.faults().dropResponses("UpdateItem", DYNAMO.maxAttempts()); // the marker lands, unanswered
        clock.advance(Duration.ofSeconds(2)); // the wait timeout passes meanwhile
        answer.open();
        ExecutionException failure = org.junit.jupiter.api.Assertions.assertThrows(
                ExecutionException.class, () -> waiting.get(DEADLINE.toSeconds(), TimeUnit.SECONDS));
        assertInstanceOf(LeaseTimeoutException.class, failure.getCause());
        DYNAMO.faults().reset();

        assertEquals(null, record("marker").waiter(), "the writer gave up but its waiter marker stayed");
        assertTrue(
                client("late").tryAcquire("marker", in(LockMode.PR)).isPresent(),
                "a reader beside a reader is refused because of a waiter that gave up");
        assertTrue(reader.isValid());
    }

    // DEFECT: a conversion interrupted while its request is in flight ("the lease keeps mode PR")
    // does not adopt the conversion that landed: the lease believes PR, its renewal finds it lost,
    // and an EX holder of ours that nobody renews blocks everyone for a lease.
    @Test
    void aConversionInterruptedInFlightLeavesTheLeaseAndTheStoreAgreeing() throws Exception {
        DefaultLeaseClient a = client("a");
        Lease upgrading = a.acquire("conv-int", in(LockMode.PR));
        FaultInjector.Gate answer = DYNAMO.faults().holdNextResponse("UpdateItem");
        AtomicReference<Object> outcome = new AtomicReference<>();
        Thread converting = new Thread(() -> {
            try {
                upgrading.convert(LockMode.EX);
                outcome.set("converted");
            } catch (RuntimeException e) {
                outcome.set(e);
            }
        });
        converting.start();
        answer.awaitReached(); // the conversion landed; its answer waits
        converting.interrupt();
        answer.open();
        converting.join(DEADLINE.toMillis());
        assertFalse(converting.isAlive());
        LeaseRecord after = record("conv-int");
        boolean storeHoldsExclusive = !after.released() && "a".equals(after.owner());
        assertEquals(
                storeHoldsExclusive ? LockMode.EX : LockMode.PR,
                upgrading.mode(),
                "outcome " + outcome.get() + "; the store holds " + after);
        if (outcome.get() instanceof LeaseException failure) {
            assertTrue(failure.getMessage().contains("the lease holds mode " + upgrading.mode()), failure.getMessage());
        }
        a.renew(upgrading); // the lease and the store agree: renewable
        assertTrue(upgrading.isValid());
        assertTrue(a.release(upgrading));
        assertTrue(client("b").tryAcquire("conv-int", in(LockMode.EX)).isPresent(), "nothing left behind");
    }

    // DEFECT: an EX grant whose answer was lost is adopted from a later conflict's record, whose
    // top-level fence counts the NL grants made since (LeaseRecord.holder(EXCLUSIVE) uses the item's
    // counter): the EX lease gets the NL holder's token, not the token of its own grant.
    @Test
    void anExclusiveGrantAdoptedAfterALostAnswerKeepsItsOwnTokenDespiteNullGrants() throws Exception {
        DefaultLeaseClient writer = client("writer");
        AcquireOptions slowPoll =
                in(LockMode.EX).toBuilder().pollInterval(Duration.ofSeconds(3)).build();
        DYNAMO.requests().reset();
        DYNAMO.faults().dropResponses("UpdateItem", DYNAMO.maxAttempts());
        CompletableFuture<Lease> acquiring = writer.acquireAsync("nl-token", slowPoll);
        Await.until(
                "every attempt of the first grant lost its answer",
                () -> DYNAMO.requests().count("UpdateItem") >= DYNAMO.maxAttempts());
        Lease interest = client("nl").acquire("nl-token", in(LockMode.NL)); // before the writer polls again
        Lease exclusive = acquiring.get(DEADLINE.toSeconds(), TimeUnit.SECONDS);
        assertNotEquals(
                interest.fenceToken(),
                exclusive.fenceToken(),
                "two grants share one fence token (the EX lease took the NL grant's)");
        assertTrue(exclusive.fenceToken().compareTo(interest.fenceToken()) < 0, "the EX grant landed first");
    }

    // HELD: an EX request meeting 32 dead CR and 32 dead PR holders (owner, node and data at their
    // maxima) evicts them all in one grant, within DynamoDB's expression and item limits, and the
    // counters come back to zero.
    @Test
    void anExclusiveRequestEvictsSixtyFourDeadHoldersInOneGrant() throws Exception {
        String big = "o".repeat(128);
        DefaultLeaseClient dying = DefaultLeaseClient.builder(store)
                .owner(big)
                .node("n".repeat(128))
                .build();
        clients.add(dying);
        for (int i = 0; i < DynamoDbLeaseStore.MAX_HOLDERS_PER_MODE; i++) {
            for (LockMode mode : List.of(LockMode.CR, LockMode.PR)) {
                assertTrue(dying.tryAcquire(
                                "crowd",
                                in(mode).toBuilder().data(new byte[256]).build())
                        .isPresent());
            }
        }
        assertEquals(64, record("crowd").holders().size());
        assertCountersMatchEntries("crowd");
        ManualClock clock = new ManualClock();
        DefaultLeaseClient writer = client("writer", clock);
        DYNAMO.requests().reset();
        CompletableFuture<Lease> waiting = writer.acquireAsync("crowd", in(LockMode.EX));
        Await.until("the writer watched the holders", () -> DYNAMO.requests().total() >= 3);
        assertFalse(waiting.isDone());
        clock.advance(LEASE.plusMillis(1));
        Lease taken = waiting.get(DEADLINE.toSeconds(), TimeUnit.SECONDS);
        assertEquals(LockMode.EX, taken.mode());
        assertEquals(List.of(), record("crowd").holders());
        assertEquals(null, record("crowd").waiter());
        assertCountersMatchEntries("crowd");
        assertEquals(0, counter("crowd", LockMode.PR));
    }

    // HELD: a live (renewing) reader is never evicted by a waiting writer whose clock runs far ahead.
    @Test
    void aRenewingReaderIsNeverEvicted() throws Exception {
        DefaultLeaseClient live = client("live");
        Lease reader = live.acquire("alive", in(LockMode.PR));
        ManualClock clock = new ManualClock();
        DefaultLeaseClient writer = client("writer", clock);
        DYNAMO.requests().reset();
        CompletableFuture<Lease> waiting = writer.acquireAsync("alive", in(LockMode.EX));
        for (int round = 0; round < 3; round++) {
            long seen = DYNAMO.requests().total();
            Await.until("the writer polled", () -> DYNAMO.requests().total() >= seen + 2);
            live.renew(reader);
            long renewed = DYNAMO.requests().total();
            Await.until("the writer saw the renewal", () -> DYNAMO.requests().total() >= renewed + 2);
            clock.advance(LEASE.minusMillis(1));
        }
        assertFalse(waiting.isDone(), "a renewing reader was evicted");
        assertEquals("live", record("alive").holders().get(0).owner());
        assertTrue(reader.isValid());
        assertTrue(live.release(reader));
        Lease taken = waiting.get(DEADLINE.toSeconds(), TimeUnit.SECONDS);
        assertTrue(taken.fenceToken().compareTo(reader.fenceToken()) > 0);
    }

    // HELD: lost answers of shared grants, renewals, conversions and releases never double-count or
    // leak a holder in the per-mode counters; tokens grow across modes and conversions.
    @Test
    void countersStayExactThroughLostAnswersAndConversions() {
        DefaultLeaseClient client = client("lossy");
        List<Lease> leases = new ArrayList<>();
        long lastToken = 0;
        for (LockMode mode : List.of(LockMode.CR, LockMode.PR, LockMode.PR, LockMode.NL)) {
            DYNAMO.faults().dropResponses("UpdateItem", 2);
            Lease lease = client.acquire("lossy", in(mode));
            assertTrue(lease.fenceToken().value() > lastToken);
            lastToken = lease.fenceToken().value();
            leases.add(lease);
            assertCountersMatchEntries("lossy");
        }
        Lease converting = leases.get(1);
        DYNAMO.faults().dropResponses("UpdateItem", 2);
        converting.convert(LockMode.CR); // PR -> CR, its answer lost once
        assertEquals(LockMode.CR, converting.mode());
        assertTrue(converting.fenceToken().value() > lastToken, "a conversion gets a larger token");
        assertCountersMatchEntries("lossy");
        assertEquals(2, counter("lossy", LockMode.CR));
        for (Lease lease : leases) {
            DYNAMO.faults().dropResponses("UpdateItem", 2);
            assertTrue(client.release(lease));
            assertCountersMatchEntries("lossy");
        }
        assertEquals(List.of(), record("lossy").holders());
        Lease exclusive = client.acquire("lossy", in(LockMode.EX));
        assertTrue(exclusive.fenceToken().value() > converting.fenceToken().value());
    }

    // HELD: an item written before lock modes (an EX holder, no h_ attributes) blocks readers and
    // counts on from its token once released.
    @Test
    void anOldFormatItemIsHonoured() {
        DYNAMO.client().putItem(request -> request.tableName(store.tableName())
                .item(Map.of(
                        "name", AttributeValue.fromS("old"),
                        "owner", AttributeValue.fromS("legacy"),
                        "version", AttributeValue.fromS("v-legacy"),
                        "fence", AttributeValue.fromN("41"),
                        "leaseDurationMs", AttributeValue.fromN("600000"),
                        "released", AttributeValue.fromBool(false),
                        "node", AttributeValue.fromS("legacy-node"))));
        DefaultLeaseClient client = client("new");
        for (LockMode mode : List.of(LockMode.CR, LockMode.CW, LockMode.PR, LockMode.PW, LockMode.EX)) {
            assertEquals(Optional.empty(), client.tryAcquire("old", in(mode)), mode + " beside an old EX holder");
        }
        Lease interest = client.tryAcquire("old", in(LockMode.NL)).orElseThrow();
        assertEquals(42, interest.fenceToken().value());
        DYNAMO.client().updateItem(request -> request.tableName(store.tableName())
                .key(Map.of("name", AttributeValue.fromS("old")))
                .updateExpression("SET released = :t REMOVE #o")
                .expressionAttributeNames(Map.of("#o", "owner"))
                .expressionAttributeValues(Map.of(":t", AttributeValue.fromBool(true))));
        Lease reader = client.tryAcquire("old", in(LockMode.PR)).orElseThrow();
        assertEquals(43, reader.fenceToken().value());
        assertCountersMatchEntries("old");
    }

    // DEFECT (same mechanism as the timeout above): an acquire interrupted while its marker write is
    // in flight never learns the marker landed, so abandon() does not remove it.
    @Test
    void aWaiterInterruptedWhileItsMarkerIsInFlightLeavesNoMarker() throws Exception {
        Lease reader = client("reader").acquire("marker-int", in(LockMode.PR));
        DefaultLeaseClient writer = client("writer");
        FaultInjector.Gate grant = DYNAMO.faults().holdNextResponse("UpdateItem");
        FaultInjector.Gate marker = DYNAMO.faults().holdNextResponse("UpdateItem");
        AtomicReference<Object> outcome = new AtomicReference<>();
        Thread waiting = new Thread(() -> {
            try {
                outcome.set(writer.acquire("marker-int", in(LockMode.EX)));
            } catch (RuntimeException e) {
                outcome.set(e);
            }
        });
        waiting.start();
        grant.awaitReached();
        grant.open(); // refused: the reader holds
        marker.awaitReached(); // the marker landed; its answer waits
        waiting.interrupt();
        marker.open();
        waiting.join(DEADLINE.toMillis());
        assertFalse(waiting.isAlive());
        assertInstanceOf(LeaseException.class, outcome.get());
        assertEquals(null, record("marker-int").waiter(), "the interrupted writer's waiter marker stayed");
        assertTrue(reader.isValid());
    }

    // HELD: the stated maxima fit one item: an EX holder with the largest data (owner, node and a
    // prepared transaction of the sizes a holder may have), 32 NL holders with owner, node and data
    // at their maxima, each prepared with the longest transaction id, and a waiter marker.
    @Test
    void thirtyTwoMaximalNullHoldersFitBesideTheLargestExclusiveHolder() {
        String name = "n".repeat(dev.txlease.LockNames.MAX_LENGTH);
        DefaultLeaseClient exclusive = DefaultLeaseClient.builder(store)
                .owner("e".repeat(128))
                .node("f".repeat(128))
                .build();
        clients.add(exclusive);
        exclusive.acquire(
                name,
                in(LockMode.EX).toBuilder()
                        .data(new byte[AcquireOptions.MAX_DATA_BYTES])
                        .build());
        LeaseRecord held = record(name);
        store.prepare(name, held.owner(), List.of(held.version()), "exPrepared", LEASE, "t".repeat(320));
        DefaultLeaseClient interest = DefaultLeaseClient.builder(store)
                .owner("o".repeat(128))
                .node("m".repeat(128))
                .build();
        clients.add(interest);
        for (int i = 0; i < DynamoDbLeaseStore.MAX_HOLDERS_PER_MODE; i++) {
            assertTrue(
                    interest.tryAcquire(
                                    name,
                                    in(LockMode.NL).toBuilder()
                                            .data(new byte[256])
                                            .build())
                            .isPresent(),
                    "NL holder " + i);
        }
        int prepared = 0;
        for (dev.txlease.spi.LeaseHolder holder : record(name).holders()) {
            assertTrue(store.prepare(
                            name,
                            holder.ref(),
                            holder.owner(),
                            List.of(holder.version()),
                            "prepared" + prepared++,
                            LEASE,
                            "x".repeat(320))
                    .succeeded());
        }
        assertTrue(store.markWaiting(
                        name,
                        new dev.txlease.spi.LeaseWaiter(
                                "waiterId00000001", LockMode.PR, "w".repeat(128), "waiterVersion", LEASE),
                        null)
                .succeeded());
        LeaseRecord full = record(name);
        assertEquals(32, full.holders().size());
        assertEquals(AcquireOptions.MAX_DATA_BYTES, full.data().length);
        assertEquals(
                dev.txlease.LeaseLimitException.class,
                org.junit.jupiter.api.Assertions.assertThrows(
                                dev.txlease.LeaseLimitException.class, () -> interest.tryAcquire(name, in(LockMode.NL)))
                        .getClass(),
                "the 33rd holder fails clearly");
        assertCountersMatchEntries(name);
    }

    // HELD: a conversion that would make a 33rd holder of its mode fails clearly and keeps the lease.
    @Test
    void aConversionBeyondTheHolderLimitFailsClearlyAndKeepsTheLease() {
        DefaultLeaseClient client = client("many");
        for (int i = 0; i < DynamoDbLeaseStore.MAX_HOLDERS_PER_MODE; i++) {
            assertTrue(client.tryAcquire("convert-full", in(LockMode.PR)).isPresent());
        }
        Lease reader = client.acquire("convert-full", in(LockMode.CR));
        org.junit.jupiter.api.Assertions.assertThrows(
                dev.txlease.LeaseLimitException.class, () -> reader.convert(LockMode.PR));
        assertEquals(LockMode.CR, reader.mode());
        client.renew(reader);
        assertTrue(reader.isValid());
        assertCountersMatchEntries("convert-full");
    }

    // DEFECT: a shared-mode grant that takes over a dead EX holder releases the top level but keeps
    // its version (SET version = if_not_exists(version, :new)), so the dead holder's late release
    // matches PossibleVersions.releasedIn (released, our version) and reports "released now" instead
    // of "lost", unlike a takeover by an EX request.
    @Test
    void anExclusiveLeaseTakenOverByAReaderIsReportedLostOnRelease() {
        ManualClock clock = new ManualClock(); // one clock for both: the takeover comes after the lease
        DefaultLeaseClient dying = client("dying", clock);
        Lease exclusive = dying.acquire("taken", in(LockMode.EX));
        DefaultLeaseClient reader = client("reader", clock);
        assertEquals(Optional.empty(), reader.tryAcquire("taken", in(LockMode.PR)));
        clock.advance(LEASE.plusMillis(1));
        Lease taken = reader.tryAcquire("taken", in(LockMode.PR)).orElseThrow();
        assertTrue(taken.fenceToken().compareTo(exclusive.fenceToken()) > 0);
        assertFalse(dying.release(exclusive), "an EX lease taken over by a reader reported as released");
        assertEquals(LeaseState.LOST, exclusive.state());
    }

    // DEFECT: conversions ignore the waiter marker, so NL then convert(PR) is a path around the
    // fairness marker: a stream of such readers starves a queued writer.
    @Test
    void aQueuedWriterIsNotBypassedByReadersThatConvertFromNull() throws Exception {
        DefaultLeaseClient readers = client("readers");
        Lease first = readers.acquire("bypass", in(LockMode.PR));
        CompletableFuture<Lease> waiting = client("writer").acquireAsync("bypass", in(LockMode.EX));
        Await.until("the writer queued", () -> record("bypass").waiter() != null);
        assertEquals(Optional.empty(), readers.tryAcquire("bypass", in(LockMode.PR)), "the marker stops a reader");
        Lease sneaking = readers.acquire(
                "bypass",
                in(LockMode.NL).toBuilder().waitTimeout(Duration.ofSeconds(1)).build()); // NL waits for nobody
        Optional<Throwable> refused = Optional.empty();
        try {
            sneaking.convert(LockMode.PR); // waits at most the lease's wait timeout
        } catch (LeaseTimeoutException expected) {
            refused = Optional.of(expected);
        } finally {
            readers.release(first);
            if (refused.isPresent()) {
                clients.get(1).release(waiting.get(DEADLINE.toSeconds(), TimeUnit.SECONDS));
            }
            readers.release(sneaking);
        }
        assertTrue(refused.isPresent(), "NL -> PR went around the queued writer's marker");
    }

    // DEFECT: a marker write that the network delays lands after the waiter was granted (its grant
    // removed the marker): markWaiting's condition (attribute_not_exists(waiter) OR waiter.i = :id)
    // lets it re-create the marker of a waiter that no longer waits, and nobody removes it.
    @Test
    void aDelayedMarkerWriteLandingAfterTheGrantLeavesNoMarker() throws Exception {
        DefaultLeaseClient readers = client("reader");
        Lease reader = readers.acquire("late-marker", in(LockMode.PR));
        DefaultLeaseClient writer = client("writer");
        FaultInjector.Gate grant = DYNAMO.faults().holdNextResponse("UpdateItem");
        CompletableFuture<Lease> waiting = writer.acquireAsync("late-marker", in(LockMode.EX));
        grant.awaitReached(); // refused: the reader holds; its answer waits
        FaultInjector.Gate marker = DYNAMO.faults().delayNextRequest("UpdateItem");
        grant.open();
        marker.awaitReached(); // the marker write stays in the network; the SDK's retry lands
        Await.until("the writer queued", () -> record("late-marker").waiter() != null);
        assertTrue(readers.release(reader));
        Lease exclusive = waiting.get(DEADLINE.toSeconds(), TimeUnit.SECONDS);
        assertEquals(null, record("late-marker").waiter(), "the grant removed the marker");
        marker.open();
        marker.awaitPassed(); // the delayed marker write lands now
        assertTrue(writer.release(exclusive));
        assertEquals(null, record("late-marker").waiter(), "a granted waiter's marker came back");
        assertTrue(
                client("late").tryAcquire("late-marker", in(LockMode.PR)).isPresent(),
                "a free lock refuses a reader because of a waiter that was granted and left");
    }

    // HELD: an EX request waiting for an EX holder writes nothing but its polls (no marker), and
    // takes over a dead EX holder with one request, as before lock modes.
    @Test
    void exclusiveWaitingAndTakeoverCostWhatTheyCostBeforeModes() throws Exception {
        ManualClock clock = new ManualClock();
        client("dead", clock).acquire("ex-only", in(LockMode.EX));
        DefaultLeaseClient waiter = client("waiter", clock);
        DYNAMO.requests().reset();
        CompletableFuture<Lease> waiting = waiter.acquireAsync("ex-only", in(LockMode.EX));
        Await.until("the waiter polled", () -> DYNAMO.requests().total() >= 5);
        assertEquals(null, record("ex-only").waiter(), "an EX request waiting for EX does not queue");
        Map<String, Long> sent = DYNAMO.requests().snapshot();
        assertEquals(java.util.Set.of("UpdateItem", "GetItem"), sent.keySet(), "polls only: " + sent);
        assertEquals(1L, sent.get("GetItem"), "the test's own read");
        clock.advance(LEASE.plusMillis(1));
        Lease taken = waiting.get(DEADLINE.toSeconds(), TimeUnit.SECONDS);
        assertEquals("waiter", record("ex-only").owner());
        assertEquals(List.of(), record("ex-only").holders());
        assertEquals(0, DYNAMO.requests().count("PutItem") + DYNAMO.requests().count("DeleteItem"));
        assertTrue(waiter.release(taken));
    }

    // DEFECT: a queued waiter refreshes its marker only when it polls (AcquireLoop.queue), and
    // pauseNanos ignores the marker's refresh time: with a poll interval longer than its lease, a
    // live waiter's marker looks dead to others after one lease and is replaced: it loses its turn.
    // Real time (not a ManualClock): waits between attempts are real, so only real time lets the
    // patient writer refresh before the eager one judges its marker.
    @Test
    void aLiveWaiterWithASlowPollKeepsItsPlaceInTheQueue() throws Exception {
        Lease reader = client("reader")
                .acquire(
                        "slow-poll",
                        in(LockMode.PR).toBuilder()
                                .leaseDuration(Duration.ofMinutes(10))
                                .build()); // alive throughout
        Duration markerLease = Duration.ofMillis(1500); // a marker lasts its waiter's lease duration
        DefaultLeaseClient patient = client("patient");
        CompletableFuture<Lease> first = patient.acquireAsync(
                "slow-poll",
                in(LockMode.EX).toBuilder()
                        .leaseDuration(markerLease)
                        .pollInterval(Duration.ofMinutes(2))
                        .build());
        Await.until("the patient writer queued", () -> record("slow-poll").waiter() != null);
        CompletableFuture<Lease> second = client("eager")
                .acquireAsync(
                        "slow-poll",
                        in(LockMode.EX).toBuilder()
                                .leaseDuration(markerLease)
                                .pollInterval(Duration.ofMillis(20))
                                .build());
        java.util.Set<String> refreshes = new java.util.HashSet<>();
        Await.until("three marker lifetimes passed, or the marker changed hands", () -> {
            dev.txlease.spi.LeaseWaiter marker = record("slow-poll").waiter();
            if (marker == null || !"patient".equals(marker.owner())) {
                return true;
            }
            refreshes.add(marker.version());
            return refreshes.size() >= 9; // one every third of a lifetime
        });
        assertEquals("patient", record("slow-poll").waiter().owner(), "a live waiter lost its place");
        assertFalse(first.isDone() || second.isDone());
        assertTrue(reader.isValid());
    }

    // NOTICED (adversary report): converting an EX lease whose data is larger than a holder in a
    // shared mode may carry failed with an IllegalArgumentException about an argument the caller
    // never passed; it is refused with a LeaseException naming the lock, and the lease keeps EX.
    @Test
    void aConversionOfAnExclusiveLeaseWithLargeDataToASharedModeFailsClearlyAndKeepsTheLease() {
        DefaultLeaseClient client = client("big");
        Lease writer = client.acquire(
                "big-data", in(LockMode.EX).toBuilder().data(new byte[1024]).build());
        dev.txlease.FenceToken token = writer.fenceToken();
        LeaseException failure =
                org.junit.jupiter.api.Assertions.assertThrows(LeaseException.class, () -> writer.convert(LockMode.PR));
        assertTrue(
                failure.getMessage().contains("'big-data'")
                        && failure.getMessage().contains("keeps EX"),
                failure.getMessage());
        assertEquals(LockMode.EX, writer.mode());
        assertEquals(token, writer.fenceToken());
        client.renew(writer);
        assertTrue(client.release(writer));
    }
}
