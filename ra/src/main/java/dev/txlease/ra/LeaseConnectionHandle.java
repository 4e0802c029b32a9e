package dev.txlease.ra;

import dev.txlease.AcquireOptions;
import dev.txlease.Lease;
import dev.txlease.LeaseInfo;
import dev.txlease.LockNames;
import java.util.Optional;

/**
 * The application's {@link LeaseConnection}: forwards to its managed connection, which the
 * container may change ({@code associateConnection}) or take away ({@code cleanup}). Thread-safe.
 */
final class LeaseConnectionHandle implements LeaseConnection {
    private volatile LeaseManagedConnection connection;

    LeaseConnectionHandle(LeaseManagedConnection connection) {
        this.connection = connection;
    }

    @Override
    public Lease acquire(String name, AcquireOptions options) {
        return open(name).resource().acquire(name, options, true).orElseThrow();
    }

    @Override
    public Optional<Lease> tryAcquire(String name, AcquireOptions options) {
        return open(name).resource().acquire(name, options, false);
    }

    @Override
    public Optional<LeaseInfo> inspect(String name) {
        return open(LockNames.check(name)).inspect(name);
    }

    @Override
    public void close() {
        LeaseManagedConnection current = connection;
        connection = null;
        if (current != null) {
            current.closed(this);
        }
    }

    void moveTo(LeaseManagedConnection target) {
        LeaseManagedConnection previous = connection;
        connection = target;
        if (previous != null && previous != target) {
            previous.detach(this);
        }
    }

    void invalidate() {
        connection = null;
    }

    private LeaseManagedConnection open(String name) {
        LeaseManagedConnection current = connection;
        if (current == null) {
            throw new IllegalStateException(
                    "This txlease connection is closed; get a new one from the LeaseConnectionFactory to use lock '"
                            + name + "'");
        }
        return current;
    }

    @Override
    public String toString() {
        return "LeaseConnection[" + (connection == null ? "closed" : "open") + "]";
    }
}
