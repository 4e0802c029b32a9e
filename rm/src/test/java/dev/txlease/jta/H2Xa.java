package dev.txlease.jta;

import com.arjuna.ats.jta.recovery.XAResourceRecoveryHelper;
import jakarta.transaction.RollbackException;
import jakarta.transaction.SystemException;
import jakarta.transaction.Transaction;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import javax.sql.XAConnection;
import javax.transaction.xa.XAResource;
import org.h2.jdbcx.JdbcDataSource;

/**
 * An H2 database used as an XA resource manager in tests: a table {@code guarded(name, fence)} written
 * inside JTA transactions through H2's own {@code XAResource}, enlisted by hand. Not thread-safe.
 */
final class H2Xa implements AutoCloseable {
    private final JdbcDataSource dataSource = new JdbcDataSource();
    private final List<XAConnection> connections = new ArrayList<>();

    H2Xa(String url) throws SQLException {
        dataSource.setURL(url);
        dataSource.setUser("sa");
        try (Connection connection = dataSource.getConnection();
                Statement statement = connection.createStatement()) {
            statement.execute("CREATE TABLE IF NOT EXISTS guarded(name VARCHAR(255) PRIMARY KEY, fence BIGINT)");
        }
    }

    /** Returns a database in memory that lives until {@link #close()}. */
    static H2Xa inMemory() throws SQLException {
        return new H2Xa("jdbc:h2:mem:txlease-" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1");
    }

    /** Enlists a new XA connection in {@code transaction} and inserts a row through it. */
    void insert(Transaction transaction, String name, long fence)
            throws SQLException, RollbackException, SystemException {
        XAConnection connection = dataSource.getXAConnection();
        connections.add(connection);
        if (!transaction.enlistResource(connection.getXAResource())) {
            throw new IllegalStateException("H2 was not enlisted");
        }
        try (PreparedStatement insert =
                connection.getConnection().prepareStatement("INSERT INTO guarded(name, fence) VALUES (?, ?)")) {
            insert.setString(1, name);
            insert.setLong(2, fence);
            insert.executeUpdate();
        }
    }

    /** Returns the committed fence of the row {@code name}, if the row exists. */
    Optional<Long> committedFence(String name) throws SQLException {
        try (Connection connection = dataSource.getConnection();
                PreparedStatement select = connection.prepareStatement("SELECT fence FROM guarded WHERE name = ?")) {
            select.setString(1, name);
            try (ResultSet rows = select.executeQuery()) {
                return rows.next() ? Optional.of(rows.getLong(1)) : Optional.empty();
            }
        }
    }

    /** Returns a recovery helper whose XAResource is a fresh XA connection to this database. */
    XAResourceRecoveryHelper recoveryHelper() {
        return new XAResourceRecoveryHelper() {
            @Override
            public boolean initialise(String parameter) {
                return true;
            }

            @Override
            public XAResource[] getXAResources() throws SQLException {
                XAConnection connection = dataSource.getXAConnection();
                connections.add(connection);
                return new XAResource[] {connection.getXAResource()};
            }
        };
    }

    /** Closes the XA connections and shuts the database down. */
    @Override
    public void close() throws SQLException {
        for (XAConnection connection : connections) {
            connection.close();
        }
        connections.clear();
        try (Connection connection = dataSource.getConnection();
                Statement statement = connection.createStatement()) {
            statement.execute("SHUTDOWN");
        }
    }
}
