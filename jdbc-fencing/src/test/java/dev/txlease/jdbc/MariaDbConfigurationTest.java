package dev.txlease.jdbc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.txlease.FenceToken;
import dev.txlease.jdbc.internal.GuardStatements;
import dev.txlease.jdbc.testing.Databases;
import dev.txlease.jdbc.testing.LeaseHolders;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;

/**
 * The configuration scenarios on MariaDB, and its own: storage engine, table names that differ only
 * in case, and concurrent first use of different names under REPEATABLE READ (gap locks).
 */
class MariaDbConfigurationTest extends ConfigurationContract {

    @Override
    DataSource rawDataSource() {
        return Databases.mariadb();
    }

    @Override
    String keylessTableSql(String table) {
        return "CREATE TABLE " + table + " (name VARBINARY(1020) NOT NULL, token BIGINT NOT NULL) ENGINE=InnoDB";
    }

    @Override
    String otherSchema(Connection connection) throws SQLException {
        return connection.getCatalog(); // the test user may not create databases: qualify with its own
    }

    @Override
    void endIdleTransactionsAfterASecond(Connection connection) throws SQLException {
        execute(connection, "SET SESSION idle_transaction_timeout = 1");
    }

    @Override
    void boundLockWait(Connection connection) throws SQLException {
        execute(connection, "SET SESSION innodb_lock_wait_timeout = 1");
    }

    @Test
    void aGuardTableThatTakesNoRowLocksIsRefused() throws Exception {
        String table = "txl_cfg_myisam";
        execute(raw, "DROP TABLE IF EXISTS " + table);
        execute(
                raw,
                "CREATE TABLE " + table
                        + " (name VARBINARY(255) NOT NULL PRIMARY KEY, token BIGINT NOT NULL) ENGINE=MyISAM");
        SQLException refused = assertThrows(
                SQLException.class,
                () -> FencedDataSource.builder(raw).guardTable(table).build().createGuardTable());
        assertTrue(refused.getMessage().contains("MyISAM"), refused::getMessage);
        assertTrue(refused.getMessage().contains("ENGINE=InnoDB"), refused::getMessage);
    }

    @Test
    void aGuardTableWhoseNameIgnoresCaseIsRefused() throws Exception {
        String table = "txl_cfg_ci";
        execute(raw, "DROP TABLE IF EXISTS " + table);
        execute(
                raw,
                "CREATE TABLE " + table + " (name VARCHAR(255) CHARACTER SET utf8mb4"
                        + " COLLATE utf8mb4_general_ci NOT NULL PRIMARY KEY, token BIGINT NOT NULL) ENGINE=InnoDB");
        SQLException refused = assertThrows(
                SQLException.class,
                () -> FencedDataSource.builder(raw).guardTable(table).build().createGuardTable());
        assertTrue(refused.getMessage().contains("without regard to case"), refused::getMessage);
        assertTrue(refused.getMessage().contains("VARBINARY"), refused::getMessage);
    }

    @Test
    void aSecondGuardTableWhoseNameDiffersOnlyInCaseIsRefused() throws Exception {
        execute(raw, "DROP TABLE IF EXISTS TXL_CFG_CASE");
        execute(raw, "DROP TABLE IF EXISTS txl_cfg_case");
        FencedDataSource.builder(raw).guardTable("txl_cfg_case").build().createGuardTable();
        SQLException refused = assertThrows(SQLException.class, () -> FencedDataSource.builder(raw)
                .guardTable("TXL_CFG_CASE")
                .build()
                .createGuardTable());
        assertTrue(refused.getMessage().contains("letter case"), refused::getMessage);
    }

    @Test
    void concurrentFirstUseOfDifferentNewNamesNeverConflicts() throws Exception {
        GuardStatements guard = new GuardStatements(GuardTable.named(GUARD), GuardDialect.MARIADB);
        int writers = 4;
        for (int round = 0; round < 10; round++) {
            CyclicBarrier start = new CyclicBarrier(writers);
            List<Future<String>> checks = new ArrayList<>();
            for (int writer = 0; writer < writers; writer++) {
                String name = LeaseHolders.newLockName();
                checks.add(executor.submit(() -> {
                    try (Connection connection = raw.getConnection()) {
                        connection.setTransactionIsolation(Connection.TRANSACTION_REPEATABLE_READ);
                        connection.setAutoCommit(false);
                        start.await(20, TimeUnit.SECONDS);
                        try {
                            guard.check(connection, name, FenceToken.of(1));
                            connection.commit();
                            return "committed";
                        } catch (FenceCheckException e) {
                            connection.rollback();
                            return e.getClass().getSimpleName() + ": " + e.getMessage();
                        }
                    }
                }));
            }
            for (Future<String> check : checks) {
                assertEquals("committed", check.get(20, TimeUnit.SECONDS));
            }
        }
    }
}
