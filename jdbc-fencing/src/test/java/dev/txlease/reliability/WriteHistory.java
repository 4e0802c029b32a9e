package dev.txlease.reliability;

import dev.txlease.LockMode;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import javax.sql.DataSource;

/**
 * The oracle of the reliability suite: every fenced write increments a per-lock counter by
 * read-modify-write (which loses updates unless writers are really mutually exclusive) and appends
 * {@code (lock, seq, fence, writer)} to a history table, in the same database transaction.
 *
 * <p>{@link #check} then asserts, per lock, in commit order ({@code seq} is the counter value the
 * write produced, so it follows the order in which writers held the counter row):
 *
 * <ul>
 *   <li>committed fences never decrease across incompatible lock modes: no write carries a fence
 *       lower than one committed before it in a mode incompatible with its own (for exclusive
 *       writers, the only ones before issue 16: no write carries a fence lower than one committed
 *       before it); compatible holders (CW with CW, anything with CR or NL but EX with CR) may commit
 *       in any fence order;
 *   <li>no lost update: the counter equals the number of committed increments, and the history's
 *       sequence numbers are exactly 1..n;
 *   <li>with {@link #check(DataSource, String)}: the guard table's token of the lock in each write
 *       mode (EX, PW, CW) equals the highest fence committed in that mode (a fence check that
 *       committed without its write, or a write that committed without its check, shows here); in a
 *       read mode (CR, PR, whose fenced reads pass the check without writing) it is at least that.
 * </ul>
 *
 * <p>Thread-safe (stateless apart from table names).
 */
public final class WriteHistory {
    private final String history;
    private final String counters;

    /** Uses tables named {@code <prefix>_history} and {@code <prefix>_counters}. */
    public WriteHistory(String prefix) {
        this.history = prefix + "_history";
        this.counters = prefix + "_counters";
    }

    /** Drops and creates both tables (portable SQL for H2, PostgreSQL and MariaDB). */
    public void recreate(DataSource dataSource) throws SQLException {
        try (Connection connection = dataSource.getConnection();
                Statement statement = connection.createStatement()) {
            connection.setAutoCommit(true);
            statement.execute("DROP TABLE IF EXISTS " + history);
            statement.execute("DROP TABLE IF EXISTS " + counters);
            statement.execute("CREATE TABLE " + counters
                    + " (lock_name VARCHAR(255) PRIMARY KEY, counter_value BIGINT NOT NULL)");
            // no key on the history: duplicated sequence numbers must reach the checker
            statement.execute("CREATE TABLE " + history + " (lock_name VARCHAR(255) NOT NULL, seq BIGINT NOT NULL, "
                    + "fence BIGINT NOT NULL, writer VARCHAR(100) NOT NULL, lock_mode VARCHAR(2) NOT NULL)");
        }
    }

    /** Creates the counter row of {@code lock} at zero. */
    public void addLock(DataSource dataSource, String lock) throws SQLException {
        try (Connection connection = dataSource.getConnection();
                PreparedStatement insert = connection.prepareStatement(
                        "INSERT INTO " + counters + " (lock_name, counter_value) VALUES (?, 0)")) {
            connection.setAutoCommit(true);
            insert.setString(1, lock);
            insert.executeUpdate();
        }
    }

    /**
     * Reads the counter, writes it plus one and appends the history row, on {@code connection} in its
     * current transaction (the caller commits).
     *
     * @return the new counter value
     */
    public long increment(Connection connection, String lock, long fence, String writer) throws SQLException {
        return increment(connection, lock, fence, LockMode.EX, writer);
    }

    /**
     * Reads the counter, writes it plus one and appends the history row with the writer's lock mode,
     * on {@code connection} in its current transaction (the caller commits).
     *
     * @return the new counter value
     */
    public long increment(Connection connection, String lock, long fence, LockMode mode, String writer)
            throws SQLException {
        long current;
        try (PreparedStatement read =
                connection.prepareStatement("SELECT counter_value FROM " + counters + " WHERE lock_name = ?")) {
            read.setString(1, lock);
            try (ResultSet row = read.executeQuery()) {
                if (!row.next()) {
                    throw new SQLException("no counter row for lock '" + lock + "'; call addLock first");
                }
                current = row.getLong(1);
            }
        }
        long next = current + 1;
        try (PreparedStatement write =
                connection.prepareStatement("UPDATE " + counters + " SET counter_value = ? WHERE lock_name = ?")) {
            write.setLong(1, next);
            write.setString(2, lock);
            write.executeUpdate();
        }
        try (PreparedStatement append = connection.prepareStatement(
                "INSERT INTO " + history + " (lock_name, seq, fence, writer, lock_mode) VALUES (?, ?, ?, ?, ?)")) {
            append.setString(1, lock);
            append.setLong(2, next);
            append.setLong(3, fence);
            append.setString(4, writer);
            append.setString(5, mode.name());
            append.executeUpdate();
        }
        return next;
    }

