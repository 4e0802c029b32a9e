package dev.txlease.spring;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.txlease.FenceToken;
import dev.txlease.client.DefaultLeaseClient;
import dev.txlease.spi.LeaseStore;
import dev.txlease.spring.integration.TxleaseLock;
import dev.txlease.spring.integration.TxleaseLockRegistry;
import dev.txlease.spring.shedlock.TxleaseLockProvider;
import dev.txlease.testing.Await;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;
import net.javacrumbs.shedlock.core.LockConfiguration;
import net.javacrumbs.shedlock.core.SimpleLock;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A node that died holding a lock (its client stopped renewing, nothing released it): the other
 * node's repeated non-waiting attempts, ShedLock's or a lock registry's {@code tryLock()}, take the
 * lock over once its lease ran out on their own clock, and not before.
 */
class DeadNodeTakeoverTest {
    private static final Duration LEASE = Duration.ofMillis(600);

    private final ExecutorService deadNodeThread = Executors.newSingleThreadExecutor();
    private LeaseStore store;
    private DefaultLeaseClient deadClient;
    private DefaultLeaseClient liveClient;

    @BeforeEach
    void twoNodes() {
        store = SpringTestKitAccess.dynamo().newStore();
        deadClient = DefaultLeaseClient.builder(store).owner("dead-node").build();
        liveClient = DefaultLeaseClient.builder(store).owner("live-node").build();
    }

    @AfterEach
    void stop() {
        deadNodeThread.shutdownNow();
        deadClient.close();
        liveClient.close();
    }

    @Test
    void repeatedShedLockAttemptsTakeOverTheLockOfADeadNode() throws Exception {
        LockConfiguration job = new LockConfiguration(Instant.now(), "nightly", LEASE, Duration.ZERO);
        try (TxleaseLockProvider dead = new TxleaseLockProvider(deadClient);
                TxleaseLockProvider live = new TxleaseLockProvider(liveClient)) {
            FenceToken deadToken = onTheDeadNode(() -> {
                dead.lock(job).orElseThrow(); // its task never ends
                return dead.currentLease("nightly").orElseThrow().fenceToken();
            });
            AtomicReference<SimpleLock> taken = new AtomicReference<>();
            assertTakenOverByRepeatedAttempts(() -> {
                Optional<SimpleLock> lock = live.lock(job);
                lock.ifPresent(taken::set);
                return lock.isPresent();
            });
            FenceToken token = live.currentLease("nightly").orElseThrow().fenceToken();
            assertTrue(token.compareTo(deadToken) > 0, token + " after " + deadToken);
            taken.get().unlock();
        }
    }

    @Test
    void repeatedTryLockCallsTakeOverTheLockOfADeadNode() throws Exception {
        try (TxleaseLockRegistry dead = new TxleaseLockRegistry(deadClient, LEASE);
                TxleaseLockRegistry live = new TxleaseLockRegistry(liveClient, LEASE)) {
            FenceToken deadToken = onTheDeadNode(() -> {
                TxleaseLock lock = dead.obtain("leader");
                assertTrue(lock.tryLock()); // never unlocked
                return lock.fenceToken();
            });
            TxleaseLock lock = live.obtain("leader");
            assertTakenOverByRepeatedAttempts(lock::tryLock);
            assertTrue(lock.fenceToken().compareTo(deadToken) > 0, lock.fenceToken() + " after " + deadToken);
            lock.unlock();
        }
    }

    /** Runs {@code holding} on the dead node's thread, then kills the node: no renewal, no release. */
    private FenceToken onTheDeadNode(Callable<FenceToken> holding) throws Exception {
        FenceToken token = deadNodeThread.submit(holding).get(30, TimeUnit.SECONDS);
        deadClient.close();
        return token;
    }

    /** Tries every 20 ms, as a scheduler would, until {@code attempt} succeeds; not before a lease. */
    private static void assertTakenOverByRepeatedAttempts(BooleanSupplier attempt) {
        long first = System.nanoTime();
        assertFalse(attempt.getAsBoolean(), "the lock was free while the dead node's lease ran");
        assertTrue(
                Await.reached(Await.DEADLINE, Duration.ofMillis(20), attempt),
                "repeated attempts never took over the dead node's lock");
        long waited = System.nanoTime() - first;
        assertTrue(
                waited >= LEASE.toNanos(),
                "taken over after " + Duration.ofNanos(waited) + ", before the lease ran out");
    }
}
