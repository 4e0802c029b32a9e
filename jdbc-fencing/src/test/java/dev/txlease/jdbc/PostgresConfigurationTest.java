package dev.txlease.jdbc;

import static dev.txlease.jdbc.WriteLog.entry;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.txlease.Lease;
import dev.txlease.jdbc.testing.Databases;
import dev.txlease.jdbc.testing.LeaseHolders;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;

/** The configuration scenarios on PostgreSQL, and its own: a connection whose search_path differs. */
class PostgresConfigurationTest extends ConfigurationContract {

    @Override
    DataSource rawDataSource() {
        return Databases.postgres();
    }

    @Override
    void endIdleTransactionsAfterASecond(Connection connection) throws SQLException {
        execute(connection, "SET idle_in_transaction_session_timeout = '1s'");
    }

    @Override
    void boundLockWait(Connection connection) throws SQLException {
        execute(connection, "SET lock_timeout = '300ms'");
    }

    @Test
    void aConnectionWithAnotherSearchPathChecksTheSameGuardTable() throws Exception {
        String elsewhere;
        try (Connection connection = raw.getConnection()) {
            elsewhere = otherSchema(connection);
        }
        // A second table of the guard's name, which the other search_path resolves first.
        FencedDataSource.builder(raw)
                .guardTable(elsewhere + "." + GUARD)
                .build()
                .createGuardTable();
        String name = LeaseHolders.newLockName();
        Lease a = holders.stallingHolder(name);
        write(fenced, a, "A1"); // resolves the guard table on the default search_path
        Lease b = holders.takeOver(name, a);
        write(fenced, b, "B");
        try (Connection connA = fenced.getConnection()) {
            execute(connA, "SET search_path = " + elsewhere + ", public");
            connA.setAutoCommit(false);
            try (LeaseBinding binding = LeaseBinding.bind(a)) {
                assertThrows(StaleFenceTokenException.class, () -> WriteLog.append(connA, a, "A2"));
            }
            connA.rollback();
        }
        assertEquals(List.of(entry("A1", a), entry("B", b)), WriteLog.entries(raw, name));
    }
}
