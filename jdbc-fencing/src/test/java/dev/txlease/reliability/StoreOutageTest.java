package dev.txlease.reliability;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.txlease.AcquireOptions;
import dev.txlease.Lease;
import dev.txlease.LeaseListener;
import dev.txlease.LeaseStoreUnavailableException;
import dev.txlease.LossCause;
import dev.txlease.client.DefaultLeaseClient;
import dev.txlease.jdbc.FencedDataSource;
import dev.txlease.jdbc.testing.Databases;
import dev.txlease.jdbc.testing.Jta;
import dev.txlease.jta.TransactionalLeaseClient;
import dev.txlease.reliability.FencedCounter.Outcome;
import dev.txlease.spi.LeaseRecord;
import dev.txlease.spi.LeaseStore;
import dev.txlease.testing.DynamoDbLocal;
import dev.txlease.testing.InProcessNarayana;
import io.agroal.api.AgroalDataSource;
import jakarta.transaction.RollbackException;
import jakarta.transaction.Transaction;
import jakarta.transaction.TransactionManager;
import java.sql.Connection;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.h2.jdbcx.JdbcDataSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Scenario 4: DynamoDB becomes unavailable while a lease is held (the loopback DynamoDB Local server
 * is stopped, then restarted with its data). The holder is told its lease is unsure or lost; a
 * transaction that tries to commit without a confirmed lease cannot; and after the restart the
 * locks work again, with fence tokens that carry on from before the outage.
 */
class StoreOutageTest {
    @RegisterExtension
    static final DynamoDbLocal DYNAMO = DynamoDbLocal.server();

    @RegisterExtension
    static final InProcessNarayana NARAYANA = new InProcessNarayana();

    private static final Duration LEASE = Duration.ofSeconds(2);

    private final Map<String, LossCause> losses = new ConcurrentHashMap<>();
    private final Map<String, CountDownLatch> lost = new ConcurrentHashMap<>();
    private final CountDownLatch nearExpiry = new CountDownLatch(1);
    private final AcquireOptions watched = AcquireOptions.builder()
            .leaseDuration(LEASE)
            .heartbeatPeriod(Duration.ofMillis(200))
            .listener(new LeaseListener() {
                @Override
                public void onLost(Lease lease, LossCause cause, Throwable detail) {
                    losses.put(lease.name(), cause);
                    lost.computeIfAbsent(lease.name(), name -> new CountDownLatch(1))
                            .countDown();
                }

                @Override
                public void onNearExpiry(Lease lease, Duration remaining) {
                    nearExpiry.countDown();
                }
            })
            .build();

    @AfterEach
    void restart() {
        DYNAMO.startServer();
    }

