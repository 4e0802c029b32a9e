package dev.txlease.reliability;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.sql.Connection;
import java.sql.Statement;
import org.h2.jdbcx.JdbcDataSource;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The checker must catch what it exists to catch: lower fences after higher ones, lost updates. */
class WriteHistoryTest {
    private final WriteHistory history = new WriteHistory("checker");
    private JdbcDataSource dataSource;

    @BeforeEach
    void database() throws Exception {
        dataSource = new JdbcDataSource();
        dataSource.setURL("jdbc:h2:mem:checker;DB_CLOSE_DELAY=-1");
        history.recreate(dataSource);
        history.addLock(dataSource, "a");
    }

    private void write(long fence, String writer) throws Exception {
        try (Connection connection = dataSource.getConnection()) {
            connection.setAutoCommit(false);
            history.increment(connection, "a", fence, writer);
            connection.commit();
        }
    }

    @Test
    void monotoneHistoryIsSafe() throws Exception {
        write(1, "w1");
        write(1, "w1");
        write(2, "w2");
        WriteHistory.Verdict verdict = history.check(dataSource);
        assertTrue(verdict.isSafe(), verdict.violations().toString());
        assertEquals(3, verdict.writes("a"));
    }

    @Test
    void lowerFenceAfterHigherIsAViolation() throws Exception {
        write(2, "w2");
        write(1, "w1");
        WriteHistory.Verdict verdict = history.check(dataSource);
        assertFalse(verdict.isSafe());
        assertTrue(
                verdict.violations().get(0).contains("fence 1 after fence 2"),
                verdict.violations().toString());
    }

    @Test
    void lostUpdateIsAViolation() throws Exception {
        write(1, "w1");
        try (Connection connection = dataSource.getConnection();
                Statement statement = connection.createStatement()) {
            statement.executeUpdate("UPDATE checker_counters SET counter_value = 0"); // a writer overwrote it
        }
        write(2, "w2");
        WriteHistory.Verdict verdict = history.check(dataSource);
        assertFalse(verdict.isSafe(), "a lost update went unnoticed");
    }
}