    /** Reads the counter of {@code lock} on {@code connection}, in its current transaction. */
    public long read(Connection connection, String lock) throws SQLException {
        try (PreparedStatement read =
                connection.prepareStatement("SELECT counter_value FROM " + counters + " WHERE lock_name = ?")) {
            read.setString(1, lock);
            try (ResultSet row = read.executeQuery()) {
                return row.next() ? row.getLong(1) : 0;
            }
        }
    }

    /**
     * Returns whether a write with a fence above {@code fence}, in a mode incompatible with {@code
     * mode}, has committed for {@code lock}: a holder of ({@code fence}, {@code mode}) is superseded
     * in the database's eyes.
     */
    public boolean newerIncompatibleWrite(DataSource dataSource, String lock, long fence, LockMode mode)
            throws SQLException {
        for (Write write : writes(dataSource, lock)) {
            if (write.fence() > fence && !write.mode().isCompatibleWith(mode)) {
                return true;
            }
        }
        return false;
    }

    /** Returns the committed counter of {@code lock}. */
    public long counter(DataSource dataSource, String lock) throws SQLException {
        try (Connection connection = dataSource.getConnection();
                PreparedStatement read =
                        connection.prepareStatement("SELECT counter_value FROM " + counters + " WHERE lock_name = ?")) {
            read.setString(1, lock);
            try (ResultSet row = read.executeQuery()) {
                return row.next() ? row.getLong(1) : 0;
            }
        }
    }

    /** Returns the committed writes of {@code lock}, in commit order. */
    public List<Write> writes(DataSource dataSource, String lock) throws SQLException {
        List<Write> writes = new ArrayList<>();
        try (Connection connection = dataSource.getConnection();
                PreparedStatement select = connection.prepareStatement(
                        "SELECT seq, fence, writer, lock_mode FROM " + history + " WHERE lock_name = ? ORDER BY seq")) {
            select.setString(1, lock);
            try (ResultSet rows = select.executeQuery()) {
                while (rows.next()) {
                    writes.add(new Write(
                            rows.getLong(1), rows.getLong(2), rows.getString(3), LockMode.valueOf(rows.getString(4))));
                }
            }
        }
        return writes;
    }

    /** Returns the highest committed fence of {@code lock}, 0 if none. */
    public long highestFence(DataSource dataSource, String lock) throws SQLException {
        try (Connection connection = dataSource.getConnection();
                PreparedStatement select = connection.prepareStatement(
                        "SELECT COALESCE(MAX(fence), 0) FROM " + history + " WHERE lock_name = ?")) {
            select.setString(1, lock);
            try (ResultSet row = select.executeQuery()) {
                row.next();
                return row.getLong(1);
            }
        }
    }

    /**
     * Checks the committed history.
     *
     * @return the verdict: the number of committed writes per lock and every violation found
     */
    public Verdict check(DataSource dataSource) throws SQLException {
        return check(dataSource, null);
    }

