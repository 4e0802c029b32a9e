package dev.txlease.jdbc;

import static dev.txlease.jdbc.WriteLog.entry;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.txlease.Lease;
import dev.txlease.LockMode;
import dev.txlease.jdbc.testing.FixedLease;
import dev.txlease.jdbc.testing.LeaseHolders;
import dev.txlease.testing.DynamoDbLocal;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Issue 11, "silent misconfigurations" and "a holder that hangs": setups that used to let a stale
 * holder's write through, or to fail with a misleading message, now fail at build time or first use
 * with a message that says what to do; and a stalled holder's transaction is ended by the database.
 * Run against each database by a subclass, with real leases on DynamoDB Local (holder A stalls with
 * a short lease and no heartbeat; holder B takes the lock over).
 */
abstract class ConfigurationContract {
    static final String GUARD = "txl_cfg_guard";
    private static final Duration WAIT = Duration.ofSeconds(20);

    @RegisterExtension
    static final DynamoDbLocal DYNAMO = DynamoDbLocal.embedded();

    static LeaseHolders holders;

    DataSource raw;
    FencedDataSource fenced;
    ExecutorService executor;

    /** Returns the database, or skips the test. */
    abstract DataSource rawDataSource();

    /**
     * Returns DDL creating a table {@code table} with name and token columns but no primary key; this
     * one is standard SQL.
     */
    String keylessTableSql(String table) {
        return "CREATE TABLE " + table + " (name VARCHAR(255) NOT NULL, token BIGINT NOT NULL)";
    }

    /** Returns a schema other than the connection's default, created if needed: {@code txl_cfg_schema}. */
    String otherSchema(Connection connection) throws SQLException {
        execute(connection, "CREATE SCHEMA IF NOT EXISTS txl_cfg_schema");
        return "txl_cfg_schema";
    }

    /** Makes the database end this session's transaction once it has been idle for about a second. */
    abstract void endIdleTransactionsAfterASecond(Connection connection) throws SQLException;

