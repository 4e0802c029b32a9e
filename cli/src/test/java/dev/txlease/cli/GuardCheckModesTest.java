package dev.txlease.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.txlease.AcquireOptions;
import dev.txlease.Lease;
import dev.txlease.LockMode;
import dev.txlease.cli.Cli.Run;
import dev.txlease.client.DefaultLeaseClient;
import dev.txlease.dynamodb.DynamoDbLeaseStore;
import dev.txlease.jdbc.FencedDataSource;
import dev.txlease.jdbc.GuardDialect;
import dev.txlease.jdbc.testing.Databases;
import dev.txlease.testing.DynamoDbLocal;
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
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.postgresql.ds.PGSimpleDataSource;

/**
 * {@code guard check} with lock modes (issue 16): a guard row keeps a token per checked mode ({@code
 * token} for EX, {@code cr_token} ... {@code pw_token}); the check compares the highest of them with
 * the lease table's fence, and calls a guard table without the mode columns EX only (a warning).
 * Leases are real ({@link DefaultLeaseClient} on DynamoDB Local over HTTP), the guard rows are
 * written by fenced writes of those leases.
 */
class GuardCheckModesTest {
    @RegisterExtension
    static final DynamoDbLocal DYNAMO = DynamoDbLocal.server();

    private DynamoDbLeaseStore store;
    private final List<DefaultLeaseClient> clients = new ArrayList<>();

    @BeforeEach
    void newTable() {
        store = DYNAMO.newStore();
    }

    @AfterEach
    void closeClients() {
        clients.forEach(DefaultLeaseClient::close);
    }

    @Test
    void theHighestTokenOverEveryModeColumnIsComparedWithTheLeaseFence() throws SQLException {
        String url = "jdbc:h2:mem:guard-modes-" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1";
        JdbcDataSource h2 = new JdbcDataSource();
        h2.setURL(url);
        h2.setUser("sa");
        execute(h2, "CREATE TABLE account (id VARCHAR(64) PRIMARY KEY, balance BIGINT NOT NULL)");
        FencedDataSource fenced = FencedDataSource.builder(h2).build();
        fenced.createGuardTable();
        Lease exclusive = client("worker-a").acquire("orders", in(LockMode.EX));
        Lease protectedWrite = client("worker-b").acquire("reports", in(LockMode.PW));
        Lease concurrentWrite = client("worker-c").acquire("stale", in(LockMode.CW));
        write(fenced, exclusive);
        write(fenced, protectedWrite);
        write(fenced, concurrentWrite);
        // What a lease table restored from an older backup leaves for a CW holder: the guard row's
        // cw_token is above the fence the lease table now holds, its EX token column still 0.
        long staleFence = store.read("stale").orElseThrow().fence();
        execute(h2, "UPDATE txlease_fence SET cw_token = " + (staleFence + 5) + " WHERE name = 'stale'");

        Run text = run("--jdbc-url", url, "--user", "sa", "--table", store.tableName());
        Run json = run("--jdbc-url", url, "--user", "sa", "--table", store.tableName(), "--json");

        assertEquals(TxleaseCli.FENCE_WENT_BACK, text.exitCode(), text.toString());
        assertEquals(List.of("orders", token(exclusive), token(exclusive), "ok", "EX"), columns(text, "orders"));
        assertEquals(
                List.of("reports", token(protectedWrite), token(protectedWrite), "ok", "PW"), columns(text, "reports"));
        assertEquals(
                List.of("stale", Long.toString(staleFence + 5), Long.toString(staleFence), "FENCE-WENT-BACK", "CW"),
                columns(text, "stale"));
        assertFalse(text.out().contains("EX only"), text.out());
        assertTrue(text.err().startsWith("error: FENCE WENT BACK for 1 lock (stale)"), text.err());
        assertEquals(TxleaseCli.FENCE_WENT_BACK, json.exitCode(), json.toString());
        assertTrue(json.out().contains("\"missingModeColumns\":[],\"addModeColumnsSql\":null,"), json.out());
        assertTrue(
                json.out()
                        .contains("{\"name\":\"reports\",\"guardToken\":" + token(protectedWrite)
                                + ",\"guardMode\":\"PW\"," + "\"leaseFence\":" + token(protectedWrite)
                                + ",\"status\":\"OK\"}"),
                json.out());
        assertTrue(
                json.out()
                        .contains("{\"name\":\"stale\",\"guardToken\":" + (staleFence + 5)
                                + ",\"guardMode\":\"CW\",\"leaseFence\":" + staleFence
                                + ",\"status\":\"FENCE_WENT_BACK\"}"),
                json.out());
    }

