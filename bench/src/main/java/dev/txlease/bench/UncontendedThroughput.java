package dev.txlease.bench;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Measure 2: uncontended acquire+release cycles per second and their latency, with 1 and 4 threads
 * sharing one client, each thread on its own lock name.
 *
 * <p>Per thread count: one untimed warm-up round per library, then timed rounds that alternate the
 * libraries (txlease first in even rounds, the AWS client first in odd ones) so machine noise hits
 * both. Throughput is the cycles of all rounds over their summed wall time.
 *
 * <p>Not instantiable.
 */
final class UncontendedThroughput {
    private UncontendedThroughput() {}

    static Section run(BenchContext context) {
        BenchMode mode = context.mode();
        Section section = new Section("uncontended", "2. Uncontended acquire + release")
                .describe("Each thread acquires a free lock of its own and releases it, in a loop; all threads share"
                        + " one client of the library. Per thread count: one "
                        + mode.throughputWarmUp().toMillis()
                        + " ms warm-up round per library, then " + mode.throughputRounds() + " rounds of "
                        + mode.throughputRound().toMillis() + " ms per library, alternating which library goes"
                        + " first. Latency is one acquire + release cycle, on `System.nanoTime()`.")
                .columns(
                        "threads",
                        "txlease cycles/s",
                        "AWS cycles/s",
                        "txlease / AWS throughput",
                        "txlease p50 / p99 ms",
                        "AWS p50 / p99 ms",
                        "requests per cycle txlease / AWS");
        for (int threads : mode.throughputThreads()) {
            measure(context, threads, section);
        }
        return section.note("Both libraries use lease 20 s and heartbeat 5 s (no heartbeat fires within a cycle).");
    }

    private static void measure(BenchContext context, int threads, Section section) {
        BenchMode mode = context.mode();
        Map<String, Totals> totals = new LinkedHashMap<>();
        Map<String, LockClientUnderTest<?>> clients = new LinkedHashMap<>();
        try {
            for (LibraryUnderTest<?> library : context.libraries()) {
                clients.put(library.key(), library.newClient(LeaseSettings.STANDARD));
                totals.put(library.key(), new Totals());
            }
            for (LibraryUnderTest<?> library : context.libraries()) {
                round(library, clients.get(library.key()), threads, mode.throughputWarmUp(), new Totals());
            }
            List<LibraryUnderTest<?>> order = new ArrayList<>(context.libraries());
            for (int round = 0; round < mode.throughputRounds(); round++) {
                for (LibraryUnderTest<?> library : order) {
                    round(
                            library,
                            clients.get(library.key()),
                            threads,
                            mode.throughputRound(),
                            totals.get(library.key()));
                }
                Collections.reverse(order);
            }
        } finally {
            clients.values().forEach(LockClientUnderTest::close);
        }
        Totals ours = totals.get("txlease");
        Totals theirs = totals.get("aws");
        double ratio = ours.perSecond() / theirs.perSecond();
        section.row(
                Integer.toString(threads),
                String.format(Locale.ROOT, "%.0f", ours.perSecond()),
                String.format(Locale.ROOT, "%.0f", theirs.perSecond()),
                String.format(Locale.ROOT, "%.2f", ratio),
                Latencies.millis(ours.latencies.percentile(50)) + " / "
                        + Latencies.millis(ours.latencies.percentile(99)),
                Latencies.millis(theirs.latencies.percentile(50)) + " / "
                        + Latencies.millis(theirs.latencies.percentile(99)),
                String.format(Locale.ROOT, "%.2f / %.2f", ours.requestsPerCycle(), theirs.requestsPerCycle()));
        section.value("threads" + threads, Map.of("txlease", ours.toJson(), "aws", theirs.toJson(), "ratio", ratio));
        section.note(String.format(
                Locale.ROOT,
                "%d thread%s: mean time per request (cycle / requests per cycle) txlease %.2f ms, AWS %.2f ms; with"
                        + " equally fast requests, %.2f vs. %.2f requests per cycle would make the ratio %.2fx.",
                threads,
                threads > 1 ? "s" : "",
                ours.latencies.mean() / 1e6 / ours.requestsPerCycle(),
                theirs.latencies.mean() / 1e6 / theirs.requestsPerCycle(),
                ours.requestsPerCycle(),
                theirs.requestsPerCycle(),
                theirs.requestsPerCycle() / ours.requestsPerCycle()));
        section.target(
                "txlease throughput at least 2x the AWS client's, " + threads + " thread" + (threads > 1 ? "s" : ""),
                String.format(Locale.ROOT, "%.2fx", ratio),
                ratio >= 2.0);
    }

    private static <H> void round(
            LibraryUnderTest<?> library, LockClientUnderTest<H> client, int threads, Duration duration, Totals totals) {
        CountDownLatch start = new CountDownLatch(1);
        List<Latencies> perThread = new ArrayList<>();
        List<Thread> workers = new ArrayList<>();
        AtomicReference<RuntimeException> failure = new AtomicReference<>();
        AtomicLong deadline = new AtomicLong(); // set before start opens
        for (int t = 0; t < threads; t++) {
            String name = "m2-" + library.key() + "-" + threads + "-" + t;
            Latencies latencies = new Latencies();
            perThread.add(latencies);
            Thread worker = new Thread(
                    () -> {
                        try {
                            start.await();
                            long end = deadline.get();
                            while (System.nanoTime() - end < 0) {
                                long began = System.nanoTime();
                                client.release(client.acquireFree(name));
                                latencies.add(System.nanoTime() - began);
                            }
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                        } catch (RuntimeException e) {
                            failure.compareAndSet(null, e);
                        }
                    },
                    "bench-cycle-" + name);
            workers.add(worker);
            worker.start();
        }
        long requestsBefore = library.requests().total();
        long began = System.nanoTime();
        deadline.set(began + duration.toNanos());
        start.countDown();
        workers.forEach(worker -> Waits.join(worker, duration.plusSeconds(60)));
        long elapsed = System.nanoTime() - began;
        if (failure.get() != null) {
            throw failure.get();
        }
        perThread.forEach(totals.latencies::addAll);
        totals.nanos += elapsed;
        totals.requests += library.requests().total() - requestsBefore;
    }

    /** One library's cycles over all timed rounds of one thread count. Not thread-safe. */
    private static final class Totals {
        final Latencies latencies = new Latencies();
        long nanos;
        long requests;

        double perSecond() {
            return nanos == 0 ? 0 : latencies.count() / (nanos / 1e9);
        }

        double requestsPerCycle() {
            return latencies.count() == 0 ? 0 : (double) requests / latencies.count();
        }

        Map<String, Object> toJson() {
            Map<String, Object> json = new LinkedHashMap<>();
            json.put("cycles", latencies.count());
            json.put("seconds", nanos / 1e9);
            json.put("cyclesPerSecond", perSecond());
            json.put("p50Ms", Latencies.millisValue(latencies.percentile(50)));
            json.put("p99Ms", Latencies.millisValue(latencies.percentile(99)));
            json.put("meanMs", Latencies.millisValue(latencies.mean()));
            json.put("requestsPerCycle", requestsPerCycle());
            return json;
        }
    }
}
