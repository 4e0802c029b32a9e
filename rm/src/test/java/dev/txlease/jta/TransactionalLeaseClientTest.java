package dev.txlease.jta;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.txlease.AcquireOptions;
import dev.txlease.Lease;
import dev.txlease.LeaseException;
import dev.txlease.LeaseListener;
import dev.txlease.LeaseState;
import dev.txlease.LeaseTimeoutException;
import dev.txlease.LockMode;
import dev.txlease.LossCause;
import dev.txlease.TransactionLeases;
import dev.txlease.client.DefaultLeaseClient;
import dev.txlease.dynamodb.DynamoDbLeaseStore;
import dev.txlease.spi.GrantRequest;
import dev.txlease.spi.LeaseRecord;
import dev.txlease.testing.DynamoDbLocal;
import dev.txlease.testing.FenceTokens;
import dev.txlease.testing.InProcessNarayana;
import jakarta.transaction.RollbackException;
import jakarta.transaction.Status;
import jakarta.transaction.Synchronization;
import jakarta.transaction.SystemException;
import jakarta.transaction.Transaction;
import jakarta.transaction.TransactionManager;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;
import javax.transaction.xa.XAException;
import javax.transaction.xa.XAResource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** {@link TransactionalLeaseClient} under standalone Narayana, with DynamoDB Local and an H2 XA database. */
class TransactionalLeaseClientTest {
    @RegisterExtension
    static final DynamoDbLocal DYNAMO = DynamoDbLocal.embedded();

    private static final TransactionManager TM = InProcessNarayana.transactionManager();
    private static final AcquireOptions SHORT_UNRENEWED = AcquireOptions.builder()
            .leaseDuration(Duration.ofMillis(400))
            .heartbeatPeriod(Duration.ZERO)
            .build();
    private static final AcquireOptions TAKE_OVER = AcquireOptions.builder()
            .waitTimeout(Duration.ofSeconds(10))
            .pollInterval(Duration.ofMillis(20))
            .build();

    private DynamoDbLeaseStore store;
    private TransactionalLeaseClient leases;
    private DefaultLeaseClient plain;
    private DefaultLeaseClient rival;
    private H2Xa database;

    @BeforeEach
    void setUp() throws SQLException {
        store = DYNAMO.newStore();
        plain = DefaultLeaseClient.builder(store)
                .node("node-a")
                .owner("owner-a")
                .build();
        leases = TransactionalLeaseClient.builder(plain, TM)
                .registry(InProcessNarayana.registry())
                .build();
        rival = DefaultLeaseClient.builder(store)
                .node("node-b")
                .owner("owner-b")
                .build();
        database = H2Xa.inMemory();
    }

    @AfterEach
    void tearDown() throws SystemException, SQLException {
        if (TM.getTransaction() != null) {
            TM.rollback();
        }
        TM.setTransactionTimeout(0);
        leases.close();
        rival.close();
        database.close();
    }

    @Test
    void commitReleasesTheLeaseAndCommitsTheRow() throws Exception {
        TM.begin();
        Lease lease = leases.acquire("order-1", AcquireOptions.defaults());
        database.insert(TM.getTransaction(), "order-1", lease.fenceToken().value());
        assertEquals(List.of(lease), List.copyOf(published()));

        TM.commit();

        assertReleased("order-1");
        assertEquals(LeaseState.RELEASED, lease.state());
        assertEquals(Optional.of(lease.fenceToken().value()), database.committedFence("order-1"));
        assertEquals(0, plain.heldLeases());
    }

