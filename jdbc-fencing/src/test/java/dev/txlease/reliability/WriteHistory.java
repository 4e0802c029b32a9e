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
 *       sequence numbers are exactly 1..n.
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
            statement.execute("CREATE TABLE " + history + " (lock_name VARCHAR(255) NOT NULL, seq BIGINT NOT NULL, "
                    + "fence BIGINT NOT NULL, writer VARCHAR(100) NOT NULL)"); // no key: duplicates must reach
            // the checker
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

    /**
     * Checks the committed history.
     *
     * @return the verdict: the number of committed writes per lock and every violation found
     */
    public Verdict check(DataSource dataSource) throws SQLException {
        Map<String, Long> writes = new LinkedHashMap<>();
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
            }
        }
        for (Map.Entry<String, Long> entry : writes.entrySet()) {
            long counter = counter(dataSource, entry.getKey());
            if (counter != entry.getValue()) {
                violations.add(entry.getKey() + ": counter is " + counter + " but " + entry.getValue()
                        + " increments committed (lost update)");
            }
        }
        return new Verdict(writes, violations);
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
    }
}
