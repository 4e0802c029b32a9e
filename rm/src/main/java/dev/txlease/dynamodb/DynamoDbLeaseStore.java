package dev.txlease.dynamodb;

import dev.txlease.AcquireOptions;
import dev.txlease.LockNames;
import dev.txlease.spi.GrantRequest;
import dev.txlease.spi.LeaseRecord;
import dev.txlease.spi.LeaseStore;
import dev.txlease.spi.StoreResult;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.DynamoDbServiceClientConfiguration;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;
import software.amazon.awssdk.services.dynamodb.model.GetItemResponse;
import software.amazon.awssdk.services.dynamodb.model.ScanResponse;
import software.amazon.awssdk.services.dynamodb.model.UpdateItemRequest;

/**
 * A {@link LeaseStore} on a DynamoDB table: one item per lock name, changed only by conditional
 * {@code UpdateItem}s, one request per operation.
 *
 * <h2>Item schema</h2>
 *
 * <p>Attribute names are those of {@link DynamoDbLeaseAttributes#defaults()} unless configured:
 *
 * <pre>
 *   name            S     partition key: the lock name
 *   owner           S     the holder; absent once released
 *   version         S     compare-and-set nonce, fresh on every grant, renewal and prepare
 *   fence           N     fence counter: +1 on every grant, never reset (items are never deleted)
 *   leaseDurationMs N     lease duration of the latest grant, renewal or prepare
 *   data            B     data stored with the lease; absent when none
 *   released        BOOL  true once released
 *   node            S     the holder's node, for XA recovery
 *   txid            S     the prepared transaction branch; absent when none
 * </pre>
 *
 * <h2>Algorithm</h2>
 *
 * <ol>
 *   <li><b>Grant</b>: {@code SET owner, version = new, leaseDurationMs, node, released = false, data
 *       (or REMOVE data) REMOVE txid ADD fence 1} on condition {@code attribute_not_exists(name) OR
 *       released = true}, plus {@code OR version = takeoverVersion} for a takeover. {@code ALL_NEW}
 *       returns the fence token; on a failed condition {@code ALL_OLD} returns the holder's record,
 *       so a held lock costs no extra read.
 *   <li><b>Renew</b>: {@code SET version = new, leaseDurationMs} on condition {@code owner = :owner
 *       AND version IN (:expected...) AND released = false}.
 *   <li><b>Prepare</b>: as renew, also {@code SET txid}.
 *   <li><b>Release</b>: on the renew condition, {@code SET released = true REMOVE owner, data,
 *       txid}. The item, its version and its fence counter stay, so the next grant's token is
 *       larger than every token before it.
 *   <li><b>Complete transaction</b>: on condition {@code txid = :txid}, release as above, or only
 *       {@code REMOVE txid} when the lease is kept.
 *   <li><b>Read</b>: a consistent {@code GetItem}. <b>Find prepared</b>: a consistent, paginated
 *       {@code Scan} filtered on {@code node = :node AND attribute_exists(txid)} (recovery only).
 * </ol>
 *
 * <p>A failed condition is a result ({@link StoreResult#conflict}), never an exception. Every other
 * SDK failure becomes a {@link dev.txlease.LeaseStoreUnavailableException} naming the lock, the
 * operation and the table. The SDK may retry a request whose first attempt landed: a retried grant
 * then comes back as a conflict whose record holds the caller's owner and new version; the store
 * returns it as is and leaves the interpretation to the client. Arguments are checked before any
 * request is sent.
 *
 * <p>Instances are immutable and thread-safe (the {@link DynamoDbClient} is); the store does not
 * close the client.
 */
public final class DynamoDbLeaseStore implements LeaseStore {
    /** The default table name. */
    public static final String DEFAULT_TABLE_NAME = "txlease_locks";

    /** DynamoDB's limit on the operands of {@code IN}. */
    static final int MAX_EXPECTED_VERSIONS = 100;

    private final DynamoDbClient client;
    private final String tableName;
    private final DynamoDbLeaseAttributes attributes;
    private final String storeId;
    private final LeaseItems items;
    private final StoreFailures failures;

