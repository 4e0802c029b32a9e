package dev.txlease.testing;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.core.interceptor.SdkExecutionAttribute;

/**
 * Counts the DynamoDB requests a client sends, per operation name ({@code UpdateItem}, {@code
 * GetItem}, ...).
 *
 * <p>It counts <em>attempts</em>: installed in an SDK client it counts in {@code
 * beforeTransmission}, so each retry the SDK makes counts again and a request that a {@link
 * FaultInjector} stops before sending does not count. Over the embedded DynamoDB Local (no SDK
 * pipeline, no retries) every call is one attempt.
 *
 * <p>Thread-safe: each count is exact; {@link #total()} read while requests are in flight may miss
 * those.
 */
public final class RequestCounter implements ExecutionInterceptor {
    private final Map<String, AtomicLong> counts = new ConcurrentHashMap<>();

    @Override
    public void beforeTransmission(Context.BeforeTransmission context, ExecutionAttributes executionAttributes) {
        record(executionAttributes.getAttribute(SdkExecutionAttribute.OPERATION_NAME));
    }

    /** Counts one attempt of {@code operation}. */
    void record(String operation) {
        counts.computeIfAbsent(operation, key -> new AtomicLong()).incrementAndGet();
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
