package dev.txlease.reliability;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.txlease.AcquireOptions;
import dev.txlease.Lease;
import dev.txlease.LeaseListener;
import dev.txlease.LeaseState;
import dev.txlease.LossCause;
import dev.txlease.client.DefaultLeaseClient;
import dev.txlease.jdbc.testing.Databases;
import dev.txlease.reliability.FencedCounter.Outcome;
import dev.txlease.spi.LeaseStore;
import dev.txlease.testing.Await;
import dev.txlease.testing.DynamoDbLocal;
import java.sql.Connection;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Scenario 1: a holder paused past its lease resumes and writes. The holder's process is paused
 * faithfully: its worker thread waits on a latch right after checking that its lease is valid, and
 * its lease store is frozen so its heartbeats stop too. A second process takes the lock over on its
 * own clock and writes. When the holder resumes, its write must be rejected, every round.
 */
class PausedHolderTest {
    @RegisterExtension
    static final DynamoDbLocal DYNAMO = DynamoDbLocal.embedded();

    private static final Duration LEASE = Duration.ofSeconds(10);

    private FencedCounter counter;
    private ExecutorService holderThread;

    @BeforeEach
    void setUp() throws Exception {
        counter = FencedCounter.create(Databases.h2("reliability-paused"), "rel_paused", Connection.TRANSACTION_NONE);
        holderThread = Executors.newSingleThreadExecutor();
    }

    @AfterEach
    void tearDown() throws InterruptedException {
        holderThread.shutdownNow();
        assertTrue(holderThread.awaitTermination(30, TimeUnit.SECONDS), "the holder thread hung");
    }

    @Test
    void pausedHolderIsRejectedEveryRoundAndNoUpdateIsLost() throws Exception {
        int rounds = Rounds.rounds();
        LeaseStore store = DYNAMO.newStore();
        PausableStore holderProcess = new PausableStore(store);
        Map<Long, LossCause> losses = new ConcurrentHashMap<>();
        AcquireOptions heartbeating = AcquireOptions.builder()
                .leaseDuration(LEASE)
                .heartbeatPeriod(Duration.ofMillis(50))
                .listener(new LeaseListener() {
                    @Override
                    public void onLost(Lease lease, LossCause cause, Throwable detail) {
                        losses.put(lease.fenceToken().value(), cause);
                    }
                })
                .build();
        String lock = "paused-" + UUID.randomUUID();
        counter.addLock(lock);
        List<Outcome> lateWrites = new ArrayList<>();
        try (DefaultLeaseClient holder = DefaultLeaseClient.builder(holderProcess)
                        .owner("paused-holder")
                        .build();
                Taker taker = new Taker(store, "taker")) {
            for (int round = 0; round < rounds; round++) {
                CountDownLatch paused = new CountDownLatch(1);
                CountDownLatch resume = new CountDownLatch(1);
                Future<Lease> holding = holderThread.submit(() -> {
                    Lease lease = holder.acquire(lock, heartbeating);
                    assertEquals(Outcome.COMMITTED, counter.increment(lease, "holder"));
                    return lease;
                });
                Lease held = holding.get(30, TimeUnit.SECONDS);
                Future<Outcome> late = holderThread.submit(() -> {
                    assertTrue(held.isValid(), "the holder checks its lease, then its process stops");
                    holderProcess.freeze();
                    paused.countDown();
                    resume.await();
                    return counter.increment(held, "holder-late"); // resumed: writes without checking again
                });
                assertTrue(paused.await(30, TimeUnit.SECONDS));
                holderProcess.awaitNoneInFlight(); // nothing the holder sent can land any more

                Lease next = taker.takeOver(lock, LEASE);
                assertTrue(next.fenceToken().isNewerThan(held.fenceToken()));
                assertEquals(Outcome.COMMITTED, counter.increment(next, "taker"));

                holderProcess.thaw(); // the whole process resumes: worker and heartbeats
                resume.countDown();
                Outcome outcome = late.get(30, TimeUnit.SECONDS);
                lateWrites.add(outcome);
                assertEquals(Outcome.STALE, outcome, "round " + round + ": the paused holder's write committed");
                Await.until(
                        "the holder's heartbeat reports the lease taken over",
                        () -> losses.containsKey(held.fenceToken().value()));
                assertEquals(LeaseState.LOST, held.state());
                assertEquals(LossCause.TAKEN_OVER, losses.get(held.fenceToken().value()));
                assertFalse(holder.release(held), "a lost lease is not released");
                assertTrue(taker.client().release(next));
            }
        }
        assertEquals(rounds, lateWrites.stream().filter(o -> o == Outcome.STALE).count());
        WriteHistory.Verdict verdict = counter.check();
        verdict.assertSafe();
        assertEquals(2L * rounds, verdict.writes(lock), "one write per holder per round");
        assertEquals(2L * rounds, counter.counter(lock), "lost updates");
        List<WriteHistory.Write> writes = counter.history().writes(counter.raw(), lock);
        assertTrue(writes.stream().noneMatch(write -> write.writer().equals("holder-late")), writes::toString);
    }
}
