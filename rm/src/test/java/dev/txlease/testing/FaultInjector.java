package dev.txlease.testing;

import java.io.IOException;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.core.interceptor.SdkExecutionAttribute;

/**
 * Injects client-side faults into DynamoDB requests, per operation name ({@code UpdateItem}, ...),
 * for a given number of attempts:
 *
 * <ul>
 *   <li>{@link #dropResponses}: the request reaches DynamoDB and takes effect, then the caller gets
 *       an {@link SdkClientException} caused by an {@link IOException} instead of the response (a
 *       connection lost after the write). An SDK client may retry it, as it would a real one.
 *   <li>{@link #failRequests}: the request is never sent; the caller gets an {@link
 *       SdkClientException} caused by an {@link IOException}.
 * </ul>
 *
 * <p>Thread-safe: each armed fault fires exactly once.
 */
public final class FaultInjector implements ExecutionInterceptor {
    private final Map<String, AtomicInteger> droppedResponses = new ConcurrentHashMap<>();
    private final Map<String, AtomicInteger> failedRequests = new ConcurrentHashMap<>();

    /**
     * Drops the responses of the next {@code attempts} attempts of {@code operation}, after the
     * request took effect.
     */
    public void dropResponses(String operation, int attempts) {
        arm(droppedResponses, operation, attempts);
    }

    /** Fails the next {@code attempts} attempts of {@code operation} before they are sent. */
    public void failRequests(String operation, int attempts) {
        arm(failedRequests, operation, attempts);
    }

    /** Disarms every fault. */
    public void reset() {
        droppedResponses.clear();
        failedRequests.clear();
    }

    @Override
    public void beforeTransmission(Context.BeforeTransmission context, ExecutionAttributes executionAttributes) {
        beforeSend(executionAttributes.getAttribute(SdkExecutionAttribute.OPERATION_NAME));
    }

    @Override
    public void afterTransmission(Context.AfterTransmission context, ExecutionAttributes executionAttributes) {
        afterSend(executionAttributes.getAttribute(SdkExecutionAttribute.OPERATION_NAME));
    }

    /** Throws if a request fault is armed for {@code operation}. */
    void beforeSend(String operation) {
        if (take(failedRequests, operation)) {
            throw fault("FaultInjector failed " + operation + " before sending it");
        }
    }

    /** Throws if a response fault is armed for {@code operation}. */
    void afterSend(String operation) {
        if (take(droppedResponses, operation)) {
            throw fault("FaultInjector dropped the response of " + operation + " after it took effect");
        }
    }

    private static void arm(Map<String, AtomicInteger> faults, String operation, int attempts) {
        if (attempts < 1) {
            throw new IllegalArgumentException("attempts must be at least 1, was " + attempts);
        }
        faults.computeIfAbsent(operation, key -> new AtomicInteger()).addAndGet(attempts);
    }

    private static boolean take(Map<String, AtomicInteger> faults, String operation) {
        AtomicInteger remaining = faults.get(operation);
        return remaining != null && remaining.getAndUpdate(left -> Math.max(0, left - 1)) > 0;
    }

    private static SdkClientException fault(String message) {
        return SdkClientException.builder()
                .message(message)
                .cause(new IOException(message))
                .build();
    }
}
