package dev.txlease.reliability;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.txlease.AcquireOptions;
import dev.txlease.Lease;
import dev.txlease.LeaseStoreUnavailableException;
import dev.txlease.LockMode;
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
import java.util.Set;
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

    /** One attempt of one worker: a write, or (CR, PR) a fenced read. */
    record Attempt(String worker, long fence, LockMode mode, Chaos chaos, Resume resume, Outcome outcome) {
        boolean writes() {
            return !isReader(mode);
        }
    }

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
        run(Collections.nCopies(WORKERS, LockMode.EX));
    }

    /**
     * Issue 16: the same chaos with holders in mixed modes, several of them holding the lock at once
     * (CW with CW, PR and CR readers with each other and with PW). Writers (CW, PW, EX) increment the
     * counter; readers (PR, CR) read it with fenced reads. The checker must find an exact count and no
     * write committed after one with a higher fence in an incompatible mode; a pause overtaken by a
     * newer incompatible write must end in a rejection, for readers too. Worker 0 is EX, so its first
     * pause is overtaken by whoever writes next.
     */
    @Test
    void mixedModeWorkersWithRandomPausesKeepAnExactCountAndFenceOrderAcrossIncompatibleModes() throws Exception {
        List<LockMode> modes = List.of(
                LockMode.EX, LockMode.CW, LockMode.CW, LockMode.PW, LockMode.PR, LockMode.CR, LockMode.CW, LockMode.PR);
        List<Attempt> log = run(modes);
        for (LockMode mode : Set.copyOf(modes)) {
            assertTrue(
                    log.stream().anyMatch(attempt -> attempt.mode() == mode && attempt.outcome() == Outcome.COMMITTED),
                    "no " + mode + " attempt committed: " + log);
        }
    }

    /**
     * Issue 16, deterministically: two concurrent CW holders, the newer commits first and the older
     * after it (compatible: both stand, counter exact); the older then stalls, a PW holder takes over
     * once both CW leases are gone and writes, and the older CW holder's next write is rejected. The
     * checker accepts the compatible out-of-order commits and the guard columns match the history.
     */
    @Test
    void compatibleWritersCommitOutOfFenceOrderAndAnIncompatibleTakeoverRejectsTheStalledOne() throws Exception {
        FencedCounter counter = FencedCounter.create(database.get(), tablePrefix + "_cw", isolation);
        String lock = "compatible-" + UUID.randomUUID();
        counter.addLock(lock);
        LeaseStore store = DYNAMO.newStore();
        AcquireOptions stalling = AcquireOptions.builder()
                .mode(LockMode.CW)
                .leaseDuration(Duration.ofMillis(300))
                .heartbeatPeriod(Duration.ZERO)
                .build();
        AcquireOptions.Builder waiting =
                AcquireOptions.builder().waitTimeout(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(20));
        try (DefaultLeaseClient older =
                        DefaultLeaseClient.builder(store).owner("cw-older").build();
                DefaultLeaseClient newer =
                        DefaultLeaseClient.builder(store).owner("cw-newer").build();
                DefaultLeaseClient taker =
                        DefaultLeaseClient.builder(store).owner("pw-taker").build()) {
            Lease first = older.acquire(lock, stalling);
            Lease second = newer.tryAcquire(lock, stalling).orElseThrow(() -> new AssertionError("CW with CW"));
            assertTrue(second.fenceToken().isNewerThan(first.fenceToken()));
            assertEquals(Outcome.COMMITTED, counter.increment(second, "cw-newer"));
            assertEquals(Outcome.COMMITTED, counter.increment(first, "cw-older")); // compatible: not rejected
            newer.release(second);
            // The older CW holder stalls; PW is granted once its lease has run out, and writes.
            Lease takeover = taker.acquire(lock, waiting.mode(LockMode.PW).build());
            assertTrue(takeover.fenceToken().isNewerThan(second.fenceToken()));
            assertEquals(Outcome.COMMITTED, counter.increment(takeover, "pw-taker"));
            assertEquals(Outcome.STALE, counter.increment(first, "cw-older")); // incompatible and newer
            taker.release(takeover);
        }
        WriteHistory.Verdict verdict = counter.check();
        assertTrue(verdict.isSafe(), verdict.violations()::toString);
        assertEquals(3, verdict.writes(lock));
        assertEquals(3, counter.counter(lock));
        assertEquals(
                List.of(LockMode.CW, LockMode.CW, LockMode.PW),
                counter.history().writes(counter.raw(), lock).stream()
                        .map(WriteHistory.Write::mode)
                        .toList());
    }

    private List<Attempt> run(List<LockMode> modes) throws Exception {
        FencedCounter counter = FencedCounter.create(database.get(), tablePrefix, isolation);
        String lock = "contended-" + UUID.randomUUID();
        counter.addLock(lock);
        LeaseStore store = DYNAMO.newStore();
        long seed = Rounds.seed();
        int attempts = Rounds.scaled(4);
        Run run = new Run(counter, store, lock, seed, modes);
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
        long committed = log.stream()
                .filter(attempt -> attempt.writes() && attempt.outcome() == Outcome.COMMITTED)
                .count();
        WriteHistory.Verdict verdict = counter.check();
        assertTrue(verdict.isSafe(), () -> "history checker: " + verdict.violations() + context);
        assertEquals(committed, verdict.writes(lock), "committed increments vs history" + context);
        assertEquals(committed, counter.counter(lock), "lost updates" + context);
        for (Attempt attempt : log) {
            if (attempt.resume() == Resume.NEWER_COMMIT) {
                // a newer incompatible write committed during the pause: rejected, stale, or (snapshot
                // isolation) a conflict with a still newer holder's check
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
                "%s: %d attempts by %d workers in modes %s in %d ms: %d committed, %d stale, %d conflict;"
                        + " chaos %s; pauses ended by %s; seed %d%n",
                getClass().getSimpleName(),
                log.size(),
                WORKERS,
                modes,
                TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started),
                count(log, Outcome.COMMITTED),
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
        return log;
    }

    static boolean isReader(LockMode mode) {
        return mode == LockMode.CR || mode == LockMode.PR;
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
        final List<LockMode> modes;
        final AtomicInteger idle = new AtomicInteger(); // workers paused or finished
        final CountDownLatch firstHolds = new CountDownLatch(1);
        final List<Attempt> attempts = Collections.synchronizedList(new ArrayList<>());

        Run(FencedCounter counter, LeaseStore store, String lock, long seed, List<LockMode> modes) {
            this.counter = counter;
            this.store = store;
            this.lock = lock;
            this.seed = seed;
            this.modes = List.copyOf(modes);
        }

        void work(int worker, DefaultLeaseClient client, PausableStore process, int count)
                throws SQLException, InterruptedException {
            Random random = new Random(seed + worker);
            String name = "worker-" + worker;
            if (worker != 0) {
                firstHolds.await();
            }
            AcquireOptions options = OPTIONS.toBuilder().mode(modes.get(worker)).build();
            for (int attempt = 0; attempt < count; attempt++) {
                Lease lease = client.acquire(lock, options);
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
            LockMode mode = lease.mode();
            AtomicReference<Resume> resume = new AtomicReference<>(Resume.NOT_PAUSED);
            BooleanSupplier overtaken = () -> newerIncompatibleWrite(fence, mode);
            Outcome outcome =
                    switch (chaos) {
                        case NONE -> access(lease, name, FencedCounter.BeforeCommit.NONE);
                        case PAUSE_BEFORE_WRITE -> {
                            resume.set(pause(process, false, overtaken, Resume.NEWER_COMMIT, patience));
                            yield access(lease, name, FencedCounter.BeforeCommit.NONE);
                        }
                        case PARTITION -> {
                            resume.set(pause(process, true, overtaken, Resume.NEWER_COMMIT, patience));
                            yield access(lease, name, FencedCounter.BeforeCommit.NONE);
                        }
                        case PAUSE_BEFORE_COMMIT -> access(
                                lease,
                                name,
                                connection -> resume.set(
                                        pause(process, false, () -> newerGrant(fence), Resume.NEWER_GRANT, patience)));
                    };
            return new Attempt(name, fence, mode, chaos, resume.get(), outcome);
        }

        /** A writer increments the counter; a reader (CR, PR) reads it with fenced reads. */
        private Outcome access(Lease lease, String name, FencedCounter.BeforeCommit beforeCommit)
                throws SQLException, InterruptedException {
            return isReader(lease.mode())
                    ? counter.read(lease, beforeCommit)
                    : counter.increment(lease, name, beforeCommit);
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

        private boolean newerIncompatibleWrite(long fence, LockMode mode) {
            try {
                return counter.history().newerIncompatibleWrite(counter.raw(), lock, fence, mode);
            } catch (SQLException e) {
                throw new AssertionError("could not read the history", e);
            }
        }

        private boolean newerGrant(long fence) {
            return store.read(lock).map(record -> record.fence() > fence).orElse(false);
        }
    }
}