    /** Bounds this session's wait for a row lock to about a second or less. */
    abstract void boundLockWait(Connection connection) throws SQLException;

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
        raw = rawDataSource();
        fenced = FencedDataSource.builder(raw).guardTable(GUARD).build();
        fenced.createGuardTable();
        WriteLog.create(raw);
        executor = Executors.newCachedThreadPool();
    }

    @AfterEach
    void tearDown() throws InterruptedException {
        if (executor == null) {
            return;
        }
        executor.shutdownNow();
        assertTrue(executor.awaitTermination(WAIT.toSeconds(), TimeUnit.SECONDS), "a writer thread hung");
    }

    @Test
    void aGuardTableWithoutPrimaryKeyIsRefusedByCreateGuardTableAndAtFirstUse() throws Exception {
        String table = "txl_cfg_keyless";
        execute(raw, "DROP TABLE IF EXISTS " + table);
        execute(raw, keylessTableSql(table));
        FencedDataSource keyless =
                FencedDataSource.builder(raw).guardTable(table).build();

        SQLException created = assertThrows(SQLException.class, keyless::createGuardTable);
        assertTrue(created.getMessage().contains("primary key"), created::getMessage);
        assertTrue(created.getMessage().contains("(name)"), created::getMessage);

        String name = LeaseHolders.newLockName();
        Lease a = holders.stallingHolder(name);
        try (Connection connection = begin(keyless.getConnection(a))) {
            SQLException used = assertThrows(SQLException.class, () -> WriteLog.append(connection, a, "A"));
            assertTrue(used.getMessage().contains("primary key"), used::getMessage);
            connection.rollback();
        }
        assertEquals(List.of(), WriteLog.entries(raw, name));
    }

    @Test
    void aMissingGuardTableIsNamedAsMissing() throws Exception {
        FencedDataSource missing =
                FencedDataSource.builder(raw).guardTable("txl_cfg_missing").build();
        String name = LeaseHolders.newLockName();
        Lease a = holders.stallingHolder(name);
        try (Connection connection = begin(missing.getConnection(a))) {
            SQLException used = assertThrows(SQLException.class, () -> WriteLog.append(connection, a, "A"));
            assertTrue(used.getMessage().contains("does not exist"), used::getMessage);
            assertTrue(used.getMessage().contains("createGuardTable"), used::getMessage);
            connection.rollback();
        }
        assertEquals(List.of(), WriteLog.entries(raw, name));
    }

    @Test
    void aSchemaQualifiedGuardTableFencesTheStalledHolder() throws Exception {
        String qualified;
        try (Connection connection = raw.getConnection()) {
            qualified = otherSchema(connection) + ".txl_cfg_qualified";
        }
        FencedDataSource inSchema =
                FencedDataSource.builder(raw).guardTable(qualified).build();
        inSchema.createGuardTable();
        String name = LeaseHolders.newLockName();
        Lease a = holders.stallingHolder(name);
        write(inSchema, a, "A1");
        Lease b = holders.takeOver(name, a);
        write(inSchema, b, "B");
        assertThrows(StaleFenceTokenException.class, () -> write(inSchema, a, "A2"));
        assertEquals(List.of(entry("A1", a), entry("B", b)), WriteLog.entries(raw, name));
    }

    @Test
    void aLeaseBindingCarriedOntoAnotherThreadFencesTheWorkThere() throws Exception {
        String name = LeaseHolders.newLockName();
        Lease lease = holders.stallingHolder(name);
        Lease newer = holders.takeOver(name, lease);
        write(fenced, newer, "B");
        // tag::fencing-binding-threads[]
        try (LeaseBinding binding = LeaseBinding.bind(lease)) {
            Future<?> task = executor.submit(LeaseBinding.wrap(
                    () -> { // carries the binding to the pool's thread
                        writeInTransaction(lease, "A-wrapped"); // its own connection and transaction, fenced by lease
                        return null;
                    }));
            Executor carrying = LeaseBinding.propagating(executor); // or: every task run through it carries it
            // end::fencing-binding-threads[]
            ExecutionException refused =
                    assertThrows(ExecutionException.class, () -> task.get(WAIT.toSeconds(), TimeUnit.SECONDS));
            assertInstanceOf(StaleFenceTokenException.class, refused.getCause());

            CompletableFuture<Void> viaExecutor = CompletableFuture.runAsync(
                    () -> {
                        try {
                            writeInTransaction(lease, "A-propagated");
                        } catch (SQLException e) {
                            throw new CompletionException(e);
                        }
                    },
                    carrying);
            ExecutionException alsoRefused =
                    assertThrows(ExecutionException.class, () -> viaExecutor.get(WAIT.toSeconds(), TimeUnit.SECONDS));
            assertInstanceOf(StaleFenceTokenException.class, alsoRefused.getCause());
            // tag::fencing-binding-threads[]
        }
        // end::fencing-binding-threads[]
        assertEquals(List.of(entry("B", newer)), WriteLog.entries(raw, name));
        assertEquals(List.of(), LeaseBinding.current(), "the binding ended with its scope");
    }

    @Test
    void aStalledHoldersTransactionIsEndedByTheDatabaseAndTheNextHolderProceeds() throws Exception {
        String name = LeaseHolders.newLockName();
        Lease a = holders.stallingHolder(name);
        Lease b;
        Future<String> writeB;
        try (Connection connA = fenced.getConnection()) {
            endIdleTransactionsAfterASecond(connA);
            connA.setAutoCommit(false);
            try (LeaseBinding binding = LeaseBinding.bind(a)) {
                WriteLog.append(connA, a, "A"); // A holds the guard row, then stalls inside its transaction
            }
            b = holders.takeOver(name, a);
            Lease newer = b;
            writeB = executor.submit(() -> {
                write(fenced, newer, "B");
                return "committed";
            });
            assertEquals("committed", writeB.get(WAIT.toSeconds(), TimeUnit.SECONDS));
            assertThrows(SQLException.class, connA::commit, "the database ended A's transaction");
        }
        assertEquals(List.of(entry("B", b)), WriteLog.entries(raw, name));
    }

    @Test
    void aBoundedWaitForAStalledHoldersGuardRowEndsInAConflictThatNamesTheLockWait() throws Exception {
        String name = LeaseHolders.newLockName();
        Lease a = holders.stallingHolder(name);
        Lease b;
        try (Connection connA = begin(fenced.getConnection(a))) {
            WriteLog.append(connA, a, "A"); // A holds the guard row and stalls
            b = holders.takeOver(name, a);
            try (Connection connB = fenced.getConnection()) {
                boundLockWait(connB);
                connB.setAutoCommit(false);
                try (LeaseBinding binding = LeaseBinding.bind(b)) {
                    FenceConflictException timedOut =
                            assertThrows(FenceConflictException.class, () -> WriteLog.append(connB, b, "B"));
                    assertTrue(timedOut.getMessage().contains("timed out waiting"), timedOut::getMessage);
                    assertTrue(timedOut.getMessage().contains(name), timedOut::getMessage);
                    assertThrows(FenceConflictException.class, connB::commit);
                }
            }
            connA.commit(); // nobody newer has written: A's write stands, in fence order
        }
        write(fenced, b, "B");
        assertEquals(List.of(entry("A", a), entry("B", b)), WriteLog.entries(raw, name));
    }

    /**
     * Issue 16, migration: a guard table created before lock modes (name and token only) keeps
     * fencing exclusive holders; a holder in another mode fails with the exact ALTER TABLE to run,
     * after which the same data source checks every mode.
     */
    @Test
    void aGuardTableWithoutModeColumnsFencesExAndNamesTheAlterTableForOtherModes() throws Exception {
        String table = "txl_cfg_premodes";
        GuardDialect dialect = recreateTableBeforeModes(table);
        // Not createGuardTable(): that adds the mode columns (see the next test); here the table is
        // used as an application that never called it after upgrading finds it.
        FencedDataSource premodes =
                FencedDataSource.builder(raw).guardTable(table).build();

        String name = LeaseHolders.newLockName();
        Lease ex1 = FixedLease.of(name, 1, LockMode.EX);
        Lease ex2 = FixedLease.of(name, 2, LockMode.EX);
        Lease reader = FixedLease.of(name, 3, LockMode.PR);
        write(premodes, ex1, "EX1");
        write(premodes, ex2, "EX2");
        assertThrows(StaleFenceTokenException.class, () -> write(premodes, ex1, "EX1-stale"));

        SQLException refused = assertThrows(SQLException.class, () -> write(premodes, reader, "PR"));
        assertEquals("42S22", refused.getSQLState(), refused::getMessage);
        String alter = dialect.addModeColumnsSql(table);
        for (String part : List.of(name, "PR", alter)) {
            assertTrue(refused.getMessage().contains(part), () -> part + " missing in " + refused.getMessage());
        }
        write(premodes, ex2, "EX2-again"); // the refusal did not disturb exclusive holders

        execute(raw, alter);
        write(premodes, reader, "PR"); // the same data source sees the new columns
        assertThrows(StaleFenceTokenException.class, () -> write(premodes, ex2, "EX2-stale"));
        assertEquals(List.of("EX1@1", "EX2@2", "EX2-again@2", "PR@3"), WriteLog.entries(raw, name));
    }

    /**
     * Issue 16, adversary: mode columns added by hand without {@code NOT NULL DEFAULT 0} (e.g. {@code
     * ADD COLUMN cr_token BIGINT}) hold NULL in old rows and in rows the check inserts. On MariaDB and
     * H2 {@code GREATEST(NULL, t)} is NULL, so a CR holder's passed check recorded nothing, and an
     * older EX holder whose own token was already on the row then passed (its update matched no row,
     * and the locking read took the NULL for 0): a stale write committed. Such a table is now refused
     * at first use, naming the columns and the statement that fixes them.
     */
    @Test
    void modeColumnsThatAllowNullAreRefusedSoNoNullCanHideAToken() throws Exception {
        String table = "txl_cfg_nullable_modes";
        GuardDialect dialect = recreateTableBeforeModes(table);
        execute(raw, dialect.addModeColumnsSql(table).replace(" DEFAULT 0 NOT NULL", ""));
        FencedDataSource nullable =
                FencedDataSource.builder(raw).guardTable(table).build();

        String name = LeaseHolders.newLockName();
        Lease older = FixedLease.of(name, 1, LockMode.EX);
        Lease newer = FixedLease.of(name, 2, LockMode.CR);
        List<String> outcomes = new java.util.ArrayList<>();
        for (Object[] step : new Object[][] {{older, "EX1"}, {newer, "CR2"}, {older, "EX1-stale"}}) {
            try {
                write(nullable, (Lease) step[0], (String) step[1]);
                outcomes.add(step[1] + " committed");
            } catch (SQLException e) {
                outcomes.add(
                        step[1] + " " + e.getSQLState() + (e.getMessage().contains("NOT NULL") ? " NOT NULL" : ""));
            }
        }
        assertEquals(List.of("EX1 42000 NOT NULL", "CR2 42000 NOT NULL", "EX1-stale 42000 NOT NULL"), outcomes);
        assertEquals(List.of(), WriteLog.entries(raw, name));
        SQLException refused = assertThrows(SQLException.class, nullable::createGuardTable);
        String fix = dev.txlease.jdbc.internal.GuardColumns.notNullSql(
                dialect, table, List.of("cr_token", "cw_token", "pr_token", "pw_token"));
        for (String part : List.of("cr_token", "cw_token", "pr_token", "pw_token", fix)) {
            assertTrue(refused.getMessage().contains(part), refused::getMessage);
        }

        for (String statement : fix.split("; ")) { // the statements the message gives make the table fit
            execute(raw, statement);
        }
        write(nullable, older, "EX1");
        write(nullable, newer, "CR2");
        StaleFenceTokenException stale =
                assertThrows(StaleFenceTokenException.class, () -> write(nullable, older, "EX1-stale"));
        assertEquals(LockMode.CR, stale.observedMode());
        assertEquals(List.of("EX1@1", "CR2@2"), WriteLog.entries(raw, name));
    }

    /**
     * Issue 16, migration: {@code createGuardTable()} on a guard table created before lock modes adds
     * the mode columns, keeping every row's token (the new columns start at 0), so that an upgraded
     * application (and a test database left by an earlier version) fences every mode at once.
     */
    @Test
    void createGuardTableAddsTheModeColumnsToATableFromBeforeModes() throws Exception {
        String table = "txl_cfg_upgraded";
        GuardDialect dialect = recreateTableBeforeModes(table);
        String name = LeaseHolders.newLockName();
        Lease ex1 = FixedLease.of(name, 1, LockMode.EX);
        Lease ex2 = FixedLease.of(name, 2, LockMode.EX);
        Lease reader = FixedLease.of(name, 3, LockMode.PR);
        FencedDataSource upgraded =
                FencedDataSource.builder(raw).guardTable(table).build();
        write(upgraded, ex2, "EX2"); // a row written before the upgrade

        upgraded.createGuardTable();
        upgraded.createGuardTable(); // idempotent

        assertThrows(StaleFenceTokenException.class, () -> write(upgraded, ex1, "EX1-stale")); // row kept
        write(upgraded, reader, "PR");
        assertThrows(StaleFenceTokenException.class, () -> write(upgraded, ex2, "EX2-stale"));
        assertEquals(List.of("EX2@2", "PR@3"), WriteLog.entries(raw, name));
    }

    /**
     * Issue 16, adversary: a guard table upgraded while a data source that resolved it before lock
     * modes is in use (createGuardTable() of a newly deployed application now runs the ALTER). That
     * data source's EX check compared {@code token} alone, so a stale EX holder passed after a newer
     * CR holder had written through an upgraded data source. Its EX check now notices the columns.
     */
    @Test
    void aDataSourceInUseWhenTheTableGetsTheModeColumnsFencesExAgainstThemAtOnce() throws Exception {
        String table = "txl_cfg_upgraded_in_use";
        GuardDialect dialect = recreateTableBeforeModes(table);
        String name = LeaseHolders.newLockName();
        Lease older = FixedLease.of(name, 1, LockMode.EX);
        Lease newer = FixedLease.of(name, 2, LockMode.CR);
        FencedDataSource inUse = FencedDataSource.builder(raw).guardTable(table).build();
        write(inUse, older, "EX1"); // resolved: a table without mode columns

        FencedDataSource upgraded =
                FencedDataSource.builder(raw).guardTable(table).build();
        upgraded.createGuardTable(); // adds the mode columns
        write(upgraded, newer, "CR2");

        StaleFenceTokenException stale =
                assertThrows(StaleFenceTokenException.class, () -> write(inUse, older, "EX1-stale"));
        assertEquals(LockMode.CR, stale.observedMode());
        assertEquals(List.of("EX1@1", "CR2@2"), WriteLog.entries(raw, name));
    }

    /** Issue 16: {@code createTableSql} creates the mode columns; {@code addModeColumnsSql} adds them. */
    @Test
    void theGuardTableDdlCreatesTheModeColumns() throws Exception {
        String table = "txl_cfg_modes_ddl";
        GuardDialect dialect;
        try (Connection connection = raw.getConnection()) {
            dialect = GuardDialect.detect(connection);
        }
        execute(raw, "DROP TABLE IF EXISTS " + table);
        execute(raw, dialect.createTableSql(table));
        execute(raw, "INSERT INTO " + table + " (name, token) VALUES ('n', 7)");
        try (Connection connection = raw.getConnection();
                Statement statement = connection.createStatement();
                java.sql.ResultSet row =
                        statement.executeQuery("SELECT token, cr_token, cw_token, pr_token, pw_token FROM " + table)) {
            assertTrue(row.next());
            assertEquals(
                    List.of(7L, 0L, 0L, 0L, 0L),
                    List.of(row.getLong(1), row.getLong(2), row.getLong(3), row.getLong(4), row.getLong(5)));
        }
        execute(raw, "DROP TABLE " + table);
        execute(raw, tableBeforeModesSql(dialect, table));
        execute(raw, "INSERT INTO " + table + " (name, token) VALUES ('n', 7)");
        execute(raw, dialect.addModeColumnsSql(table));
        try (Connection connection = raw.getConnection();
                Statement statement = connection.createStatement();
                java.sql.ResultSet row =
                        statement.executeQuery("SELECT token, cr_token, cw_token, pr_token, pw_token FROM " + table)) {
            assertTrue(row.next());
            assertEquals(
                    List.of(7L, 0L, 0L, 0L, 0L),
                    List.of(row.getLong(1), row.getLong(2), row.getLong(3), row.getLong(4), row.getLong(5)));
        }
    }

    /** Drops {@code table} and creates it as txlease did before lock modes; returns the dialect. */
    private GuardDialect recreateTableBeforeModes(String table) throws SQLException {
        GuardDialect dialect;
        try (Connection connection = raw.getConnection()) {
            dialect = GuardDialect.detect(connection);
        }
        execute(raw, "DROP TABLE IF EXISTS " + table);
        execute(raw, tableBeforeModesSql(dialect, table));
        return dialect;
    }

    /** The guard table DDL of txlease before lock modes. */
    static String tableBeforeModesSql(GuardDialect dialect, String table) {
        switch (dialect) {
            case H2:
                return "CREATE TABLE " + table + " (name VARCHAR(255) NOT NULL PRIMARY KEY, token BIGINT NOT NULL)";
            case POSTGRESQL:
                return "CREATE TABLE " + table
                        + " (name VARCHAR(255) COLLATE \"C\" NOT NULL PRIMARY KEY, token BIGINT NOT NULL)";
            default:
                return "CREATE TABLE " + table
                        + " (name VARBINARY(1020) NOT NULL PRIMARY KEY, token BIGINT NOT NULL) ENGINE=InnoDB";
        }
    }

    Connection begin(Connection connection) throws SQLException {
        connection.setAutoCommit(false);
        return connection;
    }

    /** Writes under the lease in a transaction of its own on {@code dataSource}. */
    void write(FencedDataSource dataSource, Lease lease, String writer) throws SQLException {
        try (Connection connection = begin(dataSource.getConnection(lease))) {
            try {
                WriteLog.append(connection, lease, writer);
                connection.commit();
            } catch (SQLException e) {
                connection.rollback();
                throw e;
            }
        }
    }

    /** Writes in a transaction of its own, guarded only by what is bound to the calling thread. */
    void writeInTransaction(Lease lease, String writer) throws SQLException {
        try (Connection connection = begin(fenced.getConnection())) {
            try {
                WriteLog.append(connection, lease, writer);
                connection.commit();
            } catch (SQLException e) {
                connection.rollback();
                throw e;
            }
        }
    }

    static void execute(DataSource dataSource, String sql) throws SQLException {
        try (Connection connection = dataSource.getConnection()) {
            execute(connection, sql);
        }
    }

    static void execute(Connection connection, String sql) throws SQLException {
        try (Statement statement = connection.createStatement()) {
            statement.execute(sql);
        }
    }
}
