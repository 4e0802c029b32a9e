package dev.txlease.jdbc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.txlease.jdbc.testing.Databases;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.mariadb.jdbc.MariaDbDataSource;

/**
 * Issue 11, hole 2: MariaDB Connector/J's {@code transactionReplay} re-executes a transaction's
 * statements on a new connection after a failover, the guard {@code UPDATE} included, without
 * anyone looking at its row count. A fenced data source refuses such connections.
 */
class MariaDbTransactionReplayTest {

    @Test
    void connectionsThatReplayTransactionsAreRefused() throws SQLException {
        String url = Databases.mariadb().getUrl();
        String plain = url.replaceFirst("^jdbc:mariadb://", "");
        for (String replaying : List.of(
                url + "&transactionReplay=true",
                url + "&transactionReplay=1",
                "jdbc:mariadb:sequential://" + plain + "&transactionReplay=true")) {
            FencedDataSource fenced = FencedDataSource.builder(new MariaDbDataSource(replaying))
                    .guardTable(FencingContract.GUARD)
                    .build();
            SQLException refused = assertThrows(SQLException.class, fenced::getConnection, replaying);
            assertTrue(refused.getMessage().contains("transactionReplay"), refused::getMessage);
            assertEquals("08004", refused.getSQLState());
        }
        String failover = "jdbc:mariadb:sequential://" + plain;
        try (Connection connection = FencedDataSource.builder(new MariaDbDataSource(failover))
                .guardTable(FencingContract.GUARD)
                .build()
                .getConnection()) {
            assertTrue(connection.isValid(3), "failover without replay is fine: a lost transaction fails");
        }
    }
}
