package dev.txlease.jdbc.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.txlease.FenceToken;
import dev.txlease.LockMode;
import dev.txlease.jdbc.GuardDialect;
import dev.txlease.jdbc.GuardTable;
import dev.txlease.jdbc.testing.Databases;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;

/**
 * {@link GuardTableAudit} reads back exactly what the fence checks wrote (names included, whatever
 * the dialect stores them as) and refuses the tables the fenced data source refuses.
 */
class GuardTableAuditTest {
    /** Lock names that a case- or space-insensitive or a non-UTF-8 column would mangle. */
    private static final Map<String, Long> WRITTEN = Map.of("orders", 7L, "Orders", 9L, "ördérs ", 11L);

    @Test
    void readsWhatFenceChecksWroteOnH2() throws SQLException {
        readsWhatFenceChecksWrote(Databases.h2("audit-" + UUID.randomUUID()), GuardDialect.H2);
    }

    @Test
    void readsWhatFenceChecksWroteOnPostgres() throws SQLException {
        readsWhatFenceChecksWrote(Databases.postgres(), GuardDialect.POSTGRESQL);
    }

    @Test
    void readsWhatFenceChecksWroteOnMariaDb() throws SQLException {
        readsWhatFenceChecksWrote(Databases.mariadb(), GuardDialect.MARIADB);
    }

    @Test
    void aTableCreatedBeforeLockModesIsReadWithItsTokenColumnAndItsMissingModeColumns() throws SQLException {
        DataSource h2 = Databases.h2("audit-" + UUID.randomUUID());
        execute(h2, "CREATE TABLE old_guard (name VARCHAR(255) NOT NULL PRIMARY KEY, token BIGINT NOT NULL)");
        execute(h2, "INSERT INTO old_guard (name, token) VALUES ('orders', 7)");
        try (Connection connection = h2.getConnection()) {
            GuardTableAudit.Contents contents = GuardTableAudit.read(connection, GuardTable.named("old_guard"));

            assertEquals(Map.of("orders", 7L), contents.tokens());
            assertEquals(Map.of("orders", LockMode.EX), contents.modes());
            assertEquals(GuardColumns.MODE_COLUMNS, contents.missingModeColumns());
        }
    }

    @Test
    void aMissingOrKeylessTableIsUnfitAndSaysSo() throws SQLException {
        DataSource h2 = Databases.h2("audit-" + UUID.randomUUID());
        execute(h2, "CREATE TABLE keyless (name VARCHAR(255) NOT NULL, token BIGINT NOT NULL)");
        try (Connection connection = h2.getConnection()) {
            SQLException missing =
                    assertThrows(SQLException.class, () -> GuardTableAudit.read(connection, GuardTable.defaultTable()));
            SQLException keyless = assertThrows(
                    SQLException.class, () -> GuardTableAudit.read(connection, GuardTable.named("keyless")));

            assertTrue(GuardTableAudit.isUnfitTable(missing), missing.toString());
            assertTrue(
                    missing.getMessage().startsWith("Guard table txlease_fence does not exist"), missing.getMessage());
            assertTrue(GuardTableAudit.isUnfitTable(keyless), keyless.toString());
            assertTrue(keyless.getMessage().contains("its primary key is missing"), keyless.getMessage());
            assertFalse(GuardTableAudit.isUnfitTable(new SQLException("connection reset", "08006")));
        }
    }

    private static void readsWhatFenceChecksWrote(DataSource dataSource, GuardDialect dialect) throws SQLException {
        GuardTable table = GuardTable.named(
                "audit_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12));
        table.createIfAbsent(dataSource, dialect);
        try {
            GuardStatements statements = new GuardStatements(table, dialect);
            try (Connection connection = dataSource.getConnection()) {
                connection.setAutoCommit(false);
                for (Map.Entry<String, Long> written : WRITTEN.entrySet()) {
                    statements.check(connection, written.getKey(), FenceToken.of(written.getValue()));
                }
                // Lock modes: the highest token over every mode column, and its mode.
                statements.check(connection, "shared", FenceToken.of(5), LockMode.CW);
                statements.check(connection, "shared", FenceToken.of(6), LockMode.PR);
                statements.check(connection, "shared", FenceToken.of(4), LockMode.CR);
                connection.commit();
            }

            GuardTableAudit.Contents contents;
            try (Connection connection = dataSource.getConnection()) {
                contents = GuardTableAudit.read(connection, table);
            }

            assertEquals(dialect, contents.dialect());
            Map<String, Long> expected = new TreeMap<>(WRITTEN);
            expected.put("shared", 6L);
            assertEquals(expected, contents.tokens());
            assertEquals(LockMode.PR, contents.modes().get("shared"));
            assertEquals(LockMode.EX, contents.modes().get("orders"));
            assertEquals(List.of(), contents.missingModeColumns());
            assertTrue(contents.resolvedTable().toLowerCase().contains(table.name()), contents.resolvedTable());
        } finally {
            execute(dataSource, "DROP TABLE " + table.name());
        }
    }

    private static void execute(DataSource dataSource, String sql) throws SQLException {
        try (Connection connection = dataSource.getConnection();
                Statement statement = connection.createStatement()) {
            statement.execute(sql);
        }
    }
}
