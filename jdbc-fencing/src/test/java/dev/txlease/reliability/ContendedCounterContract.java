package dev.txlease.reliability;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.txlease.AcquireOptions;
import dev.txlease.Lease;
import dev.txlease.LeaseStoreUnavailableException;
import dev.txlease.client.DefaultLeaseClient;
import dev.txlease.reliability.FencedCounter.Outcome;
import dev.txlease.spi.LeaseStore;
import dev.txlease.testing.Await;
import dev.txlease.testing.DynamoDbLocal;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.List;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Scenario 3: {@value #WORKERS} workers, each a lease client of its own (a process), increment one
 * counter under one lock with short heartbeated leases, and chaos on a seeded random schedule:
 *
 * <ul>
 *   <li>{@link Chaos#PAUSE_BEFORE_WRITE}: the process freezes (worker and heartbeats) while holding
 *       the lease, until a newer holder has committed; then it writes anyway;
 *   <li>{@link Chaos#PAUSE_BEFORE_COMMIT}: the process freezes after its fence check, before COMMIT,
 *       until a newer holder has been granted the lease; then it commits;
 *   <li>{@link Chaos#PARTITION}: the store becomes unreachable from the process, so its heartbeats
 *       fail and the lease is lost, until a newer holder has committed; then it writes anyway.
 * </ul>
 *
 * <p>A pause also ends when every other worker is paused or finished, or after a patience of two
 * seconds (an older holder blocked on the paused one's guard row cannot be overtaken by anyone). Worker 0 starts first, with a
 * pause before its write, and the others' first attempts are calm, so every run has at least one
 * write rejected after a newer commit. The checker must find
 * an exact count and monotone fences; each pause's outcome is asserted too. A subclass names the
 * database and isolation level; under snapshot isolation a {@link Outcome#CONFLICT} is an acceptable
 * abort.
 */
abstract class ContendedCounterContract {
    @RegisterExtension
    static final DynamoDbLocal DYNAMO = DynamoDbLocal.embedded();

    static final int WORKERS = 8;
    private static final Duration PAUSE_LIMIT = Duration.ofSeconds(20);
    // A pause can wait for a worker that waits for it (an older holder blocked on the paused one's
    // guard row cannot be overtaken by anyone else): after this long it ends anyway, as GAVE_UP.
    private static final Duration PATIENCE = Duration.ofSeconds(2);
    private static final Duration PAUSE_POLL = Duration.ofMillis(10);
    private static final AcquireOptions OPTIONS = AcquireOptions.builder()
            .leaseDuration(Duration.ofMillis(250))
            .heartbeatPeriod(Duration.ofMillis(50))
            .waitTimeout(Duration.ofMinutes(2))
            .pollInterval(Duration.ofMillis(40))
            .build();

    /** What happens to a worker while it holds the lease. */
    enum Chaos {
        NONE,
        PAUSE_BEFORE_WRITE,
        PAUSE_BEFORE_COMMIT,
        PARTITION
    }

    /** Why a pause ended. */
    enum Resume {
        NOT_PAUSED,
        NEWER_COMMIT,
        NEWER_GRANT,
        NOBODY_LEFT,
        GAVE_UP
    }

    /** One attempt of one worker. */
    record Attempt(String worker, long fence, Chaos chaos, Resume resume, Outcome outcome) {}

    private final Supplier<DataSource> database;
    private final int isolation;
    private final String tablePrefix;
    private final boolean snapshotConflicts;

    /**
     * Declares the database and isolation level a subclass runs the scenario on.
     *
     * @param database the database, or a supplier that skips the test; called by the test
     * @param isolation the JDBC isolation level, or {@code TRANSACTION_NONE} for the database's default
     * @param tablePrefix the prefix of this variant's tables
     * @param snapshotConflicts whether the isolation level may answer a blocked fence check with a
     *     serialization failure
     */
    ContendedCounterContract(
            Supplier<DataSource> database, int isolation, String tablePrefix, boolean snapshotConflicts) {
        this.database = database;
        this.isolation = isolation;
        this.tablePrefix = tablePrefix;
        this.snapshotConflicts = snapshotConflicts;
    }

    @Test
    void eightWorkersWithRandomPausesAndLeaseLossesKeepAnExactCountAndMonotoneFences() throws Exception {
        FencedCounter counter = FencedCounter.create(database.get(), tablePrefix, isolation);
        String lock = "contended-" + UUID.randomUUID();
        counter.addLock(lock);
        LeaseStore store = DYNAMO.newStore();
        long seed = Rounds.seed();
        int attempts = Rounds.scaled(4);
        Run run = new Run(counter, store, lock, seed);
        long started = System.nanoTime();
        ExecutorService pool = Executors.newFixedThreadPool(WORKERS);
        List<DefaultLeaseClient> clients = new ArrayList<>();
        try {
            List<Future<?>> workers = new ArrayList<>();
            for (int index = 0; index < WORKERS; index++) {
                PausableStore process = new PausableStore(store);
                DefaultLeaseClient client = DefaultLeaseClient.builder(process)
                        .owner("worker-" + index)
                        .node("worker-" + index)
                        .build();
                clients.add(client);
                int worker = index;
                workers.add(pool.submit(() -> {
                    try {
                        run.work(worker, client, process, attempts);
                    } finally {
                        run.idle.incrementAndGet();
                    }
                    return null;
                }));
            }
            for (Future<?> worker : workers) {
                try {
                    worker.get(5, TimeUnit.MINUTES);
                } catch (ExecutionException e) {
                    throw new AssertionError("a worker failed (seed " + seed + ")", e.getCause());
                }
            }
        } finally {
            pool.shutdownNow();
            clients.forEach(DefaultLeaseClient::close);
        }

        List<Attempt> log = run.attempts;
        String context = " (seed " + seed + ", " + Rounds.SEED_PROPERTY + " repeats it)";
        assertEquals(WORKERS * attempts, log.size());
        long committed = count(log, Outcome.COMMITTED);
        WriteHistory.Verdict verdict = counter.check();
        assertTrue(verdict.isSafe(), () -> "history checker: " + verdict.violations() + context);
        assertEquals(committed, verdict.writes(lock), "committed increments vs history" + context);
        assertEquals(committed, counter.counter(lock), "lost updates" + context);
        for (Attempt attempt : log) {
            if (attempt.resume() == Resume.NEWER_COMMIT) {
                // rejected: stale, or (snapshot isolation) a conflict with a still newer holder's check
                assertTrue(
                        attempt.outcome() == Outcome.STALE || attempt.outcome() == Outcome.CONFLICT,
                        "a write after a newer commit" + context + ": " + attempt);
            }
            if (attempt.chaos() == Chaos.PAUSE_BEFORE_COMMIT && attempt.resume() != Resume.NOT_PAUSED) {
                // paused after its check passed (a check that failed never reached the pause)
                assertEquals(Outcome.COMMITTED, attempt.outcome(), "a checked transaction" + context + ": " + attempt);
            }
            if (attempt.outcome() == Outcome.CONFLICT) {
                assertTrue(snapshotConflicts, "a serialization failure at READ COMMITTED" + context + ": " + attempt);
            }
        }
        assertTrue(
                log.stream().anyMatch(attempt -> attempt.resume() == Resume.NEWER_COMMIT),
                "worker 0's pause did not outlast a newer commit" + context);
        System.out.printf(
                "%s: %d attempts by %d workers in %d ms: %d committed, %d stale, %d conflict; chaos %s;"
                        + " pauses ended by %s; seed %d%n",
                getClass().getSimpleName(),
                log.size(),
                WORKERS,
                TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started),
                committed,
                count(log, Outcome.STALE),
                count(log, Outcome.CONFLICT),
                log.stream()
                        .collect(Collectors.groupingBy(
                                Attempt::chaos, () -> new EnumMap<>(Chaos.class), Collectors.counting())),
                log.stream()
                        .filter(attempt -> attempt.resume() != Resume.NOT_PAUSED)
                        .collect(Collectors.groupingBy(
                                Attempt::resume, () -> new EnumMap<>(Resume.class), Collectors.counting())),
                seed);
    }

    private static long count(List<Attempt> log, Outcome outcome) {
        return log.stream().filter(attempt -> attempt.outcome() == outcome).count();
    }

    /** The shared state of one run. Thread-safe. */
    private static final class Run {
        final FencedCounter counter;
        final LeaseStore store;
        final String lock;
        final long seed;
        final AtomicInteger idle = new AtomicInteger(); // workers paused or finished
        final CountDownLatch firstHolds = new CountDownLatch(1);
        final List<Attempt> attempts = Collections.synchronizedList(new ArrayList<>());

        Run(FencedCounter counter, LeaseStore store, String lock, long seed) {
            this.counter = counter;
            this.store = store;
            this.lock = lock;
            this.seed = seed;
        }

        void work(int worker, DefaultLeaseClient client, PausableStore process, int count)
                throws SQLException, InterruptedException {
            Random random = new Random(seed + worker);
            String name = "worker-" + worker;
            if (worker != 0) {
                firstHolds.await();
            }
            for (int attempt = 0; attempt < count; attempt++) {
                Lease lease = client.acquire(lock, OPTIONS);
                boolean first = worker == 0 && attempt == 0;
                // The others' first attempts are calm, so a newer holder commits during worker 0's pause.
                Chaos chaos = first ? Chaos.PAUSE_BEFORE_WRITE : attempt == 0 ? Chaos.NONE : pick(random);
                if (first) {
                    firstHolds.countDown();
                }
                attempts.add(attempt(name, lease, chaos, process, first ? PAUSE_LIMIT : PATIENCE));
                try {
                    client.release(lease); // false if it was lost meanwhile
                } catch (LeaseStoreUnavailableException e) {
                    throw new AssertionError("the store is reachable again by now", e);
                }
            }
        }

        private static Chaos pick(Random random) {
            int dice = random.nextInt(100);
            return dice < 64
                    ? Chaos.NONE
                    : dice < 76 ? Chaos.PAUSE_BEFORE_WRITE : dice < 88 ? Chaos.PAUSE_BEFORE_COMMIT : Chaos.PARTITION;
        }

        private Attempt attempt(String name, Lease lease, Chaos chaos, PausableStore process, Duration patience)
                throws SQLException, InterruptedException {
            long fence = lease.fenceToken().value();
            AtomicReference<Resume> resume = new AtomicReference<>(Resume.NOT_PAUSED);
            Outcome outcome =
                    switch (chaos) {
                        case NONE -> counter.increment(lease, name);
                        case PAUSE_BEFORE_WRITE -> {
                            resume.set(pause(process, false, () -> newerCommit(fence), Resume.NEWER_COMMIT, patience));
                            yield counter.increment(lease, name);
                        }
                        case PARTITION -> {
                            resume.set(pause(process, true, () -> newerCommit(fence), Resume.NEWER_COMMIT, patience));
                            yield counter.increment(lease, name);
                        }
                        case PAUSE_BEFORE_COMMIT -> counter.increment(
                                lease,
                                name,
                                connection -> resume.set(
                                        pause(process, false, () -> newerGrant(fence), Resume.NEWER_GRANT, patience)));
                    };
            return new Attempt(name, fence, chaos, resume.get(), outcome);
        }

        private Resume pause(
                PausableStore process, boolean partition, BooleanSupplier overtaken, Resume reason, Duration patience) {
            if (partition) {
                process.partition(true);
            } else {
                process.freeze();
            }
            idle.incrementAndGet();
            try {
                AtomicReference<Resume> why = new AtomicReference<>();
                boolean ended = Await.reached(patience, PAUSE_POLL, () -> {
                    if (overtaken.getAsBoolean()) {
                        why.set(reason);
                    } else if (idle.get() >= WORKERS) {
                        why.set(Resume.NOBODY_LEFT);
                    }
                    return why.get() != null;
                });
                if (!ended && patience.equals(PAUSE_LIMIT)) {
                    throw new AssertionError("worker 0's first pause was not overtaken within " + PAUSE_LIMIT);
                }
                return ended ? why.get() : Resume.GAVE_UP;
            } finally {
                idle.decrementAndGet();
                process.partition(false);
                process.thaw();
            }
        }

        private boolean newerCommit(long fence) {
            try {
                return counter.history().highestFence(counter.raw(), lock) > fence;
            } catch (SQLException e) {
                throw new AssertionError("could not read the history", e);
            }
        }

        private boolean newerGrant(long fence) {
            return store.read(lock).map(record -> record.fence() > fence).orElse(false);
        }
    }
}
