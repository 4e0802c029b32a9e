package dev.txlease.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import software.amazon.awssdk.core.SdkRequest;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.core.interceptor.SdkExecutionAttribute;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.UpdateItemRequest;

/**
 * Counts the DynamoDB requests one library sends, as an SDK interceptor on its client.
 *
 * <p>It counts <em>attempts</em>, in {@code beforeTransmission}: a retry counts again. Counts are
 * kept per operation name and per calling thread; a synchronous SDK client runs the whole call,
 * interceptors included, on the calling thread, so the per-thread count of a thread is exactly the
 * requests its own calls sent, whatever background threads (heartbeats) send meanwhile.
 *
 * <p>An {@code UpdateItem} that writes txlease's waiter marker (its update expression assigns the
 * marker attribute) is counted under {@value #MARKER_WRITE}, so that a waiter's marker writes show
 * apart from its grant attempts.
 *
 * <p>When {@linkplain #trackUpdates tracking} is on, it also notes when each successful {@code
 * UpdateItem} on a key with the tracked prefix came back, on {@link System#nanoTime()} (the
 * heartbeat measure reads renewal gaps from it).
 *
 * <p>Thread-safe.
 */
final class RequestCounter implements ExecutionInterceptor {
    /** The operation name under which writes of the waiter marker are counted. */
    static final String MARKER_WRITE = "UpdateItem of the waiter marker";

    private final String keyAttribute;
    private final String markerAttribute;
    private final LongAdder total = new LongAdder();
    private final Map<Long, Map<String, LongAdder>> sentByThread = new ConcurrentHashMap<>();
    private final Map<Long, LongAdder> answeredByThread = new ConcurrentHashMap<>();
    private final Map<String, List<Long>> updates = new ConcurrentHashMap<>();
    private volatile String trackedPrefix;

    /**
     * Creates a counter.
     *
     * @param keyAttribute the table's partition key attribute, to read the key of tracked updates
     * @param markerAttribute txlease's waiter marker attribute, or null (the AWS client has none)
     */
    RequestCounter(String keyAttribute, String markerAttribute) {
        this.keyAttribute = keyAttribute;
        this.markerAttribute = markerAttribute;
    }

    @Override
    public void beforeTransmission(Context.BeforeTransmission context, ExecutionAttributes attributes) {
        String operation = writesMarker(context.request())
                ? MARKER_WRITE
                : attributes.getAttribute(SdkExecutionAttribute.OPERATION_NAME);
        total.increment();
        sentByThread
                .computeIfAbsent(Thread.currentThread().getId(), key -> new ConcurrentHashMap<>())
                .computeIfAbsent(operation, key -> new LongAdder())
                .increment();
    }

    @Override
    public void afterTransmission(Context.AfterTransmission context, ExecutionAttributes attributes) {
        answeredByThread
                .computeIfAbsent(Thread.currentThread().getId(), key -> new LongAdder())
                .increment();
    }

    @Override
    public void afterExecution(Context.AfterExecution context, ExecutionAttributes attributes) {
        String prefix = trackedPrefix;
        SdkRequest request = context.request();
        if (prefix != null && request instanceof UpdateItemRequest) {
            AttributeValue key = ((UpdateItemRequest) request).key().get(keyAttribute);
            if (key != null && key.s() != null && key.s().startsWith(prefix)) {
                long now = System.nanoTime();
                List<Long> times = updates.computeIfAbsent(key.s(), name -> new ArrayList<>());
                synchronized (times) {
                    times.add(now);
                }
            }
        }
    }

    /** Whether {@code request} assigns the waiter marker attribute (a grant only removes it). */
    private boolean writesMarker(SdkRequest request) {
        if (markerAttribute == null
                || !(request instanceof UpdateItemRequest update)
                || update.updateExpression() == null) {
            return false;
        }
        for (Map.Entry<String, String> name : update.expressionAttributeNames().entrySet()) {
            if (name.getValue().equals(markerAttribute)
                    && update.updateExpression().contains(name.getKey() + " = ")) {
                return true;
            }
        }
        return false;
    }

    /** Returns the attempts sent by all threads. */
    long total() {
        return total.sum();
    }

    /** Returns the attempts sent by the calling thread. */
    long sentByCurrentThread() {
        return sentBy(Thread.currentThread());
    }

    /** Returns the attempts sent by {@code thread}. */
    long sentBy(Thread thread) {
        return operationsSentBy(thread).values().stream()
                .mapToLong(Long::longValue)
                .sum();
    }

    /** Returns the attempts sent by {@code thread}, by operation name, sorted by name. */
    Map<String, Long> operationsSentBy(Thread thread) {
        Map<String, Long> snapshot = new TreeMap<>();
        Map<String, LongAdder> counts = sentByThread.get(thread.getId());
        if (counts != null) {
            counts.forEach((operation, count) -> snapshot.put(operation, count.sum()));
        }
        return snapshot;
    }

    /** Returns the responses {@code thread} has received (errors included). */
    long answeredTo(Thread thread) {
        LongAdder count = answeredByThread.get(thread.getId());
        return count == null ? 0 : count.sum();
    }

    /**
     * Starts noting successful updates of keys that start with {@code prefix}, forgetting any noted
     * before; {@code null} stops.
     */
    void trackUpdates(String prefix) {
        trackedPrefix = null;
        updates.clear();
        trackedPrefix = prefix;
    }

    /** Returns when the successful updates of {@code key} came back, in order, since tracking began. */
    List<Long> updatesOf(String key) {
        List<Long> times = updates.get(key);
        if (times == null) {
            return List.of();
        }
        synchronized (times) {
            List<Long> copy = new ArrayList<>(times);
            copy.sort(null);
            return copy;
        }
    }
}
