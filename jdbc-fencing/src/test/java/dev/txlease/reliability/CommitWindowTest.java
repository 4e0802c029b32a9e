package dev.txlease.reliability;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.txlease.AcquireOptions;
import dev.txlease.Lease;
import dev.txlease.LeaseClient;
import dev.txlease.LeaseInfo;
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
import io.agroal.api.AgroalDataSource;
import jakarta.transaction.RollbackException;
import jakarta.transaction.TransactionManager;
import jakarta.transaction.TransactionSynchronizationRegistry;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.h2.jdbcx.JdbcDataSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Scenario 2: the holder's process pauses after its fence check, before COMMIT, while a newer holder
 * takes the lease over and writes. The fence check's row lock holds the newer holder's check until
 * the paused transaction ends, so commit order stays fence order:
 *
 * <ul>
 *   <li>local transaction: the paused holder passed its check before the takeover, so its commit is
 *       ordered first and the newer holder's write lands after it;
 *   <li>JTA: the paused holder's prepare finds its lease taken over and votes rollback, so only the
 *       newer holder's write lands.
 * </ul>
 */
class CommitWindowTest {
    @RegisterExtension
    static final DynamoDbLocal DYNAMO = DynamoDbLocal.embedded();

    @RegisterExtension
    static final InProcessNarayana NARAYANA = new InProcessNarayana();

    private static final Duration LEASE = Duration.ofSeconds(10);
    private static final AcquireOptions HEARTBEATING = AcquireOptions.builder()
            .leaseDuration(LEASE)
            .heartbeatPeriod(Duration.ofMillis(50))
            .build();

    private LeaseStore store;
    private PausableStore holderProcess;
    private ExecutorService holderThread;
    private ExecutorService takerThread;

    @BeforeEach
    void setUp() {
        store = DYNAMO.newStore();
        holderProcess = new PausableStore(store);
        holderThread = Executors.newSingleThreadExecutor();
        takerThread = Executors.newSingleThreadExecutor();
    }

    @AfterEach
    void tearDown() throws InterruptedException {
        holderProcess.thaw();
        holderThread.shutdownNow();
        takerThread.shutdownNow();
        assertTrue(holderThread.awaitTermination(30, TimeUnit.SECONDS), "the holder thread hung");
        assertTrue(takerThread.awaitTermination(30, TimeUnit.SECONDS), "the taker thread hung");
    }

    @Test
    void localTransactionPausedBeforeCommitIsOrderedBeforeTheNewerHolder() throws Exception {
        JdbcDataSource database = Databases.h2("reliability-commit-local");
        FencedCounter counter = FencedCounter.create(database, "rel_commit", Connection.TRANSACTION_NONE);
        String lock = "commit-window-" + UUID.randomUUID();
        counter.addLock(lock);
        int rounds = Rounds.scaled(2);
        try (DefaultLeaseClient holder = DefaultLeaseClient.builder(holderProcess)
                        .owner("paused-committer")
                        .build();
                Taker taker = new Taker(store, "taker")) {
            writeOnce(holder, counter, lock); // the guard row exists: a blocked check shows as a row lock wait
            for (int round = 0; round < rounds; round++) {
                Lease held = holder.acquire(lock, HEARTBEATING);
                CountDownLatch checked = new CountDownLatch(1);
                CountDownLatch resume = new CountDownLatch(1);
                Future<Outcome> paused = holderThread.submit(() -> counter.increment(held, "holder", connection -> {
                    holderProcess.freeze(); // the process stops between its last statement and COMMIT
                    checked.countDown();
                    resume.await();
                }));
                assertTrue(checked.await(30, TimeUnit.SECONDS));
                holderProcess.awaitNoneInFlight();

                Lease next = taker.takeOver(lock, LEASE);
                Future<Outcome> newer = takerThread.submit(() -> counter.increment(next, "taker"));
                Await.until(
                        "the newer holder's fence check waits for the paused one's guard row",
                        () -> H2Sessions.blockedOnGuard(database, counter.guardTable()));
                assertFalse(newer.isDone(), "the newer holder wrote while the paused transaction held its check");

                holderProcess.thaw();
                resume.countDown();
                assertEquals(Outcome.COMMITTED, paused.get(30, TimeUnit.SECONDS), "round " + round);
                assertEquals(Outcome.COMMITTED, newer.get(30, TimeUnit.SECONDS), "round " + round);
                List<WriteHistory.Write> writes = counter.history().writes(database, lock);
                WriteHistory.Write last = writes.get(writes.size() - 1);
                WriteHistory.Write before = writes.get(writes.size() - 2);
                assertEquals(
                        new WriteHistory.Write(last.seq() - 1, held.fenceToken().value(), "holder"), before);
                assertEquals(
                        new WriteHistory.Write(
                                before.seq() + 1, next.fenceToken().value(), "taker"),
                        last);
                assertTrue(taker.client().release(next));
                holder.release(held); // lost by now, or about to be: either way it must not touch the lock
                assertTrue(holder.inspect(lock).map(LeaseInfo::isReleased).orElseThrow());
            }
        }
        WriteHistory.Verdict verdict = counter.check();
        verdict.assertSafe();
        assertEquals(2L * rounds + 1, verdict.writes(lock));
        assertEquals(2L * rounds + 1, counter.counter(lock));
    }

