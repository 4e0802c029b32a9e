package dev.txlease.jdbc;

import static dev.txlease.LockMode.CR;
import static dev.txlease.LockMode.CW;
import static dev.txlease.LockMode.PR;
import static dev.txlease.LockMode.PW;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.txlease.Lease;
import dev.txlease.LockMode;
import dev.txlease.jdbc.testing.FixedLease;
import dev.txlease.jdbc.testing.LeaseHolders;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import javax.sql.DataSource;

/**
 * Issue 16, the database side: the fence check generalised to lock modes, for every pair of modes
 * (the holder granted earlier, token 1; the holder granted later, token 2) on one database and
 * isolation level. {@link FencingContract} runs each scenario per database. The holders are {@link
 * FixedLease}s: the claim is the guard check's (which statements it rejects), not the lease client's.
 *
 * <p>The rule: a fenced statement of a holder is rejected iff a holder in an incompatible mode with a
 * larger token has already passed the check. Which statements are fenced: every statement of a
 * holder in a write mode (CW, PW, EX); the writes of a holder in a read mode (CR, PR), and its reads
 * too when fenced reads are on; never those of an NL holder.
 */
final class LockModeScenarios {
    static final String GUARD = "txl_modes_guard";
    private static final Duration WAIT = Duration.ofSeconds(20);

    /** What a holder does in its transaction. */
    enum Access {
        READ,
        WRITE
    }

    /** Waits until a session is blocked in an update of the guard table, or fails. */
    interface BlockedUpdateProbe {
        void awaitBlocked(String table, Future<?> waiter) throws Exception;
    }

    private final DataSource raw;
    private final int isolation;
    private final boolean snapshotConflicts;
    private final FencedDataSource fenced;
    private final FencedDataSource fencedReads;

    LockModeScenarios(DataSource raw, int isolation, boolean snapshotConflicts) throws SQLException {
        this.raw = raw;
        this.isolation = isolation;
        this.snapshotConflicts = snapshotConflicts;
        this.fenced = FencedDataSource.builder(raw).guardTable(GUARD).build();
        this.fencedReads = FencedDataSource.builder(raw)
                .guardTable(GUARD)
                .fencedReads(true)
                .build();
        fenced.createGuardTable();
        WriteLog.create(raw);
    }

    /** Fails with the pairs whose outcomes differ from the expected ones, one line each. */
    private static void assertOutcomes(Map<String, String> expected, Map<String, String> actual) {
        List<String> mismatches = new ArrayList<>();
        for (Map.Entry<String, String> pair : expected.entrySet()) {
            if (!pair.getValue().equals(actual.get(pair.getKey()))) {
                mismatches.add(pair.getKey() + ": expected " + pair.getValue() + ", was " + actual.get(pair.getKey()));
            }
        }
        assertEquals(List.of(), mismatches, () -> mismatches.size() + " of " + expected.size() + " differ");
        assertEquals(expected, actual);
    }

    /** Earlier writes, later writes, earlier writes again: rejected iff the modes are incompatible. */
    void aLaterIncompatibleWriterRejectsTheEarlierHoldersWrite() throws SQLException {
        Map<String, String> expected = new TreeMap<>();
        Map<String, String> actual = new TreeMap<>();
        for (LockMode earlier : LockMode.values()) {
            for (LockMode later : LockMode.values()) {
                String pair = earlier + " then " + later;
                String name = LeaseHolders.newLockName();
                Lease first = FixedLease.of(name, 1, earlier);
                Lease second = FixedLease.of(name, 2, later);
                expected.put(
                        pair, "committed, committed, " + (earlier.isCompatibleWith(later) ? "committed" : "stale"));
                actual.put(
                        pair,
                        run(fenced, first, Access.WRITE, "A1") + ", " + run(fenced, second, Access.WRITE, "B") + ", "
                                + run(fenced, first, Access.WRITE, "A2"));
            }
        }
        assertOutcomes(expected, actual);
    }

