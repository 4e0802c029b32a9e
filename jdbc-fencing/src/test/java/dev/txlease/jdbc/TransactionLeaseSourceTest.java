package dev.txlease.jdbc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.txlease.AcquireOptions;
import dev.txlease.Lease;
import dev.txlease.client.DefaultLeaseClient;
import dev.txlease.jdbc.testing.Databases;
import dev.txlease.testing.DynamoDbLocal;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Collection;
import java.util.List;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** A {@link TransactionLeaseSource} (another transaction manager's leases) fences the connections, on H2. */
class TransactionLeaseSourceTest {
    @RegisterExtension
    static final DynamoDbLocal DYNAMO = DynamoDbLocal.embedded();

    private static final String GUARD = "source_guard";

    /** One transaction at a time, whose leases the test sets; the connection only reads them. */
    private static final class ScriptedSource implements TransactionLeaseSource {
        volatile Object transaction;
        volatile List<Lease> leases = List.of();
        volatile int rollbackOnlyCalls;

        @Override
        public Object currentTransaction() {
            return transaction;
        }

        @Override
        public Collection<Lease> leases() {
            return leases;
        }

        @Override
        public void setRollbackOnly() {
            rollbackOnlyCalls++;
        }
    }

    @Test
    void leasesOfTheSourcesTransactionAreCheckedAndAStaleOneMarksItRollbackOnly() throws Exception {
        DataSource raw = Databases.h2("lease_source");
        ScriptedSource source = new ScriptedSource();
        FencedDataSource fenced = FencedDataSource.builder(raw)
                .guardTable(GUARD)
                .transactionLeases(source)
                .build();
        fenced.createGuardTable();
        try (DefaultLeaseClient client =
                DefaultLeaseClient.builder(DYNAMO.newStore()).build()) {
            Lease older = client.acquire("source-lock", AcquireOptions.defaults());
            older.close();
            Lease newer = client.acquire("source-lock", AcquireOptions.defaults());
            try (Connection connection = fenced.getConnection()) {
                connection.setAutoCommit(false);
                source.transaction = "tx-1";
                source.leases = List.of(newer);
                select(connection);
                assertEquals(newer.fenceToken().value(), guardToken(connection));
                connection.commit();

                source.transaction = "tx-2"; // a new transaction with the stale lease
                source.leases = List.of(older);
                StaleFenceTokenException stale = assertThrows(StaleFenceTokenException.class, () -> select(connection));
                assertEquals("source-lock", stale.lockName());
                assertEquals(1, source.rollbackOnlyCalls);
                connection.rollback();

                source.transaction = null; // no transaction: nothing is checked
                select(connection);
                connection.commit();
            }
            newer.close();
        }
    }

    private static void select(Connection connection) throws SQLException {
        try (Statement statement = connection.createStatement();
                ResultSet rows = statement.executeQuery("SELECT 1")) {
            rows.next();
        }
    }

    private static long guardToken(Connection fenced) throws SQLException {
        try (Statement statement = fenced.createStatement();
                ResultSet rows = statement.executeQuery("SELECT token FROM " + GUARD + " WHERE name = 'source-lock'")) {
            return rows.next() ? rows.getLong(1) : -1;
        }
    }
}
