package dev.txlease.reliability;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.txlease.LockMode;
import java.sql.Connection;
import java.sql.Statement;
import java.util.List;
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

    private void write(long fence, LockMode mode, String writer) throws Exception {
        try (Connection connection = dataSource.getConnection()) {
            connection.setAutoCommit(false);
            history.increment(connection, "a", fence, mode, writer);
            connection.commit();
        }
    }

    /** Issue 16: compatible holders may commit in any fence order; the modes are kept. */
    @Test
    void compatibleWritesOutOfFenceOrderAreSafe() throws Exception {
        write(1, LockMode.EX, "ex1");
        write(3, LockMode.CW, "cw3");
        write(2, LockMode.CW, "cw2");
        write(4, LockMode.CR, "cr4");
        write(3, LockMode.CW, "cw3");
        write(5, LockMode.NL, "nl5");
        write(1, LockMode.NL, "nl1");
        WriteHistory.Verdict verdict = history.check(dataSource);
        assertTrue(verdict.isSafe(), verdict.violations().toString());
        assertEquals(7, verdict.writes("a"));
        assertEquals(
                List.of(LockMode.EX, LockMode.CW, LockMode.CW, LockMode.CR, LockMode.CW, LockMode.NL, LockMode.NL),
                history.writes(dataSource, "a").stream()
                        .map(WriteHistory.Write::mode)
                        .toList());
    }

    /** Issue 16: a write after an incompatible write with a higher fence is a violation, naming both. */
    @Test
    void anIncompatibleLowerFenceAfterAHigherOneIsAViolation() throws Exception {
        write(3, LockMode.CW, "cw3");
        write(2, LockMode.CW, "cw2"); // compatible: fine
        write(1, LockMode.PW, "pw1"); // incompatible with CW@3
        write(4, LockMode.CR, "cr4");
        write(3, LockMode.EX, "ex3"); // incompatible with CR@4
        WriteHistory.Verdict verdict = history.check(dataSource);
        assertEquals(2, verdict.violations().size(), verdict.violations().toString());
        assertTrue(
                verdict.violations().get(0).contains("fence 1 after fence 3 by cw3 (PW after CW"),
                verdict.violations().toString());
        assertTrue(
                verdict.violations().get(1).contains("fence 3 after fence 4 by cr4 (EX after CR"),
                verdict.violations().toString());
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