    /**
     * Earlier reads, later writes, earlier reads again: the read is rejected iff the modes are
     * incompatible and the read is fenced (fenced reads on, or the earlier holder in a write mode).
     */
    void aSupersededHoldersReadIsRejectedWhenItsReadsAreFenced() throws SQLException {
        Map<String, String> expected = new TreeMap<>();
        Map<String, String> actual = new TreeMap<>();
        for (boolean readsFenced : List.of(false, true)) {
            FencedDataSource dataSource = readsFenced ? fencedReads : fenced;
            for (LockMode earlier : LockMode.values()) {
                for (LockMode later : LockMode.values()) {
                    String pair = earlier + " then " + later + (readsFenced ? ", fenced reads" : "");
                    String name = LeaseHolders.newLockName();
                    Lease first = FixedLease.of(name, 1, earlier);
                    Lease second = FixedLease.of(name, 2, later);
                    boolean rejected = !earlier.isCompatibleWith(later) && (readsFenced || isWriteMode(earlier));
                    expected.put(pair, "committed, committed, " + (rejected ? "stale" : "committed"));
                    actual.put(
                            pair,
                            run(dataSource, first, Access.READ, "A1") + ", "
                                    + run(dataSource, second, Access.WRITE, "B") + ", "
                                    + run(dataSource, first, Access.READ, "A2"));
                }
            }
        }
        assertOutcomes(expected, actual);
    }

    /**
     * Earlier writes, later reads, earlier writes again: a later holder's read passes the check (and
     * so rejects the earlier incompatible holder) iff it is fenced.
     */
    void aLaterHoldersFencedReadRejectsTheEarlierIncompatibleHoldersWrite() throws SQLException {
        Map<String, String> expected = new TreeMap<>();
        Map<String, String> actual = new TreeMap<>();
        for (boolean readsFenced : List.of(false, true)) {
            FencedDataSource dataSource = readsFenced ? fencedReads : fenced;
            for (LockMode earlier : LockMode.values()) {
                for (LockMode later : LockMode.values()) {
                    String pair = earlier + " then " + later + (readsFenced ? ", fenced reads" : "");
                    String name = LeaseHolders.newLockName();
                    Lease first = FixedLease.of(name, 1, earlier);
                    Lease second = FixedLease.of(name, 2, later);
                    boolean rejected = !earlier.isCompatibleWith(later) && (readsFenced || isWriteMode(later));
                    expected.put(pair, "committed, committed, " + (rejected ? "stale" : "committed"));
                    actual.put(
                            pair,
                            run(dataSource, first, Access.WRITE, "A1") + ", "
                                    + run(dataSource, second, Access.READ, "B") + ", "
                                    + run(dataSource, first, Access.WRITE, "A2"));
                }
            }
        }
        assertOutcomes(expected, actual);
    }

    /**
     * The third write of each pair through a data source that has not seen the name before (on
     * MariaDB/MySQL that is the insert-or-raise path on an existing row, not the update): the same
     * verdicts.
     */
    void aDataSourceNewToTheNameJudgesAsTheOthers() throws SQLException {
        Map<String, String> expected = new TreeMap<>();
        Map<String, String> actual = new TreeMap<>();
        for (LockMode earlier : LockMode.values()) {
            for (LockMode later : LockMode.values()) {
                String pair = earlier + " then " + later;
                String name = LeaseHolders.newLockName();
                Lease first = FixedLease.of(name, 1, earlier);
                Lease second = FixedLease.of(name, 2, later);
                FencedDataSource newcomer =
                        FencedDataSource.builder(raw).guardTable(GUARD).build();
                expected.put(
                        pair, "committed, committed, " + (earlier.isCompatibleWith(later) ? "committed" : "stale"));
                actual.put(
                        pair,
                        run(fenced, first, Access.WRITE, "A1") + ", " + run(fenced, second, Access.WRITE, "B") + ", "
                                + run(newcomer, first, Access.WRITE, "A2"));
            }
        }
        assertOutcomes(expected, actual);
    }