    // Issue 16: a lease of a shared mode is prepared on its own holder and released after the commit.
    @Test
    void sharedModeLeaseIsPreparedAndReleasedAfterCommit() throws Exception {
        CountingLeaseStore counting = new CountingLeaseStore(store);
        try (DefaultLeaseClient client = DefaultLeaseClient.builder(counting)
                        .node("node-r")
                        .owner("owner-r")
                        .build();
                TransactionalLeaseClient readers = TransactionalLeaseClient.builder(client, TM)
                        .registry(InProcessNarayana.registry())
                        .build()) {
            Lease other = rival.acquire(
                    "shared-1", AcquireOptions.builder().mode(LockMode.PR).build());
            TM.begin();
            Lease lease = readers.acquire(
                    "shared-1", AcquireOptions.builder().mode(LockMode.PR).build());
            assertEquals(LockMode.PR, lease.mode());
            database.insert(TM.getTransaction(), "shared-1", lease.fenceToken().value());

            TM.commit();

            assertEquals(1, counting.prepares("shared-1"), "prepared on its holder");
            assertEquals(1, counting.transactionalReleases("shared-1"), "released by the completion");
            assertEquals(LeaseState.RELEASED, lease.state());
            LeaseRecord after = store.read("shared-1").orElseThrow();
            assertEquals(1, after.holders().size(), after::toString);
            assertEquals("owner-b", after.holders().get(0).owner(), "the compatible reader keeps its lease");
            assertTrue(other.isValid());
            assertEquals(Optional.of(lease.fenceToken().value()), database.committedFence("shared-1"));
        }
    }

    // Issue 16: asking again in a stronger mode converts the transaction's lease; a weaker one reuses it.
    @Test
    void sameLockAskedAgainInAStrongerModeConvertsTheTransactionsLease() throws Exception {
        TM.begin();
        Lease reader = leases.acquire(
                "shared-2", AcquireOptions.builder().mode(LockMode.PR).build());
        long readFence = reader.fenceToken().value();
        assertSame(
                reader,
                leases.acquire(
                        "shared-2", AcquireOptions.builder().mode(LockMode.CR).build()));
        assertEquals(LockMode.PR, reader.mode(), "PR covers CR");
        assertSame(
                reader,
                leases.acquire(
                        "shared-2", AcquireOptions.builder().mode(LockMode.CW).build()));
        assertEquals(LockMode.PW, reader.mode(), "the least mode that covers PR and CW");
        assertTrue(reader.fenceToken().value() > readFence, "a conversion is a new grant");
        database.insert(TM.getTransaction(), "shared-2", reader.fenceToken().value());
        TM.commit();
        assertEquals(LeaseState.RELEASED, reader.state());
        assertEquals(List.of(), store.read("shared-2").orElseThrow().holders());
    }

    @Test
    void rollbackReleasesTheLeaseAndDiscardsTheRow() throws Exception {
        TM.begin();
        Lease lease = leases.acquire("order-2", AcquireOptions.defaults());
        database.insert(TM.getTransaction(), "order-2", lease.fenceToken().value());

        TM.rollback();

        assertReleased("order-2");
        assertEquals(Optional.empty(), database.committedFence("order-2"));
        assertEquals(0, plain.heldLeases());
    }

    @Test
    void leaseTakenOverBeforePrepareRollsTheTransactionBack() throws Exception {
        TM.begin();
        Lease lease = leases.acquire("order-3", SHORT_UNRENEWED);
        database.insert(TM.getTransaction(), "order-3", lease.fenceToken().value());
        Lease successor = rival.acquire("order-3", TAKE_OVER); // waits out the unrenewed lease

        RollbackException rollback = assertThrows(RollbackException.class, TM::commit);

        assertNamesLock(rollback, "order-3");
        assertEquals(Optional.empty(), database.committedFence("order-3"));
        LeaseRecord record = store.read("order-3").orElseThrow();
        assertEquals("owner-b", record.owner(), record::toString);
        assertEquals(successor.fenceToken(), record.fenceToken());
        assertEquals(LeaseState.LOST, lease.state());
    }

    @Test
    void leaseExpiredBeforePrepareRollsTheTransactionBack() throws Exception {
        TM.begin();
        Lease lease = leases.acquire("order-4", SHORT_UNRENEWED);
        database.insert(TM.getTransaction(), "order-4", lease.fenceToken().value());
        awaitTrue("the lease to expire locally", () -> !lease.isValid());

        RollbackException rollback = assertThrows(RollbackException.class, TM::commit);

        assertNamesLock(rollback, "order-4");
        assertEquals(Optional.empty(), database.committedFence("order-4"));
        assertNull(store.read("order-4").orElseThrow().transactionId());
    }

    @Test
    void onePhaseCommitOfTheOnlyResourceChecksAndReleases() throws Exception {
        TM.begin();
        leases.acquire("solo-1", AcquireOptions.defaults());
        TM.commit();
        assertReleased("solo-1");

        TM.begin();
        Lease lost = leases.acquire("solo-2", SHORT_UNRENEWED);
        rival.acquire("solo-2", TAKE_OVER);
        RollbackException rollback = assertThrows(RollbackException.class, TM::commit);
        assertNamesLock(rollback, "solo-2");
        assertEquals("owner-b", store.read("solo-2").orElseThrow().owner());
        assertEquals(LeaseState.LOST, lost.state());
    }

