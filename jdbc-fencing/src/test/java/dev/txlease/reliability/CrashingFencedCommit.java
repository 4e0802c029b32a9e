package dev.txlease.reliability;

import dev.txlease.AcquireOptions;
import dev.txlease.Lease;
import dev.txlease.client.DefaultLeaseClient;
import dev.txlease.dynamodb.DynamoDbLeaseStore;
import dev.txlease.jdbc.FencedDataSource;
import dev.txlease.jta.TransactionalLeaseClient;
import dev.txlease.jta.narayana.NarayanaStandalone;
import dev.txlease.testing.HaltingXAResource;
import io.agroal.api.AgroalDataSource;
import io.agroal.api.configuration.supplier.AgroalDataSourceConfigurationSupplier;
import io.agroal.api.security.NamePrincipal;
import io.agroal.narayana.NarayanaTransactionIntegration;
import jakarta.transaction.TransactionManager;
import jakarta.transaction.TransactionSynchronizationRegistry;
import java.net.URI;
import java.nio.file.Path;
import java.sql.Connection;
import org.h2.jdbcx.JdbcDataSource;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

/**
 * The process that dies between prepare and commit, run in a child JVM by {@link
 * CrashRecoveryTakeoverTest}: one JTA transaction with a {@link HaltingXAResource} (enlisted first,
 * committed first), a lease and a fenced {@link WriteHistory} increment through an Agroal XA pool
 * over an H2 file database. The JVM halts in the first commit, after Narayana logged the decision.
 *
 * <p>Arguments: object store directory, Narayana node identifier, DynamoDB endpoint, table, H2 URL,
 * lock name, lease node, table prefix of the {@link FencedCounter}.
 */
final class CrashingFencedCommit {
    private CrashingFencedCommit() {}

    public static void main(String[] args) throws Exception {
        NarayanaStandalone.configure(Path.of(args[0]), args[1]);
        TransactionManager transactions = NarayanaStandalone.transactionManager();
        TransactionSynchronizationRegistry registry = NarayanaStandalone.registry();

        DynamoDbClient dynamo = DynamoDbClient.builder()
                .endpointOverride(URI.create(args[2]))
                .region(Region.US_EAST_1)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("txlease", "txlease")))
                .httpClient(UrlConnectionHttpClient.create())
                .build();
        DynamoDbLeaseStore store =
                DynamoDbLeaseStore.builder(dynamo).tableName(args[3]).build();
        TransactionalLeaseClient leases = TransactionalLeaseClient.builder(
                        DefaultLeaseClient.builder(store)
                                .node(args[6])
                                .owner(args[6] + "/crashing")
                                .build(),
                        transactions)
                .registry(registry)
                .build();
        AgroalDataSource pool = AgroalDataSource.from(
                new AgroalDataSourceConfigurationSupplier().connectionPoolConfiguration(configuration -> configuration
                        .maxSize(2)
                        .transactionIntegration(new NarayanaTransactionIntegration(transactions, registry))
                        .connectionFactoryConfiguration(factory -> factory.connectionProviderClass(JdbcDataSource.class)
                                .jdbcUrl(args[4])
                                .principal(new NamePrincipal("sa")))));
        String prefix = args[7];
        FencedDataSource fenced = FencedDataSource.builder(pool)
                .guardTable(prefix + "_guard")
                .transactionRegistry(registry)
                .build();

        transactions.begin();
        transactions.getTransaction().enlistResource(HaltingXAResource.whenPropertySet());
        Lease lease = leases.acquire(args[5], AcquireOptions.defaults());
        try (Connection connection = fenced.getConnection()) {
            new WriteHistory(prefix)
                    .increment(connection, args[5], lease.fenceToken().value(), "crashed");
        }
        System.setProperty(HaltingXAResource.HALT_PROPERTY, "true");
        transactions.commit();
        System.out.println("commit returned: the process did not crash");
        System.exit(1);
    }
}
