package dev.txlease.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.txlease.cli.Cli.Run;
import dev.txlease.dynamodb.DynamoDbLeaseStore;
import dev.txlease.jdbc.GuardTable;
import dev.txlease.jdbc.testing.Databases;
import dev.txlease.spi.GrantRequest;
import dev.txlease.spi.LeaseRecord;
import dev.txlease.testing.DynamoDbLocal;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import javax.sql.DataSource;
import org.h2.jdbcx.JdbcDataSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.postgresql.ds.PGSimpleDataSource;

/**
 * {@code guard check} end to end: a lease table on DynamoDB Local over HTTP, a guard table on H2 (in
 * this JVM), PostgreSQL or MariaDB (the machine's), the tool connecting with its own JDBC driver.
 */
class GuardCheckCommandTest {
    @RegisterExtension
    static final DynamoDbLocal DYNAMO = DynamoDbLocal.server();

    @Test
    void guardTokensAtOrBelowTheLeaseFencesPassAndNamesAbsentFromTheLeaseTableAreReported() throws SQLException {
        DynamoDbLeaseStore store = DYNAMO.newStore();
        long alpha = grant(store, "alpha");
        long beta = grant(store, "beta");
        String url = h2Url();
        createGuardTable(h2(url), GuardTable.DEFAULT_NAME);
        insertRows(h2(url), GuardTable.DEFAULT_NAME, List.of("alpha", "beta", "ghost"), List.of(alpha, beta - 1, 7L));

        Run text = run("--jdbc-url", url, "--user", "sa", "--table", store.tableName());
        Run json = run("--jdbc-url", url, "--user", "sa", "--table", store.tableName(), "--json");

        assertEquals(TxleaseCli.OK, text.exitCode(), text.toString());
        assertTrue(
                text.out().startsWith("Guard table txlease_fence (\"PUBLIC\".\"TXLEASE_FENCE\" on H2) can fence"),
                text.out());
        assertEquals(List.of("alpha", Long.toString(alpha), Long.toString(alpha), "ok", "EX"), columns(text, "alpha"));
        assertEquals(List.of("beta", Long.toString(beta - 1), Long.toString(beta), "ok", "EX"), columns(text, "beta"));
        assertEquals(List.of("ghost", "7", "-", "absent", "EX"), columns(text, "ghost"));
        assertTrue(
                text.out()
                        .contains("3 guard rows: 2 ok, 1 absent from lease table '" + store.tableName()
                                + "', 0 with a guard token above the lease fence."),
                text.out());
        assertEquals("", text.err());
        assertEquals(TxleaseCli.OK, json.exitCode(), json.toString());
        assertEquals(
                "{\"guardTable\":\"txlease_fence\",\"resolvedTable\":\"\\\"PUBLIC\\\".\\\"TXLEASE_FENCE\\\"\","
                        + "\"dialect\":\"H2\",\"leaseTable\":\"" + store.tableName() + "\",\"missingModeColumns\":[],"
                        + "\"addModeColumnsSql\":null,\"ok\":true,"
                        + "\"fenceWentBack\":0,\"absent\":1,\"rows\":["
                        + "{\"name\":\"alpha\",\"guardToken\":" + alpha + ",\"guardMode\":\"EX\",\"leaseFence\":"
                        + alpha
                        + ",\"status\":\"OK\"},"
                        + "{\"name\":\"beta\",\"guardToken\":" + (beta - 1) + ",\"guardMode\":\"EX\",\"leaseFence\":"
                        + beta
                        + ",\"status\":\"OK\"},"
                        + "{\"name\":\"ghost\",\"guardToken\":7,\"guardMode\":\"EX\",\"leaseFence\":null,"
                        + "\"status\":\"ABSENT\"}]}",
                json.out().strip());
    }