    /** The exception of a rejected holder names the lock, both tokens and both modes. */
    void theRejectionNamesTheLockTheTokensAndTheModes() throws SQLException {
        String name = LeaseHolders.newLockName();
        Lease reader = FixedLease.of(name, 1, PR);
        Lease writer = FixedLease.of(name, 2, CW);
        assertEquals("committed", run(fenced, reader, Access.WRITE, "A1"));
        assertEquals("committed", run(fenced, writer, Access.WRITE, "B"));
        try (Connection connection = begin(fenced.getConnection(reader))) {
            StaleFenceTokenException stale =
                    assertThrows(StaleFenceTokenException.class, () -> WriteLog.append(connection, reader, "A2"));
            assertEquals(name, stale.lockName());
            assertEquals(reader.fenceToken(), stale.fenceToken());
            assertEquals(PR, stale.lockMode());
            assertEquals(writer.fenceToken(), stale.observedToken());
            assertEquals(CW, stale.observedMode());
            assertEquals(StaleFenceTokenException.SQL_STATE, stale.getSQLState());
            for (String part : List.of(name, "PR", "CW", "token 1", "token 2")) {
                assertTrue(stale.getMessage().contains(part), stale::getMessage);
            }
            StaleFenceTokenException again =
                    assertThrows(StaleFenceTokenException.class, () -> WriteLog.append(connection, reader, "A3"));
            assertEquals(CW, again.observedMode());
            assertEquals(PR, again.lockMode());
            connection.rollback();
        }
        assertEquals(List.of("A1@1", "B@2"), WriteLog.entries(raw, name), "the rejected holder's writes rolled back");
    }

    /**
     * Two compatible holders in concurrent transactions: the second waits for the first's guard row
     * lock until the first commits, then passes (under snapshot isolation after one retry of the
     * conflict), whichever of the two was granted later.
     */
    void compatibleConcurrentHoldersWaitForTheGuardRowAndBothCommit(ExecutorService executor, BlockedUpdateProbe probe)
            throws Exception {
        compatibleConcurrentHoldersBothCommit(executor, probe, true);
    }

    /**
     * Adversary: the same pairs racing on a name that has no guard row yet: the first creates it, the
     * second waits in its own insert (MariaDB's insert-or-raise, PostgreSQL's {@code ON CONFLICT DO
     * NOTHING}, H2's {@code MERGE}) until the first commits, then passes; no duplicate key, no stale.
     *
     * @param probe waits until a session is blocked in any statement on the guard table
     */
    void compatibleConcurrentHoldersRacingOnTheFirstInsertBothCommit(ExecutorService executor, BlockedUpdateProbe probe)
            throws Exception {
        compatibleConcurrentHoldersBothCommit(executor, probe, false);
    }

    private void compatibleConcurrentHoldersBothCommit(
            ExecutorService executor, BlockedUpdateProbe probe, boolean guardRowExists) throws Exception {
        List<LockMode[]> pairs = List.of(
                new LockMode[] {CW, CW},
                new LockMode[] {PR, PR},
                new LockMode[] {CR, PW},
                new LockMode[] {PW, CR},
                new LockMode[] {CR, CR});
        Map<String, String> expected = new TreeMap<>();
        Map<String, String> actual = new TreeMap<>();
        for (LockMode[] modes : pairs) {
            for (boolean laterWaits : List.of(true, false)) {
                String name = LeaseHolders.newLockName();
                // A committed first check creates the guard row: the pair then contends on its lock.
                Lease creator = FixedLease.of(name, 1, CR);
                if (guardRowExists) {
                    assertEquals("committed", run(fencedReads, creator, Access.WRITE, "creator"));
                }
                Lease earlier = FixedLease.of(name, 2, modes[0]);
                Lease later = FixedLease.of(name, 3, modes[1]);
                Lease first = laterWaits ? earlier : later;
                Lease second = laterWaits ? later : earlier;
                String pair = earlier.mode() + "@2 and " + later.mode() + "@3, " + second.mode() + "@"
                        + second.fenceToken() + " waits";
                // Fenced reads on: the protected readers go through the check, so they contend too.
                List<String> outcomes = new ArrayList<>();
                try (Connection connection = begin(fencedReads.getConnection(first))) {
                    WriteLog.append(connection, first, "first"); // checked: holds the guard row
                    Future<List<String>> waiting = executor.submit(() -> writeRetryingConflicts(second, "second"));
                    probe.awaitBlocked(GUARD, waiting);
                    connection.commit();
                    outcomes.add("first committed");
                    outcomes.addAll(waiting.get(WAIT.toSeconds(), TimeUnit.SECONDS));
                }
                expected.put(
                        pair,
                        snapshotConflicts ? "[first committed, conflict, committed]" : "[first committed, committed]");
                actual.put(pair, outcomes.toString());
                List<String> writes = new ArrayList<>(
                        List.of("creator@1", "first@" + first.fenceToken(), "second@" + second.fenceToken()));
                if (!guardRowExists) {
                    writes.remove(0);
                }
                assertEquals(writes, WriteLog.entries(raw, name), pair);
            }
        }
        assertOutcomes(expected, actual);
    }

