package dev.txlease.jdbc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.txlease.Lease;
import dev.txlease.LockMode;
import dev.txlease.jdbc.jdbi.FencingConfig;
import dev.txlease.jdbc.jdbi.FencingPlugin;
import dev.txlease.jdbc.testing.Databases;
import dev.txlease.jdbc.testing.FixedLease;
import dev.txlease.jdbc.testing.LeaseHolders;
import dev.txlease.testing.DynamoDbLocal;
import java.sql.CallableStatement;
import java.sql.Connection;
import java.sql.DatabaseMetaData;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import javax.sql.DataSource;
import org.h2.jdbc.JdbcConnection;
import org.h2.jdbc.JdbcPreparedStatement;
import org.h2.jdbcx.JdbcDataSource;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.core.transaction.TransactionIsolationLevel;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The wrappers themselves, on H2: delegation, unwrapping, closing, every execution path. */
class FencedConnectionTest {
    @RegisterExtension
    static final DynamoDbLocal DYNAMO = DynamoDbLocal.embedded();

    private static LeaseHolders holders;

    private JdbcDataSource raw;
    private FencedDataSource fenced;

    @BeforeAll
    static void startHolders() {
        holders = new LeaseHolders(DYNAMO.newStore());
    }

    @AfterAll
    static void stopHolders() {
        holders.close();
    }

    @BeforeEach
    void setUp() throws SQLException {
        raw = Databases.h2("wrappers");
        fenced = FencedDataSource.builder(raw).guardTable("wrapper_guard").build();
        assertEquals(GuardDialect.H2, fenced.createGuardTable());
        WriteLog.create(raw);
    }

    @Test
    void wrappersUnwrapToThemselvesOrToTheDriversObjects() throws SQLException {
        try (Connection connection = fenced.getConnection();
                Statement statement = connection.createStatement();
                PreparedStatement prepared = connection.prepareStatement("SELECT 1");
                CallableStatement callable = connection.prepareCall("SELECT 1")) {
            assertSame(connection, connection.unwrap(Connection.class));
            assertInstanceOf(JdbcConnection.class, connection.unwrap(JdbcConnection.class));
            assertTrue(connection.isWrapperFor(JdbcConnection.class));
            assertFalse(connection.isWrapperFor(DataSource.class));
            assertThrows(SQLException.class, () -> connection.unwrap(DataSource.class));

            assertSame(connection, statement.getConnection());
            assertSame(connection, prepared.getConnection());
            assertSame(connection, callable.getConnection());
            assertSame(prepared, prepared.unwrap(PreparedStatement.class));
            assertInstanceOf(JdbcPreparedStatement.class, prepared.unwrap(JdbcPreparedStatement.class));
            assertTrue(prepared.isWrapperFor(JdbcPreparedStatement.class));
            assertSame(callable, callable.unwrap(CallableStatement.class));
        }
        assertSame(fenced, fenced.unwrap(FencedDataSource.class));
        assertSame(raw, fenced.unwrap(JdbcDataSource.class));
        assertTrue(fenced.isWrapperFor(JdbcDataSource.class));
        assertFalse(fenced.isWrapperFor(Connection.class));
    }

