package dev.txlease.jdbc.internal;

import dev.txlease.LockMode;
import dev.txlease.jdbc.GuardDialect;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * The guard statements for one resolved guard table: per checked mode, the conditional update and
 * (MariaDB/MySQL) the insert-or-raise; and the insert-if-absent and locking read shared by all modes.
 *
 * <p>The update for mode {@code m}, column {@code c}, token {@code t}: {@code UPDATE guard SET c =
 * GREATEST(c, t) WHERE name = n AND i <= t} for each column {@code i} of a mode incompatible with
 * {@code m}. When {@code m} is incompatible with itself (PW, EX), {@code c} is among the compared
 * columns, and the statement sets {@code c = t}, which for EX is the statement of guard tables before
 * lock modes. On a table without the mode columns only EX has statements.
 *
 * <p>Immutable and thread-safe.
 */
final class GuardSql {
    /** The statements of one mode, and how many times each binds the token after the name. */
    record ModeSql(LockMode mode, String update, int updateTokens, String raise) {}

    private final String table;
    private final List<String> missingColumns;
    private final Map<LockMode, ModeSql> modes;
    private final List<LockMode> columnsRead;
    private final String insertIfAbsent;
    private final String selectForUpdate;

    private GuardSql(String table, List<String> missingColumns, GuardDialect dialect) {
        this.table = table;
        this.missingColumns = List.copyOf(missingColumns);
        this.columnsRead = missingColumns.isEmpty() ? GuardColumns.CHECKED_MODES : List.of(LockMode.EX);
        Map<LockMode, ModeSql> statements = new EnumMap<>(LockMode.class);
        for (LockMode mode : columnsRead) {
            statements.put(mode, modeSql(mode));
        }
        this.modes = Collections.unmodifiableMap(statements);
        this.insertIfAbsent = insertIfAbsentSql(dialect, table);
        List<String> columns = new ArrayList<>();
        for (LockMode mode : columnsRead) {
            columns.add(GuardColumns.column(mode));
        }
        this.selectForUpdate = "SELECT " + String.join(", ", columns) + " FROM " + table + " WHERE name = ? FOR UPDATE";
    }

    /**
     * Returns the statements for a resolved table.
     *
     * @param resolved the table as the inspector found it
     * @param dialect the database's dialect
     */
    static GuardSql on(GuardTableInspector.Resolution resolved, GuardDialect dialect) {
        return new GuardSql(resolved.qualifiedName(), resolved.missingModeColumns(), dialect);
    }

    String table() {
        return table;
    }

    /** Returns the mode columns the table lacks: empty if it can check every mode. */
    List<String> missingColumns() {
        return missingColumns;
    }

    /** Returns the statements of a mode, or {@code null} if the table has no column for it. */
    ModeSql mode(LockMode mode) {
        return modes.get(mode);
    }

    /** Returns the modes whose columns {@link #selectForUpdate()} reads, in that order. */
    List<LockMode> columnsRead() {
        return columnsRead;
    }

    String insertIfAbsent() {
        return insertIfAbsent;
    }

    String selectForUpdate() {
        return selectForUpdate;
    }

    private ModeSql modeSql(LockMode mode) {
        String column = GuardColumns.column(mode);
        List<LockMode> compared = new ArrayList<>(GuardColumns.incompatible(mode));
        compared.retainAll(columnsRead); // a table before lock modes: EX against EX only
        boolean selfIncompatible = compared.contains(mode);
        StringBuilder update =
                new StringBuilder("UPDATE ").append(table).append(" SET ").append(column);
        update.append(selfIncompatible ? " = ?" : " = GREATEST(" + column + ", ?)");
        update.append(" WHERE name = ?");
        List<String> conditions = new ArrayList<>();
        for (LockMode other : compared) {
            update.append(" AND ").append(GuardColumns.column(other)).append(" <= ?");
            conditions.add(GuardColumns.column(other) + " <= VALUES(" + column + ")");
        }
        // MariaDB/MySQL: create the row, or raise it as the update would (the row's lock only).
        String raise = "INSERT INTO " + table
                + (mode == LockMode.EX
                        ? " (name, token) VALUES (?, ?)"
                        : " (name, token, " + column + ") VALUES (?, 0, ?)")
                + " ON DUPLICATE KEY UPDATE " + column + " = IF(" + String.join(" AND ", conditions)
                + ", GREATEST(" + column + ", VALUES(" + column + ")), " + column + ")";
        return new ModeSql(mode, update.toString(), compared.size(), raise);
    }

    private static String insertIfAbsentSql(GuardDialect dialect, String table) {
        switch (dialect) {
            case POSTGRESQL:
                return "INSERT INTO " + table + " (name, token) VALUES (?, 0) ON CONFLICT (name) DO NOTHING";
            case MARIADB:
                return "INSERT INTO " + table + " (name, token) VALUES (?, 0) ON DUPLICATE KEY UPDATE name = name";
            case H2:
                return "MERGE INTO " + table + " g USING (VALUES (CAST(? AS VARCHAR(255)))) s(name)"
                        + " ON g.name = s.name WHEN NOT MATCHED THEN INSERT (name, token) VALUES (s.name, 0)";
            default:
                throw new IllegalArgumentException("unknown dialect " + dialect);
        }
    }
}
