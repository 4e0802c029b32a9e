package dev.txlease.spring;

import static dev.txlease.spring.SpringTestKit.NO_HEARTBEATS;
import static dev.txlease.spring.SpringTestKit.WAITING;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.txlease.AcquireOptions;
import dev.txlease.Lease;
import dev.txlease.LeaseLostException;
import dev.txlease.LeaseState;
import dev.txlease.LeaseTimeoutException;
import dev.txlease.LockMode;
import dev.txlease.LossCause;
import dev.txlease.jdbc.StaleFenceTokenException;
import dev.txlease.testing.DynamoDbLocal;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.context.annotation.AnnotationConfigApplicationContext;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.transaction.TransactionDefinition;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Leases bound to transactions of a {@code DataSourceTransactionManager} over a fenced DataSource,
 * on DynamoDB Local and a real database (subclasses pick it).
 */
abstract class SpringTransactionLeaseContract {
    private static final DynamoDbLocal DYNAMO = SpringTestKit.dynamo();

    private AnnotationConfigApplicationContext context;
    private AccountService accounts;
    private SpringTransactionalLeaseClient holderA;
    private SpringTransactionalLeaseClient holderB;
    private TransactionTemplate transactions;
    private JdbcTemplate jdbc;

    /** Returns the database: a data source that is not fenced. */
    abstract DataSource database();

    @BeforeEach
    void startApplication() throws Exception {
        context = SpringTestKit.start(database(), DYNAMO.newStore());
        accounts = context.getBean(AccountService.class);
        holderA = context.getBean("holderA", SpringTransactionalLeaseClient.class);
        holderB = context.getBean("holderB", SpringTransactionalLeaseClient.class);
        transactions = context.getBean(TransactionTemplate.class);
        jdbc = context.getBean(JdbcTemplate.class);
    }

    @AfterEach
    void stopApplication() {
        if (context != null) {
            context.close();
        }
    }

    @Test
    void kleppmannScenarioRejectsTheStaleHoldersWrite() throws Exception {
        String lock = SpringTestKit.uniqueName("account");
        CountDownLatch aAcquired = new CountDownLatch(1);
        CountDownLatch bCommitted = new CountDownLatch(1);
        CompletableFuture<Long> holderAWrite =
                CompletableFuture.supplyAsync(() -> accounts.credit(holderA, lock, NO_HEARTBEATS, 100, lease -> {
                    aAcquired.countDown();
                    await(bCommitted); // A "pauses" (GC, slow I/O) past its lease
                }));
        await(aAcquired);

        long fenceB = accounts.credit(holderB, lock, WAITING, 50, lease -> {}); // takes over once A's lease ran out

        bCommitted.countDown();
        Throwable rejected = assertThrows(Exception.class, () -> join(holderAWrite));
        StaleFenceTokenException stale = SpringTestKit.staleCause(rejected);
        assertNotNull(stale, () -> "expected the stale write to be rejected by the fence, got " + rejected);
        assertEquals(lock, stale.lockName());
        assertEquals(50, accounts.balance(), "only B's write may land");
        assertEquals(fenceB, accounts.guardToken(lock));
        assertTrue(stale.fenceToken().value() < fenceB);
        assertTrue(SpringTestKit.released(holderB, lock), "B's lease is released after its commit");
    }

    @Test
    void leaseIsReleasedOnlyAfterTheCommitIsVisible() {
        String lock = SpringTestKit.uniqueName("account");
        long fenceA = accounts.credit(holderA, lock, WAITING, 100, lease -> {
            lease.close(); // the classic mistake: releasing in finally, before the commit
            Optional<Lease> grabbed = CompletableFuture.supplyAsync(() -> holderB.tryAcquire(lock, WAITING))
                    .join();
            assertTrue(grabbed.isEmpty(), "a waiter was granted the lock before the holder's commit: " + grabbed);
            assertEquals(LeaseState.HELD, lease.state());
        });
        // Granted after the commit, B sees A's committed write at once.
        int seenByB = transactions.execute(status -> {
            Lease lease = holderB.acquire(lock, WAITING);
            assertTrue(lease.fenceToken().value() > fenceA);
            return jdbc.queryForObject(
                    "SELECT balance FROM " + SpringTestKit.ACCOUNT_TABLE + " WHERE id = 42", Integer.class);
        });
        assertEquals(100, seenByB);
    }