    @Test
    void aClosedConnectionRefusesWorkAndClosesAgainQuietly() throws SQLException {
        Connection connection = fenced.getConnection();
        connection.close();
        assertTrue(connection.isClosed());
        assertFalse(connection.isValid(1));
        SQLException closed = assertThrows(SQLException.class, connection::createStatement);
        assertEquals("08003", closed.getSQLState());
        connection.close();
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "execute",
                "executeQuery",
                "executeUpdate",
                "executeLargeUpdate",
                "executeBatch",
                "prepared.execute",
                "prepared.executeQuery",
                "prepared.executeUpdate",
                "prepared.executeLargeUpdate",
                "prepared.executeBatch",
                "callable.execute"
            })
    void everyExecutionPathRunsTheCheck(String path) throws SQLException {
        // In auto-commit mode the check refuses to run: a cheap way to see that it was reached.
        Lease lease = holders.stallingHolder(LeaseHolders.newLockName());
        try (Connection connection = fenced.getConnection(lease)) {
            SQLException refused = assertThrows(SQLException.class, () -> execute(connection, path));
            assertEquals("25000", refused.getSQLState(), refused::getMessage);
        }
    }

    /**
     * Issue 16, which statements a read-mode lease guards: with fenced reads off, {@code executeQuery}
     * is a read and runs unchecked (here: not refused in auto-commit mode); {@code execute} may write
     * and cannot be checked after the fact in auto-commit mode, so it is refused like every write.
     * With fenced reads on, every path is checked; an NL lease guards nothing.
     */
    @ParameterizedTest
    @ValueSource(
            strings = {
                "execute",
                "executeQuery",
                "executeUpdate",
                "executeLargeUpdate",
                "executeBatch",
                "prepared.execute",
                "prepared.executeQuery",
                "prepared.executeUpdate",
                "prepared.executeLargeUpdate",
                "prepared.executeBatch",
                "callable.execute",
                "callable.executeQuery"
            })
    void aReadModeLeaseGuardsQueriesOnlyWithFencedReads(String path) throws SQLException {
        String name = LeaseHolders.newLockName();
        Lease reader = FixedLease.of(name, 1, LockMode.PR);
        boolean query = path.endsWith("executeQuery") && !path.startsWith("callable");
        try (Connection connection = fenced.getConnection(reader)) {
            if (query) {
                execute(connection, path); // passes: a read, unfenced
            } else {
                SQLException refused = assertThrows(SQLException.class, () -> execute(connection, path));
                assertEquals("25000", refused.getSQLState(), refused::getMessage);
            }
            FencingConnection control = connection.unwrap(FencingConnection.class);
            assertFalse(control.getFencedReads());
            control.setFencedReads(true);
            assertTrue(control.getFencedReads());
            SQLException refused = assertThrows(SQLException.class, () -> execute(connection, path));
            assertEquals("25000", refused.getSQLState(), refused::getMessage);
        }
        try (Connection connection = fenced.getConnection(FixedLease.of(name, 1, LockMode.NL))) {
            execute(connection, path); // NL: interest only, never checked
        }
    }

    /**
     * Issue 16: {@code execute} under a read-mode lease without fenced reads is checked once it has
     * returned an update count (it wrote), before the statement returns and in its transaction.
     */
    @Test
    void anExecuteThatWroteUnderAReadModeLeaseIsCheckedBeforeItReturns() throws SQLException {
        String name = LeaseHolders.newLockName();
        Lease reader = FixedLease.of(name, 1, LockMode.PR);
        Lease writer = FixedLease.of(name, 2, LockMode.EX);
        try (Connection connection = fenced.getConnection(writer)) {
            connection.setAutoCommit(false);
            WriteLog.append(connection, writer, "W");
            connection.commit();
        }
        try (Connection connection = fenced.getConnection(reader);
                Statement statement = connection.createStatement()) {
            connection.setAutoCommit(false);
            assertTrue(statement.execute("SELECT COUNT(*) FROM " + WriteLog.TABLE), "a query: passes unchecked");
            StaleFenceTokenException stale = assertThrows(
                    StaleFenceTokenException.class,
                    () -> statement.execute("INSERT INTO " + WriteLog.TABLE + " (lock_name, fence, writer) VALUES ('"
                            + name + "', 1, 'R')"));
            assertEquals(LockMode.PR, stale.lockMode());
            assertEquals(LockMode.EX, stale.observedMode());
            assertThrows(StaleFenceTokenException.class, connection::commit);
        }
        assertEquals(List.of("W@2"), WriteLog.entries(raw, name));
    }

    /** Issue 16: the DDL creates a column per checked mode; the ALTER adds them to an older table. */
    @Test
    void theGuardTableDdlNamesTheModeColumns() {
        for (GuardDialect dialect : GuardDialect.values()) {
            String create = dialect.createTableSql("my_guard");
            String alter = dialect.addModeColumnsSql("my_guard");
            assertTrue(alter.startsWith("ALTER TABLE my_guard ADD"), alter);
            for (String column : List.of("cr_token", "cw_token", "pr_token", "pw_token")) {
                assertTrue(create.contains(column + " BIGINT DEFAULT 0 NOT NULL"), create);
                assertTrue(alter.contains(column + " BIGINT DEFAULT 0 NOT NULL"), alter);
            }
        }
    }

    private static void execute(Connection connection, String path) throws SQLException {
        String update = "UPDATE " + WriteLog.TABLE + " SET writer = writer WHERE 1 = 0";
        try (Statement statement = connection.createStatement();
                PreparedStatement prepared = connection.prepareStatement(update);
                CallableStatement callable = connection.prepareCall(update)) {
            switch (path) {
                case "execute" -> statement.execute(update);
                case "executeQuery" -> statement.executeQuery("SELECT 1");
                case "executeUpdate" -> statement.executeUpdate(update);
                case "executeLargeUpdate" -> statement.executeLargeUpdate(update);
                case "executeBatch" -> {
                    statement.addBatch(update);
                    statement.executeBatch();
                }
                case "prepared.execute" -> prepared.execute();
                case "prepared.executeQuery" -> connection
                        .prepareStatement("SELECT 1")
                        .executeQuery();
                case "prepared.executeUpdate" -> prepared.executeUpdate();
                case "prepared.executeLargeUpdate" -> prepared.executeLargeUpdate();
                case "prepared.executeBatch" -> {
                    prepared.addBatch();
                    prepared.executeBatch();
                }
                case "callable.execute" -> callable.execute();
                case "callable.executeQuery" -> connection
                        .prepareCall("SELECT 1")
                        .executeQuery();
                default -> throw new IllegalArgumentException(path);
            }
        }
    }

    @Test
    void everyObjectReachableFromTheConnectionHandsOutTheFencedConnection() throws SQLException {
        try (Connection connection = fenced.getConnection()) {
            connection.setAutoCommit(false);
            DatabaseMetaData metaData = connection.getMetaData();
            assertSame(connection, metaData.getConnection());
            try (ResultSet tables = metaData.getTables(null, null, "%", null)) {
                Statement owner = tables.getStatement();
                assertTrue(owner == null || owner.getConnection() == connection, () -> "reached " + owner);
            }
            try (Statement statement = connection.createStatement();
                    ResultSet rows = statement.executeQuery("SELECT 1")) {
                assertSame(statement, rows.getStatement());
                assertSame(connection, rows.getStatement().getConnection());
            }
            try (PreparedStatement insert =
                    connection.prepareStatement(WriteLog.INSERT, Statement.RETURN_GENERATED_KEYS)) {
                insert.setString(1, "reachable");
                insert.setLong(2, 1);
                insert.setString(3, "x");
                insert.executeUpdate();
                try (ResultSet keys = insert.getGeneratedKeys()) {
                    assertSame(connection, keys.getStatement().getConnection());
                }
            }
            try (PreparedStatement select = connection.prepareStatement("SELECT 1")) {
                assertTrue(select.execute());
                try (ResultSet current = select.getResultSet()) {
                    assertSame(select, current.getStatement());
                }
            }
            try (CallableStatement callable = connection.prepareCall("SELECT 1");
                    ResultSet rows = callable.executeQuery()) {
                assertSame(connection, rows.getStatement().getConnection());
            }
            connection.rollback();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"updateRow", "insertRow", "deleteRow"})
    void everyWriteOfAnUpdatableResultSetRunsTheCheck(String path) throws Exception {
        String name = LeaseHolders.newLockName();
        Lease lease = holders.stallingHolder(name);
        try (Connection rawConnection = raw.getConnection()) {
            WriteLog.append(rawConnection, lease, "row");
        }
        try (Connection connection = fenced.getConnection();
                Statement statement =
                        connection.createStatement(ResultSet.TYPE_SCROLL_INSENSITIVE, ResultSet.CONCUR_UPDATABLE);
                ResultSet rows = statement.executeQuery("SELECT id, lock_name, fence, writer FROM " + WriteLog.TABLE
                        + " WHERE lock_name = '" + name + "'")) {
            assertTrue(rows.next());
            try (LeaseBinding binding = LeaseBinding.bind(lease)) {
                // In auto-commit mode the check refuses to run: a cheap way to see that it was reached.
                SQLException refused = assertThrows(SQLException.class, () -> {
                    switch (path) {
                        case "updateRow" -> {
                            rows.updateString("writer", "changed");
                            rows.updateRow();
                        }
                        case "insertRow" -> {
                            rows.moveToInsertRow();
                            rows.updateString("lock_name", name);
                            rows.updateLong("fence", 1);
                            rows.updateString("writer", "inserted");
                            rows.insertRow();
                        }
                        case "deleteRow" -> rows.deleteRow();
                        default -> throw new IllegalArgumentException(path);
                    }
                });
                assertEquals("25000", refused.getSQLState(), refused::getMessage);
            }
        }
        assertEquals(List.of(WriteLog.entry("row", lease)), WriteLog.entries(raw, name));
    }

    /** Issue 11, hole 4: H2 commits the open transaction in setTransactionIsolation. */
    @Test
    void setTransactionIsolationThatCommitsEndsTheCheckedState() throws Exception {
        String name = LeaseHolders.newLockName();
        Lease a = holders.stallingHolder(name);
        Lease b;
        try (Connection connection = fenced.getConnection(a)) {
            connection.setAutoCommit(false);
            WriteLog.append(connection, a, "A1");
            connection.setTransactionIsolation(Connection.TRANSACTION_READ_COMMITTED); // H2 commits here
            b = holders.takeOver(name, a); // A's guard row is free: B writes without waiting
            try (Connection connB = fenced.getConnection(b)) {
                connB.setAutoCommit(false);
                WriteLog.append(connB, b, "B");
                connB.commit();
            }
            assertThrows(StaleFenceTokenException.class, () -> WriteLog.append(connection, a, "A2"));
            assertThrows(StaleFenceTokenException.class, connection::commit);
        }
        assertEquals(List.of(WriteLog.entry("A1", a), WriteLog.entry("B", b)), WriteLog.entries(raw, name));
    }

    /** Issue 11, hole 4, through Jdbi: Handle.setTransactionIsolationLevel inside a transaction. */
    @Test
    void jdbiSetTransactionIsolationLevelInsideATransactionEndsTheCheckedState() throws Exception {
        Jdbi jdbi = Jdbi.create(raw);
        jdbi.installPlugin(new FencingPlugin());
        jdbi.getConfig(FencingConfig.class).setGuardTable("wrapper_guard");
        String name = LeaseHolders.newLockName();
        Lease a = holders.stallingHolder(name);
        Lease[] b = new Lease[1];
        try (LeaseBinding binding = LeaseBinding.bind(a)) {
            SQLException failure = assertThrows(
                    SQLException.class,
                    () -> jdbi.useTransaction(handle -> {
                        WriteLog.append(handle.getConnection(), a, "A1");
                        handle.setTransactionIsolationLevel(TransactionIsolationLevel.SERIALIZABLE);
                        b[0] = holders.takeOver(name, a);
                        try (Connection connB = fenced.getConnection(b[0])) {
                            connB.setAutoCommit(false);
                            WriteLog.append(connB, b[0], "B");
                            connB.commit();
                        }
                        WriteLog.append(handle.getConnection(), a, "A2");
                    }));
            FencingContract.causeOf(failure, StaleFenceTokenException.class);
        }
        assertEquals(List.of(WriteLog.entry("A1", a), WriteLog.entry("B", b[0])), WriteLog.entries(raw, name));
    }

    /** Switching auto-commit on commits: it re-verifies as commit() does. */
    @Test
    void switchingAutoCommitOnReVerifiesLikeCommit() throws Exception {
        String name = LeaseHolders.newLockName();
        Lease a = holders.stallingHolder(name);
        Lease b;
        try (Connection connection = fenced.getConnection(a);
                Statement statement = connection.createStatement()) {
            connection.setAutoCommit(false);
            WriteLog.append(connection, a, "A1");
            statement.execute("COMMIT"); // releases the guard row behind the wrapper's back
            b = holders.takeOver(name, a);
            try (Connection connB = fenced.getConnection(b)) {
                connB.setAutoCommit(false);
                WriteLog.append(connB, b, "B");
                connB.commit();
            }
            WriteLog.append(connection, a, "A2");
            assertThrows(StaleFenceTokenException.class, () -> connection.setAutoCommit(true));
            assertTrue(connection.getAutoCommit());
        }
        assertEquals(List.of(WriteLog.entry("A1", a), WriteLog.entry("B", b)), WriteLog.entries(raw, name));
    }

    /** Issue 11: a check that fails with something else than a FenceCheckException poisons too. */
    @Test
    void aGuardFailureThatIsNotAFenceCheckExceptionPoisonsTheTransaction() throws Exception {
        FencedDataSource missingGuard =
                FencedDataSource.builder(raw).guardTable("no_such_guard").build();
        String name = LeaseHolders.newLockName();
        Lease a = holders.stallingHolder(name);
        try (Connection connection = missingGuard.getConnection()) {
            connection.setAutoCommit(false);
            WriteLog.append(connection, a, "unguarded"); // before any lease: not checked
            try (LeaseBinding binding = LeaseBinding.bind(a)) {
                SQLException failed = assertThrows(SQLException.class, () -> WriteLog.append(connection, a, "A"));
                assertFalse(failed instanceof FenceCheckException, failed::toString);
                assertThrows(SQLException.class, () -> WriteLog.append(connection, a, "again"));
            }
            assertThrows(SQLException.class, connection::commit);
        }
        assertEquals(List.of(), WriteLog.entries(raw, name));
    }

    @Test
    void afterAFailedCheckSwitchingAutoCommitOnRollsBackInsteadOfCommitting() throws Exception {
        String name = LeaseHolders.newLockName();
        Lease a = holders.stallingHolder(name);
        Lease b = holders.takeOver(name, a);
        try (Connection connection = fenced.getConnection(b)) {
            connection.setAutoCommit(false);
            WriteLog.append(connection, b, "B");
            connection.commit();
        }
        try (Connection connection = fenced.getConnection()) {
            connection.setAutoCommit(false);
            WriteLog.append(connection, a, "unguarded"); // before any lease: not checked
            try (LeaseBinding binding = LeaseBinding.bind(a)) {
                assertThrows(StaleFenceTokenException.class, () -> WriteLog.append(connection, a, "A"));
            }
            assertThrows(StaleFenceTokenException.class, () -> connection.setAutoCommit(true));
            assertTrue(connection.getAutoCommit());
            // The poisoned transaction is over, rolled back: the connection works again.
            WriteLog.append(connection, b, "after");
        }
        assertEquals(List.of(WriteLog.entry("B", b), WriteLog.entry("after", b)), WriteLog.entries(raw, name));
    }

    @Test
    void leaseBindingsNestAndMustCloseInnermostFirstOnTheirThread() throws Exception {
        Lease first = holders.stallingHolder(LeaseHolders.newLockName());
        Lease second = holders.stallingHolder(LeaseHolders.newLockName());
        assertEquals(List.of(), LeaseBinding.current());
        try (LeaseBinding outer = LeaseBinding.bind(first)) {
            LeaseBinding inner = LeaseBinding.bind(second);
            assertEquals(List.of(first, second), LeaseBinding.current());
            assertThrows(IllegalStateException.class, outer::close);
            ExecutionException elsewhere =
                    assertThrows(ExecutionException.class, () -> CompletableFuture.runAsync(inner::close)
                            .get());
            assertInstanceOf(IllegalStateException.class, elsewhere.getCause());
            inner.close();
            inner.close();
            assertEquals(List.of(first), LeaseBinding.current());
        }
        assertEquals(List.of(), LeaseBinding.current());
        assertThrows(IllegalArgumentException.class, LeaseBinding::bind);
        assertThrows(IllegalArgumentException.class, () -> fenced.getConnection(new Lease[0]));
    }

    @Test
    void guardTableNamesArePlainIdentifiers() {
        assertEquals("fencing.guard", GuardTable.named("fencing.guard").name());
        assertEquals(GuardTable.DEFAULT_NAME, GuardTable.defaultTable().name());
        for (String bad : List.of("", "1guard", "guard; DROP TABLE x", "\"quoted\"", "a.b.c", "x".repeat(64))) {
            assertThrows(IllegalArgumentException.class, () -> GuardTable.named(bad), bad);
        }
        assertThrows(IllegalArgumentException.class, () -> FencedDataSource.builder(raw)
                .guardTable("no-dash"));
        for (GuardDialect dialect : GuardDialect.values()) {
            assertTrue(dialect.createTableSql("my_guard").startsWith("CREATE TABLE IF NOT EXISTS my_guard ("));
        }
    }
}
