package dev.txlease.jdbc;

import dev.txlease.Lease;
import dev.txlease.jdbc.internal.BoundLeases;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.Callable;
import java.util.concurrent.Executor;

/**
 * Binds leases to the current thread for a scope: while the binding is open, every connection of a
 * {@link FencedDataSource} (or of a Jdbi with the fencing plugin) checks them before the statements
 * this thread executes, whichever way the connection was obtained. Use it for local transactions
 * when the code that writes does not see the lease, e.g. around {@code jdbi.useTransaction(...)}:
 *
 * <!-- snippet: fencing-jdbi -->
 * <pre>{@code
 * Jdbi jdbi = Jdbi.create(dataSource);
 * jdbi.installPlugin(new FencingPlugin());
 * jdbi.getConfig(FencingConfig.class).setGuardTable("txlease_fence"); // .setTransactionRegistry(tsr) for JTA
 * GuardTable.named("txlease_fence").createIfAbsent(dataSource); // once; or in a migration
 *
 * try (Lease lease = leases.acquire("customer-42", AcquireOptions.defaults());
 *         LeaseBinding binding = LeaseBinding.bind(lease)) { // fences this thread's transactions
 *     jdbi.useTransaction(
 *             handle -> handle.createUpdate("UPDATE account SET balance = balance - :amount WHERE id = :id")
 *                     .bind("amount", 30)
 *                     .bind("id", "customer-42")
 *                     .execute());
 * }
 * }</pre>
 *
 * <p>Bindings nest: an inner binding adds its leases to the outer ones. Close a binding on the
 * thread that opened it, innermost first; closing it again does nothing. Under JTA, prefer the
 * transactional lease client, which publishes its leases with the transaction (a transaction may
 * move between threads; a binding does not).
 *
 * <p>A binding does not follow work onto other threads: a task run by an executor, a parallel
 * stream or a {@code CompletableFuture} sees no lease, and its statements are not fenced (in
 * auto-commit mode they are not even refused). Carry the bindings of the submitting thread with
 * {@link #wrap(Runnable)}, {@link #wrap(Callable)} or an executor from {@link #propagating(Executor)}:
 *
 * <pre>{@code
 * try (LeaseBinding binding = LeaseBinding.bind(lease)) {
 *     executor.submit(LeaseBinding.wrap(() -> jdbi.useTransaction(handle -> ...)));
 * }
 * }</pre>
 *
 * <p>A wrapped task binds the captured leases for the time it runs, on whichever thread, and unbinds
 * them when it ends. The work must still use its own transaction: a database transaction belongs to
 * one connection, and the check runs in each.
 *
 * <p>Not thread-safe: a binding belongs to the thread that opened it. The static methods are
 * thread-safe.
 */
public final class LeaseBinding implements AutoCloseable {
    private final BoundLeases.Frame frame;
    private boolean closed;

    private LeaseBinding(BoundLeases.Frame frame) {
        this.frame = frame;
    }

    /**
     * Binds leases to the current thread until the binding is closed.
     *
     * @param leases one or more leases
     * @return the binding, to close
     * @throws IllegalArgumentException if no lease is given
     */
    public static LeaseBinding bind(Lease... leases) {
        return new LeaseBinding(BoundLeases.push(LeaseArguments.nonEmpty("LeaseBinding.bind", leases)));
    }

    /**
     * Returns the leases bound to the current thread, outermost binding first.
     *
     * @return the bound leases; empty if none
     */
    public static List<Lease> current() {
        return BoundLeases.current();
    }

    /**
     * Returns a task that runs {@code task} with the leases bound to the calling thread now (at
     * wrapping time) bound to whichever thread runs it, for as long as it runs.
     *
     * @param task the task
     * @return the wrapped task; {@code task} itself if no lease is bound
     */
    public static Runnable wrap(Runnable task) {
        Objects.requireNonNull(task, "task must not be null");
        List<Lease> captured = BoundLeases.current();
        if (captured.isEmpty()) {
            return task;
        }
        return () -> {
            BoundLeases.Frame frame = BoundLeases.push(captured);
            try {
                task.run();
            } finally {
                BoundLeases.pop(frame);
            }
        };
    }

    /**
     * Returns a task that calls {@code task} with the leases bound to the calling thread now (at
     * wrapping time) bound to whichever thread calls it, for as long as it runs.
     *
     * @param task the task
     * @param <T> the task's result type
     * @return the wrapped task; {@code task} itself if no lease is bound
     */
    public static <T> Callable<T> wrap(Callable<T> task) {
        Objects.requireNonNull(task, "task must not be null");
        List<Lease> captured = BoundLeases.current();
        if (captured.isEmpty()) {
            return task;
        }
        return () -> {
            BoundLeases.Frame frame = BoundLeases.push(captured);
            try {
                return task.call();
            } finally {
                BoundLeases.pop(frame);
            }
        };
    }

    /**
     * Returns an executor that runs each task with the leases bound to the thread that submitted it
     * (see {@link #wrap(Runnable)}). Thread-safe if {@code executor} is.
     *
     * @param executor the executor that runs the tasks
     * @return the decorating executor
     */
    public static Executor propagating(Executor executor) {
        Objects.requireNonNull(executor, "executor must not be null");
        return task -> executor.execute(wrap(task));
    }

    /**
     * Unbinds the leases.
     *
     * @throws IllegalStateException if called on another thread, or before a nested binding is closed
     */
    @Override
    public void close() {
        if (!closed) {
            BoundLeases.pop(frame);
            closed = true;
        }
    }

    @Override
    public String toString() {
        return "LeaseBinding[" + (closed ? "closed" : "open") + "]";
    }
}
