package dev.txlease.jdbc;

import static dev.txlease.LockMode.CR;
import static dev.txlease.LockMode.CW;
import static dev.txlease.LockMode.PR;
import static dev.txlease.LockMode.PW;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.txlease.Lease;
import dev.txlease.LockMode;
import dev.txlease.jdbc.testing.FixedLease;
import dev.txlease.jdbc.testing.LeaseHolders;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
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
                assertEquals("committed", run(fencedReads, creator, Access.WRITE, "creator"));
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
                assertEquals(
                        List.of("creator@1", "first@" + first.fenceToken(), "second@" + second.fenceToken()),
                        WriteLog.entries(raw, name),
                        pair);
            }
        }
        assertOutcomes(expected, actual);
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
