package dev.txlease.bench;

import dev.txlease.AcquireOptions;
import dev.txlease.Lease;
import dev.txlease.LockMode;
import dev.txlease.client.DefaultLeaseClient;
import java.time.Duration;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;

/**
 * Measure 6: txlease's DynamoDB requests per lock operation in each lock mode (issue 16), counted
 * per calling thread by the {@link RequestCounter} as in {@link RequestsPerOperation} (measure 1,
 * which compares EX with the AWS lock client; the AWS client has no modes).
 *
 * <p>Per mode: acquire of a free lock (a never-used name and a released one), renew and release;
 * acquire while a compatible holder holds the name (in another client); and acquire while an
 * incompatible holder holds it, which waits: the holder releases as soon as the waiter's first
 * request is answered, and every request the waiter sent until it was granted counts (its waiter
 * marker writes included). The holder is in the waiter's client or in another one. Then {@link
 * SharedHolderScale}: the item size and the requests of one holder beside many.
 *
 * <p>Not instantiable.
 */
final class ModeRequests {
    static final String FREE_ACQUIRE = RequestsPerOperation.FREE_ACQUIRE;
    static final String RENEW = RequestsPerOperation.RENEW;
    static final String RELEASE = RequestsPerOperation.RELEASE;
    static final String BESIDE_COMPATIBLE = "acquire beside a compatible holder";
    static final String AFTER_SAME_CLIENT = "acquire, incompatible holder in the same client releases";
    static final String AFTER_OTHER_CLIENT = "acquire, incompatible holder in another client releases";

    private static final Duration WAIT = Duration.ofSeconds(60);

    private ModeRequests() {}

    /** The compatible holder beside which {@code mode} is acquired: the same mode if it can be. */
    static LockMode compatibleHolder(LockMode mode) {
        return switch (mode) {
            case PW -> LockMode.CR;
            case EX -> LockMode.NL;
            default -> mode;
        };
    }

    /** The incompatible holder {@code mode} waits for, or null (NL waits for nobody). */
    static LockMode incompatibleHolder(LockMode mode) {
        return switch (mode) {
            case NL -> null;
            case CR -> LockMode.EX;
            case CW, PW, EX -> LockMode.PR;
            case PR -> LockMode.PW;
        };
    }

    static Section run(BenchContext context) {
        TxleaseLibrary library = context.txlease();
        BenchMode mode = context.mode();
        Map<LockMode, Map<String, Counting>> results = new EnumMap<>(LockMode.class);
        Section section = new Section("requestsPerMode", "6. DynamoDB requests per operation, by lock mode")
                .describe("txlease only (the AWS lock client has exclusive locks only: EX is compared with it in"
                        + " measure 1). Attempts counted per calling thread as in measure 1. Free acquire, renew"
                        + " and release: " + mode.cheapRepetitions() + " repetitions per mode (free acquires"
                        + " twice each: a never-used name and a released one). Beside a compatible holder: the"
                        + " holder is in another client, " + mode.cheapRepetitions() + " repetitions. Incompatible"
                        + " holder: it releases as soon as the waiter's first request is answered; every request"
                        + " of the waiter until it is granted counts, its waiter marker writes included; "
                        + mode.heldRepetitions() + " repetitions per case.")
                .columns(
                        "mode",
                        FREE_ACQUIRE,
                        RENEW,
                        RELEASE,
                        BESIDE_COMPATIBLE,
                        "incompatible holder released: same client",
                        "another client");
        try (DefaultLeaseClient client = library.newLeaseClient(LeaseSettings.STANDARD);
                DefaultLeaseClient other = library.newLeaseClient(LeaseSettings.STANDARD)) {
            Runs runs = new Runs(library.requests(), client, other);
            runs.freeRound("m6-warm-up", LockMode.PR, new LinkedHashMap<>());
            for (LockMode requested : LockMode.values()) {
                results.put(requested, runs.measure(requested, mode));
            }
            SharedHolderScale.run(context.dynamo(), runs, section);
        }
        results.forEach((requested, counts) -> {
            LockMode incompatible = incompatibleHolder(requested);
            section.row(
                    requested.name(),
                    counts.get(FREE_ACQUIRE).describe(),
                    counts.get(RENEW).describe(),
                    counts.get(RELEASE).describe(),
                    counts.get(BESIDE_COMPATIBLE).describe() + ", beside " + compatibleHolder(requested),
                    incompatible == null
                            ? "n/a (NL waits for nobody)"
                            : counts.get(AFTER_SAME_CLIENT).describe() + ", after " + incompatible,
                    incompatible == null
                            ? "n/a"
                            : counts.get(AFTER_OTHER_CLIENT).describe() + ", after " + incompatible);
            Map<String, Object> values = new LinkedHashMap<>();
            counts.forEach((operation, counting) -> values.put(operation, counting.samples()));
            section.value(requested.name(), values);
        });
        target(section, results, List.of(FREE_ACQUIRE, RENEW, RELEASE), "free acquire, renew, release");
        target(section, results, List.of(BESIDE_COMPATIBLE), "acquire beside a compatible holder");
        return section.note("A waiter blocked by holders in modes other than EX writes a waiter marker (one"
                        + " `UpdateItem`, counted as \"" + RequestCounter.MARKER_WRITE + "\": an update that"
                        + " assigns the marker attribute) so that a stream of compatible grants cannot starve it;"
                        + " its grant removes the marker in the same request. A request that waits only for an EX"
                        + " holder (CR after EX here, EX after EX in measure 1) writes none.")
                .note("A waiter in the same client is woken at once by the release; one in another client"
                        + " retries at its next poll (250 ms default).");
    }

