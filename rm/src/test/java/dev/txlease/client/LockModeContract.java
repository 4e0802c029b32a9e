package dev.txlease.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.txlease.AcquireOptions;
import dev.txlease.Lease;
import dev.txlease.LeaseLimitException;
import dev.txlease.LeaseState;
import dev.txlease.LeaseStoreUnavailableException;
import dev.txlease.LockMode;
import dev.txlease.dynamodb.DynamoDbLeaseStore;
import dev.txlease.spi.LeaseHolder;
import dev.txlease.spi.LeaseRecord;
import dev.txlease.spi.LeaseStore;
import dev.txlease.testing.Await;
import dev.txlease.testing.DynamoDbLocal;
import dev.txlease.testing.ManualClock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Issue 16: the six lock modes over a real DynamoDB Local, whatever the transport. Subclasses name
 * the DynamoDB Local they run against.
 */
abstract class LockModeContract {
    static final Duration DEADLINE = Duration.ofSeconds(20);
    static final Duration LEASE = Duration.ofSeconds(10);

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
        DefaultLeaseClient client = DefaultLeaseClient.builder(store)
                .owner(owner)
                .node("node-" + owner)
                .build();
        clients.add(client);
        return client;
    }

    DefaultLeaseClient client(String owner, LeaseClock clock) {
        DefaultLeaseClient client = DefaultLeaseClient.builder(store)
                .owner(owner)
                .node("node-" + owner)
                .clock(clock)
                .build();
        clients.add(client);
        return client;
    }

    static AcquireOptions in(LockMode mode) {
        return AcquireOptions.builder()
                .mode(mode)
                .leaseDuration(LEASE)
                .heartbeatPeriod(Duration.ZERO)
                .waitTimeout(Duration.ofSeconds(30))
                .pollInterval(Duration.ofMillis(5))
                .build();
    }

    LeaseRecord record(String name) {
        return store.read(name).orElseThrow();
    }

    @Test
    void compatibilityMatrixAllThirtySixPairs() {
        DefaultLeaseClient first = client("first");
        DefaultLeaseClient second = client("second");
        List<String> wrong = new ArrayList<>();
        for (LockMode held : LockMode.values()) {
            for (LockMode requested : LockMode.values()) {
                String name = "matrix-" + held + "-" + requested;
                Lease holder = first.acquire(name, in(held));
                assertEquals(held, holder.mode());
                Optional<Lease> asked = second.tryAcquire(name, in(requested));
                if (asked.isPresent() != held.isCompatibleWith(requested)) {
                    wrong.add(held + " held, " + requested + " requested: "
                            + (asked.isPresent() ? "granted" : "refused"));
                }
                asked.ifPresent(lease -> {
                    assertEquals(requested, lease.mode());
                    assertTrue(lease.fenceToken().compareTo(holder.fenceToken()) > 0, "token grows");
                    assertTrue(holder.isValid());
                    assertTrue(second.release(lease));
                });
                assertTrue(first.release(holder), name);
                Optional<Lease> after = second.tryAcquire(name, in(requested));
                assertTrue(after.isPresent(), "free after the release: " + name);
                second.release(after.orElseThrow());
            }
        }
        assertEquals(List.of(), wrong);
    }

    @Test
    void freeAcquireRenewAndReleaseAreOneRequestEachInEveryMode() {
        DefaultLeaseClient client = client("counted");
        for (LockMode mode : LockMode.values()) {
            String name = "counted-" + mode;
            dynamo().requests().reset();
            Lease lease = client.acquire(name, in(mode));
            assertEquals(1, dynamo().requests().total(), "free acquire in " + mode);
            client.renew(lease);
            assertEquals(2, dynamo().requests().total(), "renew in " + mode);
            assertTrue(client.release(lease));
            assertEquals(3, dynamo().requests().total(), "release in " + mode);
            assertEquals(3, dynamo().requests().count("UpdateItem"));
            assertEquals(LeaseState.RELEASED, lease.state());
        }
    }

    @Test
    void oneClientHoldsANameTwiceInCompatibleModesEachWithItsOwnHolder() {
        DefaultLeaseClient client = client("twice");
        Lease first = client.acquire("twice", in(LockMode.PR));
        Lease second = client.acquire("twice", in(LockMode.PR));
        Lease reader = client.acquire("twice", in(LockMode.CR));
        assertTrue(second.fenceToken().compareTo(first.fenceToken()) > 0);
        assertTrue(reader.fenceToken().compareTo(second.fenceToken()) > 0);
        assertEquals(3, record("twice").holders().size());
        client.renew(first);
        assertTrue(client.release(first));
        assertTrue(second.isValid());
        client.renew(second); // the other holder is untouched
        assertEquals(2, record("twice").holders().size());
        assertTrue(client.release(second));
        assertTrue(client.release(reader));
        assertEquals(List.of(), record("twice").holders());
        Lease writer = client.acquire("twice", in(LockMode.EX));
        assertTrue(writer.fenceToken().compareTo(reader.fenceToken()) > 0);
    }

    @Test
    void exclusiveItemFormatIsUnchanged() {
        DefaultLeaseClient client = client("plain");
        Lease lease = client.acquire("plain", in(LockMode.EX));
        LeaseRecord held = record("plain");
        assertEquals("plain", held.owner());
        assertEquals(List.of(), held.holders());
        assertEquals(null, held.waiter());
        assertTrue(client.release(lease));
        assertTrue(record("plain").released());
        assertNotEquals(null, record("plain").version());
        assertFalse(record("plain").holders().iterator().hasNext());
    }

    static AcquireOptions patient(LockMode mode, Duration lease) {
        return in(mode).toBuilder()
                .leaseDuration(lease)
                .waitTimeout(Duration.ofMinutes(10))
                .build();
    }

    @Test
    void readersHoldWhileAWriterWaitsAndTheWriterIsGrantedOnceTheyRelease() throws Exception {
        List<Lease> readers = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            readers.add(client("reader-" + i).acquire("readers", in(LockMode.PR)));
        }
        DefaultLeaseClient writer = client("writer");
        dynamo().requests().reset();
        CompletableFuture<Lease> waiting = writer.acquireAsync("readers", in(LockMode.PW));
        Await.until("the writer polled", () -> dynamo().requests().total() >= 3);
        assertFalse(waiting.isDone());
        for (int i = 0; i < 3; i++) {
            assertTrue(readers.get(i).isValid());
            clients.get(i).release(readers.get(i));
        }
        Lease granted = waiting.get(DEADLINE.toSeconds(), TimeUnit.SECONDS);
        assertEquals(LockMode.PW, granted.mode());
        for (Lease reader : readers) {
            assertTrue(granted.fenceToken().compareTo(reader.fenceToken()) > 0);
        }
        assertEquals(1, record("readers").holders().size());
        assertEquals(null, record("readers").waiter(), "the grant removed the writer's waiter marker");
    }

    @Test
    void aDeadReaderIsEvictedAfterItsOwnLeaseNotAfterTheOthers() throws Exception {
        DefaultLeaseClient dying = client("dying");
        DefaultLeaseClient living = client("living");
        Lease dead = dying.acquire(
                "evict",
                in(LockMode.PR).toBuilder().leaseDuration(Duration.ofSeconds(5)).build());
        Lease alive = living.acquire(
                "evict",
                in(LockMode.PR).toBuilder()
                        .leaseDuration(Duration.ofSeconds(60))
                        .build());
        ManualClock writerClock = new ManualClock();
        DefaultLeaseClient writer = client("writer", writerClock);

        dynamo().requests().reset();
        CompletableFuture<Lease> waiting = writer.acquireAsync("evict", patient(LockMode.EX, LEASE));
        Await.until("the writer saw both readers", () -> dynamo().requests().total() >= 3);
        assertTrue(living.release(alive)); // the living reader leaves; the dead one stays in the item
        long released = dynamo().requests().total();
        Await.until("the writer polled again", () -> dynamo().requests().total() >= released + 2);
        writerClock.advance(Duration.ofSeconds(5).minusMillis(1));
        long almost = dynamo().requests().total();
        Await.until("the writer polled again", () -> dynamo().requests().total() >= almost + 2);
        assertFalse(waiting.isDone(), "evicted before its own lease ran out on the writer's clock");
        assertEquals("dying", record("evict").holders().get(0).owner());

        writerClock.advance(Duration.ofMillis(2)); // 5 s after the first sight: the dead reader's lease, not 60 s
        Lease taken = waiting.get(DEADLINE.toSeconds(), TimeUnit.SECONDS);
        assertEquals(LockMode.EX, taken.mode());
        assertTrue(taken.fenceToken().compareTo(alive.fenceToken()) > 0);
        LeaseRecord after = record("evict");
        assertEquals(List.of(), after.holders(), "the dead reader was evicted by the grant");
        assertEquals("writer", after.owner());
        assertThrows(dev.txlease.LeaseLostException.class, () -> dying.renew(dead));
    }

    @Test
    void aWaitingWriterIsNotStarvedByAStreamOfReaders() throws Exception {
        DefaultLeaseClient readers = client("readers");
        Lease first = readers.acquire("fair", in(LockMode.PR));
        Lease second = readers.acquire("fair", in(LockMode.PR)); // compatible grants go on while nobody waits
        DefaultLeaseClient writer = client("writer");
        CompletableFuture<Lease> waiting = writer.acquireAsync("fair", in(LockMode.EX));
        Await.until("the writer queued", () -> record("fair").waiter() != null);
        assertEquals(LockMode.EX, record("fair").waiter().mode());
        assertEquals("writer", record("fair").waiter().owner());

        // the stream: every new reader is refused while the writer waits, so the old readers drain
        assertEquals(Optional.empty(), readers.tryAcquire("fair", in(LockMode.PR)));
        assertEquals(Optional.empty(), client("late").tryAcquire("fair", in(LockMode.CR)));
        assertTrue(readers.tryAcquire("fair", in(LockMode.NL)).isPresent(), "NL waits for nobody");
        readers.release(first);
        assertEquals(Optional.empty(), readers.tryAcquire("fair", in(LockMode.PR)));
        readers.release(second);
        Lease granted = waiting.get(DEADLINE.toSeconds(), TimeUnit.SECONDS);
        assertTrue(granted.fenceToken().compareTo(second.fenceToken()) > 0);
        assertEquals(null, record("fair").waiter());
        writer.release(granted);
        assertTrue(readers.tryAcquire("fair", in(LockMode.PR)).isPresent(), "readers again once the writer left");
    }

    @Test
    void aModeBeyondItsHolderLimitFailsClearly() {
        DefaultLeaseClient client = client("many");
        for (int i = 0; i < DynamoDbLeaseStore.MAX_HOLDERS_PER_MODE; i++) {
            assertTrue(client.tryAcquire("crowded", in(LockMode.PR)).isPresent(), "holder " + i);
        }
        LeaseLimitException failure =
                assertThrows(LeaseLimitException.class, () -> client.acquire("crowded", in(LockMode.PR)));
        assertEquals("crowded", failure.lockName());
        assertEquals(LockMode.PR, failure.mode());
        assertEquals(DynamoDbLeaseStore.MAX_HOLDERS_PER_MODE, failure.limit());
        assertTrue(
                failure.getMessage().contains("'crowded'")
                        && failure.getMessage().contains("PR")
                        && failure.getMessage().contains("32"),
                failure.getMessage());
        assertEquals(DynamoDbLeaseStore.MAX_HOLDERS_PER_MODE, record("crowded").count(LockMode.PR));
        assertTrue(client.tryAcquire("crowded", in(LockMode.CR)).isPresent(), "other modes have their own limit");
    }

    @Test
    void sharedModesLimitOwnerAndDataSize() {
        DefaultLeaseClient longOwner = client("o".repeat(129));
        IllegalArgumentException owner =
                assertThrows(IllegalArgumentException.class, () -> longOwner.tryAcquire("sized", in(LockMode.PR)));
        assertTrue(owner.getMessage().contains("128") && owner.getMessage().contains("'sized'"), owner.getMessage());
        IllegalArgumentException data = assertThrows(IllegalArgumentException.class, () -> client("data")
                .tryAcquire(
                        "sized", in(LockMode.CR).toBuilder().data(new byte[257]).build()));
        assertTrue(data.getMessage().contains("256"), data.getMessage());
        assertTrue(longOwner.tryAcquire("sized", in(LockMode.EX)).isPresent(), "EX keeps today's limits");
    }

    @Test
    void conversionUpWaitsForTheOtherReadersAndGetsALargerToken() throws Exception {
        DefaultLeaseClient a = client("a");
        DefaultLeaseClient b = client("b");
        Lease upgrading = a.acquire("up", in(LockMode.PR));
        Lease other = b.acquire("up", in(LockMode.PR));
        long before = upgrading.fenceToken().value();
        dynamo().requests().reset();
        CompletableFuture<Void> conversion = CompletableFuture.runAsync(() -> upgrading.convert(LockMode.EX));
        Await.until("the conversion polled", () -> dynamo().requests().total() >= 2);
        assertFalse(conversion.isDone());
        assertEquals(LockMode.PR, upgrading.mode());
        assertEquals(before, upgrading.fenceToken().value(), "a waiting conversion keeps its token");
        assertTrue(b.release(other));
        conversion.get(DEADLINE.toSeconds(), TimeUnit.SECONDS);
        assertEquals(LockMode.EX, upgrading.mode());
        assertTrue(upgrading.fenceToken().compareTo(other.fenceToken()) > 0, "a conversion is a new grant");
        LeaseRecord converted = record("up");
        assertEquals("a", converted.owner());
        assertEquals(upgrading.fenceToken().value(), converted.fence());
        assertEquals(List.of(), converted.holders(), "the PR holder went with the conversion");
        a.renew(upgrading);
        assertTrue(a.release(upgrading));
        assertTrue(record("up").released());
    }

    @Test
    void conversionDownIsOneRequestAndLetsReadersIn() {
        DefaultLeaseClient a = client("a");
        DefaultLeaseClient b = client("b");
        Lease writer = a.acquire("down", in(LockMode.PW));
        assertEquals(Optional.empty(), b.tryAcquire("down", in(LockMode.PR)));
        long before = writer.fenceToken().value();
        dynamo().requests().reset();
        writer.convert(LockMode.PR);
        assertEquals(1, dynamo().requests().total(), "PW to PR in one conditional write");
        assertEquals(LockMode.PR, writer.mode());
        assertTrue(writer.fenceToken().value() > before);
        Lease reader = b.tryAcquire("down", in(LockMode.PR)).orElseThrow();
        assertTrue(reader.fenceToken().compareTo(writer.fenceToken()) > 0);

        Lease exclusive = a.acquire("down-ex", in(LockMode.EX));
        assertEquals(Optional.empty(), b.tryAcquire("down-ex", in(LockMode.PR)));
        exclusive.convert(LockMode.PR);
        assertEquals(LockMode.PR, exclusive.mode());
        assertTrue(record("down-ex").released(), "the EX holder went with the conversion");
        assertTrue(b.tryAcquire("down-ex", in(LockMode.PR)).isPresent(), "EX to PR lets readers in");
        a.renew(exclusive);
        assertTrue(a.release(exclusive));
        assertEquals(1, record("down-ex").holders().size());
    }

    @Test
    void aSharedGrantWhoseAnswerWasLostIsRecognisedWithoutASecondHolder() {
        DefaultLeaseClient client = client("lost");
        dynamo().faults().dropResponses("UpdateItem", dynamo().maxAttempts());
        Lease lease = client.acquire("lost-grant", in(LockMode.PR));
        LeaseRecord held = record("lost-grant");
        assertEquals(1, held.holders().size(), "no stranded holder");
        LeaseHolder holder = held.holders().get(0);
        assertEquals(holder.fenceToken(), lease.fenceToken());
        assertEquals(held.fence(), holder.fence(), "granted once");
        assertTrue(client.release(lease));
        assertEquals(List.of(), record("lost-grant").holders());
    }

    @Test
    void sharedRenewAndReleaseWhoseAnswersWereLostSucceed() {
        DefaultLeaseClient client = client("lost");
        Lease lease = client.acquire("lost-renew", in(LockMode.CW));
        dynamo().faults().dropResponses("UpdateItem", dynamo().maxAttempts());
        assertThrows(LeaseStoreUnavailableException.class, () -> client.renew(lease));
        client.renew(lease); // the store holds the version the failed renewal wrote
        assertTrue(lease.isValid());
        assertEquals(1, record("lost-renew").holders().size());

        dynamo().faults().dropResponses("UpdateItem", dynamo().maxAttempts());
        assertThrows(LeaseStoreUnavailableException.class, () -> client.release(lease));
        assertTrue(client.release(lease), "the release had landed: reported as released, not lost");
        assertEquals(LeaseState.RELEASED, lease.state());
        assertEquals(List.of(), record("lost-renew").holders());
    }

    @Test
    void aConversionThatTimesOutKeepsTheOldModeAndToken() {
        DefaultLeaseClient a = client("a");
        DefaultLeaseClient b = client("b");
        Lease upgrading = a.acquire(
                "stuck",
                in(LockMode.PR).toBuilder().waitTimeout(Duration.ofMillis(200)).build());
        Lease other = b.acquire("stuck", in(LockMode.PR));
        long before = upgrading.fenceToken().value();
        dev.txlease.LeaseTimeoutException timeout =
                assertThrows(dev.txlease.LeaseTimeoutException.class, () -> upgrading.convert(LockMode.EX));
        assertEquals("stuck", timeout.lockName());
        assertEquals("b", timeout.owner(), "names the reader it waited for");
        assertEquals(LockMode.PR, upgrading.mode());
        assertEquals(before, upgrading.fenceToken().value());
        assertTrue(upgrading.isValid());
        a.renew(upgrading); // still our PR holder in the store
        assertEquals(2, record("stuck").holders().size());
        assertTrue(b.release(other));
        assertTrue(a.release(upgrading));
    }

    @Test
    void aDeadWaitersMarkerIsRemovedAfterItsLeaseOnTheRequestersClock() {
        DefaultLeaseClient alive = client("alive");
        alive.acquire("ghost", in(LockMode.PR));
        assertTrue(store.markWaiting(
                        "ghost",
                        new dev.txlease.spi.LeaseWaiter(
                                "ghost-waiter", LockMode.EX, "ghost", "v1", Duration.ofSeconds(5)),
                        null)
                .succeeded());
        ManualClock clock = new ManualClock();
        DefaultLeaseClient reader = client("reader", clock);
        assertEquals(Optional.empty(), reader.tryAcquire("ghost", in(LockMode.PR)), "the marker holds readers back");
        clock.advance(Duration.ofSeconds(5).minusMillis(1));
        assertEquals(Optional.empty(), reader.tryAcquire("ghost", in(LockMode.PR)));
        clock.advance(Duration.ofMillis(2));
        dynamo().requests().reset();
        assertTrue(reader.tryAcquire("ghost", in(LockMode.PR)).isPresent());
        assertEquals(1, dynamo().requests().total(), "removed in the grant");
        assertEquals(null, record("ghost").waiter());
    }

    @Test
    void aReaderTakesOverADeadExclusiveHolderInOneRequest() {
        DefaultLeaseClient dying = client("dying");
        Lease dead = dying.acquire(
                "dead-ex",
                in(LockMode.EX).toBuilder().leaseDuration(Duration.ofSeconds(5)).build());
        ManualClock clock = new ManualClock();
        DefaultLeaseClient reader = client("reader", clock);
        assertEquals(Optional.empty(), reader.tryAcquire("dead-ex", in(LockMode.PR)));
        clock.advance(Duration.ofSeconds(5));
        dynamo().requests().reset();
        Lease taken = reader.tryAcquire("dead-ex", in(LockMode.PR)).orElseThrow();
        assertEquals(1, dynamo().requests().total());
        assertTrue(taken.fenceToken().compareTo(dead.fenceToken()) > 0);
        LeaseRecord after = record("dead-ex");
        assertTrue(after.released(), "the EX holder was released by the takeover");
        assertEquals(1, after.holders().size());
        assertThrows(dev.txlease.LeaseLostException.class, () -> dying.renew(dead));
    }

    /** Issue 16, adversary report 9: NL grants beside an EX holder count the fence on, not its token. */
    @Test
    void theExclusiveHoldersTokenStaysItsOwnBesideLaterNullGrants() {
        DefaultLeaseClient writer = client("writer");
        Lease exclusive = writer.acquire("ex-token", in(LockMode.EX));
        Lease first = client("nl-1").acquire("ex-token", in(LockMode.NL));
        Lease second = client("nl-2").acquire("ex-token", in(LockMode.NL));
        assertTrue(first.fenceToken().compareTo(exclusive.fenceToken()) > 0);
        assertTrue(second.fenceToken().compareTo(first.fenceToken()) > 0);
        LeaseRecord held = record("ex-token");
        assertEquals(second.fenceToken(), held.fenceToken(), "the counter is the latest grant's token");
        assertEquals(
                exclusive.fenceToken(),
                held.holder(dev.txlease.spi.HolderRef.EXCLUSIVE).fenceToken());
        assertEquals(
                exclusive.fenceToken(), writer.inspect("ex-token").orElseThrow().fenceToken());
        assertTrue(writer.release(exclusive));
        assertEquals(
                second.fenceToken(), writer.inspect("ex-token").orElseThrow().fenceToken());
        Lease next = writer.acquire("ex-token", in(LockMode.EX));
        assertTrue(next.fenceToken().compareTo(second.fenceToken()) > 0);
        assertEquals(next.fenceToken().value(), record("ex-token").exclusiveFence());
        assertEquals(next.fenceToken(), writer.inspect("ex-token").orElseThrow().fenceToken());
    }

    /** Issue 16, adversary report 7: the marker of a waiter that holds is not written again. */
    @Test
    void aWaiterMarkerIsNotWrittenForAHolderOfItsMode() {
        DefaultLeaseClient writer = client("writer");
        Lease exclusive = writer.acquire("marked", in(LockMode.EX));
        dev.txlease.spi.LeaseWaiter late =
                new dev.txlease.spi.LeaseWaiter("late-ex-waiter", LockMode.EX, "writer", "v-late", LEASE);
        assertFalse(store.markWaiting("marked", late, null).succeeded(), "an EX holder of the owner");
        assertTrue(
                store.markWaiting(
                                "marked",
                                new dev.txlease.spi.LeaseWaiter(
                                        "other-ex-waiter", LockMode.EX, "other", "v-other", LEASE),
                                null)
                        .succeeded(),
                "another owner's EX waiter");
        assertTrue(store.unmarkWaiting("marked", "other-ex-waiter").succeeded());
        assertTrue(writer.release(exclusive));
        assertTrue(store.markWaiting("marked", late, null).succeeded(), "the owner holds no longer");
        assertTrue(store.unmarkWaiting("marked", "late-ex-waiter").succeeded());
        Lease reader = writer.acquire("marked", in(LockMode.PR));
        String holderId = record("marked").holders().get(0).ref().holderId();
        assertFalse(
                store.markWaiting(
                                "marked",
                                new dev.txlease.spi.LeaseWaiter(holderId, LockMode.PR, "writer", "v-pr", LEASE),
                                null)
                        .succeeded(),
                "the waiter holds in its mode");
        assertEquals(null, record("marked").waiter());
        assertTrue(writer.release(reader));
    }

    @Test
    void concurrentCompatibleRequestsAreAllGrantedWithDistinctTokens() throws Exception {
        int readers = 8;
        List<CompletableFuture<Optional<Lease>>> racing = new ArrayList<>();
        java.util.concurrent.CountDownLatch start = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(readers);
        try {
            for (int i = 0; i < readers; i++) {
                DefaultLeaseClient racer = client("racer-" + i);
                racing.add(CompletableFuture.supplyAsync(
                        () -> {
                            try {
                                start.await();
                            } catch (InterruptedException e) {
                                Thread.currentThread().interrupt();
                            }
                            return racer.tryAcquire("crowd", in(LockMode.PR));
                        },
                        pool));
            }
            start.countDown();
            java.util.Set<Long> tokens = new java.util.HashSet<>();
            for (CompletableFuture<Optional<Lease>> result : racing) {
                Lease lease = result.get(DEADLINE.toSeconds(), TimeUnit.SECONDS).orElseThrow();
                tokens.add(lease.fenceToken().value());
            }
            assertEquals(readers, tokens.size(), "each grant its own token");
            assertEquals(readers, record("crowd").count(LockMode.PR));
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void aWaitingConversionKeepsTheLeaseRenewedByItsHeartbeat() throws Exception {
        java.util.concurrent.atomic.AtomicReference<String> loss = new java.util.concurrent.atomic.AtomicReference<>();
        AcquireOptions beating = in(LockMode.PR).toBuilder()
                .leaseDuration(Duration.ofSeconds(2))
                .heartbeatPeriod(Duration.ofMillis(100))
                .listener(new dev.txlease.LeaseListener() {
                    @Override
                    public void onLost(Lease lease, dev.txlease.LossCause cause, Throwable detail) {
                        loss.set(cause + " " + detail + " " + lease);
                    }
                })
                .build();
        DefaultLeaseClient a = client("a");
        DefaultLeaseClient b = client("b");
        Lease upgrading = a.acquire("beating", beating);
        Lease other = b.acquire("beating", beating);
        CompletableFuture<Void> conversion = CompletableFuture.runAsync(() -> upgrading.convert(LockMode.EX));
        String first = record("beating").holders().stream()
                .filter(holder -> holder.owner().equals("a"))
                .findFirst()
                .orElseThrow()
                .version();
        // the conversion waits for b; its lease (600 ms) must be renewed while it waits
        assertFalse(
                Await.reached(Duration.ofMillis(1500), conversion::isDone),
                () -> "ended: " + conversion + " loss " + loss.get());
        assertTrue(
                record("beating").holders().stream()
                        .anyMatch(holder ->
                                holder.owner().equals("a") && !holder.version().equals(first)),
                "a renewed its PR holder while converting");
        assertTrue(upgrading.isValid(), "renewed while the conversion waits");
        assertTrue(b.release(other));
        conversion.get(DEADLINE.toSeconds(), TimeUnit.SECONDS);
        assertEquals(LockMode.EX, upgrading.mode());
        assertTrue(upgrading.isValid());
        assertTrue(a.release(upgrading));
    }
}
