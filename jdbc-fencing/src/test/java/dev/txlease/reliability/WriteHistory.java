package dev.txlease.reliability;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
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
 *   <li>committed fences never decrease: no write carries a fence lower than one committed before
 *       it;
 *   <li>no lost update: the counter equals the number of committed increments, and the history's
 *       sequence numbers are exactly 1..n;
 *   <li>with {@link #check(DataSource, String)}: the guard table's token of the lock equals the
 *       highest committed fence (a fence check that committed without its write, or a write that
 *       committed without its check, shows here).
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
                    + "fence BIGINT NOT NULL, writer VARCHAR(100) NOT NULL)");
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
                "INSERT INTO " + history + " (lock_name, seq, fence, writer) VALUES (?, ?, ?, ?)")) {
            append.setString(1, lock);
            append.setLong(2, next);
            append.setLong(3, fence);
            append.setString(4, writer);
            append.executeUpdate();
        }
        return next;
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
                        "SELECT seq, fence, writer FROM " + history + " WHERE lock_name = ? ORDER BY seq")) {
            select.setString(1, lock);
            try (ResultSet rows = select.executeQuery()) {
                while (rows.next()) {
                    writes.add(new Write(rows.getLong(1), rows.getLong(2), rows.getString(3)));
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
        Map<String, Long> highest = new LinkedHashMap<>();
        List<String> violations = new ArrayList<>();
        try (Connection connection = dataSource.getConnection();
                Statement statement = connection.createStatement();
                ResultSet rows = statement.executeQuery(
                        "SELECT lock_name, seq, fence, writer FROM " + history + " ORDER BY lock_name, seq")) {
            String lock = null;
            long expectedSeq = 0;
            long lastFence = 0;
            String lastWriter = null;
            while (rows.next()) {
                String rowLock = rows.getString(1);
                if (!rowLock.equals(lock)) {
                    lock = rowLock;
                    expectedSeq = 0;
                    lastFence = 0;
                }
                long seq = rows.getLong(2);
                long fence = rows.getLong(3);
                String writer = rows.getString(4);
                expectedSeq++;
                if (seq != expectedSeq) {
                    violations.add(lock + ": history seq " + seq + " where " + expectedSeq
                            + " was due (lost or duplicated update)");
                    expectedSeq = seq;
                }
                if (fence < lastFence) {
                    violations.add(lock + ": seq " + seq + " by " + writer + " committed fence " + fence
                            + " after fence " + lastFence + " by " + lastWriter);
                }
                lastFence = Math.max(lastFence, fence);
                lastWriter = writer;
                writes.merge(lock, 1L, Long::sum);
                highest.put(lock, lastFence);
            }
        }
        for (Map.Entry<String, Long> entry : writes.entrySet()) {
            long counter = counter(dataSource, entry.getKey());
            if (counter != entry.getValue()) {
                violations.add(entry.getKey() + ": counter is " + counter + " but " + entry.getValue()
                        + " increments committed (lost update)");
            }
            if (guardTable != null) {
                long guard = guardToken(dataSource, guardTable, entry.getKey());
                if (guard != highest.get(entry.getKey())) {
                    violations.add(entry.getKey() + ": guard table " + guardTable + " holds token " + guard
                            + " but the highest committed fence is " + highest.get(entry.getKey()));
                }
            }
        }
        return new Verdict(writes, violations);
    }

    /** Returns the token the guard table holds for {@code lock}, 0 if it has no row. */
    public static long guardToken(DataSource dataSource, String guardTable, String lock) throws SQLException {
        try (Connection connection = dataSource.getConnection();
                PreparedStatement select =
                        connection.prepareStatement("SELECT token FROM " + guardTable + " WHERE name = ?")) {
            select.setString(1, lock);
            try (ResultSet row = select.executeQuery()) {
                return row.next() ? row.getLong(1) : 0;
            }
        }
    }

    /** One committed write: the counter value it produced, its fence and its writer. */
    public record Write(long seq, long fence, String writer) {}

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