    @Test
    void aGuardTableWithoutModeColumnsIsExOnlyAWarningUntilTheAlterTableItPrintsRuns() throws SQLException {
        DataSource postgres = Databases.postgres();
        String url = url((PGSimpleDataSource) postgres);
        String guard = "guard_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
        Lease exclusive = client("worker-a").acquire("orders", in(LockMode.EX));
        execute(
                postgres,
                "CREATE TABLE " + guard + " (name VARCHAR(255) COLLATE \"C\" NOT NULL PRIMARY KEY,"
                        + " token BIGINT NOT NULL)"); // as created before lock modes
        try {
            insert(postgres, guard, "orders", exclusive.fenceToken().value());
            String alter = GuardDialect.POSTGRESQL.addModeColumnsSql(guard);

            Run before = run("--jdbc-url", url, "--guard-table", guard, "--table", store.tableName());
            Run json = run("--jdbc-url", url, "--guard-table", guard, "--table", store.tableName(), "--json");
            execute(postgres, alter);
            Run after = run("--jdbc-url", url, "--guard-table", guard, "--table", store.tableName());

            assertEquals(TxleaseCli.OK, before.exitCode(), before.toString());
            assertTrue(
                    before.out()
                            .contains("Warning: guard table " + guard + " has no columns for the lock modes other than"
                                    + " EX (cr_token, cw_token, pr_token, pw_token): EX only. " + alter
                                    + " to use other modes"),
                    before.out());
            assertEquals(List.of("orders", token(exclusive), token(exclusive), "ok", "EX"), columns(before, "orders"));
            assertEquals(TxleaseCli.OK, json.exitCode(), json.toString());
            assertTrue(
                    json.out()
                            .contains("\"missingModeColumns\":[\"cr_token\",\"cw_token\",\"pr_token\",\"pw_token\"],"
                                    + "\"addModeColumnsSql\":" + LeaseOutput.quote(alter) + ","),
                    json.out());
            assertEquals(TxleaseCli.OK, after.exitCode(), after.toString());
            assertFalse(after.out().contains("EX only"), after.out());
            assertEquals(List.of("orders", token(exclusive), token(exclusive), "ok", "EX"), columns(after, "orders"));
        } finally {
            execute(postgres, "DROP TABLE IF EXISTS " + guard);
        }
    }

    private DefaultLeaseClient client(String owner) {
        DefaultLeaseClient client =
                DefaultLeaseClient.builder(store).owner(owner).node("node-a").build();
        clients.add(client);
        return client;
    }

    private static AcquireOptions in(LockMode mode) {
        return AcquireOptions.builder()
                .mode(mode)
                .leaseDuration(Duration.ofSeconds(20))
                .waitTimeout(Duration.ofSeconds(30))
                .build();
    }

    /** One fenced write of {@code lease}: its fence check writes its token to its mode's column. */
    private static void write(FencedDataSource fenced, Lease lease) throws SQLException {
        try (Connection connection = fenced.getConnection(lease)) {
            connection.setAutoCommit(false);
            try (PreparedStatement upsert = connection.prepareStatement("MERGE INTO account KEY (id) VALUES (?, ?)")) {
                upsert.setString(1, lease.name());
                upsert.setLong(2, lease.fenceToken().value());
                upsert.executeUpdate();
            }
            connection.commit();
        }
    }

    private static String token(Lease lease) {
        return Long.toString(lease.fenceToken().value());
    }

    private static Run run(String... args) {
        List<String> line = new ArrayList<>(List.of("guard", "check"));
        line.addAll(List.of(args));
        return Cli.runAt(DYNAMO.endpoint().toString(), line.toArray(String[]::new));
    }

    private static String url(PGSimpleDataSource dataSource) {
        return "jdbc:postgresql://" + dataSource.getServerNames()[0] + ":"
                + dataSource.getPortNumbers()[0] + "/"
                + dataSource.getDatabaseName() + "?user=" + dataSource.getUser()
                + (dataSource.getPassword() == null ? "" : "&password=" + dataSource.getPassword());
    }

    private static void insert(DataSource dataSource, String table, String name, long token) throws SQLException {
        try (Connection connection = dataSource.getConnection();
                PreparedStatement insert =
                        connection.prepareStatement("INSERT INTO " + table + " (name, token) VALUES (?, ?)")) {
            insert.setString(1, name);
            insert.setLong(2, token);
            insert.executeUpdate();
        }
    }

    private static void execute(DataSource dataSource, String sql) throws SQLException {
        try (Connection connection = dataSource.getConnection();
                Statement statement = connection.createStatement()) {
            statement.execute(sql);
        }
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
