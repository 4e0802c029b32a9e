package dev.txlease.jdbc.testing;

import java.io.PrintWriter;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.util.logging.Logger;
import javax.sql.ConnectionEventListener;
import javax.sql.StatementEventListener;
import javax.sql.XAConnection;
import javax.sql.XADataSource;
import javax.transaction.xa.XAResource;
import org.mariadb.jdbc.MariaDbDataSource;

/**
 * MariaDB's XA data source for Agroal, working around mariadb-java-client 3.5.x: its {@code
 * XAConnection.getConnection()} returns the physical connection, so when Agroal closes the handle it
 * used to set a new connection up, the physical connection closes and the next {@code XA START}
 * fails with "Connection is closed" (quarkusio/quarkus#44160). Here {@code getConnection()} returns
 * a handle whose {@code close()} leaves the physical connection open; closing the {@code
 * XAConnection} closes it. Only the connection's life cycle is changed; XA goes to the driver.
 *
 * <p>Agroal instantiates this class and sets {@code url}. Not thread-safe before use, like a driver's
 * data source.
 */
public final class MariaDbXaShim implements XADataSource {
    private final MariaDbDataSource delegate = new MariaDbDataSource();

    /** Creates the data source; set the URL next. */
    public MariaDbXaShim() {}

    /**
     * Sets the JDBC URL (Agroal calls this).
     *
     * @param url the URL
     * @throws SQLException if the driver rejects it
     */
    public void setUrl(String url) throws SQLException {
        delegate.setUrl(url);
    }

    @Override
    public XAConnection getXAConnection() throws SQLException {
        return new ShimConnection(delegate.getXAConnection());
    }

    @Override
    public XAConnection getXAConnection(String user, String password) throws SQLException {
        return new ShimConnection(delegate.getXAConnection(user, password));
    }

    @Override
    public PrintWriter getLogWriter() throws SQLException {
        return delegate.getLogWriter();
    }

    @Override
    public void setLogWriter(PrintWriter out) throws SQLException {
        delegate.setLogWriter(out);
    }

    @Override
    public void setLoginTimeout(int seconds) throws SQLException {
        delegate.setLoginTimeout(seconds);
    }

    @Override
    public int getLoginTimeout() throws SQLException {
        return delegate.getLoginTimeout();
    }

    @Override
    public Logger getParentLogger() throws SQLFeatureNotSupportedException {
        return delegate.getParentLogger();
    }

    private static final class ShimConnection implements XAConnection {
        private final XAConnection xaConnection;
        private final Connection physical;

        ShimConnection(XAConnection xaConnection) throws SQLException {
            this.xaConnection = xaConnection;
            this.physical = xaConnection.getConnection();
        }

        @Override
        public Connection getConnection() {
            return (Connection) Proxy.newProxyInstance(
                    Connection.class.getClassLoader(), new Class<?>[] {Connection.class}, (proxy, method, args) -> {
                        if (method.getName().equals("close") && method.getParameterCount() == 0) {
                            return null; // a handle: the physical connection stays open
                        }
                        try {
                            return method.invoke(physical, args);
                        } catch (InvocationTargetException e) {
                            throw e.getCause();
                        }
                    });
        }

        @Override
        public XAResource getXAResource() throws SQLException {
            return xaConnection.getXAResource();
        }

        @Override
        public void close() throws SQLException {
            physical.close();
        }

        @Override
        public void addConnectionEventListener(ConnectionEventListener listener) {
            xaConnection.addConnectionEventListener(listener);
        }

        @Override
        public void removeConnectionEventListener(ConnectionEventListener listener) {
            xaConnection.removeConnectionEventListener(listener);
        }

        @Override
        public void addStatementEventListener(StatementEventListener listener) {
            xaConnection.addStatementEventListener(listener);
        }

        @Override
        public void removeStatementEventListener(StatementEventListener listener) {
            xaConnection.removeStatementEventListener(listener);
        }
    }
}