    /** One way of running SQL through a fenced connection, as a test names it. */
    private interface Path {
        void run(Connection connection, Lease lease, String writer) throws SQLException;
    }

    /**
     * Adversary: a superseded protected reader (PR, fenced reads off) tries every JDBC write path;
     * each is rejected (the {@code execute} only after it ran, inside its transaction), while its
     * plain queries, which its mode does not guard, still pass.
     */
    void everyWritePathOfASupersededReaderIsRejectedAndItsPlainQueriesPass() throws SQLException {
        Map<String, Path> paths = new java.util.LinkedHashMap<>();
        paths.put("executeUpdate", (connection, lease, writer) -> {
            try (PreparedStatement insert = connection.prepareStatement(WriteLog.INSERT)) {
                WriteLog.bind(insert, lease, writer);
                insert.executeUpdate();
            }
        });
        paths.put("executeLargeUpdate", (connection, lease, writer) -> {
            try (PreparedStatement insert = connection.prepareStatement(WriteLog.INSERT)) {
                WriteLog.bind(insert, lease, writer);
                insert.executeLargeUpdate();
            }
        });
        paths.put("executeBatch", (connection, lease, writer) -> {
            try (PreparedStatement insert = connection.prepareStatement(WriteLog.INSERT)) {
                WriteLog.bind(insert, lease, writer);
                insert.addBatch();
                WriteLog.bind(insert, lease, writer + "'");
                insert.addBatch();
                insert.executeBatch();
            }
        });
        paths.put("executeLargeBatch", (connection, lease, writer) -> {
            try (java.sql.Statement statement = connection.createStatement()) {
                statement.addBatch("INSERT INTO " + WriteLog.TABLE + " (lock_name, fence, writer) VALUES ('"
                        + lease.name() + "', " + lease.fenceToken().value() + ", '" + writer + "')");
                statement.executeLargeBatch();
            }
        });
        paths.put("execute", (connection, lease, writer) -> {
            try (PreparedStatement insert = connection.prepareStatement(WriteLog.INSERT)) {
                WriteLog.bind(insert, lease, writer);
                insert.execute();
            }
        });
        paths.put("executeQuery of a SELECT", (connection, lease, writer) -> count(connection, lease.name()));
        paths.put("execute of a SELECT", (connection, lease, writer) -> {
            try (PreparedStatement select =
                    connection.prepareStatement("SELECT COUNT(*) FROM " + WriteLog.TABLE + " WHERE lock_name = ?")) {
                select.setString(1, lease.name());
                select.execute();
            }
        });
        String name = LeaseHolders.newLockName();
        Lease reader = FixedLease.of(name, 1, PR);
        Lease writer = FixedLease.of(name, 2, LockMode.EX);
        assertEquals("committed", run(fenced, reader, Access.WRITE, "A1"));
        assertEquals("committed", run(fenced, writer, Access.WRITE, "B"));
        Map<String, String> expected = new TreeMap<>();
        Map<String, String> actual = new TreeMap<>();
        for (Map.Entry<String, Path> path : paths.entrySet()) {
            expected.put(path.getKey(), path.getKey().contains("SELECT") ? "committed" : "stale");
            try (Connection connection = begin(fenced.getConnection(reader))) {
                try {
                    path.getValue().run(connection, reader, "A-" + path.getKey().length());
                    connection.commit();
                    actual.put(path.getKey(), "committed");
                } catch (StaleFenceTokenException e) {
                    connection.rollback();
                    actual.put(path.getKey(), "stale");
                }
            }
        }
        assertOutcomes(expected, actual);
        assertEquals(List.of("A1@1", "B@2"), WriteLog.entries(raw, name), "no write of the stale reader committed");
    }