    @Test
    void leasesAreReentrantWithinATransactionAndVisibleToTheFencedDataSource() {
        String lock = SpringTestKit.uniqueName("account");
        transactions.executeWithoutResult(status -> {
            Lease first = holderA.acquire(lock, WAITING);
            Lease again = holderA.acquire(lock, WAITING);
            assertSame(first, again);
            assertEquals(List.of(first), SpringTransactionLeases.current());
            assertEquals(Optional.of(first), SpringTransactionLeases.current(lock));
            jdbc.update("UPDATE " + SpringTestKit.ACCOUNT_TABLE + " SET balance = 7 WHERE id = 42");
            assertEquals(first.fenceToken().value(), accounts.guardToken(lock), "the write was fenced");
        });
        assertTrue(SpringTestKit.released(holderA, lock));
        assertEquals(List.of(), SpringTransactionLeases.current());
    }

    /**
     * Issue 16: a transaction that holds a lock in PR and asks for it again in EX gets its lease
     * converted (a new, larger token), not the PR lease back: its writes must be fenced as EX.
     */
    @Test
    void askingAgainInAStrongerModeConvertsTheTransactionsLease() {
        String lock = SpringTestKit.uniqueName("account");
        AcquireOptions reading = WAITING.toBuilder().mode(LockMode.PR).build();
        transactions.executeWithoutResult(status -> {
            Lease reader = holderA.acquire(lock, reading);
            long readerToken = reader.fenceToken().value();
            Lease again = holderA.acquire(lock, reading);
            assertSame(reader, again, "a request the held mode covers reuses the lease");
            assertEquals(LockMode.PR, again.mode());

            Lease writer = holderA.acquire(lock, WAITING); // EX
            assertSame(reader, writer);
            assertEquals(LockMode.EX, writer.mode(), "the transaction's lease was converted");
            assertTrue(writer.fenceToken().value() > readerToken, "a conversion is a new grant");
            assertTrue(holderB.tryAcquire(lock, reading).isEmpty(), "EX now excludes other readers");
        });
        assertTrue(SpringTestKit.released(holderA, lock));
    }

    @Test
    void rollbackReleasesTheLease() {
        String lock = SpringTestKit.uniqueName("account");
        assertThrows(
                IllegalStateException.class,
                () -> accounts.credit(holderA, lock, WAITING, 100, lease -> {
                    throw new IllegalStateException("business failure");
                }));
        assertTrue(SpringTestKit.released(holderA, lock));
        assertTrue(holderB.tryAcquire(lock, WAITING).isPresent(), "the lock is free at once after the rollback");
        assertEquals(0, accounts.balance());
    }

    @Test
    void leaseLostMidTransactionFailsTheCommit() {
        String lock = SpringTestKit.uniqueName("account");
        LeaseLostException lost = assertThrows(
                LeaseLostException.class,
                () -> transactions.executeWithoutResult(status -> {
                    Lease lease = holderA.acquire(lock, NO_HEARTBEATS);
                    jdbc.update("UPDATE " + SpringTestKit.ACCOUNT_TABLE + " SET balance = 100 WHERE id = 42");
                    // Another holder takes the lock over once A's lease ran out (A does not renew).
                    CompletableFuture.supplyAsync(() -> holderB.acquire(lock, WAITING))
                            .join();
                    assertFalse(lease.isValid());
                }));
        assertEquals(lock, lost.lockName());
        assertTrue(
                lost.lossCause() == LossCause.EXPIRED_LOCALLY || lost.lossCause() == LossCause.TAKEN_OVER,
                lost.lossCause()::toString);
        assertTrue(lost.getMessage().contains(lock), lost.getMessage());
        assertEquals(0, accounts.balance(), "the transaction rolled back");
    }

