package dev.txlease.bench;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Measure 1: DynamoDB requests (attempts) per lock operation, counted by the {@link RequestCounter}
 * on each library's SDK client, per calling thread, so heartbeats on background threads do not
 * count.
 *
 * <p>The held-lock case: a holder takes the lock, a waiter thread starts acquiring it; as soon as
 * the waiter's first request is answered the holder releases; the waiter's requests until it is
 * granted are counted. The waiter is in the holder's client (same process) or in another client
 * (another process, as far as the library can tell).
 *
 * <p>Not instantiable.
 */
final class RequestsPerOperation {
    private static final Duration WAIT = Duration.ofSeconds(60);

    private RequestsPerOperation() {}

    static Section run(BenchContext context) {
        Map<String, Map<String, Counting>> results = new LinkedHashMap<>();
        for (LibraryUnderTest<?> library : context.libraries()) {
            results.put(library.key(), measure(library, context.mode()));
        }
        Map<String, Counting> txlease = results.get("txlease");
        Map<String, Counting> aws = results.get("aws");
        Section section = new Section("requestsPerOperation", "1. DynamoDB requests per operation")
                .describe("Attempts counted in `beforeTransmission` by an SDK `ExecutionInterceptor` on each"
                        + " library's `DynamoDbClient`, per calling thread (background heartbeats excluded). Free"
                        + " acquire, renew and release: " + context.mode().cheapRepetitions() + " repetitions"
                        + " (free acquires twice each: a never-used name and a released one). Held lock: the"
                        + " holder releases as soon as the waiter's first request is answered; "
                        + context.mode().heldRepetitions() + " repetitions per case.")
                .columns("operation", "txlease", "AWS lock client", "txlease / AWS");
        for (String operation : txlease.keySet()) {
            Counting ours = txlease.get(operation);
            Counting theirs = aws.get(operation);
            section.row(
                    operation,
                    ours.describe(),
                    theirs.describe(),
                    String.format(Locale.ROOT, "%.2f", ours.mean() / theirs.mean()));
            section.value(
                    operation,
                    Map.of(
                            "txlease", ours.samples(),
                            "aws", theirs.samples(),
                            "ratio", ours.mean() / theirs.mean()));
        }
        target(section, txlease, aws, FREE_ACQUIRE, 1);
        target(section, txlease, aws, RELEASE, 1);
        target(section, txlease, aws, RENEW, 1);
        return section.note("The AWS client deletes the item on release (its default), so its free acquire is a"
                        + " consistent `GetItem` then a conditional `PutItem`; a waiter re-reads every second"
                        + " (its default refresh period).")
                .note("txlease wakes a waiter in the same client at once on release; a waiter in another client"
                        + " re-tries every poll interval (250 ms default), each retry being one conditional"
                        + " `UpdateItem` that either grants or returns the holder.");
    }

    static final String FREE_ACQUIRE = "acquire, lock free";
    static final String RELEASE = "release";
    static final String RENEW = "renew";
    static final String HELD_SAME_CLIENT = "acquire, held lock released by a holder in the same client";
    static final String HELD_OTHER_CLIENT = "acquire, held lock released by a holder in another client";

    private static void target(
            Section section, Map<String, Counting> txlease, Map<String, Counting> aws, String operation, int count) {
        Counting ours = txlease.get(operation);
        section.target(
                "txlease " + operation + ": " + count + " request",
                ours.describe() + "; AWS client " + aws.get(operation).describe(),
                ours.always(count));
    }

    private static <H> Map<String, Counting> measure(LibraryUnderTest<H> library, BenchMode mode) {
        Map<String, Counting> counts = new LinkedHashMap<>();
        counts.put(FREE_ACQUIRE, new Counting());
        counts.put(RELEASE, new Counting());
        counts.put(RENEW, new Counting());
        counts.put(HELD_SAME_CLIENT, new Counting());
        counts.put(HELD_OTHER_CLIENT, new Counting());
        String prefix = "m1-" + library.key() + "-";
        try (LockClientUnderTest<H> client = library.newClient(LeaseSettings.STANDARD);
                LockClientUnderTest<H> other = library.newClient(LeaseSettings.STANDARD)) {
            cheapRound(client, library.requests(), prefix + "warm-up", new LinkedHashMap<>(counts.size()));
            for (int i = 0; i < mode.cheapRepetitions(); i++) {
                cheapRound(client, library.requests(), prefix + "free-" + i, counts);
            }
            for (int i = 0; i < mode.heldRepetitions(); i++) {
                counts.get(HELD_SAME_CLIENT).add(Map.of(), heldRound(client, client, library, prefix + "same-" + i));
                counts.get(HELD_OTHER_CLIENT).add(Map.of(), heldRound(client, other, library, prefix + "other-" + i));
            }
        }
        return counts;
    }

    private static <H> void cheapRound(
            LockClientUnderTest<H> client, RequestCounter requests, String name, Map<String, Counting> counts) {
        Thread self = Thread.currentThread();
        for (int pass = 0; pass < 2; pass++) { // a never-used name, then the same name released
            Map<String, Long> before = requests.operationsSentBy(self);
            H lock = client.acquireFree(name);
            record(counts, FREE_ACQUIRE, before, requests.operationsSentBy(self));
            if (pass == 0) {
                before = requests.operationsSentBy(self);
                client.renew(lock);
                record(counts, RENEW, before, requests.operationsSentBy(self));
            }
            before = requests.operationsSentBy(self);
            client.release(lock);
            record(counts, RELEASE, before, requests.operationsSentBy(self));
        }
    }

    private static void record(
            Map<String, Counting> counts, String operation, Map<String, Long> before, Map<String, Long> after) {
        Counting counting = counts.get(operation);
        if (counting != null) {
            counting.add(before, after);
        }
    }

    /** Returns the waiter's requests by operation name. */
    private static <H> Map<String, Long> heldRound(
            LockClientUnderTest<H> holder, LockClientUnderTest<H> waiter, LibraryUnderTest<H> library, String name) {
        RequestCounter requests = library.requests();
        H held = holder.acquireFree(name);
        AtomicReference<H> granted = new AtomicReference<>();
        AtomicReference<RuntimeException> failure = new AtomicReference<>();
        Thread waiting = new Thread(
                () -> {
                    try {
                        granted.set(waiter.acquireWaiting(name, WAIT));
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
        holder.release(held);
        Waits.join(waiting, WAIT);
        if (failure.get() != null) {
            throw failure.get();
        }
        Map<String, Long> sent = requests.operationsSentBy(waiting);
        waiter.release(granted.get());
        return sent;
    }
}
