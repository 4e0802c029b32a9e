package dev.txlease.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.txlease.AcquireOptions;
import dev.txlease.Lease;
import dev.txlease.LeaseListener;
import dev.txlease.client.LeaseClock;
import dev.txlease.spi.ForwardingLeaseStore;
import dev.txlease.spi.LeaseStore;
import dev.txlease.testing.DynamoDbLocal;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Issue 10, item 9: heartbeats under overload. Renewals go through a gate that holds them, as a slow
 * or overloaded store would: the queue holds at most one beat per lease, due beats run nearest
 * expiry first, late renewals are reported, and renewal threads are started from demand.
 */
class HeartbeatSchedulerTest {
    @RegisterExtension
    static final DynamoDbLocal dynamo = DynamoDbLocal.embedded();

    private static final Duration DEADLINE = Duration.ofSeconds(20);
    private static final Duration PERIOD = Duration.ofMillis(20);

    private final GatedRenewals store = new GatedRenewals(dynamo.newStore());
    private LeaseEngine engine;

    @AfterEach
    void close() {
        store.open();
        if (engine != null) {
            engine.close();
        }
    }

    @Test
    void aSlowStoreQueuesAtMostOneBeatPerLeaseAndLateRenewalsAreReported() {
        engine = new LeaseEngine(store, "owner", "node", LeaseClock.system(), 1);
        Map<String, Duration> late = new ConcurrentHashMap<>();
        LeaseListener listener = new LeaseListener() {
            @Override
            public void onRenewalLate(Lease lease, Duration delay) {
                late.put(lease.name(), delay);
            }
        };
        store.close();
        List<ManagedLease> leases = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            leases.add(acquire("slow-" + i, Duration.ofSeconds(30), listener));
        }
        await("a renewal is held at the gate", () -> store.held() == 1);
        long start = System.nanoTime();
        await(
                "20 periods pass",
                () -> System.nanoTime() - start > PERIOD.multipliedBy(20).toNanos());

        assertEquals(9, engine.heartbeats().pending(), "one beat per lease, the held one excluded");

        store.open();
        await("every lease is renewed after the gate opens", () -> store.renewedNames()
                .containsAll(names(leases)));
        await("late renewals are reported", () -> !late.isEmpty());
        assertTrue(late.values().stream().allMatch(delay -> delay.compareTo(PERIOD.dividedBy(2)) > 0), late::toString);
        assertTrue(leases.stream().allMatch(ManagedLease::isValid));
    }

    @Test
    void dueBeatsRunNearestExpiryFirst() {
        engine = new LeaseEngine(store, "owner", "node", LeaseClock.system(), 1);
        store.close();
        acquire("first", Duration.ofSeconds(30), LeaseListener.NONE);
        await("the first lease's renewal is held at the gate", () -> store.held() == 1);
        acquire("long", Duration.ofSeconds(60), LeaseListener.NONE);
        acquire("short", Duration.ofSeconds(5), LeaseListener.NONE);
        long start = System.nanoTime();
        await(
                "both beats are due",
                () -> System.nanoTime() - start > PERIOD.multipliedBy(3).toNanos());

        store.open();

        await("both renewed", () -> store.renewedNames().containsAll(List.of("short", "long")));
        List<String> order = store.renewedNames();
        assertTrue(order.indexOf("short") < order.indexOf("long"), order::toString);
    }

    @Test
    void renewalThreadsStartFromDemand() {
        int concurrent = 8;
        engine = new LeaseEngine(store, "owner", "node", LeaseClock.system(), 64);
        store.holdUntilConcurrent(concurrent);
        for (int i = 0; i < concurrent; i++) {
            acquire("busy-" + i, Duration.ofSeconds(30), LeaseListener.NONE);
        }

        await(concurrent + " renewals in flight at once", () -> store.maxConcurrent() >= concurrent);
        assertTrue(engine.heartbeats().threads() <= 64);
    }

    @Test
    void fewLeasesRunOnFewThreads() {
        engine = new LeaseEngine(store, "owner", "node", LeaseClock.system(), 64);
        acquire("one", Duration.ofSeconds(30), LeaseListener.NONE);
        await("renewed twice", () -> store.renewedNames().size() >= 2);

        assertTrue(engine.heartbeats().threads() <= 2, () -> engine.heartbeats().threads() + " threads");
    }

    private ManagedLease acquire(String name, Duration lease, LeaseListener listener) {
        AcquireOptions options = AcquireOptions.builder()
                .leaseDuration(lease)
                .heartbeatPeriod(PERIOD)
                .listener(listener)
                .build();
        return engine.acquire(name, options, false).orElseThrow();
    }

    private static List<String> names(List<ManagedLease> leases) {
        return leases.stream().map(ManagedLease::name).toList();
    }

    private static void await(String what, BooleanSupplier condition) {
        long deadline = System.nanoTime() + DEADLINE.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - deadline > 0) {
                throw new AssertionError("not within " + DEADLINE + ": " + what);
            }
            Thread.onSpinWait();
            try {
                Thread.sleep(1);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted waiting for " + what, e);
            }
        }
    }

    /** Holds renewals at a gate; records the order in which they reach the store. Thread-safe. */
    private static final class GatedRenewals extends ForwardingLeaseStore {
        private volatile CountDownLatch gate = new CountDownLatch(0);
        private final AtomicInteger held = new AtomicInteger();
        private final AtomicInteger inFlight = new AtomicInteger();
        private final AtomicInteger maxConcurrent = new AtomicInteger();
        private final List<String> renewed = new CopyOnWriteArrayList<>();
        private volatile CountDownLatch concurrent = new CountDownLatch(0);

        GatedRenewals(LeaseStore store) {
            super(store);
        }

        void close() {
            gate = new CountDownLatch(1);
        }

        void open() {
            gate.countDown();
            concurrent = new CountDownLatch(0);
        }

        /** Holds each renewal until {@code count} are in flight at once. */
        void holdUntilConcurrent(int count) {
            concurrent = new CountDownLatch(count);
        }

        int held() {
            return held.get();
        }

        int maxConcurrent() {
            return maxConcurrent.get();
        }

        List<String> renewedNames() {
            return List.copyOf(renewed);
        }

        @Override
        protected <T> T forward(String operation, String lockName, Supplier<T> call) {
            if (!operation.equals("renew")) {
                return call.get();
            }
            int now = inFlight.incrementAndGet();
            maxConcurrent.accumulateAndGet(now, Math::max);
            try {
                held.incrementAndGet();
                try {
                    gate.await(DEADLINE.toMillis(), TimeUnit.MILLISECONDS);
                    CountDownLatch together = concurrent;
                    together.countDown();
                    together.await(DEADLINE.toMillis(), TimeUnit.MILLISECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                } finally {
                    held.decrementAndGet();
                }
                renewed.add(lockName);
                return call.get();
            } finally {
                inFlight.decrementAndGet();
            }
        }
    }
}
