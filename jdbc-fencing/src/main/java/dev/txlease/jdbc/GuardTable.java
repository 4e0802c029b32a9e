package dev.txlease.jdbc;

import dev.txlease.jdbc.internal.GuardColumns;
import dev.txlease.jdbc.internal.GuardTableInspector;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.Objects;
import java.util.regex.Pattern;
import javax.sql.DataSource;

/**
 * The name of a guard table, and the means to create it.
 *
 * <p>A name is a plain SQL identifier, optionally qualified by a schema ({@code fencing.guard}):
 * letters, digits and underscores, not starting with a digit, at most 63 characters per part. It is
 * used unquoted, so the database folds its case as usual (H2 and PostgreSQL; MariaDB/MySQL table
 * names are case-sensitive on most systems, and a second table differing only in case is refused).
 * An unqualified name is resolved once per data source, on its first checked connection, and then
 * used schema-qualified. Every application must check the same guard table.
 *
 * <p>Create the table once per database, either with {@link #createIfAbsent(DataSource)} or by
 * running {@link GuardDialect#createTableSql(String)} in a migration.
 *
 * <p>Instances are immutable and thread-safe.
 */
public final class GuardTable {
    /** The default table name: {@value}. */
    public static final String DEFAULT_NAME = "txlease_fence";

    private static final Pattern IDENTIFIER =
            Pattern.compile("([A-Za-z_][A-Za-z0-9_]{0,62}\\.)?[A-Za-z_][A-Za-z0-9_]{0,62}");
    private static final GuardTable DEFAULT = new GuardTable(DEFAULT_NAME);

    private final String name;

    private GuardTable(String name) {
        this.name = name;
    }

    /** Returns the table named {@value #DEFAULT_NAME}. */
    public static GuardTable defaultTable() {
        return DEFAULT;
    }

    /**
     * Returns the guard table with the given name.
     *
     * @param name a plain identifier, optionally schema-qualified
     * @return the table
     * @throws IllegalArgumentException if the name is not a plain identifier
     */
    public static GuardTable named(String name) {
        return new GuardTable(checkName(name));
    }

    /** Returns the table name. */
    public String name() {
        return name;
    }

    /**
     * Creates the table if it does not exist, on a connection of its own in auto-commit mode, and
     * checks that the table found can fence: {@code name} is its primary key and, on MariaDB/MySQL,
     * its engine is InnoDB and no other table's name differs from it only in letter case. A table
     * created before lock modes gets the mode columns ({@link GuardDialect#addModeColumnsSql(String)}):
     * its rows keep their tokens.
     *
     * @param dataSource the database's data source (not a fenced one, though that works too)
     * @return the dialect detected from the database
     * @throws SQLException if the table cannot be created, an existing table of that name cannot
     *     fence, or the database is not supported
     */
    public GuardDialect createIfAbsent(DataSource dataSource) throws SQLException {
        Objects.requireNonNull(dataSource, "dataSource must not be null");
        try (Connection connection = dataSource.getConnection()) {
            GuardDialect dialect = GuardDialect.detect(connection);
            createIfAbsent(connection, dialect);
            return dialect;
        }
    }

    /**
     * Creates the table if it does not exist, on a connection of its own in auto-commit mode.
     *
     * @param dataSource the database's data source
     * @param dialect the database's dialect
     * @throws SQLException if the table cannot be created, or an existing table of that name cannot
     *     fence (see {@link #createIfAbsent(DataSource)})
     */
    public void createIfAbsent(DataSource dataSource, GuardDialect dialect) throws SQLException {
        Objects.requireNonNull(dataSource, "dataSource must not be null");
        Objects.requireNonNull(dialect, "dialect must not be null");
        try (Connection connection = dataSource.getConnection()) {
            createIfAbsent(connection, dialect);
        }
    }

    private void createIfAbsent(Connection connection, GuardDialect dialect) throws SQLException {
        connection.setAutoCommit(true);
        try (Statement statement = connection.createStatement()) {
            statement.execute(dialect.createTableSql(name));
        } catch (SQLException e) {
            // Two processes creating the table at once can collide inside PostgreSQL's catalog even
            // with IF NOT EXISTS; what matters is that the table exists now.
            if (!exists(connection)) {
                throw e;
            }
        }
        // IF NOT EXISTS accepts any table of that name: check that this one can fence. A table created
        // before lock modes gets the mode columns (its rows keep their tokens; the new columns start at 0).
        List<String> missing =
                GuardTableInspector.resolve(connection, this, dialect).missingModeColumns();
        if (!missing.isEmpty()) {
            addColumns(connection, dialect, missing);
        }
    }

    private void addColumns(Connection connection, GuardDialect dialect, List<String> missing) throws SQLException {
        try (Statement statement = connection.createStatement()) {
            statement.execute(GuardColumns.addColumnsSql(dialect, name, missing));
        } catch (SQLException e) {
            // Another process may have added them at the same moment: what matters is that they exist now.
            List<String> stillMissing =
                    GuardTableInspector.resolve(connection, this, dialect).missingModeColumns();
            if (!stillMissing.isEmpty()) {
                SQLException failure = new SQLException(
                        "Could not add the lock-mode columns " + stillMissing + " to guard table " + name
                                + ": " + e.getMessage() + ". Run "
                                + GuardColumns.addColumnsSql(dialect, name, stillMissing)
                                + " as a user allowed to alter it; exclusive (EX) leases keep working without them.",
                        e.getSQLState(),
                        e);
                throw failure;
            }
        }
    }

    private boolean exists(Connection connection) {
        try (Statement statement = connection.createStatement()) {
            statement.executeQuery("SELECT token FROM " + name + " WHERE 1 = 0").close();
            return true;
        } catch (SQLException e) {
            return false;
        }
    }

    static String checkName(String name) {
        Objects.requireNonNull(name, "guard table name must not be null");
        if (!IDENTIFIER.matcher(name).matches()) {
            throw new IllegalArgumentException("guard table name must be a plain SQL identifier, optionally"
                    + " schema-qualified (letters, digits, '_', not starting with a digit, at most 63"
                    + " characters per part), was '" + name + "'");
        }
        return name;
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof GuardTable && ((GuardTable) other).name.equals(name);
    }

    @Override
    public int hashCode() {
        return name.hashCode();
    }

    @Override
    public String toString() {
        return name;
    }
}
