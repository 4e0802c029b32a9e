package dev.txlease.bench;

import com.amazonaws.services.dynamodbv2.AmazonDynamoDBLockClient;
import com.amazonaws.services.dynamodbv2.CreateDynamoDBTableOptions;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.ProvisionedThroughput;

/**
 * The one lock table both libraries share: a string partition key named {@value #KEY_ATTRIBUTE},
 * nothing else, created the way the AWS client's README says ({@code createLockTableInDynamoDB});
 * txlease is configured with the same partition key and only checks the table. The two libraries use
 * disjoint lock names, so their items never meet.
 *
 * <p>Not instantiable.
 */
final class BenchTable {
    /** The table name. */
    static final String NAME = "bench_locks";

    /** The partition key attribute: the AWS client's default name. */
    static final String KEY_ATTRIBUTE = "key";

    private BenchTable() {}

    /** Creates the table through {@code client} and waits until DynamoDB Local has it. */
    static void create(DynamoDbClient client) {
        AmazonDynamoDBLockClient.createLockTableInDynamoDB(CreateDynamoDBTableOptions.builder(
                        client,
                        ProvisionedThroughput.builder()
                                .readCapacityUnits(1000L)
                                .writeCapacityUnits(1000L)
                                .build(),
                        NAME)
                .withPartitionKeyName(KEY_ATTRIBUTE)
                .build());
        client.waiter().waitUntilTableExists(request -> request.tableName(NAME));
    }
}
