package dev.txlease.jdbc;

import dev.txlease.Lease;
import dev.txlease.jdbc.internal.BoundLeases;
import java.util.List;

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
 * <p>Not thread-safe: a binding belongs to the thread that opened it.
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
