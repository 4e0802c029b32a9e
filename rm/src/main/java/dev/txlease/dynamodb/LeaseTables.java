package dev.txlease.dynamodb;

import dev.txlease.LeaseStoreUnavailableException;
import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.List;
import software.amazon.awssdk.retries.api.BackoffStrategy;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeDefinition;
import software.amazon.awssdk.services.dynamodb.model.BillingMode;
import software.amazon.awssdk.services.dynamodb.model.CreateTableRequest;
import software.amazon.awssdk.services.dynamodb.model.DescribeTableRequest;
import software.amazon.awssdk.services.dynamodb.model.KeySchemaElement;
import software.amazon.awssdk.services.dynamodb.model.KeyType;
import software.amazon.awssdk.services.dynamodb.model.ResourceInUseException;
import software.amazon.awssdk.services.dynamodb.model.RestoreSummary;
import software.amazon.awssdk.services.dynamodb.model.ScalarAttributeType;
import software.amazon.awssdk.services.dynamodb.model.TableDescription;
import software.amazon.awssdk.services.dynamodb.model.TimeToLiveDescription;
import software.amazon.awssdk.services.dynamodb.model.TimeToLiveStatus;
import software.amazon.awssdk.services.dynamodb.waiters.DynamoDbWaiter;

/**
 * Creates the table of a {@link DynamoDbLeaseStore}: on-demand billing, a string partition key,
 * and the sparse index of prepared branches ({@link PreparedIndex}). Creation is idempotent: a
 * table that exists (or is being created) is waited for and its key checked.
 *
 * <p>Instances are immutable and thread-safe.
 */
final class LeaseTables {
    private static final System.Logger LOG = System.getLogger(LeaseTables.class.getName());
    private static final Duration POLL_INTERVAL = Duration.ofMillis(500);
    private static final Duration WAIT_TIMEOUT = Duration.ofMinutes(5);

    private final DynamoDbClient client;
    private final String tableName;
    private final DynamoDbLeaseAttributes attributes;
    private final String partitionKey;
    private final boolean expiryWritten;
    private final StoreFailures failures;

    /**
     * @param expiryWritten whether the store writes {@link DynamoDbLeaseAttributes#expiresAt()} on
     *     release, so TTL is to be turned on for it
     */
    LeaseTables(
            DynamoDbClient client,
            String tableName,
            DynamoDbLeaseAttributes attributes,
            boolean expiryWritten,
            StoreFailures failures) {
        this.client = client;
        this.tableName = tableName;
        this.attributes = attributes;
        this.partitionKey = attributes.partitionKey();
        this.expiryWritten = expiryWritten;
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
        } catch (RuntimeException e) {
            throw failures.unavailable("create table '" + tableName + "'", "CreateTable", null, e);
        }
        TableDescription table = awaitActive();
        checkKey(table);
        reportRestore(table);
        checkTimeToLive();
    }

    /**
     * TTL on a txlease attribute other than the expiry would delete items that are held (a number
     * attribute read as epoch seconds: {@code leaseDurationMs} is in 1970), so such a table is
     * refused. With released-item expiry configured, TTL is turned on for the expiry attribute.
     */
    private void checkTimeToLive() {
        TimeToLiveDescription ttl;
        try {
            ttl = client.describeTimeToLive(request -> request.tableName(tableName))
                    .timeToLiveDescription();
        } catch (RuntimeException e) {
            throw failures.unavailable(
                    "read the TTL setting of table '" + tableName + "'", "DescribeTimeToLive", null, e);
        }
        boolean on = ttl != null
                && (ttl.timeToLiveStatus() == TimeToLiveStatus.ENABLED
                        || ttl.timeToLiveStatus() == TimeToLiveStatus.ENABLING);
        String attribute = on ? ttl.attributeName() : null;
        if (on && !attribute.equals(attributes.expiresAt()) && attributes.all().contains(attribute)) {
            throw new LeaseStoreUnavailableException(
                    "DynamoDB table '" + tableName + "' has TTL on attribute '" + attribute + "', which txlease"
                            + " uses for something else: TTL would delete items while their locks are held. Turn"
                            + " TTL off (UpdateTimeToLive) or, to let TTL delete long-released items, put it on '"
                            + attributes.expiresAt() + "' and set DynamoDbLeaseStore.Builder.releasedItemExpiry",
                    null,
                    null);
        }
        if (!expiryWritten || attributes.expiresAt().equals(attribute)) {
            return;
        }
        if (on) {
            throw new LeaseStoreUnavailableException(
                    "DynamoDB table '" + tableName + "' has TTL on attribute '" + attribute + "'; a table has one"
                            + " TTL attribute, and releasedItemExpiry needs it on '" + attributes.expiresAt()
                            + "': use a table of its own for txlease, or do not set releasedItemExpiry",
                    null,
                    null);
        }
        try {
            client.updateTimeToLive(request -> request.tableName(tableName)
                    .timeToLiveSpecification(specification ->
                            specification.attributeName(attributes.expiresAt()).enabled(true)));
        } catch (RuntimeException e) {
            throw failures.unavailable(
                    "turn TTL on for attribute '" + attributes.expiresAt() + "' of table '" + tableName + "'",
                    "UpdateTimeToLive",
                    null,
                    e);
        }
    }

    /**
     * A table restored from a backup or to a point in time holds the fence counters of that moment:
     * tokens granted after it on the original table may be granted again, and nothing in the items
     * says which. An empty table is safe (new items start at the clock base), a restored one is not:
     * the store can only say so loudly.
     */
    private void reportRestore(TableDescription table) {
        RestoreSummary restore = table.restoreSummary();
        if (restore != null) {
            LOG.log(
                    Level.WARNING,
                    "txlease: DynamoDB table ''{0}'' was restored (from {1}, data as of {2}): fence tokens granted"
                            + " after that moment may be granted again. Delete its items (or create the table empty"
                            + " instead of restoring it): new items start above every earlier token.",
                    new Object[] {
                        tableName,
                        restore.sourceBackupArn() != null ? restore.sourceBackupArn() : restore.sourceTableArn(),
                        restore.restoreDateTime()
                    });
        }
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
        } catch (LeaseStoreUnavailableException e) {
            throw e;
        } catch (RuntimeException e) {
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
