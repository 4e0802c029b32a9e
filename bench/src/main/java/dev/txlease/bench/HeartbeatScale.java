package dev.txlease.bench;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.IntConsumer;

/**
 * Measure 4: one client holds many leases for a while on its own heartbeats.
 *
 * <p>The leases are acquired by {@value #ACQUIRERS} harness threads; once all are held, the measure
 * watches for the hold time: the {@link RequestCounter} notes when each successful renewal
 * ({@code UpdateItem} of the lease's key) came back. A renewal counts as <em>missed</em> when a
 * lease goes more than 1.5 heartbeat periods without one (from its grant, between renewals, or up to
 * the end of the hold); each further period without one counts another. At the end it counts the
 * leases the client no longer considers held, the live threads whose names carry the library's
 * prefix, the CPU time of those threads during the hold, and the process CPU time (which includes
 * DynamoDB Local, in the same JVM).
 *
 * <p>Not instantiable.
 */
final class HeartbeatScale {
    private static final int ACQUIRERS = 4;
    private static final Duration ACQUIRE_TIMEOUT = Duration.ofMinutes(10);

    private HeartbeatScale() {}

    static Section run(BenchContext context) {
        BenchMode mode = context.mode();
        LeaseSettings settings = mode.heartbeat();
        Section section = new Section("heartbeat", "4. Heartbeat scale")
                .describe(String.format(
                        Locale.ROOT,
                        "One client holds %,d leases for %s after all are granted: lease %s, heartbeat"
                                + " every %s (txlease: %s; the AWS client: its one heartbeat"
                                + " thread). Every request of either library waits %d ms before it is sent, as"
                                + " it would on the way to a real DynamoDB. A renewal is missed when a lease goes more than 1.5 heartbeat periods"
                                + " without a successful one; each further period counts another. CPU is the CPU"
                                + " time of the library's own threads during the hold; process CPU includes"
                                + " DynamoDB Local (same JVM). Run one after the other: txlease, the AWS client, the"
                                + " AWS client again with %,d leases.",
                        mode.heartbeatLeases(),
                        BenchMain.seconds(mode.heartbeatHold()),
                        BenchMain.seconds(settings.leaseDuration()),
                        BenchMain.seconds(settings.heartbeatPeriod()),
                        settings.heartbeatThreads() == 0
                                ? "the client's default renewal threads, started on demand"
                                : settings.heartbeatThreads() + " renewal threads at most",
                        mode.heartbeatLatency().toMillis(),
                        mode.awsFewerHeartbeatLeases()))
                .columns(
                        "library",
                        "leases",
                        "renewals done / due",
                        "missed renewals",
                        "leases not held at end",
                        "library threads",
                        "library CPU s (µs per renewal)",
                        "process CPU s",
                        "acquire all s");
        RequestLatency latency = context.dynamo().latency();
        Result txlease;
        Result aws;
        Result awsFewer;
        latency.set(mode.heartbeatLatency());
        try {
            txlease = measure(context.txlease(), mode.heartbeatLeases(), mode);
            aws = measure(context.aws(), mode.heartbeatLeases(), mode);
            awsFewer = measure(context.aws(), mode.awsFewerHeartbeatLeases(), mode);
        } finally {
            latency.set(Duration.ZERO);
        }
        txlease.row(section, "txlease");
        aws.row(section, "AWS lock client");
        awsFewer.row(section, "AWS lock client, fewer leases");
        section.value(
                "settings",
                Map.of(
                        "leaseDurationMs", settings.leaseDuration().toMillis(),
                        "heartbeatPeriodMs", settings.heartbeatPeriod().toMillis(),
                        "txleaseHeartbeatThreads",
                                settings.heartbeatThreads() == 0 ? "default" : settings.heartbeatThreads(),
                        "requestLatencyMs", mode.heartbeatLatency().toMillis(),
                        "holdMs", mode.heartbeatHold().toMillis()));
        section.value("txlease", txlease.toJson());
        section.value("aws", aws.toJson());
        section.value("awsFewer", awsFewer.toJson());
        section.note(String.format(
                Locale.ROOT,
                "Library CPU ratio txlease / AWS: %.2f; threads: %d / %d.",
                txlease.libraryCpuNanos / (double) Math.max(1, aws.libraryCpuNanos),
                txlease.threads,
                aws.threads));
        section.note("The AWS client renews all its locks on its one heartbeat thread, one request after another, so"
                + " a pass over N locks takes N round trips; txlease queues at most one beat per lease, runs the due"
                + " ones nearest expiry first, and starts renewal threads while beats are due faster than the running"
                + " ones serve them (library threads: those alive at the end of the hold).");
        section.note("The SDK's own timer threads (`sdk-ScheduledExecutor-*`, shared per SDK client) are not counted"
                + " for either library.");
        return section.target(
                "txlease: 0 missed renewals with " + String.format(Locale.ROOT, "%,d", mode.heartbeatLeases())
                        + " leases",
                String.format(
                        Locale.ROOT,
                        "%,d missed, %d not held at end (AWS client: %,d missed, %d not held; with %,d leases:"
                                + " %,d missed, %d not held)",
                        txlease.missed,
                        txlease.notHeld,
                        aws.missed,
                        aws.notHeld,
                        awsFewer.leases,
                        awsFewer.missed,
                        awsFewer.notHeld),
                txlease.missed == 0 && txlease.notHeld == 0);
    }