    @Test
    void twoLeasesAndOneDatabaseCommitTogether() throws Exception {
        TM.begin();
        Lease first = leases.acquire("pair-1", AcquireOptions.defaults());
        Lease second = leases.acquire("pair-2", AcquireOptions.defaults());
        database.insert(TM.getTransaction(), "pair", second.fenceToken().value());
        assertEquals(List.of(first, second), List.copyOf(published()));

        TM.commit();

        assertReleased("pair-1");
        assertReleased("pair-2");
        assertEquals(Optional.of(second.fenceToken().value()), database.committedFence("pair"));
    }

    @Test
    void secondLeaseLostRollsBackTheWholeTransaction() throws Exception {
        TM.begin();
        leases.acquire("both-1", AcquireOptions.defaults());
        leases.acquire("both-2", SHORT_UNRENEWED);
        database.insert(TM.getTransaction(), "both", 1);
        rival.acquire("both-2", TAKE_OVER);

        RollbackException rollback = assertThrows(RollbackException.class, TM::commit);

        assertNamesLock(rollback, "both-2");
        assertReleased("both-1");
        assertEquals("owner-b", store.read("both-2").orElseThrow().owner());
        assertEquals(Optional.empty(), database.committedFence("both"));
    }

    @Test
    void sameLockInSameTransactionIsTheSameLeaseEvenOnAnotherThread() throws Exception {
        TM.begin();
        Lease lease = leases.acquire("reentrant", AcquireOptions.defaults());
        assertSame(lease, leases.acquire("reentrant", AcquireOptions.defaults()));
        Transaction transaction = TM.suspend();

        ExecutorService other = Executors.newSingleThreadExecutor();
        try {
            Lease again = other.submit(() -> {
                        TM.resume(transaction);
                        Lease reacquired = leases.tryAcquire("reentrant", AcquireOptions.defaults())
                                .orElseThrow();
                        TM.commit();
                        return reacquired;
                    })
                    .get(30, TimeUnit.SECONDS);
            assertSame(lease, again);
        } finally {
            other.shutdownNow();
        }
        assertReleased("reentrant");
        assertEquals(
                1, FenceTokens.grantCount(store.read("reentrant").orElseThrow().fence()), "granted once");
    }

    @Test
    void staleHolderCommittingAfterTakeoverDoesNotReleaseTheNewHolder() throws Exception {
        AtomicReference<Lease> successor = new AtomicReference<>();
        TM.begin();
        Lease stale = leases.acquire(
                "stale",
                AcquireOptions.builder()
                        .leaseDuration(Duration.ofSeconds(3))
                        .heartbeatPeriod(Duration.ZERO)
                        .build());
        // Prepared after the lease (enlisted after it, at the end): the lease is prepared, then taken over.
        ScriptedXAResource takeover = new ScriptedXAResource(() -> successor.set(rival.acquire("stale", TAKE_OVER)));
        enlistAtTheEnd(takeover);

        TM.commit();

        assertEquals(List.of("start", "end", "prepare", "commit"), takeover.calls());
        LeaseRecord record = store.read("stale").orElseThrow();
        assertFalse(record.released(), record::toString);
        assertEquals("owner-b", record.owner());
        assertEquals(successor.get().fenceToken(), record.fenceToken());
        assertTrue(successor.get().isValid());
        assertEquals(LeaseState.LOST, stale.state());
    }

    @Test
    void leaseKeptAfterCommitWhenAskedAndClosedLater() throws Exception {
        TM.begin();
        Lease kept = leases.acquire(
                "kept", AcquireOptions.builder().releaseOnCompletion(false).build());
        TM.commit();

        LeaseRecord record = store.read("kept").orElseThrow();
        assertEquals("owner-a", record.owner());
        assertNull(record.transactionId());
        assertEquals(LeaseState.HELD, kept.state());
        assertEquals(1, plain.heldLeases());

        kept.close();
        assertReleased("kept");
    }

