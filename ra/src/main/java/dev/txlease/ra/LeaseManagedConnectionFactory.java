package dev.txlease.ra;

import jakarta.resource.ResourceException;
import jakarta.resource.spi.ConnectionManager;
import jakarta.resource.spi.ConnectionRequestInfo;
import jakarta.resource.spi.ManagedConnection;
import jakarta.resource.spi.ManagedConnectionFactory;
import jakarta.resource.spi.ResourceAdapter;
import jakarta.resource.spi.ResourceAdapterAssociation;
import jakarta.resource.spi.TransactionSupport;
import java.io.PrintWriter;
import java.io.Serial;
import java.util.Set;
import javax.security.auth.Subject;

/**
 * The managed connection factory of the adapter's connection definition. Every managed connection
 * is equivalent (the store is the adapter's), so any pooled one matches; credentials, such as the
 * recovery credential a container needs to enable XA recovery, are accepted and not used. Named in
 * {@code ra.xml}; not for application code.
 *
 * <p>Thread-safe.
 */
public final class LeaseManagedConnectionFactory
        implements ManagedConnectionFactory, ResourceAdapterAssociation, TransactionSupport {
    @Serial
    private static final long serialVersionUID = 1L;

    private transient volatile LeaseResourceAdapter adapter;
    private transient volatile PrintWriter logWriter;

    /** Creates the factory (the container calls this). */
    public LeaseManagedConnectionFactory() {}

    @Override
    public Object createConnectionFactory(ConnectionManager manager) {
        return new DefaultLeaseConnectionFactory(this, manager);
    }

    /** Outside a container there is no pool or transaction to join: refused. */
    @Override
    public Object createConnectionFactory() throws ResourceException {
        throw new jakarta.resource.NotSupportedException(
                "txlease: the adapter runs inside an application server only; outside one use"
                        + " dev.txlease.jta.TransactionalLeaseClient");
    }

    @Override
    public ManagedConnection createManagedConnection(Subject subject, ConnectionRequestInfo info)
            throws ResourceException {
        LeaseResourceAdapter.Running running = requireAdapter().running();
        return new LeaseManagedConnection(
                this, running.client(), running.resources().newResource());
    }

    @Override
    public ManagedConnection matchManagedConnections(
            @SuppressWarnings("rawtypes") Set connections, Subject subject, ConnectionRequestInfo info) {
        for (Object candidate : connections) {
            if (candidate instanceof LeaseManagedConnection && ((LeaseManagedConnection) candidate).factory() == this) {
                return (ManagedConnection) candidate;
            }
        }
        return null;
    }

    @Override
    public TransactionSupportLevel getTransactionSupport() {
        return TransactionSupportLevel.XATransaction;
    }

    @Override
    public ResourceAdapter getResourceAdapter() {
        return adapter;
    }

    @Override
    public void setResourceAdapter(ResourceAdapter adapter) throws ResourceException {
        if (!(adapter instanceof LeaseResourceAdapter)) {
            throw new ResourceException("txlease: expected a LeaseResourceAdapter, got " + adapter);
        }
        this.adapter = (LeaseResourceAdapter) adapter;
    }

    @Override
    public void setLogWriter(PrintWriter out) {
        this.logWriter = out;
    }

    @Override
    public PrintWriter getLogWriter() {
        return logWriter;
    }

    private LeaseResourceAdapter requireAdapter() throws ResourceException {
        LeaseResourceAdapter current = adapter;
        if (current == null) {
            throw new ResourceException("txlease: the connection factory is not associated with its resource adapter");
        }
        return current;
    }

    /** Factories are equal when bound to the same adapter (the Connectors specification asks for it). */
    @Override
    public boolean equals(Object other) {
        return other instanceof LeaseManagedConnectionFactory
                && ((LeaseManagedConnectionFactory) other).adapter == adapter;
    }

    @Override
    public int hashCode() {
        return System.identityHashCode(adapter);
    }
}
