package dev.txlease.ra;

import dev.txlease.LeaseException;
import jakarta.resource.ResourceException;
import jakarta.resource.spi.ConnectionManager;
import java.io.Serial;
import javax.naming.Reference;

/**
 * The {@link LeaseConnectionFactory} the container binds: asks the container's connection manager
 * for a connection (which pools, and enlists in the caller's transaction). Thread-safe.
 */
final class DefaultLeaseConnectionFactory implements LeaseConnectionFactory {
    @Serial
    private static final long serialVersionUID = 1L;

    private final transient LeaseManagedConnectionFactory factory;
    private final transient ConnectionManager manager;
    private Reference reference;

    DefaultLeaseConnectionFactory(LeaseManagedConnectionFactory factory, ConnectionManager manager) {
        this.factory = factory;
        this.manager = manager;
    }

    @Override
    public LeaseConnection getConnection() {
        try {
            return (LeaseConnection) manager.allocateConnection(factory, null);
        } catch (ResourceException e) {
            throw new LeaseException(
                    "The application server could not hand out a txlease connection: " + e.getMessage(),
                    null,
                    null,
                    null,
                    e);
        }
    }

    @Override
    public synchronized void setReference(Reference reference) {
        this.reference = reference;
    }

    @Override
    public synchronized Reference getReference() {
        return reference;
    }

    @Override
    public String toString() {
        return "LeaseConnectionFactory[" + factory.getResourceAdapter() + "]";
    }
}
