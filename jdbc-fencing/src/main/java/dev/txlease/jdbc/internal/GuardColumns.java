package dev.txlease.jdbc.internal;

import dev.txlease.LockMode;
import dev.txlease.jdbc.GuardDialect;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The columns of the guard table per lock mode, and the DDL that creates or adds them.
 *
 * <p>Each mode that is checked has a column holding the highest fence token that passed the check
 * in that mode: {@code token} for {@link LockMode#EX} (the column of guard tables created before
 * lock modes, so that they keep working for exclusive holders), and {@code cr_token}, {@code
 * cw_token}, {@code pr_token}, {@code pw_token} for the others. {@link LockMode#NL} is never checked
 * and has no column. The check of a mode compares the columns of the modes incompatible with it.
 *
 * <p>Stateless and thread-safe.
 */
public final class GuardColumns {
    /** The modes that go through the check, in declaration order. */
    public static final List<LockMode> CHECKED_MODES =
            List.of(LockMode.CR, LockMode.CW, LockMode.PR, LockMode.PW, LockMode.EX);

    /** The columns a guard table created before lock modes lacks, in the order they are added. */
    public static final List<String> MODE_COLUMNS = List.of("cr_token", "cw_token", "pr_token", "pw_token");

    private static final String DEFINITION = " BIGINT DEFAULT 0 NOT NULL";

    private GuardColumns() {}

    /**
     * Returns the column of a checked mode.
     *
     * @param mode a mode other than {@link LockMode#NL}
     * @return the column name
     * @throws IllegalArgumentException for {@link LockMode#NL}
     */
    public static String column(LockMode mode) {
        switch (mode) {
            case EX:
                return "token";
            case NL:
                throw new IllegalArgumentException("NL is never checked and has no guard column");
            default:
                return mode.name().toLowerCase(Locale.ROOT) + "_token";
        }
    }

    /**
     * Returns the checked modes incompatible with a mode, whose columns its check compares.
     *
     * @param mode the mode of the lease being checked
     * @return the incompatible checked modes, in declaration order
     */
    public static List<LockMode> incompatible(LockMode mode) {
        List<LockMode> incompatible = new ArrayList<>();
        for (LockMode other : CHECKED_MODES) {
            if (!other.isCompatibleWith(mode)) {
                incompatible.add(other);
            }
        }
        return incompatible;
    }

    /** Returns the column definitions of the mode columns, each preceded by ", ", for CREATE TABLE. */
    public static String createDefinitions() {
        StringBuilder definitions = new StringBuilder();
        for (String column : MODE_COLUMNS) {
            definitions.append(", ").append(column).append(DEFINITION);
        }
        return definitions.toString();
    }

    /**
     * Returns the statement that adds columns to an existing guard table: existing rows get 0, which
     * no token passes below.
     *
     * @param dialect the database's dialect
     * @param table the table name as configured
     * @param columns the mode columns to add
     * @return one {@code ALTER TABLE} statement, without a trailing semicolon
     */
    public static String addColumnsSql(GuardDialect dialect, String table, List<String> columns) {
        StringBuilder sql = new StringBuilder("ALTER TABLE ").append(table);
        if (dialect == GuardDialect.H2) {
            // H2 adds several columns in one statement only as a parenthesized list.
            sql.append(" ADD (");
            for (int i = 0; i < columns.size(); i++) {
                sql.append(i == 0 ? "" : ", ").append(columns.get(i)).append(DEFINITION);
            }
            return sql.append(')').toString();
        }
        for (int i = 0; i < columns.size(); i++) {
            sql.append(i == 0 ? " " : ", ")
                    .append("ADD COLUMN ")
                    .append(columns.get(i))
                    .append(DEFINITION);
        }
        return sql.toString();
    }
}