    private static <H> Result measure(LibraryUnderTest<H> library, int count, BenchMode mode) {
        LeaseSettings settings = mode.heartbeat();
        String prefix = "m4-" + library.key() + "-" + count + "-";
        RequestCounter requests = library.requests();
        ThreadMXBean threadBean = ManagementFactory.getThreadMXBean();
        Result result = new Result(count);
        List<H> leases = new ArrayList<>(count);
        long[] acquiredAt = new long[count];
        requests.trackUpdates(prefix);
        try (LockClientUnderTest<H> client = library.newClient(settings)) {
            for (int i = 0; i < count; i++) {
                leases.add(null);
            }
            long acquireStart = System.nanoTime();
            inParallel("acquire", count, i -> {
                H lease = client.acquireFree(prefix + i);
                acquiredAt[i] = System.nanoTime();
                synchronized (leases) {
                    leases.set(i, lease);
                }
            });
            long holdStart = System.nanoTime();
            result.acquireNanos = holdStart - acquireStart;
            Map<Long, Long> cpuStart = libraryThreadCpu(library, threadBean);
            long processCpuStart = processCpuNanos();
            long requestsStart = requests.total();
            Waits.sleep(mode.heartbeatHold());
            long holdEnd = System.nanoTime();
            Map<Long, Long> cpuEnd = libraryThreadCpu(library, threadBean);
            result.processCpuNanos = processCpuNanos() - processCpuStart;
            result.requestsDuringHold = requests.total() - requestsStart;
            result.holdNanos = holdEnd - holdStart;
            result.threads = cpuEnd.size();
            cpuEnd.forEach((id, cpu) -> result.libraryCpuNanos += cpu - cpuStart.getOrDefault(id, 0L));
            long period = settings.heartbeatPeriod().toNanos();
            synchronized (leases) {
                for (int i = 0; i < count; i++) {
                    if (!client.isHeld(leases.get(i))) {
                        result.notHeld++;
                    }
                    result.due += (holdEnd - acquiredAt[i]) / period;
                    long last = acquiredAt[i];
                    for (long renewed : requests.updatesOf(prefix + i)) {
                        if (renewed > acquiredAt[i] && renewed <= holdEnd) {
                            result.renewals++;
                            result.missed += missed(renewed - last, period);
                            last = renewed;
                        }
                    }
                    result.missed += missed(holdEnd - last, period);
                }
            }
            requests.trackUpdates(null);
            AtomicInteger lost = new AtomicInteger();
            inParallel("release", count, i -> {
                H lease;
                synchronized (leases) {
                    lease = leases.get(i);
                }
                if (!client.release(lease)) {
                    lost.incrementAndGet();
                }
            });
            result.lostAtRelease = lost.get();
        } finally {
            requests.trackUpdates(null);
        }
        return result;
    }

