package dev.txlease.reliability;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.txlease.AcquireOptions;
import dev.txlease.Lease;
import dev.txlease.LeaseListener;
import dev.txlease.LossCause;
import dev.txlease.client.DefaultLeaseClient;
import dev.txlease.jdbc.FencedDataSource;
import dev.txlease.jdbc.testing.Databases;
import dev.txlease.jdbc.testing.Jta;
import dev.txlease.jta.TransactionalLeaseClient;
import dev.txlease.reliability.FencedCounter.Outcome;
import dev.txlease.spi.LeaseStore;
import dev.txlease.testing.Await;
import dev.txlease.testing.DynamoDbLocal;
import dev.txlease.testing.InProcessNarayana;
import dev.txlease.testing.ManualClock;
import io.agroal.api.AgroalDataSource;
import jakarta.transaction.RollbackException;
import jakarta.transaction.TransactionManager;
import java.sql.Connection;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.h2.jdbcx.JdbcDataSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Scenario 9: clock jumps on the client. The lease client reads only its {@link
 * dev.txlease.client.LeaseClock} (monotonic; {@code System.nanoTime} in production), never a wall
 * clock, so these tests inject one and show that it alone decides:
 *
 * <ul>
 *   <li>a holder whose clock jumps past its lease stops holding it at once: its heartbeat reports
 *       the loss and its transaction cannot commit (held no later);
 *   <li>a waiter takes over only when its own clock has passed the holder's lease, however much
 *       real time has passed (granted no earlier);
 *   <li>a waiter whose clock jumps forward does take over early, while the holder still believes
 *       it holds the lease: the fence then keeps the database safe.
 * </ul>
 *
 * <p>What is not shown: the operating system's wall clock cannot be moved from a test. That no wall
 * clock is read is established by the code (every duration goes through {@code LeaseClock}), and
 * here by leases that neither expire nor get taken over while the injected clock stands still.
 */
class ClockJumpTest {
    @RegisterExtension
    static final DynamoDbLocal DYNAMO = DynamoDbLocal.embedded();

    @RegisterExtension
    static final InProcessNarayana NARAYANA = new InProcessNarayana();

    private static final Duration LEASE = Duration.ofSeconds(30);

    @Test
    void holderWhoseClockJumpsPastItsLeaseLosesItAndCannotCommit() throws Exception {
        JdbcDataSource database = Databases.h2("reliability-clock-xa");
        FencedCounter counter = FencedCounter.create(database, "rel_clock_xa", Connection.TRANSACTION_NONE);
        String lock = "clock-holder-" + UUID.randomUUID();
        counter.addLock(lock);
        LeaseStore store = DYNAMO.newStore();
        ManualClock clock = new ManualClock();
        AtomicReference<LossCause> cause = new AtomicReference<>();
        CountDownLatch lost = new CountDownLatch(1);
        AcquireOptions heartbeating = AcquireOptions.builder()
                .leaseDuration(LEASE)
                .heartbeatPeriod(Duration.ofMillis(100))
                .listener(new LeaseListener() {
                    @Override
                    public void onLost(Lease lease, LossCause why, Throwable detail) {
                        cause.set(why);
                        lost.countDown();
                    }
                })
                .build();
        TransactionManager transactions = InProcessNarayana.transactionManager();
        try (AgroalDataSource pool = Jta.xaPool(JdbcDataSource.class, database.getURL(), "sa");
                TransactionalLeaseClient holder = TransactionalLeaseClient.builder(
                                DefaultLeaseClient.builder(store)
                                        .owner("jumping-holder")
                                        .clock(clock)
                                        .build(),
                                transactions)
                        .registry(InProcessNarayana.registry())
                        .build()) {
            FencedDataSource fenced = FencedDataSource.builder(pool)
                    .guardTable(counter.guardTable())
                    .transactionRegistry(InProcessNarayana.registry())
                    .build();
            transactions.begin();
            Lease lease = holder.acquire(lock, heartbeating);
            try (Connection connection = fenced.getConnection()) {
                counter.history().increment(connection, lock, lease.fenceToken().value(), "jumping");
            }
            assertTrue(lease.isValid());

            clock.advance(LEASE.plusMillis(1));
            assertFalse(lease.isValid(), "held after its lease on its own clock");
            assertEquals(Duration.ZERO, lease.remaining());
            assertTrue(lost.await(30, TimeUnit.SECONDS), "the heartbeat did not report the loss");
            assertEquals(LossCause.EXPIRED_LOCALLY, cause.get());
            assertThrows(RollbackException.class, transactions::commit, "committed after the lease ran out");
        }
        assertEquals(0, counter.counter(lock), "a write of the expired holder's transaction");
        assertEquals(0, counter.guardToken(lock));
    }

