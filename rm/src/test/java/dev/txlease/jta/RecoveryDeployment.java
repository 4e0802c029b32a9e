package dev.txlease.jta;

import com.arjuna.ats.jta.recovery.XAResourceRecoveryHelper;
import dev.txlease.dynamodb.DynamoDbLeaseStore;
import dev.txlease.jta.narayana.LeaseRecoveryHelper;
import java.net.URI;
import java.sql.SQLException;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

/**
 * The "deployment" that {@link dev.txlease.testing.IsolatedRecovery} loads into a class loader below
 * Narayana's: it gives the recovery helpers of the lease store and the H2 database.
 *
 * <p>Arguments: DynamoDB endpoint, table, lease node, H2 URL.
 */
public final class RecoveryDeployment {
    private RecoveryDeployment() {}

    /** Returns the recovery helpers for the lease store and the H2 database. */
    public static XAResourceRecoveryHelper[] helpers(String[] args) throws SQLException {
        DynamoDbClient dynamo = DynamoDbClient.builder()
                .endpointOverride(URI.create(args[0]))
                .region(Region.US_EAST_1)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("txlease", "txlease")))
                .httpClient(UrlConnectionHttpClient.create())
                .build();
        DynamoDbLeaseStore store =
                DynamoDbLeaseStore.builder(dynamo).tableName(args[1]).build();
        @SuppressWarnings("resource") // the child JVM halts after recovery
        H2Xa database = new H2Xa(args[3]);
        return new XAResourceRecoveryHelper[] {LeaseRecoveryHelper.of(store, args[2]), database.recoveryHelper()};
    }
}
