package dev.txlease.jdbc.testing;

import static org.junit.jupiter.api.Assertions.fail;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import javax.sql.DataSource;
import org.h2.jdbcx.JdbcDataSource;
import org.junit.jupiter.api.Assumptions;
import org.mariadb.jdbc.MariaDbDataSource;
import org.postgresql.ds.PGSimpleDataSource;

/**
 * The databases the tests run on: H2 in memory always; PostgreSQL and MariaDB on this machine when
 * they answer.
 *
 * <p>A server that does not answer SKIPS the calling test (a JUnit assumption) with a message on how
 * to run it, unless {@value #REQUIRE_SERVICES}{@code =1}, which FAILS it instead (CI sets that).
 * Defaults: PostgreSQL {@code 127.0.0.1:5432}, database {@code test}, user {@code postgres} or else
 * {@code root}, trust auth; MariaDB {@code 127.0.0.1:3306}, database {@code test}, {@code root} with
 * an empty password. {@value #PG_URL} and {@value #MARIADB_URL} override the JDBC URLs (user and
 * password go in the URL).
 *
 * <p>Thread-safe; the outcome of probing a server is remembered for the JVM.
 */
public final class Databases {
    /** Set to {@code 1} to make a missing PostgreSQL or MariaDB fail the tests instead of skipping them. */
    public static final String REQUIRE_SERVICES = "TXLEASE_REQUIRE_SERVICES";
    /** Overrides the PostgreSQL JDBC URL. */
    public static final String PG_URL = "TXLEASE_PG_URL";
    /** Overrides the MariaDB JDBC URL. */
    public static final String MARIADB_URL = "TXLEASE_MARIADB_URL";

    private static final Map<String, Object> PROBED = new ConcurrentHashMap<>();

    private Databases() {}

    /**
     * Returns a data source for a named in-memory H2 database that lives until the JVM exits. H2 is
     * also an {@link javax.sql.XADataSource}.
     *
     * @param name the database name
     * @return the data source
     */
    public static JdbcDataSource h2(String name) {
        JdbcDataSource dataSource = new JdbcDataSource();
        dataSource.setURL("jdbc:h2:mem:" + name + ";DB_CLOSE_DELAY=-1;LOCK_TIMEOUT=10000");
        dataSource.setUser("sa");
        return dataSource;
    }

    /**
     * Returns a data source for the machine's PostgreSQL, or skips (or fails) the calling test.
     *
     * @return the data source
     */
    public static PGSimpleDataSource postgres() {
        return require(
                "PostgreSQL",
                PG_URL,
                List.of(
                        "jdbc:postgresql://127.0.0.1:5432/test?user=postgres&connectTimeout=3",
                        "jdbc:postgresql://127.0.0.1:5432/test?user=root&connectTimeout=3"),
                url -> {
                    PGSimpleDataSource dataSource = new PGSimpleDataSource();
                    dataSource.setURL(url);
                    return dataSource;
                },
                "start PostgreSQL on 127.0.0.1:5432 with trust auth for user postgres (or root) and a"
                        + " database named test");
    }

    /**
     * Returns a data source for the machine's MariaDB, or skips (or fails) the calling test. It is
     * also an {@link javax.sql.XADataSource}.
     *
     * @return the data source
     */
    public static MariaDbDataSource mariadb() {
        return require(
                "MariaDB",
                MARIADB_URL,
                List.of("jdbc:mariadb://127.0.0.1:3306/test?user=root&password=&connectTimeout=3000"),
                url -> {
                    try {
                        return new MariaDbDataSource(url);
                    } catch (SQLException e) {
                        throw new IllegalArgumentException("bad MariaDB URL " + url, e);
                    }
                },
                "start MariaDB on 127.0.0.1:3306 with user root, an empty password and a database named test");
    }

    private static <D extends DataSource> D require(
            String product, String urlVariable, List<String> defaults, Function<String, D> factory, String howTo) {
        String override = System.getenv(urlVariable);
        List<String> urls = override == null || override.isBlank() ? defaults : List.of(override);
        Object probed = PROBED.computeIfAbsent(product, key -> probe(urls, factory));
        if (probed instanceof DataSource) {
            @SuppressWarnings("unchecked") // probe() made it with this factory
            D dataSource = (D) probed;
            return dataSource;
        }
        String message = product + " is not reachable (" + probed + "). To run these tests, " + howTo
                + ", or set " + urlVariable + " to its JDBC URL; set " + REQUIRE_SERVICES
                + "=1 to make a missing server fail the build instead of skipping.";
        if ("1".equals(System.getenv(REQUIRE_SERVICES))) {
            fail(message);
        }
        Assumptions.abort(message);
        throw new AssertionError("unreachable");
    }

    private static Object probe(List<String> urls, Function<String, ? extends DataSource> factory) {
        List<String> failures = new ArrayList<>();
        for (String url : urls) {
            DataSource dataSource = factory.apply(url);
            try (Connection connection = dataSource.getConnection()) {
                if (connection.isValid(3)) {
                    return dataSource;
                }
                failures.add(url + ": connection not valid");
            } catch (SQLException e) {
                failures.add(url + ": " + e.getMessage());
            }
        }
        return String.join("; ", failures);
    }
}
