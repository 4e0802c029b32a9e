package dev.txlease.bench;

import java.time.Duration;
import java.util.Objects;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;

/**
 * Adds a fixed latency to every request attempt of the SDK clients it is installed in, as the
 * network to a real DynamoDB would (5 to 10 ms a request): the calling thread waits before the
 * request is sent, as a synchronous client's thread waits for the answer. Zero (the default) adds
 * nothing.
 *
 * <p>Thread-safe.
 */
final class RequestLatency implements ExecutionInterceptor {
    private volatile Duration latency = Duration.ZERO;

    /** Sets the latency of every later attempt. */
    void set(Duration latency) {
        this.latency = Objects.requireNonNull(latency, "latency");
    }

    /** Returns the latency now added. */
    Duration get() {
        return latency;
    }

    @Override
    public void beforeTransmission(Context.BeforeTransmission context, ExecutionAttributes executionAttributes) {
        Duration current = latency;
        if (!current.isZero()) {
            Waits.sleep(current);
        }
    }
}
