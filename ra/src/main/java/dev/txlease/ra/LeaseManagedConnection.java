package dev.txlease.ra;

import dev.txlease.LeaseInfo;
import dev.txlease.client.DefaultLeaseClient;
import dev.txlease.jta.ContainerLeaseResource;
import jakarta.resource.NotSupportedException;
import jakarta.resource.ResourceException;
import jakarta.resource.spi.ConnectionEvent;
import jakarta.resource.spi.ConnectionEventListener;
import jakarta.resource.spi.ConnectionRequestInfo;
import jakarta.resource.spi.LocalTransaction;
import jakarta.resource.spi.ManagedConnection;
import jakarta.resource.spi.ManagedConnectionMetaData;
import java.io.PrintWriter;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import javax.security.auth.Subject;
import javax.transaction.xa.XAResource;

/**
 * One pooled connection: its XAResource is a {@link ContainerLeaseResource} (one per managed
 * connection, branch state per Xid shared by the adapter), its handles are {@link
 * LeaseConnectionHandle}s. Holds no store connection of its own: the adapter's client is shared.
 *
 * <p>Thread-safe.
 */
final class LeaseManagedConnection implements ManagedConnection {
    private final LeaseManagedConnectionFactory factory;
    private final DefaultLeaseClient client;
    private final ContainerLeaseResource resource;
    private final Set<LeaseConnectionHandle> handles = ConcurrentHashMap.newKeySet();
    private final List<ConnectionEventListener> listeners = new CopyOnWriteArrayList<>();
    private volatile PrintWriter logWriter;

    LeaseManagedConnection(
            LeaseManagedConnectionFactory factory, DefaultLeaseClient client, ContainerLeaseResource resource) {
        this.factory = factory;
        this.client = client;
        this.resource = resource;
    }

    LeaseManagedConnectionFactory factory() {
        return factory;
    }

    ContainerLeaseResource resource() {
        return resource;
    }

    Optional<LeaseInfo> inspect(String name) {
        return client.inspect(name);
    }

    @Override
    public Object getConnection(Subject subject, ConnectionRequestInfo info) {
        LeaseConnectionHandle handle = new LeaseConnectionHandle(this);
        handles.add(handle);
        return handle;
    }

    @Override
    public void associateConnection(Object connection) throws ResourceException {
        if (!(connection instanceof LeaseConnectionHandle)) {
            throw new ResourceException("txlease: cannot associate " + connection);
        }
        LeaseConnectionHandle handle = (LeaseConnectionHandle) connection;
        handle.moveTo(this);
        handles.add(handle);
    }

    /** A handle closed by the application: tells the container, which returns this connection to the pool. */
    void closed(LeaseConnectionHandle handle) {
        handles.remove(handle);
        ConnectionEvent event = new ConnectionEvent(this, ConnectionEvent.CONNECTION_CLOSED);
        event.setConnectionHandle(handle);
        for (ConnectionEventListener listener : listeners) {
            listener.connectionClosed(event);
        }
    }

    /** A handle moved to another managed connection. */
    void detach(LeaseConnectionHandle handle) {
        handles.remove(handle);
    }

    @Override
    public void cleanup() {
        for (LeaseConnectionHandle handle : handles) {
            handle.invalidate();
        }
        handles.clear();
    }

    @Override
    public void destroy() {
        cleanup();
    }

    @Override
    public void addConnectionEventListener(ConnectionEventListener listener) {
        listeners.add(listener);
    }

    @Override
    public void removeConnectionEventListener(ConnectionEventListener listener) {
        listeners.remove(listener);
    }

    @Override
    public XAResource getXAResource() {
        return resource;
    }

    /** Leases join XA transactions only. */
    @Override
    public LocalTransaction getLocalTransaction() throws ResourceException {
        throw new NotSupportedException("txlease: leases join XA transactions only (XATransaction)");
    }

    @Override
    public ManagedConnectionMetaData getMetaData() {
        return new ManagedConnectionMetaData() {
            @Override
            public String getEISProductName() {
                return "txlease";
            }

            @Override
            public String getEISProductVersion() {
                String version = LeaseManagedConnection.class.getPackage().getImplementationVersion();
                return version != null ? version : "unknown";
            }

            @Override
            public int getMaxConnections() {
                return 0; // no limit: connections share the adapter's client
            }

            @Override
            public String getUserName() {
                return client.owner();
            }
        };
    }

    @Override
    public void setLogWriter(PrintWriter out) {
        this.logWriter = out;
    }

    @Override
    public PrintWriter getLogWriter() {
        return logWriter;
    }
}