    /**
     * Checks the committed history, and that the guard table {@code guardTable} holds the highest
     * committed fence of each lock.
     *
     * @param guardTable the fenced data source's guard table, or {@code null} to skip that check
     * @return the verdict
     */
    public Verdict check(DataSource dataSource, String guardTable) throws SQLException {
        Map<String, Long> writes = new LinkedHashMap<>();
        Map<String, Map<LockMode, Long>> highest = new LinkedHashMap<>();
        List<String> violations = new ArrayList<>();
        try (Connection connection = dataSource.getConnection();
                Statement statement = connection.createStatement();
                ResultSet rows = statement.executeQuery("SELECT lock_name, seq, fence, writer, lock_mode FROM "
                        + history + " ORDER BY lock_name, seq")) {
            String lock = null;
            long expectedSeq = 0;
            Map<LockMode, Write> newest = new EnumMap<>(LockMode.class); // per mode, the highest fence so far
            while (rows.next()) {
                String rowLock = rows.getString(1);
                if (!rowLock.equals(lock)) {
                    lock = rowLock;
                    expectedSeq = 0;
                    newest = new EnumMap<>(LockMode.class);
                    highest.put(lock, new EnumMap<>(LockMode.class));
                }
                Write write = new Write(
                        rows.getLong(2), rows.getLong(3), rows.getString(4), LockMode.valueOf(rows.getString(5)));
                expectedSeq++;
                if (write.seq() != expectedSeq) {
                    violations.add(lock + ": history seq " + write.seq() + " where " + expectedSeq
                            + " was due (lost or duplicated update)");
                    expectedSeq = write.seq();
                }
                Write overtaken = newestIncompatible(newest, write);
                if (overtaken != null) {
                    violations.add(lock + ": seq " + write.seq() + " by " + write.writer() + " committed fence "
                            + write.fence() + " after fence " + overtaken.fence() + " by " + overtaken.writer()
                            + " (" + write.mode() + " after " + overtaken.mode() + ", incompatible)");
                }
                newest.merge(write.mode(), write, (one, other) -> other.fence() > one.fence() ? other : one);
                highest.get(lock).merge(write.mode(), write.fence(), Math::max);
                writes.merge(lock, 1L, Long::sum);
            }
        }
        for (Map.Entry<String, Long> entry : writes.entrySet()) {
            long counter = counter(dataSource, entry.getKey());
            if (counter != entry.getValue()) {
                violations.add(entry.getKey() + ": counter is " + counter + " but " + entry.getValue()
                        + " increments committed (lost update)");
            }
            if (guardTable != null) {
                for (Map.Entry<LockMode, Long> mode :
                        highest.get(entry.getKey()).entrySet()) {
                    if (mode.getKey() == LockMode.NL) {
                        continue; // never checked
                    }
                    long guard = guardToken(dataSource, guardTable, entry.getKey(), mode.getKey());
                    // Readers' checks (fenced reads) pass without a write: their column may be ahead.
                    boolean readMode = mode.getKey() == LockMode.CR || mode.getKey() == LockMode.PR;
                    if (readMode ? guard < mode.getValue() : guard != mode.getValue()) {
                        violations.add(entry.getKey() + ": guard table " + guardTable + " holds token " + guard
                                + " for mode " + mode.getKey() + " but the highest committed fence in that mode is "
                                + mode.getValue());
                    }
                }
            }
        }
        return new Verdict(writes, violations);
    }

    /**
     * Returns the write of the highest fence above {@code write}'s among the modes incompatible with
     * its own, or {@code null}.
     */
    private static Write newestIncompatible(Map<LockMode, Write> newest, Write write) {
        Write overtaken = null;
        for (Write other : newest.values()) {
            if (!other.mode().isCompatibleWith(write.mode())
                    && other.fence() > write.fence()
                    && (overtaken == null || other.fence() > overtaken.fence())) {
                overtaken = other;
            }
        }
        return overtaken;
    }

    /** Returns the token the guard table holds for {@code lock} in mode EX, 0 if it has no row. */
    public static long guardToken(DataSource dataSource, String guardTable, String lock) throws SQLException {
        return guardToken(dataSource, guardTable, lock, LockMode.EX);
    }

    /** Returns the token the guard table holds for {@code lock} in {@code mode}, 0 if it has no row. */
    public static long guardToken(DataSource dataSource, String guardTable, String lock, LockMode mode)
            throws SQLException {
        String column = mode == LockMode.EX ? "token" : mode.name().toLowerCase(Locale.ROOT) + "_token";
        try (Connection connection = dataSource.getConnection();
                PreparedStatement select =
                        connection.prepareStatement("SELECT " + column + " FROM " + guardTable + " WHERE name = ?")) {
            select.setString(1, lock);
            try (ResultSet row = select.executeQuery()) {
                return row.next() ? row.getLong(1) : 0;
            }
        }
    }

    /** One committed write: the counter value it produced, its fence, its writer and its lock mode. */
    public record Write(long seq, long fence, String writer, LockMode mode) {
        /** An exclusive writer's write. */
        public Write(long seq, long fence, String writer) {
            this(seq, fence, writer, LockMode.EX);
        }
    }

    /** The outcome of {@link #check}. */
    public record Verdict(Map<String, Long> committedWrites, List<String> violations) {
        /** Returns whether no violation was found. */
        public boolean isSafe() {
            return violations.isEmpty();
        }

        /** Returns the committed writes of {@code lock}. */
        public long writes(String lock) {
            return committedWrites.getOrDefault(lock, 0L);
        }

        /** Throws an {@link AssertionError} listing the violations, if there are any. */
        public void assertSafe() {
            if (!isSafe()) {
                throw new AssertionError("history checker found " + violations.size() + " violation(s): "
                        + String.join("; ", violations));
            }
        }
    }
}
