package dev.txlease.jdbc;

import static dev.txlease.jdbc.WriteLog.entry;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.txlease.FenceToken;
import dev.txlease.Lease;
import dev.txlease.LockMode;
import dev.txlease.jdbc.internal.GuardStatements;
import dev.txlease.jdbc.jdbi.FencingConfig;
import dev.txlease.jdbc.jdbi.FencingPlugin;
import dev.txlease.jdbc.testing.FixedLease;
import dev.txlease.jdbc.testing.LeaseHolders;
import dev.txlease.testing.Await;
import dev.txlease.testing.DynamoDbLocal;
import java.sql.Connection;
import java.sql.DatabaseMetaData;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import javax.sql.DataSource;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.core.JdbiException;
import org.jdbi.v3.core.transaction.TransactionIsolationLevel;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The fencing scenarios, run against each database and isolation level by a subclass. Leases come
 * from the real lease client on DynamoDB Local; holder A stalls (no heartbeat, short lease) and
 * holder B takes the lock over with a greater token.
 *
 * <p>Outcomes that differ by isolation level are declared by the subclass (its {@code
 * snapshotConflicts}), not assumed: under snapshot isolation (PostgreSQL REPEATABLE READ and
 * SERIALIZABLE) a newer holder that commits after this transaction's snapshot surfaces as a
 * serialization failure, which must end as {@link FenceConflictException}, never as a commit.
 */
abstract class FencingContract {
    static final String GUARD = "txl_fencing_guard";
    private static final Duration WAIT = Duration.ofSeconds(20);

    @RegisterExtension
    static final DynamoDbLocal DYNAMO = DynamoDbLocal.embedded();

    private static LeaseHolders holders;

    DataSource raw;
    FencedDataSource fenced;
    private ExecutorService executor;

    /** For {@code snapshotConflicts}: a newer holder's later commit fails the check as a conflict. */
    static final boolean SNAPSHOT_CONFLICTS = true;

    /** For {@code snapshotConflicts}: a newer holder's later commit shows as a stale token. */
    static final boolean STALE_TOKENS = false;

    private final Supplier<DataSource> database;
    private final int isolation;
    private final boolean snapshotConflicts;
    private final String blockedGuardUpdatesSql;

    /**
     * Declares the database and isolation level a subclass runs the scenarios on.
     *
     * @param database the database, or a supplier that skips the test (see {@code Databases}); called
     *     before each test
     * @param isolation the JDBC isolation level the scenarios' transactions run at
     * @param snapshotConflicts whether a newer holder's commit after this transaction took its
     *     snapshot fails the fence check with a serialization failure ({@link FenceConflictException})
     *     rather than a stale token
     * @param blockedGuardUpdatesSql a query counting sessions blocked in an update of the guard table
     *     {@value #GUARD}
     */
    FencingContract(
            Supplier<DataSource> database, int isolation, boolean snapshotConflicts, String blockedGuardUpdatesSql) {
        this.database = database;
        this.isolation = isolation;
        this.snapshotConflicts = snapshotConflicts;
        this.blockedGuardUpdatesSql = blockedGuardUpdatesSql;
    }

    /** Returns the JDBC isolation level the scenarios' transactions run at. */
    final int isolation() {
        return isolation;
    }

    /** Returns whether a newer holder's later commit surfaces as a serialization failure. */
    final boolean snapshotConflicts() {
        return snapshotConflicts;
    }

