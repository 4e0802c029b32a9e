package dev.txlease.cli;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.Locale;
import java.util.Properties;
import java.util.regex.Pattern;
import picocli.CommandLine.Option;

/**
 * Which database to connect to: JDBC URL, user and password, from flags or the environment (the same
 * variables as the examples). The tool carries the drivers of H2, PostgreSQL and MariaDB/MySQL.
 *
 * <p>Not thread-safe: picocli fills it, one command uses it.
 */
final class JdbcOptions {
    private static final Pattern PASSWORD = Pattern.compile("(?i)(password=)[^&;]*");

    @Option(
            names = "--jdbc-url",
            paramLabel = "URL",
            defaultValue = "${env:TXLEASE_JDBC_URL}",
            description = "JDBC URL of the database that holds the guard table, e.g."
                    + " jdbc:postgresql://db:5432/app (env TXLEASE_JDBC_URL). Drivers included: H2, PostgreSQL,"
                    + " MariaDB (also for MySQL).")
    String url;

    @Option(
            names = "--user",
            paramLabel = "USER",
            defaultValue = "${env:TXLEASE_JDBC_USER}",
            description = "Database user (env TXLEASE_JDBC_USER; or in the URL).")
    String user;

    @Option(
            names = "--password",
            paramLabel = "PASSWORD",
            defaultValue = "${env:TXLEASE_JDBC_PASSWORD}",
            description = "Database password (env TXLEASE_JDBC_PASSWORD, which other users cannot see in the"
                    + " process list; or in the URL).")
    String password;

    /**
     * Opens a connection; the caller closes it.
     *
     * @throws CommandFailure with {@link TxleaseCli#USAGE} if there is no URL or no driver takes it,
     *     with {@link TxleaseCli#STORE_FAILED} if the database cannot be reached or refuses the login
     */
    Connection connect() {
        if (url == null || url.isBlank()) {
            throw new CommandFailure(
                    TxleaseCli.USAGE,
                    "missing --jdbc-url (or env TXLEASE_JDBC_URL): the JDBC URL of the database that holds the"
                            + " guard table, e.g. jdbc:postgresql://db:5432/app",
                    null);
        }
        try {
            DriverManager.getDriver(url);
        } catch (SQLException e) {
            throw new CommandFailure(
                    TxleaseCli.USAGE,
                    "no JDBC driver accepts '" + masked(url) + "': the tool has the drivers of H2, PostgreSQL and"
                            + " MariaDB/MySQL, for URLs starting with jdbc:h2:, jdbc:postgresql:, jdbc:mariadb:"
                            + " (MySQL servers too); check the URL",
                    e);
        }
        Properties properties = new Properties();
        if (user != null) {
            properties.setProperty("user", user);
        }
        if (password != null) {
            properties.setProperty("password", password);
        }
        try {
            return DriverManager.getConnection(existingOnly(url), properties);
        } catch (SQLException e) {
            throw new CommandFailure(
                    TxleaseCli.STORE_FAILED,
                    "cannot connect to " + where() + ": " + masked(String.valueOf(e.getMessage())) + " (SQLState "
                            + e.getSQLState() + "). Check the URL, user and password, and that the database is up.",
                    e);
        }
    }

    /**
     * An embedded H2 URL with {@code IFEXISTS=TRUE}: H2 creates a database that does not exist, and a
     * check must not leave an empty database behind a mistyped path. In-memory databases exist only
     * in their own JVM, so they are left alone.
     */
    private static String existingOnly(String url) {
        String lower = url.toLowerCase(Locale.ROOT);
        if (!lower.startsWith("jdbc:h2:") || lower.startsWith("jdbc:h2:mem:") || lower.contains(";ifexists=")) {
            return url;
        }
        return url + ";IFEXISTS=TRUE";
    }

    /** The URL without its password, and the user. */
    String where() {
        return masked(url) + (user == null ? "" : " as '" + user + "'");
    }

    private static String masked(String text) {
        return PASSWORD.matcher(text).replaceAll("$1***");
    }
}
