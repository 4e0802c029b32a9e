package dev.txlease.examples;

import com.amazonaws.services.dynamodbv2.local.embedded.DynamoDBEmbedded;
import com.amazonaws.services.dynamodbv2.local.shared.access.AmazonDynamoDBLocal;
import dev.txlease.client.DefaultLeaseClient;
import dev.txlease.dynamodb.DynamoDbLeaseStore;
import dev.txlease.jdbc.FencedDataSource;
import dev.txlease.jta.TransactionalLeaseClient;
import dev.txlease.jta.narayana.NarayanaStandalone;
import dev.txlease.spi.LeaseStore;
import io.agroal.api.AgroalDataSource;
import io.agroal.api.configuration.supplier.AgroalDataSourceConfigurationSupplier;
import io.agroal.api.security.NamePrincipal;
import io.agroal.narayana.NarayanaTransactionIntegration;
import jakarta.transaction.TransactionManager;
import jakarta.transaction.TransactionSynchronizationRegistry;
import java.net.URI;
import java.nio.file.Path;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

/**
 * Everything the examples run on, embedded by default: DynamoDB Local in this JVM, an H2 database
 * in memory behind an Agroal pool that Narayana (standalone, object store under {@code target/})
 * enlists, and the fenced DataSource over that pool.
 *
 * <p>Point it at real services with flags or environment variables:
 *
 * <ul>
 *   <li>{@code --dynamodb-endpoint=URL} / {@code TXLEASE_DYNAMODB_ENDPOINT}: a DynamoDB endpoint
 *       (credentials and region from the AWS SDK's default chain, region us-east-1 if none);
 *   <li>{@code --jdbc-url=URL} / {@code TXLEASE_JDBC_URL}, with {@code --jdbc-user} / {@code
 *       TXLEASE_JDBC_USER} and {@code --jdbc-password} / {@code TXLEASE_JDBC_PASSWORD}: a database
 *       reached through its JDBC driver (enlisted by Narayana as its last resource).
 * </ul>
 *
 * <p>Not thread-safe to build; the parts it hands out are.
 */
final class ExampleEnvironment implements AutoCloseable {
    private static final String EXAMPLE_GUARD_TABLE = "txlease_example_fence";
    private final List<AutoCloseable> closeables = new ArrayList<>();
    private final LeaseStore store;
    private final TransactionManager transactionManager;
    private final TransactionSynchronizationRegistry registry;
    private final AgroalDataSource pool;
    private final FencedDataSource fenced;
    private final String description;

    ExampleEnvironment(String[] args) throws SQLException {
        String endpoint = setting(args, "dynamodb-endpoint", "TXLEASE_DYNAMODB_ENDPOINT");
        String jdbcUrl = setting(args, "jdbc-url", "TXLEASE_JDBC_URL");
        DynamoDbClient dynamo;
        if (endpoint == null) {
            AmazonDynamoDBLocal local = DynamoDBEmbedded.create(true); // true: telemetry off
            closeables.add(local::shutdown);
            dynamo = local.dynamoDbClient();
        } else {
            dynamo = DynamoDbClient.builder()
                    .endpointOverride(URI.create(endpoint))
                    .region(Region.of(System.getenv().getOrDefault("AWS_REGION", "us-east-1")))
                    .httpClient(UrlConnectionHttpClient.create())
                    .build();
            closeables.add(dynamo);
        }
        DynamoDbLeaseStore leaseStore = DynamoDbLeaseStore.builder(dynamo)
                .tableName(endpoint == null ? "txlease_examples" : "txlease_examples_" + UUID.randomUUID())
                .build();
        leaseStore.createTableIfMissing();
        this.store = leaseStore;

        this.transactionManager = narayana();
        this.registry = NarayanaStandalone.registry();
        this.pool = pool(
                jdbcUrl,
                setting(args, "jdbc-user", "TXLEASE_JDBC_USER"),
                setting(args, "jdbc-password", "TXLEASE_JDBC_PASSWORD"));
        closeables.add(pool);
        this.fenced = FencedDataSource.builder(pool)
                .guardTable(EXAMPLE_GUARD_TABLE)
                .transactionRegistry(registry)
                .build();
        restartGuardTable();
        this.description = "DynamoDB " + (endpoint == null ? "Local (in-process)" : endpoint) + ", "
                + (jdbcUrl == null ? "H2 in memory (XA)" : jdbcUrl) + ", Narayana standalone";
    }