    private static void target(
            Section section, Map<LockMode, Map<String, Counting>> results, List<String> operations, String what) {
        StringBuilder measured = new StringBuilder();
        boolean met = true;
        for (Map.Entry<LockMode, Map<String, Counting>> mode : results.entrySet()) {
            measured.append(measured.length() == 0 ? "" : "; ")
                    .append(mode.getKey())
                    .append(' ');
            for (int i = 0; i < operations.size(); i++) {
                Counting counting = mode.getValue().get(operations.get(i));
                measured.append(i == 0 ? "" : " / ").append(counting.min() == counting.max() ? counting.min() : "?");
                met &= counting.always(1);
            }
        }
        section.target("txlease, every mode: " + what + ": 1 request each", measured.toString(), met);
    }

    /** The measuring, on two clients; not thread-safe. */
    static final class Runs {
        private final RequestCounter requests;
        private final DefaultLeaseClient client;
        private final DefaultLeaseClient other;

        Runs(RequestCounter requests, DefaultLeaseClient client, DefaultLeaseClient other) {
            this.requests = requests;
            this.client = client;
            this.other = other;
        }

        DefaultLeaseClient client() {
            return client;
        }

        private Map<String, Counting> measure(LockMode mode, BenchMode bench) {
            Map<String, Counting> counts = new LinkedHashMap<>();
            for (String operation :
                    List.of(FREE_ACQUIRE, RENEW, RELEASE, BESIDE_COMPATIBLE, AFTER_SAME_CLIENT, AFTER_OTHER_CLIENT)) {
                counts.put(operation, new Counting());
            }
            String prefix = "m6-" + mode + "-";
            for (int i = 0; i < bench.cheapRepetitions(); i++) {
                freeRound(prefix + "free-" + i, mode, counts);
                String beside = prefix + "beside-" + i;
                Lease compatible = acquireFree(other, beside, compatibleHolder(mode));
                Lease lease = counted(counts.get(BESIDE_COMPATIBLE), () -> acquireFree(client, beside, mode));
                release(client, lease);
                release(other, compatible);
            }
            LockMode incompatible = incompatibleHolder(mode);
            for (int i = 0; incompatible != null && i < bench.heldRepetitions(); i++) {
                counts.get(AFTER_SAME_CLIENT)
                        .add(Map.of(), waitedFor(client, incompatible, client, mode, prefix + "same-" + i));
                counts.get(AFTER_OTHER_CLIENT)
                        .add(Map.of(), waitedFor(client, incompatible, other, mode, prefix + "other-" + i));
            }
            return counts;
        }

        /** Acquires {@code name} free in {@code mode}, renews and releases it, then acquires and releases it again. */
        private void freeRound(String name, LockMode mode, Map<String, Counting> counts) {
            Counting unused = new Counting();
            for (int pass = 0; pass < 2; pass++) { // a never-used name, then the same name released
                Lease lease = counted(counts.getOrDefault(FREE_ACQUIRE, unused), () -> acquireFree(client, name, mode));
                if (pass == 0) {
                    counted(counts.getOrDefault(RENEW, unused), () -> {
                        client.renew(lease);
                        return lease;
                    });
                }
                counted(counts.getOrDefault(RELEASE, unused), () -> release(client, lease));
            }
        }

        /** Runs {@code operation} on this thread and adds the requests it sent to {@code counting}. */
        <T> T counted(Counting counting, Supplier<T> operation) {
            Thread self = Thread.currentThread();
            Map<String, Long> before = requests.operationsSentBy(self);
            T result = operation.get();
            counting.add(before, requests.operationsSentBy(self));
            return result;
        }

        /** Returns the waiter's requests by operation name. */
        private Map<String, Long> waitedFor(
                DefaultLeaseClient holder, LockMode held, DefaultLeaseClient waiter, LockMode mode, String name) {
            Lease holding = acquireFree(holder, name, held);
            AtomicReference<Lease> granted = new AtomicReference<>();
            AtomicReference<RuntimeException> failure = new AtomicReference<>();
            AcquireOptions options = TxleaseLibrary.options(LeaseSettings.STANDARD, mode).toBuilder()
                    .waitTimeout(WAIT)
                    .build();
            Thread waiting = new Thread(
                    () -> {
                        try {
                            granted.set(waiter.acquire(name, options));
                        } catch (RuntimeException e) {
                            failure.set(e);
                        }
                    },
                    "bench-waiter-" + name);
            waiting.start();
            Waits.until(
                    "the waiter's first request on '" + name + "' is answered",
                    WAIT,
                    () -> requests.answeredTo(waiting) >= 1 || !waiting.isAlive());
            release(holder, holding);
            Waits.join(waiting, WAIT);
            if (failure.get() != null) {
                throw failure.get();
            }
            Map<String, Long> sent = requests.operationsSentBy(waiting);
            release(waiter, granted.get());
            return sent;
        }

        Lease acquireFree(DefaultLeaseClient lockClient, String name, LockMode mode) {
            return lockClient
                    .tryAcquire(name, TxleaseLibrary.options(LeaseSettings.STANDARD, mode))
                    .orElseThrow(() -> new IllegalStateException(
                            "txlease: lock '" + name + "' was not granted at once in mode " + mode));
        }

        boolean release(DefaultLeaseClient lockClient, Lease lease) {
            if (!lockClient.release(lease)) {
                throw new IllegalStateException("txlease: lease on '" + lease.name() + "' was lost before its release");
            }
            return true;
        }
    }
}