    @Test
    void closeInsideTheTransactionDefersTheReleaseToCompletion() throws Exception {
        TM.begin();
        try (Lease lease = leases.acquire("deferred", AcquireOptions.defaults())) {
            assertTrue(lease.isValid());
        }
        Lease again = leases.acquire("deferred", AcquireOptions.defaults());
        assertTrue(leases.release(again));
        assertEquals("owner-a", store.read("deferred").orElseThrow().owner(), "still held until commit");

        TM.commit();

        assertReleased("deferred");
    }

    @Test
    void leaseLostMidTransactionMarksItRollbackOnly() throws Exception {
        CompletableFuture<Lease> lostLease = new CompletableFuture<>();
        LeaseListener listener = new LeaseListener() {
            @Override
            public void onLost(Lease lease, LossCause cause, Throwable detail) {
                lostLease.complete(lease);
            }
        };
        TM.begin();
        Lease lease = leases.acquire(
                "mid",
                AcquireOptions.builder()
                        .leaseDuration(Duration.ofSeconds(3))
                        .heartbeatPeriod(Duration.ofMillis(50))
                        .listener(listener)
                        .build());
        intrude("mid"); // another writer overwrites the item: the next heartbeat fails its condition

        awaitTrue("the transaction to be marked rollback-only", () -> status() == Status.STATUS_MARKED_ROLLBACK);
        assertSame(lease, lostLease.get(5, TimeUnit.SECONDS));
        assertThrows(RollbackException.class, TM::commit);
        assertEquals("intruder", store.read("mid").orElseThrow().owner());
    }

    @Test
    void unrenewedLeaseMustOutliveTheTransactionTimeout() throws Exception {
        TM.setTransactionTimeout(5);
        TM.begin();
        leases.acquire("first", AcquireOptions.defaults()); // enlists; learns the timeout

        LeaseException tooShort = assertThrows(
                LeaseException.class,
                () -> leases.acquire(
                        "short",
                        AcquireOptions.builder()
                                .leaseDuration(Duration.ofSeconds(2))
                                .heartbeatPeriod(Duration.ZERO)
                                .build()));
        assertTrue(
                tooShort.getMessage().contains("'short'")
                        && tooShort.getMessage().contains("PT2S")
                        && tooShort.getMessage().contains("PT5S"),
                tooShort::getMessage);
        assertFalse(store.read("short").isPresent(), "nothing was acquired");

        leases.acquire(
                "renewed",
                AcquireOptions.builder().leaseDuration(Duration.ofSeconds(2)).build());
        leases.acquire(
                "long",
                AcquireOptions.builder()
                        .leaseDuration(Duration.ofSeconds(6))
                        .heartbeatPeriod(Duration.ZERO)
                        .build());
        TM.commit();
        assertReleased("renewed");
        assertReleased("long");
    }

    @Test
    void firstLeaseOfATransactionIsCheckedAgainstItsTimeoutToo() throws Exception {
        TM.setTransactionTimeout(5);
        TM.begin();
        assertThrows(LeaseException.class, () -> leases.acquire("first-short", SHORT_UNRENEWED));
        TM.commit(); // the enlisted resource holds no lease: commit still works
        assertFalse(store.read("first-short").isPresent());
    }

    @Test
    void outsideATransactionItIsThePlainClient() throws Exception {
        Lease lease = leases.acquire("plain", AcquireOptions.defaults());
        assertEquals("owner-a", store.read("plain").orElseThrow().owner());
        lease.close();
        assertReleased("plain");
        assertEquals(
                "owner-a",
                leases.acquireAsync("plain", AcquireOptions.defaults())
                        .get(10, TimeUnit.SECONDS)
                        .owner());
    }

    @Test
    void acquireAsyncInsideATransactionFails() throws Exception {
        TM.begin();
        CompletableFuture<Lease> future = leases.acquireAsync("async", AcquireOptions.defaults());
        ExecutionException failure = assertThrows(ExecutionException.class, () -> future.get(10, TimeUnit.SECONDS));
        assertInstanceOf(LeaseException.class, failure.getCause());
        TM.rollback();
    }

    @Test
    void acquireInARollbackOnlyTransactionFails() throws Exception {
        TM.begin();
        TM.setRollbackOnly();
        LeaseException failure =
                assertThrows(LeaseException.class, () -> leases.acquire("doomed", AcquireOptions.defaults()));
        assertEquals("doomed", failure.lockName());
        assertFalse(store.read("doomed").isPresent());
    }

