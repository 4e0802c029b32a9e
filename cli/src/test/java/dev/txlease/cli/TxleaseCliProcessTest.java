package dev.txlease.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.txlease.dynamodb.DynamoDbLeaseStore;
import dev.txlease.jdbc.GuardDialect;
import dev.txlease.spi.GrantRequest;
import dev.txlease.testing.DynamoDbLocal;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Runs the tool as operators do, in a JVM of its own through {@code main}: settings from the
 * environment variables the examples use, the exit code seen by the parent process.
 */
class TxleaseCliProcessTest {
    @RegisterExtension
    static final DynamoDbLocal DYNAMO = DynamoDbLocal.server();

    private static final Duration DEADLINE = Duration.ofSeconds(180);

    @TempDir
    Path directory;

    @Test
    void environmentVariablesNameTheEndpointTableAndDatabaseAndTheExitCodeReachesTheParent() throws Exception {
        DynamoDbLeaseStore store = DYNAMO.newStore();
        long fence = store.tryGrant(new GrantRequest(
                        "orders",
                        "worker-1",
                        "node-a",
                        UUID.randomUUID().toString(),
                        Duration.ofSeconds(20),
                        null,
                        null))
                .record()
                .fence();
        String url = "jdbc:h2:file:" + directory.resolve("guard");
        try (Connection connection = DriverManager.getConnection(url, "ops", "secret");
                Statement statement = connection.createStatement()) {
            statement.execute(GuardDialect.H2.createTableSql("txlease_fence"));
            statement.execute("INSERT INTO txlease_fence (name, token) VALUES ('orders', " + (fence + 1) + ")");
        } // the last connection closes the database, so the tool's JVM can open the file
        Map<String, String> environment = Map.of(
                "TXLEASE_DYNAMODB_ENDPOINT", DYNAMO.endpoint().toString(),
                "TXLEASE_DYNAMODB_TABLE", store.tableName(),
                "AWS_REGION", "eu-west-1",
                "AWS_ACCESS_KEY_ID", "dummy",
                "AWS_SECRET_ACCESS_KEY", "dummy",
                "TXLEASE_JDBC_URL", url,
                "TXLEASE_JDBC_USER", "ops",
                "TXLEASE_JDBC_PASSWORD", "secret");

        Cli.Run inspect = exec(environment, "inspect", "orders", "--json");
        Cli.Run check = exec(environment, "guard", "check");
        Cli.Run wrongPassword = exec(environment, "guard", "check", "--password", "wrong");

        assertEquals(TxleaseCli.OK, inspect.exitCode(), inspect.toString());
        assertTrue(inspect.out().startsWith("{\"name\":\"orders\",\"owner\":\"worker-1\""), inspect.out());
        assertEquals(TxleaseCli.FENCE_WENT_BACK, check.exitCode(), check.toString());
        assertTrue(check.err().startsWith("error: FENCE WENT BACK for 1 lock (orders)"), check.err());
        assertTrue(check.err().contains("lease table '" + store.tableName() + "'"), check.err());
        assertEquals(TxleaseCli.STORE_FAILED, wrongPassword.exitCode(), wrongPassword.toString());
        assertTrue(
                wrongPassword
                        .err()
                        .startsWith("error: cannot connect to " + url + " as 'ops': Wrong user name or" + " password"),
                wrongPassword.err());
    }

    private Cli.Run exec(Map<String, String> environment, String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp",
                System.getProperty("java.class.path"),
                TxleaseCli.class.getName()));
        command.addAll(List.of(args));
        Path out = Files.createTempFile(directory, "out", ".txt");
        Path err = Files.createTempFile(directory, "err", ".txt");
        ProcessBuilder builder =
                new ProcessBuilder(command).redirectOutput(out.toFile()).redirectError(err.toFile());
        builder.environment().putAll(environment);
        Process process = builder.start();
        if (!process.waitFor(DEADLINE.toMillis(), TimeUnit.MILLISECONDS)) {
            process.destroyForcibly();
            throw new AssertionError("txlease " + String.join(" ", args) + " did not end within " + DEADLINE);
        }
        return new Cli.Run(process.exitValue(), Files.readString(out), Files.readString(err));
    }
}
