package dev.txlease.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.txlease.AcquireOptions;
import dev.txlease.Lease;
import dev.txlease.LeaseDeadlockException;
import dev.txlease.LeaseException;
import dev.txlease.LeaseState;
import dev.txlease.LockMode;
import dev.txlease.dynamodb.DynamoDbLeaseStore;
import dev.txlease.jta.TransactionalLeaseClient;
import dev.txlease.spi.LeaseRecord;
import dev.txlease.spi.LeaseWaiter;
import dev.txlease.testing.Await;
import dev.txlease.testing.DynamoDbLocal;
import dev.txlease.testing.InProcessNarayana;
import dev.txlease.testing.ManualClock;
import dev.txlease.testing.NoOpXAResource;
import jakarta.transaction.RollbackException;
import jakarta.transaction.TransactionManager;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import javax.transaction.xa.Xid;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * Issue 16, adversarial, part two: shared-mode leases in Narayana transactions with lost answers,
 * the waiter marker against closes and dead waiters, and conversions that wait for each other. Over
 * loopback HTTP to DynamoDB Local with the SDK's retries on.
 */
class LockModeAdversaryJtaTest {
    @RegisterExtension
    static final DynamoDbLocal DYNAMO = DynamoDbLocal.server();

    @RegisterExtension
    static final InProcessNarayana NARAYANA = new InProcessNarayana();

    static final TransactionManager TM = InProcessNarayana.transactionManager();
    static final Duration DEADLINE = Duration.ofSeconds(30);
    static final Duration LEASE = Duration.ofSeconds(10);

    DynamoDbLeaseStore store;
    final List<AutoCloseable> closing = new ArrayList<>();

    @BeforeEach
    void newTable() {
        store = DYNAMO.newStore();
    }

    @AfterEach
    void close() throws Exception {
        DYNAMO.faults().reset();
        if (TM.getTransaction() != null) {
            TM.rollback();
        }
        for (AutoCloseable each : closing) {
            each.close();
        }
    }

    DefaultLeaseClient client(String owner, LeaseClock clock) {
        DefaultLeaseClient.Builder builder =
                DefaultLeaseClient.builder(store).owner(owner).node("node-" + owner);
        if (clock != null) {
            builder.clock(clock);
        }
        DefaultLeaseClient client = builder.build();
        closing.add(client);
        return client;
    }

