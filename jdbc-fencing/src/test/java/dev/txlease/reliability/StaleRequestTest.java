package dev.txlease.reliability;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.txlease.AcquireOptions;
import dev.txlease.Lease;
import dev.txlease.LeaseLostException;
import dev.txlease.LeaseState;
import dev.txlease.LeaseStoreUnavailableException;
import dev.txlease.client.DefaultLeaseClient;
import dev.txlease.jdbc.testing.Databases;
import dev.txlease.reliability.FencedCounter.Outcome;
import dev.txlease.spi.LeaseRecord;
import dev.txlease.spi.LeaseStore;
import dev.txlease.testing.Await;
import dev.txlease.testing.DynamoDbLocal;
import java.sql.Connection;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Scenario 6: stale renew and stale release. {@code LeaseClientContract} in rm already shows that a
 * holder whose lease was taken over cannot renew or release it afterwards. This adds the cases where
 * the stale request was <em>sent before</em> the takeover and lands after it (delayed in the network
 * or by a process pause), and a release that carries two versions after an ambiguous renew. In each
 * the new holder's item is compared field by field before and after, and the new holder can still
 * renew (its version is intact) and write under its fence, while the stale holder cannot.
 */
class StaleRequestTest {
    @RegisterExtension
    static final DynamoDbLocal DYNAMO = DynamoDbLocal.server(); // the SDK's default retries on

    private static final Duration LEASE = Duration.ofSeconds(10);
    private static final AcquireOptions OPTIONS = AcquireOptions.builder()
            .leaseDuration(LEASE)
            .heartbeatPeriod(Duration.ZERO)
            .build();

    private LeaseStore store;
    private FencedCounter counter;
    private ExecutorService staleThread;

    @BeforeEach
    void setUp() throws Exception {
        store = DYNAMO.newStore();
        counter = FencedCounter.create(Databases.h2("reliability-stale"), "rel_stale", Connection.TRANSACTION_NONE);
        staleThread = Executors.newSingleThreadExecutor();
    }

    @AfterEach
    void tearDown() throws InterruptedException {
        staleThread.shutdownNow();
        assertTrue(staleThread.awaitTermination(30, TimeUnit.SECONDS));
    }

    @Test
    void renewAndReleaseSentBeforeATakeoverLandAfterItWithoutTouchingTheNewHolder() throws Exception {
        String lock = "stale-in-flight-" + UUID.randomUUID();
        counter.addLock(lock);
        PausableStore staleProcess = new PausableStore(store);
        int rounds = Rounds.scaled(4);
        try (DefaultLeaseClient stale =
                        DefaultLeaseClient.builder(staleProcess).owner("stale").build();
                Taker taker = new Taker(store, "new-holder")) {
            for (int round = 0; round < 2 * rounds; round++) {
                boolean renew = round % 2 == 0;
                Lease old = stale.acquire(lock, OPTIONS);
                staleProcess.freeze();
                Future<?> inFlight = renew
                        ? staleThread.submit(() -> stale.renew(old))
                        : staleThread.submit(() -> stale.release(old));
                Await.until("the stale request is on its way", () -> staleProcess.blocked() == 1);

                Lease current = taker.takeOver(lock, LEASE);
                assertEquals(Outcome.COMMITTED, counter.increment(current, "new-holder"));
                LeaseRecord before = store.read(lock).orElseThrow();
                staleProcess.thaw(); // the stale request lands now
                if (renew) {
                    ExecutionException failure =
                            assertThrows(ExecutionException.class, () -> inFlight.get(30, TimeUnit.SECONDS));
                    LeaseLostException lost = assertInstanceOf(LeaseLostException.class, failure.getCause());
                    assertEquals(lock, lost.lockName());
                } else {
                    assertEquals(false, inFlight.get(30, TimeUnit.SECONDS), "a stale release reported success");
                }
                assertEquals(
                        before, store.read(lock).orElseThrow(), "round " + round + ": the new holder's item changed");
                assertEquals(LeaseState.LOST, old.state());

                taker.client().renew(current); // its version is intact
                assertEquals(Outcome.COMMITTED, counter.increment(current, "new-holder"));
                assertEquals(Outcome.STALE, counter.increment(old, "stale"));
                assertTrue(taker.client().release(current));
            }
        }
        WriteHistory.Verdict verdict = counter.check();
        verdict.assertSafe();
        assertEquals(4L * rounds, verdict.writes(lock));
    }

    @Test
    void releaseAfterAnAmbiguousRenewDoesNotTouchTheNewHolder() throws Exception {
        String lock = "stale-ambiguous-" + UUID.randomUUID();
        try (DefaultLeaseClient stale =
                        DefaultLeaseClient.builder(store).owner("stale").build();
                Taker taker = new Taker(store, "new-holder")) {
            Lease old = stale.acquire(lock, OPTIONS);
            DYNAMO.faults().dropResponses("UpdateItem", DYNAMO.maxAttempts());
            assertThrows(LeaseStoreUnavailableException.class, () -> stale.renew(old)); // landed, unanswered
            Lease current = taker.takeOver(lock, LEASE);
            LeaseRecord before = store.read(lock).orElseThrow();

            assertFalse(stale.release(old), "released with either of its versions");
            assertEquals(before, store.read(lock).orElseThrow(), "the new holder's item changed");
            LeaseLostException lost = assertThrows(LeaseLostException.class, () -> stale.renew(old));
            assertEquals(lock, lost.lockName());
            assertEquals(before, store.read(lock).orElseThrow());
            taker.client().renew(current);
            assertTrue(taker.client().release(current));
        }
    }
}