    @Test
    void requiresNewKeepsItsLeasesWithTheInnerTransaction() {
        String outerLock = SpringTestKit.uniqueName("outer");
        String innerLock = SpringTestKit.uniqueName("inner");
        TransactionTemplate requiresNew = new TransactionTemplate(transactions.getTransactionManager());
        requiresNew.setPropagationBehavior(TransactionDefinition.PROPAGATION_REQUIRES_NEW);
        transactions.executeWithoutResult(outer -> {
            Lease outerLease = holderA.acquire(outerLock, WAITING);
            requiresNew.executeWithoutResult(inner -> {
                Lease innerLease = holderA.acquire(innerLock, WAITING);
                assertEquals(List.of(innerLease), SpringTransactionLeases.current(), "the outer lease is suspended");
                jdbc.update("UPDATE " + SpringTestKit.ACCOUNT_TABLE + " SET balance = balance + 1 WHERE id = 42");
                // A new transaction waits for a lock its suspended outer transaction holds.
                assertThrows(
                        LeaseTimeoutException.class,
                        () -> holderA.acquire(
                                outerLock,
                                WAITING.toBuilder()
                                        .waitTimeout(Duration.ofMillis(50))
                                        .build()));
            });
            assertTrue(SpringTestKit.released(holderA, innerLock), "released with the inner commit");
            // Read outside the outer transaction (a fenced read in it would check the outer lease).
            Long outerGuard = new JdbcTemplate(database())
                    .query(
                            "SELECT token FROM " + SpringTestKit.GUARD_TABLE + " WHERE name = ?",
                            rows -> rows.next() ? rows.getLong(1) : null,
                            outerLock);
            assertEquals(null, outerGuard, "the inner transaction was not fenced by the outer lease");
            assertEquals(List.of(outerLease), SpringTransactionLeases.current(), "the outer lease is back");
            assertFalse(SpringTestKit.released(holderA, outerLock));
            jdbc.update("UPDATE " + SpringTestKit.ACCOUNT_TABLE + " SET balance = balance + 1 WHERE id = 42");
        });
        assertTrue(SpringTestKit.released(holderA, outerLock));
        assertEquals(2, accounts.balance());
    }

    @Test
    void nestedScopeLeasesStayWithTheOuterTransaction() {
        String outerLock = SpringTestKit.uniqueName("outer");
        String nestedLock = SpringTestKit.uniqueName("nested");
        TransactionTemplate nested = new TransactionTemplate(transactions.getTransactionManager());
        nested.setPropagationBehavior(TransactionDefinition.PROPAGATION_NESTED);
        transactions.executeWithoutResult(outer -> {
            Lease outerLease = holderA.acquire(outerLock, WAITING);
            nested.executeWithoutResult(savepoint -> {
                assertSame(outerLease, holderA.acquire(outerLock, WAITING), "reentrant in a nested scope");
                holderA.acquire(nestedLock, WAITING);
                jdbc.update("UPDATE " + SpringTestKit.ACCOUNT_TABLE + " SET balance = 5 WHERE id = 42");
                savepoint.setRollbackOnly(); // back to the savepoint
            });
            assertFalse(SpringTestKit.released(holderA, nestedLock), "a nested scope does not end the transaction");
            assertEquals(2, SpringTransactionLeases.current().size());
            // The savepoint rollback undid the guard rows too: the next statement checks again.
            jdbc.update("UPDATE " + SpringTestKit.ACCOUNT_TABLE + " SET balance = 3 WHERE id = 42");
            assertEquals(outerLease.fenceToken().value(), accounts.guardToken(outerLock));
        });
        assertTrue(SpringTestKit.released(holderA, outerLock));
        assertTrue(SpringTestKit.released(holderA, nestedLock));
        assertEquals(3, accounts.balance());
    }

    @Test
    void outsideATransactionTheClientBehavesAsTheWrappedOne() {
        String lock = SpringTestKit.uniqueName("plain");
        try (Lease lease = holderA.acquire(lock, WAITING)) {
            assertEquals(List.of(), SpringTransactionLeases.current());
            assertFalse(SpringTestKit.released(holderA, lock));
        }
        assertTrue(SpringTestKit.released(holderA, lock));
    }

    private static void await(CountDownLatch latch) {
        try {
            assertTrue(latch.await(30, TimeUnit.SECONDS), "timed out waiting for the other holder");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    private static <T> T join(CompletableFuture<T> future) throws Throwable {
        try {
            return future.get(30, TimeUnit.SECONDS);
        } catch (java.util.concurrent.ExecutionException e) {
            throw e.getCause();
        }
    }
}