    /**
     * Issue 12, item 1: the lease is released only after every other branch of its transaction has
     * completed. The lease branch is committed first; a second resource, enlisted after it, blocks in
     * its commit: meanwhile the lock stays held and a rival is not granted it.
     */
    @Test
    void nextHolderIsNeverGrantedWhileAnotherBranchIsStillCommitting() throws Exception {
        CountDownLatch inCommit = new CountDownLatch(1);
        CountDownLatch finishCommit = new CountDownLatch(1);
        TM.begin();
        Lease lease = leases.acquire("ordered", AcquireOptions.defaults());
        ScriptedXAResource slow = new ScriptedXAResource(null, () -> {
            inCommit.countDown();
            await(finishCommit);
        });
        enlistAtTheEnd(slow); // after the lease: Narayana commits the lease branch first
        Transaction transaction = TM.suspend();

        ExecutorService committer = Executors.newSingleThreadExecutor();
        try {
            Future<?> commit = committer.submit(() -> {
                TM.resume(transaction);
                TM.commit();
                return null;
            });
            assertTrue(inCommit.await(30, TimeUnit.SECONDS), "the second branch reached its commit");

            assertEquals(Optional.empty(), rival.tryAcquire("ordered", AcquireOptions.defaults()));
            LeaseRecord held = store.read("ordered").orElseThrow();
            assertFalse(held.released(), held::toString);
            assertEquals("owner-a", held.owner());

            finishCommit.countDown();
            commit.get(30, TimeUnit.SECONDS);
        } finally {
            finishCommit.countDown();
            committer.shutdownNow();
        }
        assertReleased("ordered");
        assertEquals(LeaseState.RELEASED, lease.state());
        assertEquals(List.of("start", "end", "prepare", "commit"), slow.calls());
        assertTrue(rival.tryAcquire("ordered", AcquireOptions.defaults()).isPresent());
    }

    /**
     * Issue 12, item 5: when the transaction times out while {@code acquire} waits for a held lock,
     * the wait ends with a {@link LeaseException} saying the transaction was rolled back, not after
     * the acquisition's own (here 30 s) wait timeout.
     */
    @Test
    void transactionTimeoutEndsAWaitingAcquire() throws Exception {
        Lease holder = rival.acquire("busy", AcquireOptions.defaults());
        TM.setTransactionTimeout(1);
        TM.begin();

        LeaseException failure = assertThrows(
                LeaseException.class,
                () -> leases.acquire(
                        "busy",
                        AcquireOptions.builder()
                                .waitTimeout(Duration.ofSeconds(30))
                                .build()));

        assertFalse(failure instanceof LeaseTimeoutException, failure::toString);
        assertTrue(failure.getMessage().contains("rolled back"), failure::getMessage);
        assertEquals("busy", failure.lockName());
        assertFalse(Thread.currentThread().isInterrupted(), "the interrupt that ended the wait is cleared");
        assertEquals("owner-b", store.read("busy").orElseThrow().owner());
        try {
            TM.rollback();
        } catch (IllegalStateException alreadyRolledBack) {
            // the reaper rolled it back
        }
        holder.close();
    }

    /**
     * Issue 10, smaller defect: a lease kept after its transaction is not invisible to the next one;
     * acquiring its lock again in another transaction fails at once instead of waiting on itself.
     */
    @Test
    void keptLeaseIsRefusedAtOnceInALaterTransaction() throws Exception {
        TM.begin();
        Lease kept = leases.acquire(
                "kept-again",
                AcquireOptions.builder().releaseOnCompletion(false).build());
        TM.commit();

        TM.begin();
        LeaseException refused = assertThrows(
                LeaseException.class,
                () -> leases.acquire(
                        "kept-again",
                        AcquireOptions.builder()
                                .waitTimeout(Duration.ofSeconds(30))
                                .build()));
        assertFalse(refused instanceof LeaseTimeoutException, refused::toString);
        assertTrue(refused.getMessage().contains("kept"), refused::getMessage);
        TM.rollback();

        kept.close();
        TM.begin();
        Lease again = leases.acquire("kept-again", AcquireOptions.defaults());
        TM.commit();
        assertTrue(again.fenceToken().compareTo(kept.fenceToken()) > 0);
        assertReleased("kept-again");
    }

