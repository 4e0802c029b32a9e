package dev.txlease.bench;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Measure 3: contended handover. N threads of one JVM take turns on one lock; the handover time is
 * from the moment the holder calls release to the moment the next holder's acquire returns.
 *
 * <p>A thread that released steps back until another thread has been granted the lock, so every
 * grant is a handover to a thread that was already waiting (never the releaser re-taking a free
 * lock). The first handovers of a run are not recorded (warm-up, {@link BenchMode#handoverWarmUps()}). Each library's handovers are
 * measured in two halves, alternating the libraries.
 *
 * <p>Not instantiable.
 */
final class ContendedHandover {
    private static final Duration ACQUIRE_TIMEOUT = Duration.ofSeconds(120);

    private ContendedHandover() {}

    static Section run(BenchContext context) {
        BenchMode mode = context.mode();
        Latencies txleaseShared = new Latencies();
        Latencies awsShared = new Latencies();
        Latencies txleaseSeparate = new Latencies();
        for (int half = 0; half < 2; half++) {
            txleaseShared.addAll(measure(context.txlease(), true, half(mode.txleaseHandovers(), half), mode));
            awsShared.addAll(measure(context.aws(), true, half(mode.awsHandovers(), half), mode));
        }
        txleaseSeparate.addAll(measure(context.txlease(), false, mode.txleaseSeparateHandovers(), mode));

        Section section = new Section("handover", "3. Contended handover")
                .describe(mode.handoverThreads() + " threads take turns on one lock, holding it "
                        + mode.handoverHold().toMillis() + " ms each time. Handover = from the holder's call to"
                        + " release to the next holder's grant (acquire returns), on `System.nanoTime()`; a"
                        + " releaser steps back until another thread is granted, so each handover goes to a thread"
                        + " that was already waiting. First " + mode.handoverWarmUps() + " handovers of each run"
                        + " discarded; runs alternate between the libraries.")
                .columns("client setup", "handovers", "p50 ms", "p99 ms", "max ms", "mean ms");
        row(section, "txlease, threads share one client", txleaseShared);
        row(section, "AWS lock client, threads share one client", awsShared);
        row(section, "txlease, one client per thread (as across processes)", txleaseSeparate);
        double p99Ratio = (double) txleaseShared.percentile(99) / awsShared.percentile(99);
        section.value("p99RatioTxleaseSharedToAws", p99Ratio);
        section.note(String.format(
                Locale.ROOT,
                "p99 ratio txlease (shared client) / AWS: %.3f. The AWS client has no in-process wake-up: a"
                        + " waiter learns of a release at its next one-second re-read, shared client or not.",
                p99Ratio));
        section.note("txlease across clients (processes) has no release signal either: a waiter retries every poll"
                + " interval (250 ms default, `AcquireOptions.pollInterval`).");
        long p99 = txleaseShared.percentile(99);
        return section.target(
                "txlease handover p99 under 50 ms (same JVM)",
                Latencies.millis(p99) + " ms (AWS client " + Latencies.millis(awsShared.percentile(99)) + " ms)",
                p99 < Duration.ofMillis(50).toNanos());
    }

    private static int half(int total, int half) {
        return half == 0 ? total / 2 : total - total / 2;
    }

    private static void row(Section section, String setup, Latencies latencies) {
        section.row(
                setup,
                Integer.toString(latencies.count()),
                Latencies.millis(latencies.percentile(50)),
                Latencies.millis(latencies.percentile(99)),
                Latencies.millis(latencies.max()),
                Latencies.millis(latencies.mean()));
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("handovers", latencies.count());
        json.put("p50Ms", Latencies.millisValue(latencies.percentile(50)));
        json.put("p99Ms", Latencies.millisValue(latencies.percentile(99)));
        json.put("maxMs", Latencies.millisValue(latencies.max()));
        json.put("meanMs", Latencies.millisValue(latencies.mean()));
        section.value(setup, json);
    }

    private static <H> Latencies measure(LibraryUnderTest<H> library, boolean shared, int handovers, BenchMode mode) {
        String lockName = "m3-" + library.key() + (shared ? "-shared" : "-separate");
        List<LockClientUnderTest<H>> clients = new ArrayList<>();
        Turns turns = new Turns(handovers + mode.handoverWarmUps());
        List<Thread> threads = new ArrayList<>();
        AtomicReference<RuntimeException> failure = new AtomicReference<>();
        try {
            for (int i = 0; i < (shared ? 1 : mode.handoverThreads()); i++) {
                clients.add(library.newClient(LeaseSettings.STANDARD));
            }
            for (int i = 0; i < mode.handoverThreads(); i++) {
                LockClientUnderTest<H> client = clients.get(shared ? 0 : i);
                Thread thread = new Thread(
                        () -> {
                            try {
                                takeTurns(client, lockName, turns, mode.handoverHold());
                            } catch (RuntimeException e) {
                                failure.compareAndSet(null, e);
                                turns.abort();
                            }
                        },
                        "bench-handover-" + lockName + "-" + i);
                threads.add(thread);
            }
            threads.forEach(Thread::start);
            threads.forEach(thread -> Waits.join(thread, ACQUIRE_TIMEOUT.multipliedBy(2)));
        } finally {
            clients.forEach(LockClientUnderTest::close);
        }
        if (failure.get() != null) {
            throw failure.get();
        }
        return turns.latencies(mode.handoverWarmUps());
    }

    private static <H> void takeTurns(LockClientUnderTest<H> client, String lockName, Turns turns, Duration hold) {
        while (true) {
            H lock = client.acquireWaiting(lockName, ACQUIRE_TIMEOUT);
            long grant = turns.granted(System.nanoTime());
            if (grant < 0) { // enough handovers: pass the lock on and stop
                client.release(lock);
                return;
            }
            Waits.sleep(hold);
            turns.releasing(System.nanoTime());
            client.release(lock);
            turns.awaitNextGrant(grant);
        }
    }

    /** The shared record of grants and releases. Thread-safe. */
    private static final class Turns {
        private final int wanted;
        private final List<Long> handovers = new ArrayList<>(); // guarded by this
        private long grants; // guarded by this
        private long releasedAt; // guarded by this; 0 before the first release
        private boolean done; // guarded by this

        Turns(int wanted) {
            this.wanted = wanted;
        }

        /** Records a grant at {@code now}; returns its number, or -1 once enough were recorded. */
        synchronized long granted(long now) {
            if (done) {
                return -1;
            }
            grants++;
            if (releasedAt != 0) {
                handovers.add(now - releasedAt);
            }
            done = handovers.size() >= wanted;
            notifyAll();
            return grants;
        }

        synchronized void releasing(long now) {
            releasedAt = now;
        }

        /** Waits until a grant after {@code grant} happened, or the run is over. */
        synchronized void awaitNextGrant(long grant) {
            long deadline = System.nanoTime() + ACQUIRE_TIMEOUT.toNanos();
            while (grants == grant && !done) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    throw new IllegalStateException("no thread was granted the lock within " + ACQUIRE_TIMEOUT);
                }
                try {
                    wait(Math.max(1, left / 1_000_000));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException("interrupted", e);
                }
            }
        }

        synchronized void abort() {
            done = true;
            notifyAll();
        }

        synchronized Latencies latencies(int skip) {
            Latencies latencies = new Latencies();
            handovers.stream().skip(skip).forEach(latencies::add);
            return latencies;
        }
    }
}
