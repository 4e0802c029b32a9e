package dev.txlease.jdbc.internal;

import dev.txlease.jdbc.GuardDialect;
import dev.txlease.jdbc.GuardTable;
import java.sql.Connection;
import java.sql.DatabaseMetaData;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Finds the table a guard table name resolves to on a connection and checks that it can fence:
 * {@code name} is its whole primary key (without it a stale holder inserts a row of its own), it has
 * a {@code token} column, and on MariaDB/MySQL its engine is InnoDB (MyISAM and the like take no row
 * locks and do not roll back) and its {@code name} compares bytes exactly (binary type or collation). Also refuses, on MariaDB/MySQL, a second table whose name differs
 * only in letter case (table names are case-sensitive there, so {@code TXLEASE_FENCE} and {@code
 * txlease_fence} would be two guard tables for the same locks).
 *
 * <p>The result is the name qualified with the schema it resolved to, so that every later statement
 * of the data source uses that table whatever the search path ({@code search_path}, {@code
 * currentSchema}, {@code USE}) of a connection says, and the lock mode columns ({@link GuardColumns})
 * the table lacks: a table created before lock modes has none of them and fences {@code EX} holders
 * only.
 *
 * <p>Stateless and thread-safe. Runs only catalog reads, which neither lock nor (on PostgreSQL)
 * abort a transaction.
 */
public final class GuardTableInspector {
    private GuardTableInspector() {}

    /**
     * Resolves and checks a guard table.
     *
     * @param connection an open connection of the database
     * @param table the configured guard table
     * @param dialect the database's dialect
     * @return the schema-qualified name to use in SQL, and the mode columns the table lacks
     * @throws SQLException naming what is wrong and what to do, if the table is missing or unfit
     */
    public static Resolution resolve(Connection connection, GuardTable table, GuardDialect dialect)
            throws SQLException {
        String configured = table.name();
        int dot = configured.indexOf('.');
        String schema = dot < 0 ? null : configured.substring(0, dot);
        String name = dot < 0 ? configured : configured.substring(dot + 1);
        Resolved resolved;
        switch (dialect) {
            case POSTGRESQL:
                resolved = resolvePostgres(connection, configured);
                break;
            case MARIADB:
                resolved = resolveMariaDb(connection, schema, name, configured);
                break;
            case H2:
                resolved = resolveH2(connection, schema, name);
                break;
            default:
                throw new IllegalArgumentException("unknown dialect " + dialect);
        }
        if (resolved == null) {
            throw new SQLException(
                    "Guard table " + configured + " does not exist"
                            + (schema == null ? " in the connection's current" + " schema" : "")
                            + ". Create it with FencedDataSource.createGuardTable(),"
                            + " GuardTable.createIfAbsent, or GuardDialect." + dialect + ".createTableSql in a"
                            + " migration; with several schemas, give the guard table a schema-qualified name.",
                    "42S02");
        }
        List<String> columns = checkPrimaryKey(connection, resolved, configured, dialect);
        List<String> missing = new ArrayList<>(GuardColumns.MODE_COLUMNS);
        missing.removeAll(columns);
        return new Resolution(resolved.qualified(dialect), missing);
    }

    /**
     * A guard table as resolved for a data source.
     *
     * @param qualifiedName the schema-qualified, quoted name to use in SQL
     * @param missingModeColumns the lock mode columns the table lacks; empty if it checks every mode
     */
    public record Resolution(String qualifiedName, List<String> missingModeColumns) {
        /** Copies the list. */
        public Resolution {
            missingModeColumns = List.copyOf(missingModeColumns);
        }
    }

    private record Resolved(String schema, String table, String engine) {
        String qualified(GuardDialect dialect) {
            return quote(schema, dialect) + "." + quote(table, dialect);
        }

        private static String quote(String identifier, GuardDialect dialect) {
            return dialect == GuardDialect.MARIADB
                    ? "`" + identifier.replace("`", "``") + "`"
                    : "\"" + identifier.replace("\"", "\"\"") + "\"";
        }

        @Override
        public String toString() {
            return schema + "." + table;
        }
    }

    private static Resolved resolvePostgres(Connection connection, String configured) throws SQLException {
        // to_regclass resolves the name exactly as the guard statements would (search_path, case folding).
        String sql = "SELECT n.nspname, c.relname FROM pg_catalog.pg_class c"
                + " JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace WHERE c.oid = to_regclass(?)";
        try (PreparedStatement statement = connection.prepareStatement(sql)) {
            statement.setString(1, configured);
            try (ResultSet row = statement.executeQuery()) {
                return row.next() ? new Resolved(row.getString(1), row.getString(2), null) : null;
            }
        }
    }

    private static Resolved resolveH2(Connection connection, String schema, String name) throws SQLException {
        DatabaseMetaData metaData = connection.getMetaData();
        String sql = "SELECT TABLE_SCHEMA, TABLE_NAME FROM INFORMATION_SCHEMA.TABLES"
                + " WHERE TABLE_SCHEMA = COALESCE(?, SCHEMA()) AND TABLE_NAME = ?";
        try (PreparedStatement statement = connection.prepareStatement(sql)) {
            statement.setString(1, schema == null ? null : fold(metaData, schema));
            statement.setString(2, fold(metaData, name));
            try (ResultSet row = statement.executeQuery()) {
                return row.next() ? new Resolved(row.getString(1), row.getString(2), null) : null;
            }
        }
    }

    private static String fold(DatabaseMetaData metaData, String identifier) throws SQLException {
        if (metaData.storesUpperCaseIdentifiers()) {
            return identifier.toUpperCase(Locale.ROOT);
        }
        return metaData.storesLowerCaseIdentifiers() ? identifier.toLowerCase(Locale.ROOT) : identifier;
    }

