package dev.txlease.jdbc.internal;

import dev.txlease.jdbc.GuardDialect;
import dev.txlease.jdbc.GuardTable;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Collections;
import java.util.Objects;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * Reads a whole guard table for an operator's tool ({@code txlease guard check}): checks it exactly
 * as a fenced data source does before its first fence check ({@link GuardTableInspector}), then
 * returns the highest token of every lock name. Not API.
 *
 * <p>Stateless and thread-safe.
 */
public final class GuardTableAudit {
    private GuardTableAudit() {}

    /**
     * What a guard table holds.
     *
     * @param dialect the database's dialect
     * @param resolvedTable the schema-qualified, quoted name the table resolved to
     * @param tokens the highest token that has written, per lock name, sorted by name
     */
    public record Contents(GuardDialect dialect, String resolvedTable, SortedMap<String, Long> tokens) {
        /** Copies the tokens. */
        public Contents {
            Objects.requireNonNull(dialect, "dialect must not be null");
            Objects.requireNonNull(resolvedTable, "resolvedTable must not be null");
            tokens = Collections.unmodifiableSortedMap(new TreeMap<>(tokens));
        }
    }

    /**
     * Whether a failure of {@link #read} says that the table is missing or cannot fence (rather than
     * that the database failed): the SQLStates {@link GuardTableInspector} gives those.
     *
     * @param failure what {@link #read} threw
     * @return {@code true} if the table is missing or unfit
     */
    public static boolean isUnfitTable(SQLException failure) {
        return "42S02".equals(failure.getSQLState()) || "42000".equals(failure.getSQLState());
    }

    /**
     * Detects the dialect, resolves and checks the guard table, and reads every row, on the
     * connection's current transaction settings (one plain {@code SELECT}, no locks taken).
     *
     * @param connection an open connection to the database of the guard table
     * @param table the guard table, as the applications configure it
     * @return the table's contents
     * @throws java.sql.SQLFeatureNotSupportedException if the database is not supported
     * @throws SQLException if the table is missing or cannot fence ({@link #isUnfitTable}), or the
     *     database failed
     */
    public static Contents read(Connection connection, GuardTable table) throws SQLException {
        GuardDialect dialect = GuardDialect.detect(connection);
        String resolved = GuardTableInspector.resolve(connection, table, dialect);
        SortedMap<String, Long> tokens = new TreeMap<>();
        try (Statement statement = connection.createStatement();
                ResultSet rows = statement.executeQuery("SELECT name, token FROM " + resolved)) {
            while (rows.next()) {
                tokens.put(name(rows, dialect), rows.getLong(2));
            }
        }
        return new Contents(dialect, resolved, tokens);
    }

    /** MariaDB/MySQL keep the name as its UTF-8 bytes (VARBINARY), as the guard statements wrote it. */
    private static String name(ResultSet rows, GuardDialect dialect) throws SQLException {
        if (dialect == GuardDialect.MARIADB) {
            return new String(rows.getBytes(1), StandardCharsets.UTF_8);
        }
        return rows.getString(1);
    }
}