    /**
     * Adversary: a lease converted in mid-transaction (its token and mode are live) is checked in its
     * new mode with its new token before the next statement; the commit re-verifies the new fence and
     * not the superseded old one. Up PR to EX, then down EX to PR.
     */
    void aLeaseConvertedInMidTransactionIsCheckedInItsNewModeAndToken() throws SQLException {
        String name = LeaseHolders.newLockName();
        ConvertibleLease converted = new ConvertibleLease(name, 1, PR);
        Lease otherReader = FixedLease.of(name, 2, PR);
        Lease laterReader = FixedLease.of(name, 5, PR);
        List<String> outcomes = new ArrayList<>();
        outcomes.add(run(fenced, converted, Access.WRITE, "P1"));
        outcomes.add(run(fenced, otherReader, Access.WRITE, "Q1"));
        try (Connection connection = begin(fenced.getConnection(converted))) {
            WriteLog.append(connection, converted, "P2"); // PR@1: passes, Q's PR@2 is compatible
            converted.convertTo(LockMode.EX, 3);
            WriteLog.append(connection, converted, "P3"); // EX@3: checked before this statement
            connection.commit();
            outcomes.add("converted up committed");
        }
        outcomes.add(run(fenced, otherReader, Access.WRITE, "Q2")); // EX@3 has written
        try (Connection connection = begin(fenced.getConnection(converted))) {
            WriteLog.append(connection, converted, "P4"); // EX@3
            converted.convertTo(PR, 4);
            count(connection, name); // PR@4 does not guard this read; the commit re-verifies EX@3
            connection.commit();
            outcomes.add("converted down committed");
        }
        outcomes.add(run(fenced, laterReader, Access.WRITE, "R1"));
        outcomes.add(run(fenced, converted, Access.WRITE, "P5")); // PR@4, compatible with R's PR@5
        assertEquals(
                List.of(
                        "committed",
                        "committed",
                        "converted up committed",
                        "stale",
                        "converted down committed",
                        "committed",
                        "committed"),
                outcomes);
        assertEquals(List.of("P1@1", "Q1@2", "P2@1", "P3@3", "P4@3", "R1@5", "P5@4"), WriteLog.entries(raw, name));
    }

