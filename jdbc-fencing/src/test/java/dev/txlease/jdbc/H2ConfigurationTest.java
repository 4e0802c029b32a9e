package dev.txlease.jdbc;

import static dev.txlease.jdbc.WriteLog.entry;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.txlease.Lease;
import dev.txlease.jdbc.testing.Databases;
import dev.txlease.jdbc.testing.LeaseHolders;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import javax.sql.DataSource;
import org.h2.jdbcx.JdbcDataSource;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/** The configuration scenarios on H2, and H2's own: undetected guard deadlocks, snapshot isolation. */
class H2ConfigurationTest extends ConfigurationContract {

    @Override
    DataSource rawDataSource() {
        return Databases.h2("configuration");
    }

    @Override
    void endIdleTransactionsAfterASecond(Connection connection) {
        // H2 has no idle transaction timeout: nothing ends a stalled holder's transaction.
    }

    @Override
    void boundLockWait(Connection connection) throws SQLException {
        execute(connection, "SET LOCK_TIMEOUT 300");
    }

    @Override
    @Test
    void aStalledHoldersTransactionIsEndedByTheDatabaseAndTheNextHolderProceeds() {
        Assumptions.abort("H2 has no idle transaction timeout (the README says so); the bounded wait is tested");
    }

    @Test
    void twoTransactionsCreatingTwoNewGuardRowsInOppositeOrdersGetAConflictNotAPlainTimeout() throws Exception {
        JdbcDataSource shortWaits = new JdbcDataSource();
        shortWaits.setURL("jdbc:h2:mem:configuration-deadlock;DB_CLOSE_DELAY=-1;LOCK_TIMEOUT=500");
        shortWaits.setUser("sa");
        FencedDataSource deadlocking =
                FencedDataSource.builder(shortWaits).guardTable(GUARD).build();
        deadlocking.createGuardTable();
        WriteLog.create(shortWaits);
        String first = LeaseHolders.newLockName();
        String second = LeaseHolders.newLockName();
        Lease one = holders.stallingHolder(first);
        Lease two = holders.stallingHolder(second);
        CountDownLatch bothHoldOne = new CountDownLatch(2);
        List<Future<String>> outcomes = new ArrayList<>();
        outcomes.add(executor.submit(() -> crossWrite(deadlocking, one, two, bothHoldOne)));
        outcomes.add(executor.submit(() -> crossWrite(deadlocking, two, one, bothHoldOne)));
        List<String> results = new ArrayList<>();
        for (Future<String> outcome : outcomes) {
            results.add(outcome.get(20, TimeUnit.SECONDS));
        }
        assertTrue(results.contains("conflict"), results::toString);
        assertTrue(results.stream().allMatch(r -> r.equals("conflict") || r.equals("committed")), results::toString);
    }

    private static String crossWrite(FencedDataSource dataSource, Lease mine, Lease theirs, CountDownLatch bothHoldOne)
            throws Exception {
        try (Connection connection = dataSource.getConnection(mine)) {
            connection.setAutoCommit(false);
            WriteLog.append(connection, mine, "first");
            bothHoldOne.countDown();
            assertTrue(bothHoldOne.await(10, TimeUnit.SECONDS));
            try (LeaseBinding binding = LeaseBinding.bind(theirs)) {
                WriteLog.append(connection, theirs, "second");
                connection.commit();
                return "committed";
            } catch (FenceConflictException e) {
                assertTrue(e.getMessage().contains("timed out waiting"), e::getMessage);
                connection.rollback();
                return "conflict";
            }
        }
    }

    @Test
    void underSnapshotIsolationANewerHoldersGuardRowIsAConflictAndPoisonsTheTransaction() throws Exception {
        for (int isolation : new int[] {Connection.TRANSACTION_REPEATABLE_READ, Connection.TRANSACTION_SERIALIZABLE}) {
            for (boolean newName : new boolean[] {true, false}) {
                String name = LeaseHolders.newLockName();
                Lease a = holders.stallingHolder(name);
                if (!newName) {
                    write(fenced, a, "A1");
                }
                try (Connection connA = fenced.getConnection()) {
                    connA.setTransactionIsolation(isolation);
                    connA.setAutoCommit(false);
                    WriteLog.entries(raw, name); // another connection: no snapshot yet
                    try (Statement statement = connA.createStatement()) {
                        statement.executeQuery("SELECT COUNT(*) FROM " + GUARD).close(); // A's snapshot
                    }
                    Lease b = holders.takeOver(name, a);
                    write(fenced, b, "B");
                    try (LeaseBinding binding = LeaseBinding.bind(a)) {
                        FenceCheckException failure =
                                assertThrows(FenceCheckException.class, () -> WriteLog.append(connA, a, "A2"));
                        assertInstanceOf(FenceConflictException.class, failure, failure::getMessage);
                        assertThrows(FenceCheckException.class, () -> WriteLog.append(connA, a, "A3"));
                        assertThrows(FenceCheckException.class, connA::commit);
                    }
                    List<String> expected = newName ? List.of(entry("B", b)) : List.of(entry("A1", a), entry("B", b));
                    assertEquals(expected, WriteLog.entries(raw, name), "isolation " + isolation);
                }
            }
        }
    }
}