    private DynamoDbLeaseStore(Builder builder) {
        this.client = builder.client;
        this.tableName = builder.tableName;
        this.attributes = builder.attributes;
        this.storeId = describe(client, tableName);
        this.items = new LeaseItems(tableName, attributes);
        this.failures = new StoreFailures(storeId, tableName);
    }

    /**
     * Returns a builder for a store that sends its requests through {@code client}.
     *
     * @param client the DynamoDB client, not closed by the store
     * @return the builder
     */
    public static Builder builder(DynamoDbClient client) {
        return new Builder(Objects.requireNonNull(client, "client must not be null"));
    }

    /** Returns the table name. */
    public String tableName() {
        return tableName;
    }

    /** Returns the attribute names. */
    public DynamoDbLeaseAttributes attributes() {
        return attributes;
    }

    /**
     * Creates the table (on-demand billing, string partition key) unless it exists, and waits until
     * it is active. Safe to call from several processes at once.
     *
     * @throws dev.txlease.LeaseStoreUnavailableException if DynamoDB fails, or the existing table's
     *     key is not the configured partition key
     */
    public void createTableIfMissing() {
        new LeaseTables(client, tableName, attributes.partitionKey(), failures).createIfMissing();
    }

    @Override
    public StoreResult tryGrant(GrantRequest request) {
        Objects.requireNonNull(request, "request must not be null");
        checkName(request.name());
        checkText("owner", request.owner());
        checkText("node", request.node());
        checkText("newVersion", request.newVersion());
        checkDuration(request.leaseDuration());
        if (request.takeoverVersion() != null) {
            checkText("takeoverVersion", request.takeoverVersion());
        }
        if (request.data() != null && request.data().length > AcquireOptions.MAX_DATA_BYTES) {
            throw new IllegalArgumentException("data must be at most " + AcquireOptions.MAX_DATA_BYTES
                    + " bytes (DynamoDB's 400 KB item limit), was " + request.data().length + " bytes for lock '"
                    + request.name() + "'");
        }
        return update("grant", request.name(), () -> items.grant(request));
    }

    @Override
    public StoreResult renew(
            String name, String owner, Collection<String> expectedVersions, String newVersion, Duration leaseDuration) {
        checkHeld(name, owner);
        Set<String> versions = checkVersions(expectedVersions);
        checkText("newVersion", newVersion);
        checkDuration(leaseDuration);
        return update("renew", name, () -> items.renew(name, owner, versions, newVersion, leaseDuration));
    }

    @Override
    public StoreResult release(String name, String owner, Collection<String> expectedVersions) {
        checkHeld(name, owner);
        Set<String> versions = checkVersions(expectedVersions);
        return update("release", name, () -> items.release(name, owner, versions));
    }

    @Override
    public StoreResult prepare(
            String name,
            String owner,
            Collection<String> expectedVersions,
            String newVersion,
            Duration leaseDuration,
            String transactionId) {
        checkHeld(name, owner);
        Set<String> versions = checkVersions(expectedVersions);
        checkText("newVersion", newVersion);
        checkDuration(leaseDuration);
        checkText("transactionId", transactionId);
        return update(
                "prepare", name, () -> items.prepare(name, owner, versions, newVersion, leaseDuration, transactionId));
    }

    @Override
    public StoreResult completeTransaction(String name, String transactionId, boolean release) {
        checkName(name);
        checkText("transactionId", transactionId);
        return update(
                "complete the transaction of", name, () -> items.completeTransaction(name, transactionId, release));
    }

    @Override
    public Optional<LeaseRecord> read(String name) {
        checkName(name);
        GetItemResponse response;
        try {
            response = client.getItem(items.read(name));
        } catch (SdkException e) {
            throw failures.unavailable("read", "GetItem", name, e);
        }
        return response.hasItem() && !response.item().isEmpty()
                ? Optional.of(items.toRecord(response.item()))
                : Optional.empty();
    }

    @Override
    public List<LeaseRecord> findPrepared(String node) {
        checkText("node", node);
        List<LeaseRecord> records = new ArrayList<>();
        Map<String, AttributeValue> startKey = null;
        do {
            ScanResponse page;
            try {
                page = client.scan(items.findPrepared(node, startKey));
            } catch (SdkException e) {
                throw failures.unavailable("find the prepared leases of node '" + node + "'", "Scan", null, e);
            }
            page.items().forEach(item -> records.add(items.toRecord(item)));
            startKey =
                    page.hasLastEvaluatedKey() && !page.lastEvaluatedKey().isEmpty() ? page.lastEvaluatedKey() : null;
        } while (startKey != null);
        return records;
    }