    /**
     * Adversary: a savepoint rolled back after the check takes the guard update with it, and the row
     * lock too (PostgreSQL, H2, and InnoDB, whose lock on an updated row is the row's transaction id,
     * restored by the rollback). A newer incompatible holder then writes without waiting; the next
     * statement is checked again and rejected (under snapshot isolation as a conflict).
     */
    void aSavepointRolledBackAfterTheCheckLeavesTheNextStatementToBeCheckedAgain(ExecutorService executor)
            throws Exception {
        String name = LeaseHolders.newLockName();
        Lease reader = FixedLease.of(name, 1, PR);
        Lease writer = FixedLease.of(name, 2, LockMode.EX);
        List<String> outcomes = new ArrayList<>();
        outcomes.add("A1 " + run(fenced, reader, Access.WRITE, "A1"));
        try (Connection connection = begin(fenced.getConnection(reader))) {
            java.sql.Savepoint savepoint = connection.setSavepoint();
            WriteLog.append(connection, reader, "A2"); // checked: the guard row records PR@1, locked
            connection.rollback(savepoint);
            // Another thread: it would wait forever if the rollback had kept the guard row locked.
            Future<String> newer = executor.submit(() -> run(fenced, writer, Access.WRITE, "B"));
            outcomes.add("B " + newer.get(WAIT.toSeconds(), TimeUnit.SECONDS));
            try {
                WriteLog.append(connection, reader, "A3");
                connection.commit();
                outcomes.add("A3 committed");
            } catch (StaleFenceTokenException e) {
                connection.rollback();
                outcomes.add("A3 stale");
            } catch (FenceConflictException e) {
                connection.rollback();
                outcomes.add("A3 conflict");
            }
        }
        assertEquals(List.of("A1 committed", "B committed", snapshotConflicts ? "A3 conflict" : "A3 stale"), outcomes);
        assertEquals(List.of("A1@1", "B@2"), WriteLog.entries(raw, name));
    }

    /** A lease whose token and mode change when the test converts it, as a converted lease's do. */
    private static final class ConvertibleLease implements Lease {
        private volatile FixedLease current;

        ConvertibleLease(String name, long token, LockMode mode) {
            current = FixedLease.of(name, token, mode);
        }

        void convertTo(LockMode mode, long token) {
            current = FixedLease.of(current.name(), token, mode);
        }

        @Override
        public String name() {
            return current.name();
        }

        @Override
        public String owner() {
            return "convertible";
        }

        @Override
        public dev.txlease.FenceToken fenceToken() {
            return current.fenceToken();
        }

        @Override
        public LockMode mode() {
            return current.mode();
        }

        @Override
        public java.util.Optional<byte[]> data() {
            return java.util.Optional.empty();
        }

        @Override
        public Duration leaseDuration() {
            return current.leaseDuration();
        }

        @Override
        public boolean isValid() {
            return true;
        }

        @Override
        public Duration remaining() {
            return current.remaining();
        }

        @Override
        public dev.txlease.LeaseState state() {
            return current.state();
        }

        @Override
        public void close() {}
    }

    /**
     * A reader with fenced reads on, in a transaction started read-only with {@code
     * setReadOnly(true)} (as Spring's {@code @Transactional(readOnly = true)} does) or by SQL: rejected
     * once a newer incompatible holder passed the check, passes otherwise. Where the database keeps the
     * transaction read-only (PostgreSQL after {@code setReadOnly}, MariaDB by SQL) the check only reads
     * the guard row, so the read is not recorded and does not reject the older writer afterwards;
     * where the transaction can write (H2, MariaDB after {@code setReadOnly}: a hint there) it is
     * recorded as any fenced read. PostgreSQL by SQL: the driver cannot tell, the check fails (25006).
     */
    void aFencedReadInAReadOnlyTransactionIsCheckedAndRecordedOnlyIfTheDatabaseLetsIt(boolean bySql)
            throws SQLException {
        GuardDialect dialect;
        try (Connection connection = raw.getConnection()) {
            dialect = GuardDialect.detect(connection);
        }
        assumeTrue(!bySql || dialect != GuardDialect.H2, "H2 has no read-only transactions");
        String refused = "failed: 25006";
        boolean recorded = dialect == GuardDialect.H2 || (dialect == GuardDialect.MARIADB && !bySql);
        boolean fails = dialect == GuardDialect.POSTGRESQL && bySql;
        Map<String, String> expected = new TreeMap<>();
        Map<String, String> actual = new TreeMap<>();
        for (LockMode reader : List.of(CR, PR)) {
            for (LockMode later : List.of(CW, LockMode.EX)) {
                String name = LeaseHolders.newLockName();
                String pair = reader + " read-only" + (bySql ? " by SQL" : "") + ", then " + later;
                boolean incompatible = !reader.isCompatibleWith(later);
                expected.put(
                        pair,
                        fails
                                ? "first read " + refused + ", writer committed, old read " + refused + ", new read "
                                        + refused + ", old writer committed"
                                : "first read committed, writer committed, old read "
                                        + (incompatible ? "stale" : "committed")
                                        + ", new read committed, old writer "
                                        + (incompatible && recorded ? "stale" : "committed"));
                actual.put(
                        pair,
                        "first read " + readReadOnly(FixedLease.of(name, 1, reader), dialect, bySql) + ", writer "
                                + run(fencedReads, FixedLease.of(name, 2, later), Access.WRITE, "B") + ", old read "
                                + readReadOnly(FixedLease.of(name, 1, reader), dialect, bySql) + ", new read "
                                + readReadOnly(FixedLease.of(name, 3, reader), dialect, bySql) + ", old writer "
                                + run(fencedReads, FixedLease.of(name, 2, later), Access.WRITE, "B2"));
            }
        }
        assertOutcomes(expected, actual);
    }