    @Test
    void aGuardTokenAboveTheLeaseFenceMeansTheLeaseTableWentBackAndFailsLoudlyOnPostgres() throws SQLException {
        DataSource postgres = Databases.postgres();
        String url = url((PGSimpleDataSource) postgres);
        String guard = "guard_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
        DynamoDbLeaseStore store = DYNAMO.newStore();
        long orders = grant(store, "orders");
        long billing = grant(store, "billing");
        createGuardTable(postgres, guard);
        try {
            // What a lease table restored from an older backup leaves: the database has seen
            // tokens above the fences the table now holds.
            insertRows(postgres, guard, List.of("orders", "billing"), List.of(orders + 5, billing));

            Run text = run("--jdbc-url", url, "--guard-table", guard, "--table", store.tableName());
            Run json = run("--jdbc-url", url, "--guard-table", guard, "--table", store.tableName(), "--json");

            assertEquals(TxleaseCli.FENCE_WENT_BACK, text.exitCode(), text.toString());
            assertTrue(
                    text.out()
                            .startsWith(
                                    "Guard table " + guard + " (\"public\".\"" + guard + "\" on POSTGRESQL) can fence"),
                    text.out());
            assertEquals(
                    List.of("orders", Long.toString(orders + 5), Long.toString(orders), "FENCE-WENT-BACK", "EX"),
                    columns(text, "orders"));
            assertEquals(
                    List.of("billing", Long.toString(billing), Long.toString(billing), "ok", "EX"),
                    columns(text, "billing"));
            assertTrue(
                    text.err()
                            .startsWith("error: FENCE WENT BACK for 1 lock (orders): the guard table has seen"
                                    + " a larger token than lease table '" + store.tableName() + "' now holds"),
                    text.err());
            assertTrue(text.err().contains("restored from a backup or re-created"), text.err());
            assertEquals(TxleaseCli.FENCE_WENT_BACK, json.exitCode(), json.toString());
            assertTrue(json.out().contains("\"ok\":false,\"fenceWentBack\":1,\"absent\":0,"), json.out());
            assertTrue(
                    json.out()
                            .contains("{\"name\":\"orders\",\"guardToken\":" + (orders + 5) + ",\"guardMode\":\"EX\","
                                    + "\"leaseFence\":"
                                    + orders + ",\"status\":\"FENCE_WENT_BACK\"}"),
                    json.out());
        } finally {
            drop(postgres, guard);
        }
    }

    @Test
    void aMariaDbGuardTableOnInnoDbPassesAndOneOnMyIsamIsUnfit() throws SQLException {
        DataSource mariadb = Databases.mariadb();
        String url = ((org.mariadb.jdbc.MariaDbDataSource) mariadb).getUrl();
        String innodb = "guard_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
        String myisam = innodb + "_myisam";
        DynamoDbLeaseStore store = DYNAMO.newStore();
        long orders = grant(store, "orders");
        createGuardTable(mariadb, innodb);
        execute(
                mariadb,
                "CREATE TABLE " + myisam
                        + " (name VARBINARY(255) NOT NULL PRIMARY KEY, token BIGINT NOT NULL) ENGINE=MyISAM");
        try {
            insertRows(mariadb, innodb, List.of("orders", "ghost-ö"), List.of(orders, 3L));

            Run fit = run("--jdbc-url", url, "--guard-table", innodb, "--table", store.tableName());
            Run unfit = run("--jdbc-url", url, "--guard-table", myisam, "--table", store.tableName());

            assertEquals(TxleaseCli.OK, fit.exitCode(), fit.toString());
            assertTrue(
                    fit.out()
                            .contains("on MARIADB) can fence: primary key (name), a token column, the InnoDB"
                                    + " engine"),
                    fit.out());
            assertEquals(
                    List.of("orders", Long.toString(orders), Long.toString(orders), "ok", "EX"),
                    columns(fit, "orders"));
            assertEquals(List.of("ghost-ö", "3", "-", "absent", "EX"), columns(fit, "ghost-ö"));
            assertEquals(TxleaseCli.GUARD_UNFIT, unfit.exitCode(), unfit.toString());
            assertTrue(unfit.err().startsWith("error: guard table " + myisam + " cannot fence: "), unfit.err());
            assertTrue(unfit.err().contains("uses the MyISAM storage engine"), unfit.err());
            assertTrue(unfit.err().contains("ENGINE=InnoDB"), unfit.err());
            assertEquals("", unfit.out());
        } finally {
            drop(mariadb, innodb);
            drop(mariadb, myisam);
        }
    }

