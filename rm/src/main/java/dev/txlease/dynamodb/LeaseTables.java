package dev.txlease.dynamodb;

import dev.txlease.LeaseStoreUnavailableException;
import java.time.Duration;
import java.util.List;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.retries.api.BackoffStrategy;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeDefinition;
import software.amazon.awssdk.services.dynamodb.model.BillingMode;
import software.amazon.awssdk.services.dynamodb.model.CreateTableRequest;
import software.amazon.awssdk.services.dynamodb.model.DescribeTableRequest;
import software.amazon.awssdk.services.dynamodb.model.KeySchemaElement;
import software.amazon.awssdk.services.dynamodb.model.KeyType;
import software.amazon.awssdk.services.dynamodb.model.ResourceInUseException;
import software.amazon.awssdk.services.dynamodb.model.ScalarAttributeType;
import software.amazon.awssdk.services.dynamodb.model.TableDescription;
import software.amazon.awssdk.services.dynamodb.waiters.DynamoDbWaiter;

/**
 * Creates the table of a {@link DynamoDbLeaseStore}: on-demand billing, a string partition key,
 * and the sparse index of prepared branches ({@link PreparedIndex}). Creation is idempotent: a
 * table that exists (or is being created) is waited for and its key checked.
 *
 * <p>Instances are immutable and thread-safe.
 */
final class LeaseTables {
    private static final Duration POLL_INTERVAL = Duration.ofMillis(500);
    private static final Duration WAIT_TIMEOUT = Duration.ofMinutes(5);

    private final DynamoDbClient client;
    private final String tableName;
    private final String partitionKey;
    private final StoreFailures failures;

    LeaseTables(DynamoDbClient client, String tableName, String partitionKey, StoreFailures failures) {
        this.client = client;
        this.tableName = tableName;
        this.partitionKey = partitionKey;
        this.failures = failures;
    }

    void createIfMissing() {
        try {
            client.createTable(CreateTableRequest.builder()
                    .tableName(tableName)
                    .billingMode(BillingMode.PAY_PER_REQUEST)
                    .attributeDefinitions(
                            AttributeDefinition.builder()
                                    .attributeName(partitionKey)
                                    .attributeType(ScalarAttributeType.S)
                                    .build(),
                            PreparedIndex.attributeDefinitions()[0],
                            PreparedIndex.attributeDefinitions()[1])
                    .keySchema(KeySchemaElement.builder()
                            .attributeName(partitionKey)
                            .keyType(KeyType.HASH)
                            .build())
                    .globalSecondaryIndexes(PreparedIndex.definition())
                    .build());
        } catch (ResourceInUseException e) {
            // The table exists or is being created: wait for it below, then check its key.
        } catch (SdkException e) {
            throw failures.unavailable("create table '" + tableName + "'", "CreateTable", null, e);
        }
        checkKey(awaitActive());
    }

    private TableDescription awaitActive() {
        try (DynamoDbWaiter waiter = DynamoDbWaiter.builder()
                .client(client)
                .overrideConfiguration(configuration -> configuration
                        .waitTimeout(WAIT_TIMEOUT)
                        .maxAttempts((int) (WAIT_TIMEOUT.toMillis() / POLL_INTERVAL.toMillis()))
                        .backoffStrategyV2(BackoffStrategy.fixedDelayWithoutJitter(POLL_INTERVAL)))
                .build()) {
            return waiter.waitUntilTableExists(
                            DescribeTableRequest.builder().tableName(tableName).build())
                    .matched()
                    .response()
                    .orElseThrow(() -> new LeaseStoreUnavailableException(
                            "DynamoDB table '" + tableName + "' did not become ACTIVE within " + WAIT_TIMEOUT
                                    + ": check its status in the DynamoDB console",
                            null,
                            null))
                    .table();
        } catch (SdkException e) {
            throw failures.unavailable("wait for table '" + tableName + "' to become ACTIVE", "DescribeTable", null, e);
        }
    }

    private void checkKey(TableDescription table) {
        List<KeySchemaElement> key = table.keySchema();
        boolean matches = key.size() == 1
                && key.get(0).keyType() == KeyType.HASH
                && key.get(0).attributeName().equals(partitionKey)
                && table.attributeDefinitions().stream()
                        .anyMatch(definition -> definition.attributeName().equals(partitionKey)
                                && definition.attributeType() == ScalarAttributeType.S);
        if (!matches) {
            throw new LeaseStoreUnavailableException(
                    "DynamoDB table '" + tableName + "' exists with key " + key + " but txlease needs a string"
                            + " partition key '" + partitionKey + "' and no sort key: use another table name, or"
                            + " configure DynamoDbLeaseAttributes.partitionKey to match",
                    null,
                    null);
        }
    }
}