    private static Resolved resolveMariaDb(Connection connection, String schema, String name, String configured)
            throws SQLException {
        // information_schema compares names without regard to case: that finds the case twins too.
        String sql = "SELECT TABLE_SCHEMA, TABLE_NAME, ENGINE, @@lower_case_table_names FROM information_schema.TABLES"
                + " WHERE TABLE_SCHEMA = COALESCE(?, DATABASE()) AND LOWER(TABLE_NAME) = LOWER(?)";
        List<Resolved> found = new ArrayList<>();
        boolean caseSensitive = true;
        try (PreparedStatement statement = connection.prepareStatement(sql)) {
            statement.setString(1, schema);
            statement.setString(2, name);
            try (ResultSet row = statement.executeQuery()) {
                while (row.next()) {
                    found.add(new Resolved(row.getString(1), row.getString(2), row.getString(3)));
                    caseSensitive = row.getInt(4) == 0;
                }
            }
        }
        if (found.size() > 1) {
            throw new SQLException(
                    "Guard table " + configured + " is ambiguous: " + found + " differ only in letter case, and"
                            + " MariaDB/MySQL table names are case-sensitive here, so they are two guard tables for"
                            + " the same locks and a stale holder checked against one is not fenced by the other."
                            + " Keep one (the one every application configures, best in lower case) and drop or"
                            + " rename the other.",
                    "42000");
        }
        if (found.isEmpty()) {
            return null;
        }
        Resolved resolved = found.get(0);
        if (caseSensitive && !resolved.table().equals(name)) {
            throw new SQLException(
                    "Guard table " + configured + " does not exist, but " + resolved + " does: MariaDB/MySQL"
                            + " table names are case-sensitive here. Configure the guard table as " + resolved.table()
                            + " (every application must name the same table).",
                    "42S02");
        }
        if (!"InnoDB".equalsIgnoreCase(resolved.engine())) {
            throw new SQLException(
                    "Guard table " + resolved + " uses the " + resolved.engine() + " storage engine: the guard"
                            + " row must be locked until the transaction ends and roll back with it, which only"
                            + " InnoDB does. Run ALTER TABLE " + configured + " ENGINE=InnoDB.",
                    "42000");
        }
        checkMariaDbNameComparesExactly(connection, resolved, configured);
        return resolved;
    }

    /**
     * A name column that compares without regard to case or trailing spaces (the default collations)
     * would give distinct locks such as {@code A} and {@code a} one guard row, and compare their
     * unrelated tokens: one of them would be refused as stale forever.
     */
    private static void checkMariaDbNameComparesExactly(Connection connection, Resolved table, String configured)
            throws SQLException {
        String sql = "SELECT DATA_TYPE, COLLATION_NAME FROM information_schema.COLUMNS"
                + " WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ? AND COLUMN_NAME = 'name'";
        try (PreparedStatement statement = connection.prepareStatement(sql)) {
            statement.setString(1, table.schema());
            statement.setString(2, table.table());
            try (ResultSet row = statement.executeQuery()) {
                if (!row.next()) {
                    return; // no name column: the primary key check names the problem
                }
                String type = row.getString(1).toLowerCase(Locale.ROOT);
                String collation = row.getString(2);
                boolean exact = type.contains("binary")
                        || collation != null
                                && collation.toLowerCase(Locale.ROOT).endsWith("_bin");
                if (!exact) {
                    throw new SQLException(
                            "Guard table " + table + ": its name column (" + type + ", collation " + collation
                                    + ") compares lock names without regard to case or trailing spaces, so"
                                    + " distinct locks would share a guard row and compare unrelated tokens. Recreate"
                                    + " it with " + GuardDialect.MARIADB.createTableSql(configured)
                                    + " (name as VARBINARY), keeping the highest token of each name.",
                            "42000");
                }
            }
        }
    }

    /** Checks the primary key and the token column; returns the table's column names in lower case. */
    private static List<String> checkPrimaryKey(
            Connection connection, Resolved table, String configured, GuardDialect dialect) throws SQLException {
        List<String> columns = new ArrayList<>();
        List<String> tableColumns = new ArrayList<>();
        try (ResultSet rows = connection
                .getMetaData()
                .getColumns(catalog(table, dialect), schema(table, dialect), table.table(), null)) {
            while (rows.next()) {
                tableColumns.add(rows.getString("COLUMN_NAME").toLowerCase(Locale.ROOT));
            }
        }
        boolean token = tableColumns.contains("token");
        try (ResultSet keys = connection
                .getMetaData()
                .getPrimaryKeys(catalog(table, dialect), schema(table, dialect), table.table())) {
            while (keys.next()) {
                columns.add(keys.getString("COLUMN_NAME").toLowerCase(Locale.ROOT));
            }
        }
        if (!columns.equals(List.of("name")) || !token) {
            throw new SQLException(
                    "Guard table " + table + " (configured as " + configured + ") is not a guard table: "
                            + (token ? "" : "it has no token column; ") + "its primary key is "
                            + (columns.isEmpty() ? "missing" : columns.toString()) + " but must be exactly (name),"
                            + " or a stale holder could insert a guard row of its own. Recreate it with "
                            + dialect.createTableSql(configured) + " (keeping the highest token of each name).",
                    "42000");
        }
        return tableColumns;
    }

    // MariaDB's driver reports databases as catalogs by default; H2 and PostgreSQL use schemas.
    private static String catalog(Resolved table, GuardDialect dialect) {
        return dialect == GuardDialect.MARIADB ? table.schema() : null;
    }

    private static String schema(Resolved table, GuardDialect dialect) {
        return dialect == GuardDialect.MARIADB ? null : table.schema();
    }
}