    @Test
    void aMissingOrMisshapenGuardTableIsUnfit() throws SQLException {
        DynamoDbLeaseStore store = DYNAMO.newStore();
        String url = h2Url();
        execute(h2(url), "CREATE TABLE no_key (name VARCHAR(255) NOT NULL, token BIGINT NOT NULL)");

        Run missing = run("--jdbc-url", url, "--user", "sa", "--table", store.tableName());
        Run noKey = run("--jdbc-url", url, "--user", "sa", "--guard-table", "no_key", "--table", store.tableName());

        assertEquals(TxleaseCli.GUARD_UNFIT, missing.exitCode(), missing.toString());
        assertTrue(
                missing.err()
                        .startsWith("error: guard table txlease_fence cannot fence: Guard table txlease_fence"
                                + " does not exist"),
                missing.err());
        assertEquals(TxleaseCli.GUARD_UNFIT, noKey.exitCode(), noKey.toString());
        assertTrue(noKey.err().contains("its primary key is missing but must be exactly (name)"), noKey.err());
    }

    @Test
    void badJdbcInputIsAUsageErrorAndAnUnreachableDatabaseAFailure() {
        DynamoDbLeaseStore store = DYNAMO.newStore();
        String unreachable = "jdbc:postgresql://127.0.0.1:" + Cli.closedPort() + "/nothing?user=x&password=secret";

        Run noUrl = run("--table", store.tableName());
        Run unknownDriver = run("--jdbc-url", "jdbc:nosuchdb://host/db", "--table", store.tableName());
        Run notJdbc = run("--jdbc-url", "postgres://host/db", "--table", store.tableName());
        Run badGuardName = run("--jdbc-url", h2Url(), "--guard-table", "drop table x", "--table", store.tableName());
        Run down = run("--jdbc-url", unreachable, "--table", store.tableName());

        assertEquals(TxleaseCli.USAGE, noUrl.exitCode(), noUrl.toString());
        assertTrue(noUrl.err().contains("error: missing --jdbc-url (or env TXLEASE_JDBC_URL)"), noUrl.err());
        assertEquals(TxleaseCli.USAGE, unknownDriver.exitCode(), unknownDriver.toString());
        assertTrue(
                unknownDriver.err().startsWith("error: no JDBC driver accepts 'jdbc:nosuchdb://host/db'"),
                unknownDriver.err());
        assertTrue(unknownDriver.err().contains("jdbc:h2:, jdbc:postgresql:, jdbc:mariadb:"), unknownDriver.err());
        assertEquals(TxleaseCli.USAGE, notJdbc.exitCode(), notJdbc.toString());
        assertEquals(TxleaseCli.USAGE, badGuardName.exitCode(), badGuardName.toString());
        assertTrue(badGuardName.err().contains("guard table name must be a plain SQL identifier"), badGuardName.err());
        assertEquals(TxleaseCli.STORE_FAILED, down.exitCode(), down.toString());
        assertTrue(down.err().startsWith("error: cannot connect to jdbc:postgresql://127.0.0.1:"), down.err());
        assertTrue(down.err().contains("password=***"), down.err());
        assertTrue(!down.err().contains("secret"), down.err());
    }

    @Test
    void anH2FileDatabaseThatDoesNotExistIsNotCreated(@TempDir Path directory) {
        DynamoDbLeaseStore store = DYNAMO.newStore();
        Path typo = directory.resolve("typo");

        Run run = run("--jdbc-url", "jdbc:h2:file:" + typo, "--user", "sa", "--table", store.tableName());

        assertEquals(TxleaseCli.STORE_FAILED, run.exitCode(), run.toString());
        assertTrue(run.err().startsWith("error: cannot connect to jdbc:h2:file:" + typo), run.err());
        assertTrue(run.err().contains("not found"), run.err());
        assertEquals(
                List.of(),
                directory.toFile().list() == null
                        ? List.of()
                        : List.of(directory.toFile().list()));
    }

    @Test
    void anUnknownLeaseTableOrAWrongEndpointIsAStoreFailure() throws SQLException {
        String url = h2Url();
        createGuardTable(h2(url), GuardTable.DEFAULT_NAME);
        String endpoint = "http://127.0.0.1:" + Cli.closedPort();

        Run unknownTable = run("--jdbc-url", url, "--user", "sa", "--table", DYNAMO.newTableName());
        Run wrongEndpoint = Cli.runAt(endpoint, "guard", "check", "--jdbc-url", url, "--user", "sa");

        assertEquals(TxleaseCli.STORE_FAILED, unknownTable.exitCode(), unknownTable.toString());
        assertTrue(unknownTable.err().contains("ResourceNotFoundException"), unknownTable.err());
        assertEquals(TxleaseCli.STORE_FAILED, wrongEndpoint.exitCode(), wrongEndpoint.toString());
        assertTrue(
                wrongEndpoint.err().startsWith("error: Scan on table 'txlease_locks' at " + endpoint),
                wrongEndpoint.err());
    }