    @Test
    void waiterTakesOverOnlyWhenItsOwnClockPassesTheLeaseNotWhenRealTimeDoes() throws Exception {
        String lock = "clock-waiter-" + UUID.randomUUID();
        Duration shortLease = Duration.ofMillis(200);
        LeaseStore store = DYNAMO.newStore();
        try (DefaultLeaseClient holder = DefaultLeaseClient.builder(store)
                        .owner("stalled-holder")
                        .build();
                Taker waiter = new Taker(store, "frozen-clock-waiter")) {
            Lease stalled = holder.acquire(
                    lock,
                    AcquireOptions.builder()
                            .leaseDuration(shortLease)
                            .heartbeatPeriod(Duration.ZERO)
                            .build());
            long polls = waiter.polls();
            long started = System.nanoTime();
            CompletableFuture<Lease> next = waiter.client().acquireAsync(lock, Taker.options(LEASE));
            // Real time runs well past the holder's lease (it has expired on the holder's own clock)...
            Await.until(
                    "the waiter polled for four leases of real time",
                    () -> waiter.polls() >= polls + 20
                            && System.nanoTime() - started
                                    > shortLease.multipliedBy(4).toNanos());
            assertFalse(stalled.isValid(), "the holder's own clock says its lease ran out");
            // ...but the waiter's clock has not moved: no takeover.
            assertFalse(next.isDone(), "taken over by real time, not by the waiter's clock");
            waiter.clock().advance(shortLease.minusMillis(1));
            long later = waiter.polls();
            Await.until("the waiter polled again", () -> waiter.polls() >= later + 3);
            assertFalse(next.isDone(), "taken over before a whole lease passed on the waiter's clock");
            assertEquals("stalled-holder", store.read(lock).orElseThrow().owner());

            waiter.clock().advance(Duration.ofMillis(2));
            Lease taken = next.get(30, TimeUnit.SECONDS);
            assertEquals(stalled.fenceToken().value() + 1, taken.fenceToken().value());
        }
    }

    @Test
    void waiterWhoseClockJumpsForwardTakesOverEarlyAndTheFenceStillOrdersTheWrites() throws Exception {
        FencedCounter counter = FencedCounter.create(
                Databases.h2("reliability-clock-early"), "rel_clock_early", Connection.TRANSACTION_NONE);
        String lock = "clock-early-" + UUID.randomUUID();
        counter.addLock(lock);
        LeaseStore store = DYNAMO.newStore();
        try (DefaultLeaseClient holder =
                        DefaultLeaseClient.builder(store).owner("live-holder").build();
                Taker jumper = new Taker(store, "jumping-waiter")) {
            Lease held = holder.acquire(
                    lock,
                    AcquireOptions.builder()
                            .leaseDuration(LEASE)
                            .heartbeatPeriod(Duration.ZERO)
                            .build());
            assertEquals(Outcome.COMMITTED, counter.increment(held, "holder"));
            Lease early = jumper.takeOver(lock, LEASE); // its clock jumps 30 s while the holder is alive
            assertTrue(held.isValid(), "the holder still believes it holds the lease: two holders");
            assertEquals(Outcome.COMMITTED, counter.increment(early, "early"));
            assertEquals(
                    Outcome.STALE,
                    counter.increment(held, "holder-again"),
                    "the fence let the older holder write after the newer one");
        }
        WriteHistory.Verdict verdict = counter.check();
        verdict.assertSafe();
        assertEquals(2, verdict.writes(lock));
    }
}