    /**
     * Issue 12, item 1: the lease is checked as late as possible before the decision. The database
     * branch, enlisted after the lease was acquired (as the application writes), is prepared before
     * the lease branch (enlisted at the end of the transaction), so a lease overwritten while the
     * database prepares makes the lease branch vote rollback, instead of committing on a check made
     * before. (Before the fix the lease was prepared first and the transaction committed.)
     */
    @Test
    void leaseIsCheckedAfterTheBranchesEnlistedAfterIt() throws Exception {
        ScriptedXAResource database = new ScriptedXAResource(() -> intrude("late-check"));
        TM.begin();
        Lease lease = leases.acquire("late-check", AcquireOptions.defaults()); // renewed: it does not run out
        TM.getTransaction().enlistResource(database);

        RollbackException rollback = assertThrows(RollbackException.class, TM::commit);

        assertNamesLock(rollback, "late-check");
        assertEquals(List.of("start", "end", "prepare", "rollback"), database.calls());
        assertEquals("intruder", store.read("late-check").orElseThrow().owner());
        assertEquals(LeaseState.LOST, lease.state());
    }

    /** Enlists {@code resource} at the end of the transaction, after the lease branch. */
    private static void enlistAtTheEnd(XAResource resource) throws SystemException {
        Transaction transaction = TM.getTransaction();
        InProcessNarayana.registry().registerInterposedSynchronization(new Synchronization() {
            @Override
            public void beforeCompletion() {
                try {
                    transaction.enlistResource(resource);
                } catch (RollbackException | SystemException e) {
                    throw new IllegalStateException(e);
                }
            }

            @Override
            public void afterCompletion(int status) {}
        });
    }

    private static void await(CountDownLatch latch) {
        try {
            assertTrue(latch.await(30, TimeUnit.SECONDS), "the test let the commit finish");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    @SuppressWarnings("unchecked")
    private static Collection<Lease> published() {
        Object published = InProcessNarayana.registry().getResource(TransactionLeases.REGISTRY_KEY);
        assertNotNull(published, "leases published under " + TransactionLeases.REGISTRY_KEY);
        return (Collection<Lease>) published;
    }

    private void assertReleased(String name) {
        LeaseRecord record = store.read(name).orElseThrow();
        assertTrue(record.released(), record::toString);
        assertNull(record.transactionId(), record::toString);
    }

    /** Overwrites the lock's item as another client that ignored the lease would. */
    private void intrude(String name) {
        for (int attempt = 0; attempt < 20; attempt++) { // a heartbeat may change the version in between
            LeaseRecord current = store.read(name).orElseThrow();
            GrantRequest takeover = new GrantRequest(
                    name, "intruder", "node-x", "intruder-version", Duration.ofSeconds(30), null, current.version());
            if (store.tryGrant(takeover).succeeded()) {
                return;
            }
        }
        throw new AssertionError("could not overwrite lock '" + name + "'");
    }

    private static int status() {
        try {
            return TM.getStatus();
        } catch (SystemException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Asserts that the rollback's causes or suppressed exceptions name the lock, and carry an XA_RB* vote. */
    static void assertNamesLock(Throwable rollback, String name) {
        List<Throwable> chain = new ArrayList<>();
        collect(rollback, chain);
        boolean named = chain.stream()
                .anyMatch(t -> t != rollback
                        && t.getMessage() != null
                        && t.getMessage().contains("'" + name + "'"));
        assertTrue(named, () -> "no cause names lock '" + name + "': " + chain);
        assertTrue(
                chain.stream()
                        .anyMatch(t -> t instanceof XAException x
                                && x.errorCode >= XAException.XA_RBBASE
                                && x.errorCode <= XAException.XA_RBEND),
                () -> "no XA_RB* vote among " + chain);
    }

    private static void collect(Throwable throwable, List<Throwable> chain) {
        if (throwable == null || chain.contains(throwable)) {
            return;
        }
        chain.add(throwable);
        collect(throwable.getCause(), chain);
        for (Throwable suppressed : throwable.getSuppressed()) {
            collect(suppressed, chain);
        }
    }

    static void awaitTrue(String what, BooleanSupplier condition) {
        dev.txlease.testing.Await.until(what, condition);
    }
}