    /**
     * Every run starts a new lease table and, so each run starts clean, a new guard table (new lease
     * items start at a clock-based token, above the last run's). Never drop a guard table in
     * production: that lets old tokens write again.
     */
    private void restartGuardTable() throws SQLException {
        try (java.sql.Connection connection = pool.getConnection();
                java.sql.Statement statement = connection.createStatement()) {
            statement.execute("DROP TABLE IF EXISTS " + EXAMPLE_GUARD_TABLE);
        }
        fenced.createGuardTable();
    }

    /** Returns a transactional lease client with its own owner identity. */
    TransactionalLeaseClient leaseClient(String owner, LeaseStore leaseStore) {
        DefaultLeaseClient client =
                DefaultLeaseClient.builder(leaseStore).owner(owner).node(owner).build();
        TransactionalLeaseClient leases = TransactionalLeaseClient.builder(client, transactionManager)
                .registry(registry)
                .build();
        closeables.add(leases);
        return leases;
    }

    LeaseStore store() {
        return store;
    }

    TransactionManager transactionManager() {
        return transactionManager;
    }

    /** The fenced DataSource: every transaction that holds leases checks their fence tokens. */
    FencedDataSource fenced() {
        return fenced;
    }

    /** The pool itself, for setup and reading results (not fenced). */
    AgroalDataSource pool() {
        return pool;
    }

    String description() {
        return description;
    }

    @Override
    public void close() {
        for (int i = closeables.size() - 1; i >= 0; i--) {
            try {
                closeables.get(i).close();
            } catch (Exception e) {
                System.err.println("cleanup: " + e);
            }
        }
    }

    private static TransactionManager narayana() {
        NarayanaStandalone.configure(Path.of("target", "txlease-examples", "ObjectStore"), "txlease-examples");
        return NarayanaStandalone.transactionManager();
    }

    private AgroalDataSource pool(String jdbcUrl, String user, String password) throws SQLException {
        TransactionManager tm = transactionManager;
        TransactionSynchronizationRegistry tsr = registry;
        String url =
                jdbcUrl != null ? jdbcUrl : "jdbc:h2:mem:txlease-examples-" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1";
        String principal = jdbcUrl != null ? user : "sa";
        return AgroalDataSource.from(
                new AgroalDataSourceConfigurationSupplier().connectionPoolConfiguration(pool -> pool.initialSize(0)
                        .maxSize(16)
                        .acquisitionTimeout(Duration.ofSeconds(30))
                        .transactionIntegration(new NarayanaTransactionIntegration(tm, tsr))
                        .connectionFactoryConfiguration(factory -> {
                            factory.jdbcUrl(url);
                            if (jdbcUrl == null) {
                                factory.connectionProviderClass(org.h2.jdbcx.JdbcDataSource.class);
                            }
                            if (principal != null) {
                                factory.principal(new NamePrincipal(principal));
                            }
                            if (password != null) {
                                factory.credential(new io.agroal.api.security.SimplePassword(password));
                            }
                            return factory;
                        })));
    }

    private static String setting(String[] args, String flag, String environment) {
        String prefix = "--" + flag + "=";
        for (String arg : args) {
            if (arg.startsWith(prefix)) {
                return arg.substring(prefix.length());
            }
        }
        String value = System.getenv(environment);
        return value == null || value.isBlank() ? null : value;
    }

    /** A story that decides whether its outcome was safe. */
    @FunctionalInterface
    interface Story {
        boolean runSafely() throws Exception;
    }

    /**
     * Runs an example's story and exits: 0 if its outcome was safe, 1 if not, 2 if it failed. Exits
     * explicitly because the pools and Narayana keep non-daemon threads alive.
     */
    static void exit(Story story) {
        int status;
        try {
            status = story.runSafely() ? 0 : 1;
        } catch (Exception | Error e) {
            System.err.println("The example failed: " + e);
            e.printStackTrace();
            status = 2;
        }
        System.exit(status);
    }
}
