package dev.txlease.jdbc.internal;

import dev.txlease.LockMode;
import dev.txlease.jdbc.GuardDialect;
import dev.txlease.jdbc.GuardTable;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Objects;
import java.util.SortedMap;
import java.util.StringJoiner;
import java.util.TreeMap;

/**
 * Reads a whole guard table for an operator's tool ({@code txlease guard check}): checks it exactly
 * as a fenced data source does before its first fence check ({@link GuardTableInspector}), then
 * returns the highest token of every lock name over the token columns of every mode it has ({@link
 * GuardColumns}), and the mode columns it lacks. Not API.
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
     * @param tokens the highest token that has written in any mode, per lock name, sorted by name
     * @param modes the mode whose column holds that highest token, per lock name ({@link LockMode#EX}
     *     for {@code token}, and when every column is 0)
     * @param missingModeColumns the lock mode columns the table lacks ({@link GuardColumns#MODE_COLUMNS}
     *     order); a table without them fences EX holders only
     */
    public record Contents(
            GuardDialect dialect,
            String resolvedTable,
            SortedMap<String, Long> tokens,
            SortedMap<String, LockMode> modes,
            List<String> missingModeColumns) {
        /** Copies the tokens, modes and columns. */
        public Contents {
            Objects.requireNonNull(dialect, "dialect must not be null");
            Objects.requireNonNull(resolvedTable, "resolvedTable must not be null");
            tokens = Collections.unmodifiableSortedMap(new TreeMap<>(tokens));
            modes = Collections.unmodifiableSortedMap(new TreeMap<>(modes));
            missingModeColumns = List.copyOf(missingModeColumns);
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
     * Detects the dialect, resolves and checks the guard table, and reads every row (its token in every
     * mode column the table has), on the
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
        GuardTableInspector.Resolution resolution = GuardTableInspector.resolve(connection, table, dialect);
        List<LockMode> modes = new ArrayList<>();
        for (LockMode mode : GuardColumns.CHECKED_MODES) {
            if (!resolution.missingModeColumns().contains(GuardColumns.column(mode))) {
                modes.add(mode);
            }
        }
        modes.remove(LockMode.EX);
        modes.add(0, LockMode.EX); // 'token' first: an all-zero row counts as EX
        StringJoiner columns = new StringJoiner(", ", "SELECT name, ", " FROM " + resolution.qualifiedName());
        modes.forEach(mode -> columns.add(GuardColumns.column(mode)));
        SortedMap<String, Long> tokens = new TreeMap<>();
        SortedMap<String, LockMode> highest = new TreeMap<>();
        try (Statement statement = connection.createStatement();
                ResultSet rows = statement.executeQuery(columns.toString())) {
            while (rows.next()) {
                String name = name(rows, dialect);
                for (int i = 0; i < modes.size(); i++) {
                    long token = rows.getLong(i + 2);
                    if (i == 0 || token > tokens.get(name)) {
                        tokens.put(name, token);
                        highest.put(name, modes.get(i));
                    }
                }
            }
        }
        return new Contents(dialect, resolution.qualifiedName(), tokens, highest, resolution.missingModeColumns());
    }

    /** MariaDB/MySQL keep the name as its UTF-8 bytes (VARBINARY), as the guard statements wrote it. */
    private static String name(ResultSet rows, GuardDialect dialect) throws SQLException {
        if (dialect == GuardDialect.MARIADB) {
            return new String(rows.getBytes(1), StandardCharsets.UTF_8);
        }
        return rows.getString(1);
    }
}
