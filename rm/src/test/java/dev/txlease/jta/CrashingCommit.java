package dev.txlease.jta;

import dev.txlease.AcquireOptions;
import dev.txlease.Lease;
import dev.txlease.client.DefaultLeaseClient;
import dev.txlease.dynamodb.DynamoDbLeaseStore;
import dev.txlease.testing.HaltingXAResource;
import dev.txlease.testing.InProcessNarayana;
import jakarta.transaction.TransactionManager;
import java.net.URI;
import java.nio.file.Path;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

/**
 * The process that dies between prepare and commit, run in a child JVM by {@link CrashRecoveryTest}:
 * one transaction with a {@link HaltingXAResource} (enlisted first, so committed first), a lease and
 * an H2 row; the halting resource stops the JVM in its commit, after Narayana wrote its log and
 * before the lease and the row were committed.
 *
 * <p>Arguments: object store directory, DynamoDB endpoint, table, H2 URL, lock name, node.
 */
final class CrashingCommit {
    private CrashingCommit() {}

    public static void main(String[] args) throws Exception {
        InProcessNarayana.configure(Path.of(args[0]));
        TransactionManager transactionManager = InProcessNarayana.transactionManager();
        DynamoDbClient dynamo = DynamoDbClient.builder()
                .endpointOverride(URI.create(args[1]))
                .region(Region.US_EAST_1)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("txlease", "txlease")))
                .httpClient(UrlConnectionHttpClient.create())
                .build();
        DynamoDbLeaseStore store =
                DynamoDbLeaseStore.builder(dynamo).tableName(args[2]).build();
        DefaultLeaseClient client = DefaultLeaseClient.builder(store)
                .node(args[5])
                .owner(args[5] + "/crashing")
                .build();
        TransactionalLeaseClient leases = TransactionalLeaseClient.builder(client, transactionManager)
                .registry(InProcessNarayana.registry())
                .build();
        H2Xa database = new H2Xa(args[3]);

        transactionManager.begin();
        transactionManager.getTransaction().enlistResource(new HaltingXAResource());
        Lease lease = leases.acquire(args[4], AcquireOptions.defaults());
        database.insert(
                transactionManager.getTransaction(), args[4], lease.fenceToken().value());
        transactionManager.commit();
        System.out.println("commit returned: the process did not crash");
        System.exit(1);
    }
}