    /** Returns a query counting sessions blocked in an update of the guard table {@value #GUARD}. */
    final String blockedGuardUpdatesSql() {
        return blockedGuardUpdatesSql;
    }

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
        raw = database.get();
        fenced = FencedDataSource.builder(raw).guardTable(GUARD).build();
        fenced.createGuardTable();
        WriteLog.create(raw);
        executor = Executors.newCachedThreadPool();
    }

    @AfterEach
    void tearDown() throws InterruptedException {
        if (executor == null) {
            return; // the database was missing: the test was skipped before it started
        }
        executor.shutdownNow();
        assertTrue(executor.awaitTermination(WAIT.toSeconds(), TimeUnit.SECONDS), "a writer thread hung");
    }

    @Test
    void kleppmannScenarioTheStalledHolderFailsAndTheNewerWriteStands() throws Exception {
        String name = LeaseHolders.newLockName();
        Lease a = holders.stallingHolder(name);
        Lease b;
        try (Connection connA = begin(fenced.getConnection(a));
                PreparedStatement insertA = connA.prepareStatement(WriteLog.INSERT)) {
            WriteLog.bind(insertA, a, "A");
            insertA.executeUpdate();
            connA.commit();

            // A stalls past its lease; B takes the lock over and writes.
            b = holders.takeOver(name, a);
            assertEquals(List.of("committed"), write(b, "B"));

            // A resumes and writes again: its next transaction is checked again, and refused.
            StaleFenceTokenException stale = assertThrows(StaleFenceTokenException.class, insertA::executeUpdate);
            assertEquals(name, stale.lockName());
            assertEquals(a.fenceToken(), stale.fenceToken());
            assertEquals(b.fenceToken(), stale.observedToken());
            assertEquals(StaleFenceTokenException.SQL_STATE, stale.getSQLState());
            assertEquals("40TXL", stale.getSQLState());
            assertTrue(stale.getMessage().contains(name), stale::getMessage);

            // Every later statement of that transaction fails fast, and it cannot commit.
            StaleFenceTokenException again = assertThrows(StaleFenceTokenException.class, insertA::executeUpdate);
            assertSame(stale, again.getCause());
            assertThrows(StaleFenceTokenException.class, connA::commit);
        }
        assertEquals(List.of(entry("A", a), entry("B", b)), WriteLog.entries(raw, name));
    }

    @Test
    void raceTheNewerHolderWaitsForTheOlderHoldersCommit() throws Exception {
        String name = LeaseHolders.newLockName();
        Lease a = holders.stallingHolder(name);
        assertEquals(List.of("committed"), write(a, "A1"));
        Lease b;
        List<String> outcomeB;
        try (Connection connA = begin(fenced.getConnection(a))) {
            WriteLog.append(connA, a, "A2"); // A's check passed: A holds the guard row
            // A stalls before COMMIT; B takes over and tries to write.
            b = holders.takeOver(name, a);
            Lease newer = b;
            Future<List<String>> writeB = executor.submit(() -> write(newer, "B"));
            awaitBlockedGuardUpdate(writeB);
            connA.commit(); // no newer write exists yet, so A's commit stands
            outcomeB = writeB.get(WAIT.toSeconds(), TimeUnit.SECONDS);
        }
        assertEquals(snapshotConflicts() ? List.of("conflict", "committed") : List.of("committed"), outcomeB);
        assertEquals(List.of(entry("A1", a), entry("A2", a), entry("B", b)), WriteLog.entries(raw, name));
    }

    @Test
    void raceTheStalledHolderWaitsForTheNewerHoldersCommitThenFails() throws Exception {
        String name = LeaseHolders.newLockName();
        Lease a = holders.stallingHolder(name);
        assertEquals(List.of("committed"), write(a, "A1"));
        Lease b = holders.takeOver(name, a);
        List<String> outcomeA;
        try (Connection connB = begin(fenced.getConnection(b))) {
            WriteLog.append(connB, b, "B"); // B holds the guard row
            Future<List<String>> writeA = executor.submit(() -> write(a, "A2"));
            awaitBlockedGuardUpdate(writeA);
            connB.commit();
            outcomeA = writeA.get(WAIT.toSeconds(), TimeUnit.SECONDS);
        }
        assertEquals(snapshotConflicts() ? List.of("conflict", "stale") : List.of("stale"), outcomeA);
        assertEquals(List.of(entry("A1", a), entry("B", b)), WriteLog.entries(raw, name));
    }

    @Test
    void aLeaseBoundInMidTransactionIsCheckedBeforeTheNextStatement() throws Exception {
        String name = LeaseHolders.newLockName();
        Lease a = holders.stallingHolder(name);
        assertEquals(List.of("committed"), write(a, "A1"));
        Lease b;
        try (Connection connA = begin(fenced.getConnection())) {
            countRows(connA); // unguarded so far: no check, but the transaction (and its snapshot) began
            b = holders.takeOver(name, a);
            assertEquals(List.of("committed"), write(b, "B"));
            try (LeaseBinding binding = LeaseBinding.bind(a)) {
                FenceCheckException failure =
                        assertThrows(FenceCheckException.class, () -> WriteLog.append(connA, a, "A2"));
                Class<? extends FenceCheckException> expected =
                        snapshotConflicts() ? FenceConflictException.class : StaleFenceTokenException.class;
                assertInstanceOf(expected, failure);
                assertEquals(name, failure.lockName());
                assertEquals(a.fenceToken(), failure.fenceToken());
                assertEquals(snapshotConflicts() ? "40001" : "40TXL", failure.getSQLState());
                assertThrows(FenceCheckException.class, connA::commit);
            }
        }
        assertEquals(List.of(entry("A1", a), entry("B", b)), WriteLog.entries(raw, name));
    }

    @Test
    void autoCommitIsRefusedWhileALeaseGuardsTheConnection() throws Exception {
        String name = LeaseHolders.newLockName();
        Lease a = holders.stallingHolder(name);
        try (Connection connection = fenced.getConnection(a)) {
            assertTrue(connection.getAutoCommit());
            SQLException refused = assertThrows(SQLException.class, () -> WriteLog.append(connection, a, "A"));
            assertEquals("25000", refused.getSQLState());
            assertTrue(refused.getMessage().contains(name), refused::getMessage);
        }
        assertEquals(List.of(), WriteLog.entries(raw, name));
    }

    @Test
    void withoutLeasesTheConnectionIsNotFenced() throws Exception {
        String name = LeaseHolders.newLockName();
        Lease a = holders.stallingHolder(name);
        try (Connection connection = fenced.getConnection()) {
            WriteLog.append(connection, a, "unfenced"); // auto-commit, no lease in effect
        }
        assertEquals(List.of(entry("unfenced", a)), WriteLog.entries(raw, name));
        assertEquals(-1, guardToken(name), "no guard row is written without a lease");
    }

    @Test
    void concurrentFirstChecksOfANameNeverFailWithADuplicateKey() throws Exception {
        GuardStatements guard;
        try (Connection connection = raw.getConnection()) {
            guard = new GuardStatements(GuardTable.named(GUARD), GuardDialect.detect(connection));
        }
        for (int round = 0; round < 10; round++) {
            String name = LeaseHolders.newLockName();
            CyclicBarrier start = new CyclicBarrier(2);
            List<Future<String>> checks = new ArrayList<>();
            for (long token = 1; token <= 2; token++) {
                FenceToken fence = FenceToken.of(token);
                checks.add(executor.submit(() -> firstCheck(guard, name, fence, start)));
            }
            String older = checks.get(0).get(WAIT.toSeconds(), TimeUnit.SECONDS);
            String newer = checks.get(1).get(WAIT.toSeconds(), TimeUnit.SECONDS);
            List<String> outcomes = List.of(older, newer);
            assertTrue(outcomes.contains("committed"), () -> "one of two first checks must pass: " + outcomes);
            assertFalse(newer.equals("stale"), () -> "the greater token cannot be stale: " + outcomes);
            assertTrue(List.of("committed", "stale", "conflict").containsAll(outcomes), outcomes::toString);
            long expected = newer.equals("committed") ? 2 : 1;
            assertEquals(expected, guardToken(name), outcomes::toString);
        }
    }

    @Test
    void jdbiPluginFencesUseTransactionInTheKleppmannScenario() throws Exception {
        Jdbi jdbi = Jdbi.create(raw);
        jdbi.installPlugin(new FencingPlugin());
        jdbi.getConfig(FencingConfig.class).setGuardTable(GUARD);
        TransactionIsolationLevel level = TransactionIsolationLevel.valueOf(isolation());
        String name = LeaseHolders.newLockName();
        Lease a = holders.stallingHolder(name);
        try (LeaseBinding binding = LeaseBinding.bind(a)) {
            jdbi.useTransaction(level, handle -> WriteLog.append(handle.getConnection(), a, "A1"));
        }
        Lease b = holders.takeOver(name, a);
        try (LeaseBinding binding = LeaseBinding.bind(b)) {
            jdbi.useTransaction(level, handle -> handle.createUpdate(WriteLog.INSERT)
                    .bind(0, name)
                    .bind(1, b.fenceToken().value())
                    .bind(2, "B")
                    .execute());
        }
        try (LeaseBinding binding = LeaseBinding.bind(a)) {
            JdbiException failure = assertThrows(
                    JdbiException.class,
                    () -> jdbi.useTransaction(level, handle -> handle.createUpdate(WriteLog.INSERT)
                            .bind(0, name)
                            .bind(1, a.fenceToken().value())
                            .bind(2, "A2")
                            .execute()));
            StaleFenceTokenException stale = causeOf(failure, StaleFenceTokenException.class);
            assertEquals(b.fenceToken(), stale.observedToken());
            // Outside a transaction, Jdbi's auto-commit statements are refused while the lease is bound.
            JdbiException refused =
                    assertThrows(JdbiException.class, () -> jdbi.useHandle(handle -> handle.execute("SELECT 1")));
            assertEquals("25000", causeOf(refused, SQLException.class).getSQLState());
        }
        assertEquals(List.of(entry("A1", a), entry("B", b)), WriteLog.entries(raw, name));
    }

    /**
     * Issue 11, hole 1: the stale transaction is the deadlock victim on one of its own statements.
     * H2 and MariaDB roll the whole transaction back, freeing the guard row; the newer holder
     * commits; the application retries just the failed statement and commits. The retry must be
     * checked again. (PostgreSQL keeps the aborted transaction open until rollback.)
     */
    @Test
    void aDeadlockVictimsRetriedStatementIsCheckedAgain() throws Exception {
        GuardDialect dialect;
        try (Connection connection = raw.getConnection()) {
            dialect = GuardDialect.detect(connection);
        }
        Rows.create(raw, 40);
        String name = LeaseHolders.newLockName();
        Lease a = holders.stallingHolder(name);
        assertEquals(List.of("committed"), write(a, "A1")); // the guard row exists: B waits in its UPDATE
        Lease b;
        try (Connection connA = begin(fenced.getConnection(a));
                Connection bystander = begin(raw.getConnection())) {
            if (dialect == GuardDialect.POSTGRESQL) {
                try (Statement statement = bystander.createStatement()) {
                    statement.execute("SET deadlock_timeout = '60s'"); // so that A detects the deadlock
                }
            }
            // The bystander's transaction is older (H2 picks the younger as victim) and heavier (MariaDB
            // picks the lighter); on PostgreSQL A detects the deadlock first.
            Rows.update(bystander, 2, 40);
            WriteLog.append(connA, a, "A2"); // checked: A holds the guard row
            Rows.update(connA, 1, 1);
            b = holders.takeOver(name, a);
            Lease newer = b;
            Future<List<String>> writeB = executor.submit(() -> write(newer, "B"));
            awaitBlocked(GUARD, writeB);
            Future<Integer> bystanderWaits = executor.submit(() -> Rows.update(bystander, 1, 1));
            awaitBlocked(Rows.TABLE, bystanderWaits);
            SQLException deadlock = assertThrows(SQLException.class, () -> Rows.update(connA, 2, 2));
            assertTrue(List.of("40001", "40P01").contains(deadlock.getSQLState()), deadlock::toString);
            if (dialect == GuardDialect.POSTGRESQL) {
                // The aborted transaction stays open: nothing more runs in it, and B waits for its end.
                assertThrows(SQLException.class, () -> WriteLog.append(connA, a, "A3"));
                connA.rollback();
                assertTrue(writeB.get(WAIT.toSeconds(), TimeUnit.SECONDS).contains("committed"));
            } else {
                // The database rolled A back and freed the guard row: B writes and commits.
                assertEquals(List.of("committed"), writeB.get(WAIT.toSeconds(), TimeUnit.SECONDS));
                // The application retries the failed statement and commits: the retry is checked.
                assertThrows(StaleFenceTokenException.class, () -> WriteLog.append(connA, a, "A3"));
                assertThrows(StaleFenceTokenException.class, connA::commit);
            }
            bystanderWaits.get(WAIT.toSeconds(), TimeUnit.SECONDS);
            bystander.rollback();
        }
        assertEquals(List.of(entry("A1", a), entry("B", b)), WriteLog.entries(raw, name));
    }

    /** Issue 11, hole 3: an updatable result set's insertRow under a lease joined through a binding. */
    @Test
    void anUpdatableResultSetWriteIsCheckedUnderALeaseJoinedLater() throws Exception {
        String name = LeaseHolders.newLockName();
        Lease a = holders.stallingHolder(name);
        Lease b;
        try (Connection connA = begin(fenced.getConnection());
                Statement statement = connA.createStatement(ResultSet.TYPE_FORWARD_ONLY, ResultSet.CONCUR_UPDATABLE);
                ResultSet rows = statement.executeQuery("SELECT id, lock_name, fence, writer FROM " + WriteLog.TABLE
                        + " WHERE lock_name = '" + name + "'")) {
            b = holders.takeOver(name, a);
            assertEquals(List.of("committed"), write(b, "B"));
            try (LeaseBinding binding = LeaseBinding.bind(a)) {
                rows.moveToInsertRow();
                rows.updateString("lock_name", name);
                rows.updateLong("fence", a.fenceToken().value());
                rows.updateString("writer", "A");
                assertThrows(FenceCheckException.class, rows::insertRow);
                assertThrows(FenceCheckException.class, connA::commit);
            }
        }
        assertEquals(List.of(entry("B", b)), WriteLog.entries(raw, name));
    }

    /**
     * Issue 11, hole 5: the connection of the metadata (and of every object reachable from a fenced
     * connection) is the fenced connection, so a write through it is checked.
     */
    @Test
    void theConnectionOfTheMetaDataIsTheFencedOne() throws Exception {
        String name = LeaseHolders.newLockName();
        Lease a = holders.stallingHolder(name);
        Lease b = holders.takeOver(name, a);
        assertEquals(List.of("committed"), write(b, "B"));
        try (Connection connA = begin(fenced.getConnection(a))) {
            DatabaseMetaData metaData = connA.getMetaData();
            assertSame(connA, metaData.getConnection());
            try (ResultSet tables = metaData.getTables(null, null, "%", new String[] {"TABLE"})) {
                Statement owner = tables.getStatement();
                assertTrue(owner == null || owner.getConnection() == connA, () -> "reached " + owner);
            }
            Connection reached = metaData.getConnection();
            assertThrows(StaleFenceTokenException.class, () -> WriteLog.append(reached, a, "A"));
            assertThrows(StaleFenceTokenException.class, connA::commit);
        }
        assertEquals(List.of(entry("B", b)), WriteLog.entries(raw, name));
    }

    /**
     * Issue 11, re-verify at commit: a COMMIT sent as SQL text ends the transaction behind the
     * wrapper's back; commit() runs the guard update again and refuses the stale rest.
     */
    @Test
    void commitReVerifiesWhenTheTransactionEndedBehindTheWrappersBack() throws Exception {
        String name = LeaseHolders.newLockName();
        Lease a = holders.stallingHolder(name);
        Lease b;
        try (Connection connA = begin(fenced.getConnection(a));
                Statement statement = connA.createStatement()) {
            WriteLog.append(connA, a, "A1");
            statement.execute("COMMIT"); // releases the guard row; the wrapper cannot know
            b = holders.takeOver(name, a);
            assertEquals(List.of("committed"), write(b, "B"));
            WriteLog.append(connA, a, "A2"); // not checked again: the wrapper counts it as checked
            assertThrows(FenceCheckException.class, connA::commit);
        }
        assertEquals(List.of(entry("A1", a), entry("B", b)), WriteLog.entries(raw, name));
    }

    // Issue 16: lock modes. The scenarios are in LockModeScenarios; each runs here per database.

    @Test
    void modesALaterIncompatibleWriterRejectsTheEarlierHoldersWriteForAll36Pairs() throws Exception {
        modes().aLaterIncompatibleWriterRejectsTheEarlierHoldersWrite();
    }

    @Test
    void modesASupersededHoldersReadIsRejectedWhenItsReadsAreFenced() throws Exception {
        modes().aSupersededHoldersReadIsRejectedWhenItsReadsAreFenced();
    }

    @Test
    void modesALaterHoldersFencedReadRejectsTheEarlierIncompatibleHoldersWrite() throws Exception {
        modes().aLaterHoldersFencedReadRejectsTheEarlierIncompatibleHoldersWrite();
    }

    @Test
    void modesADataSourceNewToTheNameJudgesAsTheOthers() throws Exception {
        modes().aDataSourceNewToTheNameJudgesAsTheOthers();
    }

    @Test
    void modesTheRejectionNamesTheLockTheTokensAndTheModes() throws Exception {
        modes().theRejectionNamesTheLockTheTokensAndTheModes();
    }

    @Test
    void modesCompatibleConcurrentHoldersWaitForTheGuardRowAndBothCommit() throws Exception {
        modes().compatibleConcurrentHoldersWaitForTheGuardRowAndBothCommit(executor, this::awaitBlocked);
    }

    /**
     * Issue 16 through the Jdbi plugin: with fenced reads configured, a protected reader superseded
     * by an exclusive writer that has written is rejected at its next query (Jdbi runs queries with
     * {@code execute()}); without, the query passes and its next write is rejected.
     */
    @Test
    void modesJdbiPluginFencesAProtectedReadersQueryWhenConfigured() throws Exception {
        LockModeScenarios scenarios = modes();
        TransactionIsolationLevel level = TransactionIsolationLevel.valueOf(isolation());
        String name = LeaseHolders.newLockName();
        Lease reader = FixedLease.of(name, 1, LockMode.PR);
        Lease writer = FixedLease.of(name, 2, LockMode.EX);
        Jdbi jdbi = Jdbi.create(raw);
        jdbi.installPlugin(new FencingPlugin());
        jdbi.getConfig(FencingConfig.class).setGuardTable(LockModeScenarios.GUARD);
        String count = "SELECT COUNT(*) FROM " + WriteLog.TABLE + " WHERE lock_name = :name";
        try (LeaseBinding binding = LeaseBinding.bind(reader)) {
            jdbi.useTransaction(level, handle -> WriteLog.append(handle.getConnection(), reader, "R1"));
        }
        assertEquals(
                "committed",
                scenarios.run(fenced(LockModeScenarios.GUARD), writer, LockModeScenarios.Access.WRITE, "W"));
        try (LeaseBinding binding = LeaseBinding.bind(reader)) {
            // Fenced reads off (the default): the superseded reader's query passes, its write does not.
            Integer rows = jdbi.inTransaction(level, handle -> handle.createQuery(count)
                    .bind("name", name)
                    .mapTo(Integer.class)
                    .one());
            assertEquals(2, rows);
            JdbiException write = assertThrows(
                    JdbiException.class,
                    () -> jdbi.useTransaction(level, handle -> handle.createUpdate(WriteLog.INSERT)
                            .bind(0, name)
                            .bind(1, 1L)
                            .bind(2, "R2")
                            .execute()));
            assertEquals(
                    writer.fenceToken(),
                    causeOf(write, StaleFenceTokenException.class).observedToken());

            // Per handle: the connection's switch.
            JdbiException perHandle = assertThrows(
                    JdbiException.class,
                    () -> jdbi.useTransaction(level, handle -> {
                        handle.getConnection().unwrap(FencingConnection.class).setFencedReads(true);
                        handle.createQuery(count)
                                .bind("name", name)
                                .mapTo(Integer.class)
                                .one();
                    }));
            assertEquals(
                    LockMode.EX,
                    causeOf(perHandle, StaleFenceTokenException.class).observedMode());

            // For every handle: the config.
            jdbi.getConfig(FencingConfig.class).setFencedReads(true);
            JdbiException read = assertThrows(
                    JdbiException.class,
                    () -> jdbi.inTransaction(level, handle -> handle.createQuery(count)
                            .bind("name", name)
                            .mapTo(Integer.class)
                            .one()));
            StaleFenceTokenException stale = causeOf(read, StaleFenceTokenException.class);
            assertEquals(LockMode.PR, stale.lockMode());
            assertEquals(writer.fenceToken(), stale.observedToken());
        }
        assertEquals(List.of("R1@1", "W@2"), WriteLog.entries(raw, name));
    }

    /** Issue 16, the README's example: a protected reader with fenced reads, then superseded. */
    @Test
    void modesAProtectedReaderWithFencedReadsIsRejectedOnceSuperseded() throws Exception {
        DataSource pool = raw;
        String name = LeaseHolders.newLockName();
        Lease reader = FixedLease.of(name, 1, LockMode.PR);
        FencedDataSource fencedByMode = fenced(LockModeScenarios.GUARD);
        fencedByMode.createGuardTable();
        long rows;
        // tag::fencing-modes[]
        FencedDataSource readers = FencedDataSource.builder(pool)
                .guardTable("txl_modes_guard")
                .fencedReads(true) // leases in CR and PR guard queries too (off by default)
                .build();
        try (Connection connection = readers.getConnection(reader); // reader.mode() == LockMode.PR
                PreparedStatement count =
                        connection.prepareStatement("SELECT COUNT(*) FROM txl_fencing_log WHERE lock_name = ?")) {
            connection.setAutoCommit(false);
            count.setString(1, reader.name());
            // The check runs before the query: StaleFenceTokenException once a holder in CW, PW or EX
            // with a newer token has passed it.
            try (ResultSet result = count.executeQuery()) {
                result.next();
                rows = result.getLong(1);
            }
            connection.commit();
        }
        // end::fencing-modes[]
        assertEquals(0, rows);
        Lease writer = FixedLease.of(name, 2, LockMode.EX);
        assertEquals(List.of("committed"), writeWith(fencedByMode, writer, "W"));
        try (Connection connection = begin(readers.getConnection(reader));
                PreparedStatement count = connection.prepareStatement(
                        "SELECT COUNT(*) FROM " + WriteLog.TABLE + " WHERE lock_name = ?")) {
            count.setString(1, name);
            StaleFenceTokenException stale = assertThrows(StaleFenceTokenException.class, count::executeQuery);
            assertEquals(LockMode.PR, stale.lockMode());
            assertEquals(LockMode.EX, stale.observedMode());
            connection.rollback();
        }
    }

    private List<String> writeWith(FencedDataSource dataSource, Lease lease, String writer) throws SQLException {
        try (Connection connection = begin(dataSource.getConnection(lease))) {
            WriteLog.append(connection, lease, writer);
            connection.commit();
            return List.of("committed");
        }
    }

    private LockModeScenarios modes() throws SQLException {
        return new LockModeScenarios(raw, isolation(), snapshotConflicts());
    }

    private FencedDataSource fenced(String guard) {
        return FencedDataSource.builder(raw).guardTable(guard).build();
    }

    Connection begin(Connection connection) throws SQLException {
        connection.setTransactionIsolation(isolation());
        connection.setAutoCommit(false);
        return connection;
    }

    /**
     * Writes under the lease in a transaction of its own, retrying once after a conflict, and returns
     * what each attempt came to: {@code committed}, {@code stale} or {@code conflict}.
     */
    List<String> write(Lease lease, String writer) throws SQLException {
        List<String> outcomes = new ArrayList<>();
        for (int attempt = 0; attempt < 2; attempt++) {
            try (Connection connection = begin(fenced.getConnection(lease))) {
                try {
                    WriteLog.append(connection, lease, writer);
                    connection.commit();
                    outcomes.add("committed");
                    return outcomes;
                } catch (StaleFenceTokenException e) {
                    connection.rollback();
                    outcomes.add("stale");
                    return outcomes;
                } catch (FenceConflictException e) {
                    connection.rollback();
                    outcomes.add("conflict");
                }
            }
        }
        return outcomes;
    }

    private String firstCheck(GuardStatements guard, String name, FenceToken token, CyclicBarrier start)
            throws Exception {
        try (Connection connection = begin(raw.getConnection())) {
            start.await(WAIT.toSeconds(), TimeUnit.SECONDS);
            try {
                guard.check(connection, name, token);
                connection.commit();
                return "committed";
            } catch (StaleFenceTokenException e) {
                connection.rollback();
                return "stale";
            } catch (FenceConflictException e) {
                connection.rollback();
                return "conflict";
            }
        }
    }

    private void awaitBlockedGuardUpdate(Future<?> writer) throws Exception {
        awaitBlocked(GUARD, writer);
    }

    /** Waits until a session is blocked in an {@code UPDATE} of {@code table} (the subclass's query). */
    void awaitBlocked(String table, Future<?> writer) throws Exception {
        String sql = blockedGuardUpdatesSql().replace(GUARD, table);
        try (Connection observer = raw.getConnection();
                PreparedStatement probe = observer.prepareStatement(sql)) {
            Await.until("a transaction is seen waiting in an update of " + table, WAIT, () -> {
                if (writer.isDone()) {
                    throw new AssertionError("the writer finished without waiting in an update of " + table);
                }
                try (ResultSet count = probe.executeQuery()) {
                    count.next();
                    return count.getInt(1) > 0;
                } catch (SQLException e) {
                    throw new AssertionError("could not read the blocked guard updates", e);
                }
            });
        }
    }

    private long guardToken(String name) throws SQLException {
        try (Connection connection = raw.getConnection();
                PreparedStatement select =
                        connection.prepareStatement("SELECT token FROM " + GUARD + " WHERE name = ?")) {
            select.setString(1, name);
            try (ResultSet row = select.executeQuery()) {
                return row.next() ? row.getLong(1) : -1;
            }
        }
    }

    private static void countRows(Connection connection) throws SQLException {
        try (PreparedStatement select = connection.prepareStatement("SELECT COUNT(*) FROM " + WriteLog.TABLE);
                ResultSet rows = select.executeQuery()) {
            rows.next();
        }
    }

    static <T extends Throwable> T causeOf(Throwable failure, Class<T> type) {
        for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
            if (type.isInstance(cause)) {
                return type.cast(cause);
            }
        }
        throw new AssertionError("no " + type.getSimpleName() + " in the causes of " + failure, failure);
    }
}