    @Test
    void guardAndGuardCheckHaveHelpAndGuardAloneIsAUsageError() {
        Run guard = Cli.run("guard");
        Run guardHelp = Cli.run("guard", "--help");
        Run checkHelp = run("--help");

        assertEquals(TxleaseCli.USAGE, guard.exitCode(), guard.toString());
        assertTrue(guard.err().contains("Missing required subcommand"), guard.err());
        assertEquals(TxleaseCli.OK, guardHelp.exitCode(), guardHelp.toString());
        assertTrue(guardHelp.out().startsWith("Usage: txlease guard"), guardHelp.out());
        assertEquals(TxleaseCli.OK, checkHelp.exitCode(), checkHelp.toString());
        assertTrue(checkHelp.out().startsWith("Usage: txlease guard check"), checkHelp.out());
        for (String option : List.of(
                "--jdbc-url=URL",
                "--user=USER",
                "--password=PASSWORD",
                "--guard-table=NAME",
                "--json",
                "--endpoint=URL")) {
            assertTrue(checkHelp.out().contains(option), option + " in " + checkHelp.out());
        }
    }

    private static Run run(String... args) {
        List<String> line = new ArrayList<>(List.of("guard", "check"));
        line.addAll(List.of(args));
        return Cli.runAt(DYNAMO.endpoint().toString(), line.toArray(String[]::new));
    }

    /** The data source's JDBC URL, short: host, port, database, user and password only. */
    private static String url(PGSimpleDataSource dataSource) {
        return "jdbc:postgresql://" + dataSource.getServerNames()[0] + ":"
                + dataSource.getPortNumbers()[0] + "/"
                + dataSource.getDatabaseName() + "?user=" + dataSource.getUser()
                + (dataSource.getPassword() == null ? "" : "&password=" + dataSource.getPassword());
    }

    private static long grant(DynamoDbLeaseStore store, String name) {
        LeaseRecord record = store.tryGrant(new GrantRequest(
                        name, "worker-1", "node-a", UUID.randomUUID().toString(), Duration.ofSeconds(20), null, null))
                .record();
        return record.fence();
    }

    private static String h2Url() {
        return "jdbc:h2:mem:guard-check-" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1";
    }

    private static JdbcDataSource h2(String url) {
        JdbcDataSource dataSource = new JdbcDataSource();
        dataSource.setURL(url);
        dataSource.setUser("sa");
        return dataSource;
    }

    private static void createGuardTable(DataSource dataSource, String name) throws SQLException {
        GuardTable.named(name).createIfAbsent(dataSource);
    }

    private static void insertRows(DataSource dataSource, String table, List<String> names, List<Long> tokens)
            throws SQLException {
        try (Connection connection = dataSource.getConnection();
                PreparedStatement insert =
                        connection.prepareStatement("INSERT INTO " + table + " (name, token) VALUES (?, ?)")) {
            for (int i = 0; i < names.size(); i++) {
                insert.setString(1, names.get(i));
                insert.setLong(2, tokens.get(i));
                insert.executeUpdate();
            }
        }
    }

    private static void execute(DataSource dataSource, String sql) throws SQLException {
        try (Connection connection = dataSource.getConnection();
                Statement statement = connection.createStatement()) {
            statement.execute(sql);
        }
    }

    private static void drop(DataSource dataSource, String table) throws SQLException {
        execute(dataSource, "DROP TABLE IF EXISTS " + table);
    }

    /** The whitespace-separated columns of the output line that starts with {@code name}. */
    private static List<String> columns(Run run, String name) {
        return run.out()
                .lines()
                .filter(line -> line.startsWith(name + " "))
                .findFirst()
                .map(line -> List.of(line.trim().split("\\s+")))
                .orElseThrow(() -> new AssertionError("no line for " + name + " in " + run.out()));
    }
}