    @Test
    void jtaTransactionPausedBeforeCommitRollsBackAndTheNewerHolderWrites() throws Exception {
        JdbcDataSource database = Databases.h2("reliability-commit-xa");
        FencedCounter counter = FencedCounter.create(database, "rel_commit_xa", Connection.TRANSACTION_NONE);
        String lock = "commit-window-xa-" + UUID.randomUUID();
        counter.addLock(lock);
        TransactionManager transactions = InProcessNarayana.transactionManager();
        TransactionSynchronizationRegistry registry = InProcessNarayana.registry();
        int rounds = Rounds.scaled(4);
        try (AgroalDataSource pool = Jta.xaPool(JdbcDataSource.class, database.getURL(), "sa");
                Taker taker = new Taker(store, "jta-taker");
                TransactionalLeaseClient holder = TransactionalLeaseClient.builder(
                                DefaultLeaseClient.builder(holderProcess)
                                        .owner("jta-paused-committer")
                                        .build(),
                                transactions)
                        .registry(registry)
                        .build();
                TransactionalLeaseClient takerLeases = TransactionalLeaseClient.builder(taker.client(), transactions)
                        .registry(registry)
                        .build()) {
            writeOnce(holder, counter, lock);
            FencedDataSource fenced = FencedDataSource.builder(pool)
                    .guardTable(counter.guardTable())
                    .transactionRegistry(registry)
                    .build();
            for (int round = 0; round < rounds; round++) {
                CountDownLatch written = new CountDownLatch(1);
                CountDownLatch resume = new CountDownLatch(1);
                AtomicReference<Lease> held = new AtomicReference<>();
                Future<Exception> paused = holderThread.submit(() -> {
                    transactions.begin();
                    Lease lease = holder.acquire(lock, HEARTBEATING);
                    held.set(lease);
                    increment(fenced, counter, lease, "holder");
                    holderProcess.freeze(); // the process stops before it asks the transaction manager to commit
                    written.countDown();
                    resume.await();
                    try {
                        transactions.commit();
                        return null;
                    } catch (RollbackException e) {
                        return e;
                    }
                });
                assertTrue(written.await(30, TimeUnit.SECONDS));
                holderProcess.awaitNoneInFlight();

                AtomicReference<Lease> granted = new AtomicReference<>();
                long polls = taker.polls();
                Future<?> newer = takerThread.submit(() -> {
                    transactions.begin();
                    Lease lease = takerLeases.acquire(lock, Taker.options(LEASE));
                    granted.set(lease);
                    increment(fenced, counter, lease, "taker");
                    transactions.commit();
                    return null;
                });
                taker.passHolderLease(lock, polls, () -> granted.get() != null, LEASE);
                Await.until(
                        "the newer holder's fence check waits for the paused one's guard row",
                        () -> H2Sessions.blockedOnGuard(database, counter.guardTable()));

                holderProcess.thaw();
                resume.countDown();
                assertInstanceOf(
                        RollbackException.class,
                        paused.get(30, TimeUnit.SECONDS),
                        "round " + round + ": the paused transaction committed with a lost lease");
                newer.get(30, TimeUnit.SECONDS);
                assertTrue(granted.get().fenceToken().isNewerThan(held.get().fenceToken()));
                List<WriteHistory.Write> writes = counter.history().writes(database, lock);
                assertEquals(
                        new WriteHistory.Write(
                                round + 2, granted.get().fenceToken().value(), "taker"),
                        writes.get(writes.size() - 1));
                assertTrue(takerLeases.inspect(lock).map(LeaseInfo::isReleased).orElseThrow(), "released at commit");
            }
        }
        WriteHistory.Verdict verdict = counter.check();
        verdict.assertSafe();
        assertEquals(rounds + 1, verdict.writes(lock), "the first write and the newer holders' writes only");
        assertEquals(rounds + 1, counter.counter(lock));
        assertTrue(counter.history().writes(database, lock).stream()
                .noneMatch(w -> w.writer().equals("holder")));
    }

    /** Commits one write under a lease of {@code client}, outside any transaction manager. */
    private static void writeOnce(LeaseClient client, FencedCounter counter, String lock) throws Exception {
        try (Lease lease = client.acquire(lock, AcquireOptions.defaults())) {
            assertEquals(Outcome.COMMITTED, counter.increment(lease, "first"));
        }
    }

    private static void increment(FencedDataSource fenced, FencedCounter counter, Lease lease, String writer)
            throws SQLException {
        try (Connection connection = fenced.getConnection()) {
            counter.history()
                    .increment(connection, lease.name(), lease.fenceToken().value(), writer);
        }
    }
}
