package dev.txlease.jdbc;

import dev.txlease.jdbc.internal.GuardColumns;
import java.sql.Connection;
import java.sql.DatabaseMetaData;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.util.Locale;

/**
 * The databases the guard table supports, each with its DDL.
 *
 * <p>The guard table has one row per lock name: {@code name} (the primary key, compared exactly:
 * case- and trailing-space-sensitive) and {@code token}, the highest fence token that has written.
 * Run {@link #createTableSql(String)} in a migration (Flyway, Liquibase, ...) or let {@link
 * GuardTable#createIfAbsent} do it.
 *
 * <p>Enum constants are immutable and thread-safe.
 */
public enum GuardDialect {
    /** H2 2.x. */
    H2 {
        @Override
        public String createTableSql(String tableName) {
            return "CREATE TABLE IF NOT EXISTS " + GuardTable.checkName(tableName)
                    + " (name VARCHAR(255) NOT NULL PRIMARY KEY, token BIGINT NOT NULL"
                    + GuardColumns.createDefinitions() + ")";
        }
    },
    /** PostgreSQL 11 or later ({@code INSERT ... ON CONFLICT}). */
    POSTGRESQL {
        @Override
        public String createTableSql(String tableName) {
            return "CREATE TABLE IF NOT EXISTS " + GuardTable.checkName(tableName)
                    + " (name VARCHAR(255) COLLATE \"C\" NOT NULL PRIMARY KEY, token BIGINT NOT NULL"
                    + GuardColumns.createDefinitions() + ")";
        }
    },
    /**
     * MariaDB and MySQL with InnoDB. The name is stored as UTF-8 bytes ({@code VARBINARY}), because
     * the default collations ignore case and trailing spaces, which would merge distinct lock names.
     */
    MARIADB {
        @Override
        public String createTableSql(String tableName) {
            return "CREATE TABLE IF NOT EXISTS " + GuardTable.checkName(tableName)
                    + " (name VARBINARY(1020) NOT NULL PRIMARY KEY, token BIGINT NOT NULL"
                    + GuardColumns.createDefinitions() + ") ENGINE=InnoDB";
        }
    };

    /**
     * Returns the {@code CREATE TABLE IF NOT EXISTS} statement for a guard table.
     *
     * @param tableName the table name, as {@link GuardTable#named(String)} accepts it
     * @return the DDL statement, without a trailing semicolon
     * @throws IllegalArgumentException if the table name is not a plain identifier
     */
    public abstract String createTableSql(String tableName);

    /**
     * Returns the {@code ALTER TABLE} statement that adds the lock mode columns ({@code cr_token},
     * {@code cw_token}, {@code pr_token}, {@code pw_token}, each {@code BIGINT DEFAULT 0 NOT NULL}) to a
     * guard table created before lock modes, which has only {@code name} and {@code token}. Such a
     * table keeps fencing {@link dev.txlease.LockMode#EX EX} holders; a lease in another mode needs the
     * columns. Run it once, in a migration (or let {@link GuardTable#createIfAbsent(javax.sql.DataSource)},
     * which {@code FencedDataSource.createGuardTable()} calls, run it); then restart the applications that use the table, so that
     * every data source uses the columns (each reads the table's columns once).
     *
     * @param tableName the table name, as {@link GuardTable#named(String)} accepts it
     * @return the DDL statement, without a trailing semicolon
     * @throws IllegalArgumentException if the table name is not a plain identifier
     */
    public String addModeColumnsSql(String tableName) {
        return GuardColumns.addColumnsSql(this, GuardTable.checkName(tableName), GuardColumns.MODE_COLUMNS);
    }

    /**
     * Returns the dialect of the database a connection talks to.
     *
     * @param connection an open connection
     * @return the dialect
     * @throws SQLFeatureNotSupportedException if the database is not one of H2, PostgreSQL, MariaDB or
     *     MySQL
     * @throws SQLException if the metadata cannot be read
     */
    public static GuardDialect detect(Connection connection) throws SQLException {
        return detect(connection.getMetaData());
    }

    /**
     * Returns the dialect for {@link DatabaseMetaData#getDatabaseProductName()}.
     *
     * @param metaData the database's metadata
     * @return the dialect
     * @throws SQLFeatureNotSupportedException if the database is not supported
     * @throws SQLException if the metadata cannot be read
     */
    public static GuardDialect detect(DatabaseMetaData metaData) throws SQLException {
        String product = metaData.getDatabaseProductName();
        String normalized = product == null ? "" : product.toLowerCase(Locale.ROOT);
        if (normalized.equals("h2")) {
            return H2;
        }
        if (normalized.startsWith("postgresql")) {
            return POSTGRESQL;
        }
        if (normalized.startsWith("mariadb") || normalized.startsWith("mysql")) {
            return MARIADB;
        }
        throw new SQLFeatureNotSupportedException("No guard table dialect for database '" + product
                + "': txlease-jdbc-fencing supports H2, PostgreSQL, MariaDB and MySQL");
    }
}
