package dev.txlease.dynamodb;

import dev.txlease.LeaseStoreUnavailableException;
import java.time.Duration;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeDefinition;
import software.amazon.awssdk.services.dynamodb.model.CreateGlobalSecondaryIndexAction;
import software.amazon.awssdk.services.dynamodb.model.DescribeTableRequest;
import software.amazon.awssdk.services.dynamodb.model.GlobalSecondaryIndex;
import software.amazon.awssdk.services.dynamodb.model.GlobalSecondaryIndexDescription;
import software.amazon.awssdk.services.dynamodb.model.GlobalSecondaryIndexUpdate;
import software.amazon.awssdk.services.dynamodb.model.IndexStatus;
import software.amazon.awssdk.services.dynamodb.model.KeySchemaElement;
import software.amazon.awssdk.services.dynamodb.model.KeyType;
import software.amazon.awssdk.services.dynamodb.model.Projection;
import software.amazon.awssdk.services.dynamodb.model.ProjectionType;
import software.amazon.awssdk.services.dynamodb.model.ProvisionedThroughput;
import software.amazon.awssdk.services.dynamodb.model.ProvisionedThroughputDescription;
import software.amazon.awssdk.services.dynamodb.model.ResourceInUseException;
import software.amazon.awssdk.services.dynamodb.model.ScalarAttributeType;
import software.amazon.awssdk.services.dynamodb.model.TableDescription;
import software.amazon.awssdk.services.dynamodb.model.UpdateTableRequest;

/**
 * The sparse global secondary index {@value DynamoDbLeaseStore#PREPARED_INDEX} over the
 * prepared-branch items ({@link PreparedBranchItems}): partition key {@code preparedNode}, sort key
 * {@code preparedTxid}, all attributes projected. {@link LeaseTables} creates a table with it; an
 * existing table without it gets it through {@code UpdateTable} (with the table's own throughput if
 * the table is provisioned), and is waited for until the index is active. Instances are immutable and thread-safe.
 */
final class PreparedIndex {
    private static final Duration POLL_INTERVAL = Duration.ofMillis(200);
    private static final Duration WAIT_TIMEOUT = Duration.ofMinutes(10);

    private final DynamoDbClient client;
    private final String tableName;
    private final StoreFailures failures;

    PreparedIndex(DynamoDbClient client, String tableName, StoreFailures failures) {
        this.client = client;
        this.tableName = tableName;
        this.failures = failures;
    }

    /** The attribute definitions the index needs in {@code CreateTable}. */
    static AttributeDefinition[] attributeDefinitions() {
        return new AttributeDefinition[] {
            AttributeDefinition.builder()
                    .attributeName(PreparedBranchItems.NODE)
                    .attributeType(ScalarAttributeType.S)
                    .build(),
            AttributeDefinition.builder()
                    .attributeName(PreparedBranchItems.TRANSACTION_ID)
                    .attributeType(ScalarAttributeType.S)
                    .build()
        };
    }

    /** The index, for {@code CreateTable} (on-demand billing: no throughput). */
    static GlobalSecondaryIndex definition() {
        return GlobalSecondaryIndex.builder()
                .indexName(DynamoDbLeaseStore.PREPARED_INDEX)
                .keySchema(
                        KeySchemaElement.builder()
                                .attributeName(PreparedBranchItems.NODE)
                                .keyType(KeyType.HASH)
                                .build(),
                        KeySchemaElement.builder()
                                .attributeName(PreparedBranchItems.TRANSACTION_ID)
                                .keyType(KeyType.RANGE)
                                .build())
                .projection(
                        Projection.builder().projectionType(ProjectionType.ALL).build())
                .build();
    }

    /** Adds the index to the (active) table unless it has it, and waits until it is active. */
    void addIfMissing() {
        TableDescription table = describe();
        if (status(table) == null) {
            GlobalSecondaryIndex index = definition();
            CreateGlobalSecondaryIndexAction.Builder create = CreateGlobalSecondaryIndexAction.builder()
                    .indexName(index.indexName())
                    .keySchema(index.keySchema())
                    .projection(index.projection());
            ProvisionedThroughputDescription provisioned = table.provisionedThroughput();
            if (provisioned != null && provisioned.readCapacityUnits() != null && provisioned.readCapacityUnits() > 0) {
                // a provisioned table (for example one another lock library created): the index
                // needs throughput of its own; it is read once per recovery pass and written twice
                // per prepared branch, so the table's own figures are ample
                create.provisionedThroughput(ProvisionedThroughput.builder()
                        .readCapacityUnits(provisioned.readCapacityUnits())
                        .writeCapacityUnits(provisioned.writeCapacityUnits())
                        .build());
            }
            try {
                client.updateTable(UpdateTableRequest.builder()
                        .tableName(tableName)
                        .attributeDefinitions(attributeDefinitions())
                        .globalSecondaryIndexUpdates(GlobalSecondaryIndexUpdate.builder()
                                .create(create.build())
                                .build())
                        .build());
            } catch (ResourceInUseException e) {
                // another process is adding it, or the table is being updated: wait below
            } catch (SdkException e) {
                throw failures.unavailable(
                        "add index '" + DynamoDbLeaseStore.PREPARED_INDEX + "' to table '" + tableName + "'",
                        "UpdateTable",
                        null,
                        e);
            }
        }
        awaitActive();
    }

    private void awaitActive() {
        long deadline = System.nanoTime() + WAIT_TIMEOUT.toNanos();
        while (status() != IndexStatus.ACTIVE) {
            if (System.nanoTime() - deadline > 0) {
                throw new LeaseStoreUnavailableException(
                        "index '" + DynamoDbLeaseStore.PREPARED_INDEX + "' of DynamoDB table '" + tableName
                                + "' did not become ACTIVE within " + WAIT_TIMEOUT
                                + ": check its status in the DynamoDB console",
                        null,
                        null);
            }
            try {
                Thread.sleep(POLL_INTERVAL.toMillis()); // polling DescribeTable, as the SDK's waiters do
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new LeaseStoreUnavailableException(
                        "interrupted while waiting for index '" + DynamoDbLeaseStore.PREPARED_INDEX + "' of table '"
                                + tableName + "'",
                        null,
                        e);
            }
        }
    }

    /** Returns the index's status, or null if the table has no such index. */
    private IndexStatus status() {
        return status(describe());
    }

    private static IndexStatus status(TableDescription table) {
        if (!table.hasGlobalSecondaryIndexes()) {
            return null;
        }
        return table.globalSecondaryIndexes().stream()
                .filter(index -> index.indexName().equals(DynamoDbLeaseStore.PREPARED_INDEX))
                .map(GlobalSecondaryIndexDescription::indexStatus)
                .findFirst()
                .orElse(null);
    }

    private TableDescription describe() {
        try {
            return client.describeTable(
                            DescribeTableRequest.builder().tableName(tableName).build())
                    .table();
        } catch (SdkException e) {
            throw failures.unavailable("describe table '" + tableName + "'", "DescribeTable", null, e);
        }
    }
}