    @Override
    public String storeId() {
        return storeId;
    }

    @Override
    public String toString() {
        return "DynamoDbLeaseStore[" + storeId + "]";
    }

    private StoreResult update(String operation, String name, Supplier<UpdateItemRequest> request) {
        try {
            return StoreResult.success(
                    items.toRecord(client.updateItem(request.get()).attributes()));
        } catch (ConditionalCheckFailedException e) {
            return StoreResult.conflict(e.hasItem() && !e.item().isEmpty() ? items.toRecord(e.item()) : null);
        } catch (SdkException e) {
            throw failures.unavailable(operation, "UpdateItem", name, e);
        }
    }

    private static String describe(DynamoDbClient client, String tableName) {
        String where;
        try {
            DynamoDbServiceClientConfiguration configuration = client.serviceClientConfiguration();
            where = "endpoint="
                    + configuration.endpointOverride().map(Object::toString).orElse("default") + ", region="
                    + configuration.region();
        } catch (UnsupportedOperationException e) {
            where = "client=" + client.getClass().getName() + "@"
                    + Integer.toHexString(System.identityHashCode(client));
        }
        return "dynamodb[" + where + ", table=" + tableName + "]";
    }

    private static void checkHeld(String name, String owner) {
        checkName(name);
        checkText("owner", owner);
    }

    private static void checkName(String name) {
        LockNames.check(name);
    }

    private static void checkText(String argument, String value) {
        Objects.requireNonNull(value, () -> argument + " must not be null");
        if (value.isEmpty()) {
            throw new IllegalArgumentException(argument + " must not be empty");
        }
    }

    private static void checkDuration(Duration leaseDuration) {
        Objects.requireNonNull(leaseDuration, "leaseDuration must not be null");
        if (leaseDuration.toMillis() <= 0) {
            throw new IllegalArgumentException("leaseDuration must be at least 1 ms, was " + leaseDuration);
        }
    }

    private static Set<String> checkVersions(Collection<String> expectedVersions) {
        Objects.requireNonNull(expectedVersions, "expectedVersions must not be null");
        Set<String> versions = new LinkedHashSet<>();
        for (String version : expectedVersions) {
            checkText("expectedVersions element", version);
            versions.add(version);
        }
        if (versions.isEmpty() || versions.size() > MAX_EXPECTED_VERSIONS) {
            throw new IllegalArgumentException("expectedVersions must hold 1 to " + MAX_EXPECTED_VERSIONS
                    + " distinct versions, held " + versions.size());
        }
        return versions;
    }

    /** Builds a {@link DynamoDbLeaseStore}; not thread-safe. */
    public static final class Builder {
        private final DynamoDbClient client;
        private String tableName = DEFAULT_TABLE_NAME;
        private DynamoDbLeaseAttributes attributes = DynamoDbLeaseAttributes.defaults();

        private Builder(DynamoDbClient client) {
            this.client = client;
        }

        /**
         * Sets the table name (default {@value #DEFAULT_TABLE_NAME}).
         *
         * @param tableName 3 to 255 characters: letters, digits, {@code _ - .}
         * @return this builder
         */
        public Builder tableName(String tableName) {
            Objects.requireNonNull(tableName, "tableName must not be null");
            if (!tableName.matches("[A-Za-z0-9_.-]{3,255}")) {
                throw new IllegalArgumentException("tableName must be 3 to 255 characters of letters, digits, '_',"
                        + " '-' and '.', was '" + tableName + "'");
            }
            this.tableName = tableName;
            return this;
        }

        /**
         * Sets the attribute names (default {@link DynamoDbLeaseAttributes#defaults()}).
         *
         * @param attributes the attribute names
         * @return this builder
         */
        public Builder attributes(DynamoDbLeaseAttributes attributes) {
            this.attributes = Objects.requireNonNull(attributes, "attributes must not be null");
            return this;
        }

        /** Returns the store; sends no request. */
        public DynamoDbLeaseStore build() {
            return new DynamoDbLeaseStore(this);
        }
    }
}