    @Test
    void jtaHolderCannotCommitDuringOrAfterAnOutageAndLocksWorkAfterTheRestart() throws Exception {
        JdbcDataSource database = Databases.h2("reliability-outage-xa");
        FencedCounter counter = FencedCounter.create(database, "rel_outage_xa", Connection.TRANSACTION_NONE);
        String unsure = "outage-unsure-" + UUID.randomUUID();
        String expired = "outage-expired-" + UUID.randomUUID();
        counter.addLock(unsure);
        counter.addLock(expired);
        LeaseStore store = DYNAMO.newStore();
        TransactionManager transactions = InProcessNarayana.transactionManager();
        try (AgroalDataSource pool = Jta.xaPool(JdbcDataSource.class, database.getURL(), "sa");
                TransactionalLeaseClient holder = TransactionalLeaseClient.builder(
                                DefaultLeaseClient.builder(store)
                                        .owner("outage-holder")
                                        .build(),
                                transactions)
                        .registry(InProcessNarayana.registry())
                        .build();
                Taker taker = new Taker(store, "after-outage")) {
            FencedDataSource fenced = FencedDataSource.builder(pool)
                    .guardTable(counter.guardTable())
                    .transactionRegistry(InProcessNarayana.registry())
                    .build();
            transactions.begin();
            Lease expiring = holder.acquire(expired, watched);
            increment(fenced, counter, expiring);
            Transaction waiting = transactions.suspend();
            transactions.begin();
            Lease current = holder.acquire(unsure, watched);
            increment(fenced, counter, current);

            DYNAMO.stopServer();
            assertTrue(current.isValid(), "still valid on the holder's clock: the store's answer is what is unsure");
            assertThrows(RollbackException.class, transactions::commit, "prepare could not confirm the lease");
            LeaseStoreUnavailableException down = assertThrows(
                    LeaseStoreUnavailableException.class, () -> holder.tryAcquire("outage-other", watched));
            assertEquals("outage-other", down.lockName());

            transactions.resume(waiting);
            assertTrue(nearExpiry.await(30, TimeUnit.SECONDS), "onNearExpiry not called during the outage");
            assertTrue(latch(expired).await(30, TimeUnit.SECONDS), "onLost not called during the outage");
            assertEquals(LossCause.STORE_UNREACHABLE, losses.get(expired));
            assertFalse(expiring.isValid());
            assertThrows(RollbackException.class, transactions::commit, "committed with a lost lease");

            DYNAMO.startServer();
            for (String lock : new String[] {unsure, expired}) {
                assertEquals(0, counter.counter(lock), lock + ": a write of a rolled back transaction");
                LeaseRecord before = store.read(lock).orElseThrow(); // kept across the restart
                assertEquals("outage-holder", before.owner(), "nothing reached the store to release it");
                Lease next = taker.takeOver(lock, LEASE);
                assertEquals(before.fence() + 1, next.fenceToken().value(), "fence continues after the restart");
                assertEquals(Outcome.COMMITTED, counter.increment(next, "after-outage"));
                assertTrue(taker.client().release(next));
                Lease again = holder.tryAcquire(lock, watched).orElseThrow();
                assertEquals(before.fence() + 2, again.fenceToken().value());
                assertEquals(Outcome.COMMITTED, counter.increment(again, "holder-after-restart"));
                assertTrue(holder.release(again));
            }
        }
        WriteHistory.Verdict verdict = counter.check();
        verdict.assertSafe();
        assertEquals(2, verdict.writes(unsure));
        assertEquals(2, verdict.writes(expired));
    }

    @Test
    void localHolderIsToldItsLeaseIsLostAndItsLateWriteIsRejectedAfterTheRestart() throws Exception {
        FencedCounter counter = FencedCounter.create(
                Databases.h2("reliability-outage-local"), "rel_outage", Connection.TRANSACTION_NONE);
        String lock = "outage-local-" + UUID.randomUUID();
        counter.addLock(lock);
        LeaseStore store = DYNAMO.newStore();
        try (DefaultLeaseClient holder =
                        DefaultLeaseClient.builder(store).owner("outage-holder").build();
                Taker taker = new Taker(store, "after-outage")) {
            Lease held = holder.acquire(lock, watched);
            assertEquals(Outcome.COMMITTED, counter.increment(held, "holder"));

            DYNAMO.stopServer();
            assertTrue(nearExpiry.await(30, TimeUnit.SECONDS), "onNearExpiry not called during the outage");
            assertTrue(latch(lock).await(30, TimeUnit.SECONDS), "onLost not called during the outage");
            assertEquals(LossCause.STORE_UNREACHABLE, losses.get(lock));
            assertFalse(held.isValid());
            DYNAMO.startServer();

            LeaseRecord before = store.read(lock).orElseThrow();
            assertEquals(held.fenceToken().value(), before.fence(), "the store kept its data across the restart");
            Lease next = taker.takeOver(lock, LEASE);
            assertEquals(Outcome.COMMITTED, counter.increment(next, "after-outage"));
            // The holder ignores what it was told and writes with its old lease: the database refuses.
            assertEquals(Outcome.STALE, counter.increment(held, "holder-late"));
            assertTrue(taker.client().release(next));
            Lease again = holder.tryAcquire(lock, watched).orElseThrow();
            assertEquals(next.fenceToken().value() + 1, again.fenceToken().value());
            assertEquals(Outcome.COMMITTED, counter.increment(again, "holder-after-restart"));
            assertTrue(holder.release(again));
        }
        WriteHistory.Verdict verdict = counter.check();
        verdict.assertSafe();
        assertEquals(3, verdict.writes(lock));
        assertTrue(counter.history().writes(counter.raw(), lock).stream()
                .noneMatch(write -> write.writer().equals("holder-late")));
    }

    private CountDownLatch latch(String lock) {
        return lost.computeIfAbsent(lock, name -> new CountDownLatch(1));
    }

    private static void increment(FencedDataSource fenced, FencedCounter counter, Lease lease) throws Exception {
        try (Connection connection = fenced.getConnection()) {
            counter.history()
                    .increment(connection, lease.name(), lease.fenceToken().value(), "holder");
        }
    }
}