    DefaultLeaseClient client(String owner) {
        return client(owner, null);
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

    /** A lease that outlives Narayana's default transaction timeout without heartbeats. */
    static AcquireOptions transactional(LockMode mode) {
        return in(mode).toBuilder().leaseDuration(Duration.ofMinutes(5)).build();
    }

    LeaseRecord record(String name) {
        return store.read(name).orElseThrow();
    }

    long counter(String name, LockMode mode) {
        AttributeValue value = DYNAMO.client()
                .getItem(request -> request.tableName(store.tableName())
                        .key(Map.of("name", AttributeValue.fromS(name)))
                        .consistentRead(true))
                .item()
                .get("h_" + mode.name());
        return value == null ? 0 : Long.parseLong(value.n());
    }

    TransactionalLeaseClient transactional(DefaultLeaseClient client) {
        TransactionalLeaseClient leases = TransactionalLeaseClient.builder(client, TM)
                .registry(InProcessNarayana.registry())
                .build();
        closing.add(0, leases);
        return leases;
    }

    // HELD: a PR lease in a two-phase transaction whose prepare answer is lost on every attempt: the
    // transaction rolls back, the prepared holder is released by the rollback, the other reader stays,
    // the counter is exact and no prepared branch is left.
    @Test
    void aSharedLeaseWhosePrepareAnswersAreAllLostRollsBackCleanly() throws Exception {
        Lease other = client("other").acquire("jta-lost", transactional(LockMode.PR));
        TransactionalLeaseClient leases = transactional(client("tx"));
        TM.begin();
        TM.getTransaction().enlistResource(new HookedResource(() -> DYNAMO.faults()
                .dropResponses("UpdateItem", DYNAMO.maxAttempts())));
        Lease lease = leases.acquire("jta-lost", transactional(LockMode.PR));
        assertThrows(RollbackException.class, TM::commit);
        DYNAMO.faults().reset();

        assertEquals(LeaseState.RELEASED, lease.state());
        LeaseRecord after = record("jta-lost");
        assertEquals(1, after.holders().size(), after::toString);
        assertEquals("other", after.holders().get(0).owner());
        assertEquals(1, counter("jta-lost", LockMode.PR));
        assertEquals(List.of(), store.findPrepared("node-tx"), "no prepared branch is left");
        assertTrue(other.isValid());
    }

    // HELD: a kept PR lease (releaseOnCompletion false) whose completion answer is lost stays held,
    // renewable, without its transaction; its later release counts it out once.
    @Test
    void aKeptSharedLeaseWhoseCompletionAnswerIsLostStaysHeld() throws Exception {
        client("other").acquire("jta-kept", transactional(LockMode.PR));
        TransactionalLeaseClient leases = transactional(client("tx"));
        TM.begin();
        HookedResource hook = new HookedResource(null);
        hook.onCommit = () -> DYNAMO.faults().dropResponses("UpdateItem", 1);
        TM.getTransaction().enlistResource(hook); // first: its commit runs before the lease's completion
        Lease lease = leases.acquire(
                "jta-kept",
                transactional(LockMode.PR).toBuilder()
                        .releaseOnCompletion(false)
                        .build());
        long token = lease.fenceToken().value();
        DYNAMO.requests().reset();
        TM.commit();
        DYNAMO.faults().reset();
        assertEquals(3, DYNAMO.requests().count("UpdateItem"), "prepare, completion, its retry by the SDK");

        assertEquals(LeaseState.HELD, lease.state());
        assertTrue(lease.isValid());
        assertEquals(token, lease.fenceToken().value());
        LeaseRecord after = record("jta-kept");
        assertEquals(2, after.holders().size(), after::toString);
        after.holders().forEach(holder -> assertNull(holder.transactionId(), after::toString));
        leases.renew(lease);
        assertEquals(2, counter("jta-kept", LockMode.PR));
        assertTrue(leases.release(lease));
        assertEquals(1, counter("jta-kept", LockMode.PR));
        assertEquals(List.of(), store.findPrepared("node-tx"));
    }

    // HELD: closing a client whose EX request queues behind readers removes its waiter marker.
    @Test
    void closingAQueuedClientRemovesItsMarker() throws Exception {
        Lease reader = client("reader").acquire("closing", in(LockMode.PR));
        DefaultLeaseClient writer = client("writer");
        CompletableFuture<Lease> waiting = writer.acquireAsync("closing", in(LockMode.EX));
        Await.until("the writer queued", () -> record("closing").waiter() != null);
        DefaultLeaseClient syncWriter = client("sync-writer");
        CompletableFuture<Object> blocked = CompletableFuture.supplyAsync(() -> {
            try {
                return syncWriter.acquire("closing", in(LockMode.PW));
            } catch (LeaseException e) {
                return e;
            }
        });
        writer.close();
        ExecutionException failure =
                assertThrows(ExecutionException.class, () -> waiting.get(DEADLINE.toSeconds(), TimeUnit.SECONDS));
        assertInstanceOf(LeaseException.class, failure.getCause());
        Await.until("the closed writer's marker went", () -> Optional.ofNullable(
                        record("closing").waiter())
                .map(LeaseWaiter::owner)
                .filter("writer"::equals)
                .isEmpty());
        Await.until("the second writer queued", () -> record("closing").waiter() != null);
        syncWriter.close();
        assertInstanceOf(LeaseException.class, blocked.get(DEADLINE.toSeconds(), TimeUnit.SECONDS));
        Await.until(
                "the closed sync writer's marker went", () -> record("closing").waiter() == null);
        assertTrue(client("late").tryAcquire("closing", in(LockMode.PR)).isPresent());
        assertTrue(reader.isValid());
    }

    // HELD: a waiter that died (its marker never refreshed) blocks a reader only until the reader saw
    // the marker unchanged for the marker's lease on its own clock; not a moment less.
    @Test
    void aDeadWaitersMarkerIsReplacedAfterItsLeaseOnly() {
        client("reader").acquire("dead-waiter", in(LockMode.PR));
        store.markWaiting(
                "dead-waiter", new LeaseWaiter("deadWaiterId0001", LockMode.EX, "ghost", "ghostVersion", LEASE), null);
        ManualClock clock = new ManualClock();
        DefaultLeaseClient late = client("late", clock);
        assertEquals(Optional.empty(), late.tryAcquire("dead-waiter", in(LockMode.PR)));
        clock.advance(LEASE.minusMillis(1));
        assertEquals(Optional.empty(), late.tryAcquire("dead-waiter", in(LockMode.PR)), "replaced too early");
        clock.advance(Duration.ofMillis(2));
        Lease granted = late.tryAcquire("dead-waiter", in(LockMode.PR)).orElseThrow();
        assertEquals(LockMode.PR, granted.mode());
        assertNull(record("dead-waiter").waiter(), "the dead marker was removed by the grant");
        assertEquals(2, counter("dead-waiter", LockMode.PR));
    }

    // DEFECT: two readers converting to EX wait for each other until their wait timeouts, which DLMs
    // detect as a conversion deadlock and refuse at once; here neither can ever succeed and both
    // spend the whole wait (each conversion's condition needs h_PR = 1, its own holder).
    // The refused one keeps its PR lease (a failed conversion keeps mode and token) and, as a
    // deadlock victim should, releases it: the other conversion then proceeds.
    @Test
    void twoReadersConvertingToExclusiveAreNotLeftToDeadlockUntilTheirTimeout() throws Exception {
        AcquireOptions patient =
                in(LockMode.PR).toBuilder().waitTimeout(Duration.ofSeconds(4)).build();
        Lease first = client("first").acquire("convert-deadlock", patient);
        Lease second = client("second").acquire("convert-deadlock", patient);
        long start = System.nanoTime();
        CompletableFuture<Object> one = convert(first).thenApply(outcome -> releaseIfDeadlocked(first, outcome));
        CompletableFuture<Object> two = convert(second).thenApply(outcome -> releaseIfDeadlocked(second, outcome));
        Object a = one.get(DEADLINE.toSeconds(), TimeUnit.SECONDS);
        Object b = two.get(DEADLINE.toSeconds(), TimeUnit.SECONDS);
        Duration took = Duration.ofNanos(System.nanoTime() - start);
        String outcomes = "after " + took + " first got " + a + ", second got " + b;
        assertTrue(
                "converted".equals(a) && b instanceof LeaseDeadlockException
                        || "converted".equals(b) && a instanceof LeaseDeadlockException,
                "conversion deadlock: " + outcomes);
        assertTrue(took.compareTo(Duration.ofSeconds(2)) < 0, "not refused at once: " + outcomes);
        LeaseDeadlockException refused = (LeaseDeadlockException) (a instanceof LeaseDeadlockException ? a : b);
        String other = a instanceof LeaseDeadlockException ? "second" : "first";
        assertEquals("convert-deadlock", refused.lockName());
        assertEquals(other, refused.otherOwner());
        assertTrue(refused.getMessage().contains("'convert-deadlock'")
                && refused.getMessage().contains(other));
        assertFalse(first.mode() == LockMode.EX && second.mode() == LockMode.EX);
    }

    private static Object releaseIfDeadlocked(Lease lease, Object outcome) {
        if (outcome instanceof LeaseDeadlockException) {
            assertEquals(LockMode.PR, lease.mode(), "a refused conversion keeps its mode");
            lease.close();
        }
        return outcome;
    }

    // HELD: a lease converted PR -> EX inside a two-phase transaction is prepared and released on
    // its EX holder; the PR holder is gone, the counter is zero and no branch is left.
    @Test
    void aLeaseConvertedInsideATransactionIsPreparedAndReleasedInItsNewMode() throws Exception {
        TransactionalLeaseClient leases = transactional(client("tx"));
        TM.begin();
        TM.getTransaction().enlistResource(new HookedResource(null));
        Lease lease = leases.acquire("jta-convert", transactional(LockMode.PR));
        long readToken = lease.fenceToken().value();
        lease.convert(LockMode.EX);
        assertEquals(LockMode.EX, lease.mode());
        assertTrue(lease.fenceToken().value() > readToken);
        TM.commit();
        assertEquals(LeaseState.RELEASED, lease.state());
        LeaseRecord after = record("jta-convert");
        assertTrue(after.released(), after::toString);
        assertEquals(List.of(), after.holders());
        assertEquals(0, counter("jta-convert", LockMode.PR));
        assertEquals(List.of(), store.findPrepared("node-tx"));
        assertTrue(client("next").tryAcquire("jta-convert", in(LockMode.EX)).isPresent());
    }

    private static CompletableFuture<Object> convert(Lease lease) {
        return CompletableFuture.supplyAsync(() -> {
            try {
                lease.convert(LockMode.EX);
                return "converted";
            } catch (LeaseException e) {
                return e;
            }
        });
    }

    /** A second XA branch so that Narayana runs two phases; runs a hook at its prepare and commit. */
    static final class HookedResource extends NoOpXAResource {
        private static final long serialVersionUID = 1L;
        final transient Runnable onPrepare;
        transient volatile Runnable onCommit;

        HookedResource(Runnable onPrepare) {
            this.onPrepare = onPrepare;
        }

        @Override
        public int prepare(Xid xid) {
            if (onPrepare != null) {
                onPrepare.run();
            }
            return XA_OK;
        }

        @Override
        public void commit(Xid xid, boolean onePhase) {
            if (onCommit != null) {
                onCommit.run();
            }
        }
    }
}