    /** Returns the renewals missed in a gap of {@code gap} nanoseconds between successful ones. */
    private static long missed(long gap, long period) {
        long tolerated = period + period / 2;
        return gap <= tolerated ? 0 : (gap - tolerated) / period + 1;
    }

    private static void inParallel(String what, int count, IntConsumer task) {
        AtomicInteger next = new AtomicInteger();
        AtomicReference<RuntimeException> failure = new AtomicReference<>();
        List<Thread> threads = new ArrayList<>();
        for (int t = 0; t < ACQUIRERS; t++) {
            Thread thread = new Thread(
                    () -> {
                        for (int i = next.getAndIncrement(); i < count; i = next.getAndIncrement()) {
                            try {
                                task.accept(i);
                            } catch (RuntimeException e) {
                                failure.compareAndSet(null, e);
                                return;
                            }
                        }
                    },
                    "bench-" + what + "-" + t);
            threads.add(thread);
            thread.start();
        }
        threads.forEach(thread -> Waits.join(thread, ACQUIRE_TIMEOUT));
        if (failure.get() != null) {
            throw failure.get();
        }
    }

    private static Map<Long, Long> libraryThreadCpu(LibraryUnderTest<?> library, ThreadMXBean threadBean) {
        Map<Long, Long> cpu = new HashMap<>();
        for (Thread thread : Thread.getAllStackTraces().keySet()) {
            if (thread.getName().startsWith(library.threadNamePrefix())) {
                long nanos = threadBean.getThreadCpuTime(thread.getId());
                if (nanos >= 0) {
                    cpu.put(thread.getId(), nanos);
                }
            }
        }
        return cpu;
    }

    private static long processCpuNanos() {
        if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os) {
            return os.getProcessCpuTime();
        }
        return -1;
    }

    /** One library's figures. Not thread-safe. */
    private static final class Result {
        final int leases;
        long acquireNanos;
        long holdNanos;
        long renewals;
        long due;
        long missed;
        int notHeld;
        int lostAtRelease;
        int threads;
        long libraryCpuNanos;
        long processCpuNanos;
        long requestsDuringHold;

        Result(int leases) {
            this.leases = leases;
        }

        void row(Section section, String library) {
            section.row(
                    library,
                    String.format(Locale.ROOT, "%,d", leases),
                    String.format(Locale.ROOT, "%,d / %,d", renewals, due),
                    String.format(Locale.ROOT, "%,d", missed),
                    Integer.toString(notHeld),
                    Integer.toString(threads),
                    String.format(
                            Locale.ROOT,
                            "%.2f (%.0f)",
                            libraryCpuNanos / 1e9,
                            renewals == 0 ? 0.0 : libraryCpuNanos / 1e3 / renewals),
                    String.format(Locale.ROOT, "%.2f", processCpuNanos / 1e9),
                    String.format(Locale.ROOT, "%.1f", acquireNanos / 1e9));
        }

        Map<String, Object> toJson() {
            Map<String, Object> json = new LinkedHashMap<>();
            json.put("leases", leases);
            json.put("acquireAllSeconds", acquireNanos / 1e9);
            json.put("holdSeconds", holdNanos / 1e9);
            json.put("renewals", renewals);
            json.put("renewalsDue", due);
            json.put("missedRenewals", missed);
            json.put("notHeldAtEnd", notHeld);
            json.put("lostAtRelease", lostAtRelease);
            json.put("libraryThreads", threads);
            json.put("libraryCpuSeconds", libraryCpuNanos / 1e9);
            json.put("processCpuSeconds", processCpuNanos / 1e9);
            json.put("requestsDuringHold", requestsDuringHold);
            return json;
        }
    }
}