    /**
     * Reads under a lease with fenced reads on, in a transaction started read-only: with {@code
     * setReadOnly(true)}, or by SQL (the session's transactions read-only, set before the lease is
     * bound).
     */
    private String readReadOnly(Lease lease, GuardDialect dialect, boolean bySql) throws SQLException {
        String session = dialect == GuardDialect.POSTGRESQL
                ? "SET SESSION CHARACTERISTICS AS TRANSACTION READ "
                : "SET SESSION TRANSACTION READ ";
        try (Connection connection = fencedReads.getConnection();
                Statement statement = connection.createStatement()) {
            if (bySql) {
                statement.execute(session + "ONLY");
            } else {
                connection.setReadOnly(true);
            }
            begin(connection);
            try (LeaseBinding binding = LeaseBinding.bind(lease)) {
                count(connection, lease.name());
                connection.commit();
                return "committed";
            } catch (StaleFenceTokenException e) {
                connection.rollback();
                return "stale";
            } catch (SQLException e) {
                connection.rollback();
                return "failed: " + e.getSQLState();
            } finally {
                connection.setAutoCommit(true);
                if (bySql) {
                    statement.execute(session + "WRITE");
                } else {
                    connection.setReadOnly(false);
                }
            }
        }
    }

    /** Writes under a lease in its own transaction, retrying once after a conflict. */
    private List<String> writeRetryingConflicts(Lease lease, String writer) throws SQLException {
        List<String> outcomes = new ArrayList<>();
        for (int attempt = 0; attempt < 2; attempt++) {
            String outcome = run(fencedReads, lease, Access.WRITE, writer);
            outcomes.add(outcome);
            if (!outcome.equals("conflict")) {
                break;
            }
        }
        return outcomes;
    }

    /**
     * Runs one transaction of a holder that reads (a query through {@code executeQuery}) or writes
     * (an insert into the write log), and returns what it came to: {@code committed}, {@code stale}
     * or {@code conflict}.
     */
    String run(FencedDataSource dataSource, Lease lease, Access access, String writer) throws SQLException {
        try (Connection connection = begin(dataSource.getConnection(lease))) {
            try {
                if (access == Access.WRITE) {
                    WriteLog.append(connection, lease, writer);
                } else {
                    count(connection, lease.name());
                }
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

    static boolean isWriteMode(LockMode mode) {
        return mode == CW || mode == PW || mode == LockMode.EX;
    }

    private Connection begin(Connection connection) throws SQLException {
        connection.setTransactionIsolation(isolation);
        connection.setAutoCommit(false);
        return connection;
    }

    private static long count(Connection connection, String name) throws SQLException {
        try (PreparedStatement select =
                connection.prepareStatement("SELECT COUNT(*) FROM " + WriteLog.TABLE + " WHERE lock_name = ?")) {
            select.setString(1, name);
            try (ResultSet rows = select.executeQuery()) {
                rows.next();
                return rows.getLong(1);
            }
        }
    }
}
