package dev.txlease.testing;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Counts the DynamoDB requests that reached DynamoDB Local, per operation name ({@code UpdateItem},
 * {@code GetItem}, ...).
 *
 * <p>It counts <em>attempts</em>: over HTTP the {@link HttpFaultProxy} counts each request it
 * forwarded once DynamoDB Local answered it (so a count seen by a test has taken effect), so each retry the SDK makes counts again and a request that a {@link FaultInjector}
 * fails before it reaches DynamoDB does not count. Over the embedded DynamoDB Local (no SDK
 * pipeline, no retries) every call is one attempt.
 *
 * <p>Thread-safe: each count is exact; {@link #total()} read while requests are in flight may miss
 * those.
 */
public final class RequestCounter {
    private final Map<String, AtomicLong> counts = new ConcurrentHashMap<>();
    private final AtomicInteger inFlight = new AtomicInteger();

    /** Counts one attempt of {@code operation}. */
    void record(String operation) {
        counts.computeIfAbsent(operation, key -> new AtomicLong()).incrementAndGet();
    }

    /** A connection with a request reached the proxy. */
    void opened() {
        inFlight.incrementAndGet();
    }

    /** The proxy is done with a connection: answered, dropped, failed or delivered late. */
    void finished() {
        inFlight.decrementAndGet();
    }

    /**
     * Returns the requests still in the network: over HTTP, those the proxy accepted and is not done
     * with yet. An attempt the SDK gave up on (its attempt timeout) stays here until it landed or
     * failed, so a test that waits for zero knows that no attempt of an earlier call can land later.
     * Always zero over the embedded server, whose calls are synchronous. Not reset by {@link #reset()}.
     */
    public int inFlight() {
        return inFlight.get();
    }

    /** Returns the attempts of {@code operation} (for example {@code "UpdateItem"}) since the last reset. */
    public long count(String operation) {
        AtomicLong count = counts.get(operation);
        return count == null ? 0 : count.get();
    }

    /** Returns the attempts of all operations since the last reset. */
    public long total() {
        return counts.values().stream().mapToLong(AtomicLong::get).sum();
    }

    /** Returns the counts by operation name, sorted by name. */
    public Map<String, Long> snapshot() {
        Map<String, Long> snapshot = new TreeMap<>();
        counts.forEach((operation, count) -> snapshot.put(operation, count.get()));
        return snapshot;
    }

    /** Sets every count back to zero. */
    public void reset() {
        counts.clear();
    }

    @Override
    public String toString() {
        return "RequestCounter" + snapshot();
    }
}
