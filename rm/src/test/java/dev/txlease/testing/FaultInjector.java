package dev.txlease.testing;

import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The faults a {@link DynamoDbLocal} transport injects into DynamoDB requests, armed per operation
 * name ({@code UpdateItem}, ...) for a number of attempts. Over HTTP the {@link HttpFaultProxy}
 * applies them on the wire, below the SDK, so the SDK's own retries and timeouts see them as they
 * would see a real network; over the embedded server the client wrapper applies them per call.
 *
 * <ul>
 *   <li>{@link #dropResponses}: the request reaches DynamoDB and takes effect, then the connection
 *       is closed without an answer (the SDK retries it, as it would a real one).
 *   <li>{@link #failRequests}: the connection is closed before the request reaches DynamoDB.
 *   <li>{@link #delayNextRequest}: the caller's attempt fails at once as if the connection broke,
 *       while the request itself stays in the network and lands only when the test {@linkplain
 *       Gate#open() opens} the gate, after any later request (a delayed duplicate).
 *   <li>{@link #holdNextRequest}: the request waits at the gate and the caller waits for it; the
 *       test may interrupt the caller meanwhile, then opens the gate: the request lands and its
 *       answer goes back.
 *   <li>{@link #holdNextResponse}: the request lands at once, its answer waits at the gate.
 * </ul>
 *
 * <p>Thread-safe: each armed fault fires exactly once.
 */
public final class FaultInjector {
    /** What the transport does with one attempt. */
    enum Action {
        PASS,
        FAIL_REQUEST,
        DROP_RESPONSE,
        DELAY_REQUEST,
        HOLD_REQUEST,
        HOLD_RESPONSE
    }

    /** One attempt's fault: its action and, for the delaying ones, the gate. */
    record Fault(Action action, Gate gate) {
        static final Fault PASS = new Fault(Action.PASS, null);
    }

    private final Map<String, AtomicInteger> droppedResponses = new ConcurrentHashMap<>();
    private final Map<String, AtomicInteger> failedRequests = new ConcurrentHashMap<>();
    private final Map<String, Queue<Fault>> gated = new ConcurrentHashMap<>();

    /**
     * Drops the responses of the next {@code attempts} attempts of {@code operation}, after the
     * request took effect.
     */
    public void dropResponses(String operation, int attempts) {
        arm(droppedResponses, operation, attempts);
    }

    /** Fails the next {@code attempts} attempts of {@code operation} before they reach DynamoDB. */
    public void failRequests(String operation, int attempts) {
        arm(failedRequests, operation, attempts);
    }

    /**
     * Fails the caller's next attempt of {@code operation} at once while the request itself lands
     * only when the returned gate opens.
     */
    public Gate delayNextRequest(String operation) {
        return gate(operation, Action.DELAY_REQUEST);
    }

    /** Holds the next attempt of {@code operation} before it reaches DynamoDB until the gate opens. */
    public Gate holdNextRequest(String operation) {
        return gate(operation, Action.HOLD_REQUEST);
    }

    /** Lets the next attempt of {@code operation} land and holds its answer until the gate opens. */
    public Gate holdNextResponse(String operation) {
        return gate(operation, Action.HOLD_RESPONSE);
    }

    /** Disarms every fault and opens every gate. */
    public void reset() {
        droppedResponses.clear();
        failedRequests.clear();
        gated.values().forEach(queue -> queue.forEach(fault -> fault.gate().open()));
        gated.clear();
    }

    /** Takes the fault armed for the next attempt of {@code operation}. */
    Fault next(String operation) {
        Queue<Fault> gates = gated.get(operation);
        Fault gate = gates == null ? null : gates.poll();
        if (gate != null) {
            return gate;
        }
        if (take(failedRequests, operation)) {
            return new Fault(Action.FAIL_REQUEST, null);
        }
        if (take(droppedResponses, operation)) {
            return new Fault(Action.DROP_RESPONSE, null);
        }
        return Fault.PASS;
    }

    private Gate gate(String operation, Action action) {
        Gate gate = new Gate(operation + " " + action);
        gated.computeIfAbsent(operation, key -> new ConcurrentLinkedQueue<>()).add(new Fault(action, gate));
        return gate;
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

    /**
     * Where a held or delayed request waits: the test {@linkplain #awaitReached() waits until a
     * request reached it}, does what it wants meanwhile, then {@linkplain #open() opens} it and may
     * {@linkplain #awaitPassed() wait until the request went through}. Thread-safe.
     */
    public static final class Gate {
        private final String description;
        private final CountDownLatch reached = new CountDownLatch(1);
        private final CountDownLatch open = new CountDownLatch(1);
        private final CountDownLatch passed = new CountDownLatch(1);

        Gate(String description) {
            this.description = description;
        }

        /** Waits until a request reached this gate. */
        public void awaitReached() {
            await(reached, "a request reached " + this);
        }

        /** Returns whether a request reached this gate. */
        public boolean isReached() {
            return reached.getCount() == 0;
        }

        /** Opens the gate: the held request goes on. */
        public void open() {
            open.countDown();
        }

        /** Waits until the request went through the gate and (for a delayed request) landed. */
        public void awaitPassed() {
            await(passed, "the request passed " + this);
        }

        void arrive() {
            reached.countDown();
        }

        /** Blocks until the gate opens (the transport's side; ignores interrupts of its own thread). */
        void awaitOpen() {
            boolean interrupted = false;
            while (true) {
                try {
                    open.await();
                    break;
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }

        void pass() {
            passed.countDown();
        }

        private static void await(CountDownLatch latch, String what) {
            Await.until(what, () -> latch.getCount() == 0);
        }

        @Override
        public String toString() {
            return "Gate[" + description + "]";
        }
    }
}
