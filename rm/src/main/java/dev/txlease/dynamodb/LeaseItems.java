package dev.txlease.dynamodb;

import dev.txlease.LeaseStoreUnavailableException;
import dev.txlease.spi.GrantRequest;
import dev.txlease.spi.LeaseRecord;
import java.time.Clock;
import java.time.Duration;
import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import java.util.StringJoiner;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.GetItemRequest;
import software.amazon.awssdk.services.dynamodb.model.ReturnValue;
import software.amazon.awssdk.services.dynamodb.model.ReturnValuesOnConditionCheckFailure;
import software.amazon.awssdk.services.dynamodb.model.UpdateItemRequest;

/**
 * Builds the DynamoDB requests of a {@link DynamoDbLeaseStore} and maps items back to {@link
 * LeaseRecord}s. Expressions use fixed placeholders ({@code #owner}, {@code :owner}, ...); each
 * request names only the placeholders it uses, as DynamoDB rejects unused ones.
 *
 * <p>Instances are immutable and thread-safe.
 */
final class LeaseItems {
    private static final Pattern NAME_PLACEHOLDER = Pattern.compile("#[A-Za-z]+");
    private static final AttributeValue TRUE = AttributeValue.fromBool(true);
    private static final AttributeValue FALSE = AttributeValue.fromBool(false);

    /**
     * Fence tokens per millisecond of the fence base: a new item's first token is {@code
     * epochMillis * 1,000,000 + 1}, so an item re-created later starts above the tokens of the one
     * it replaces unless that one was granted more than a million times per millisecond it existed.
     */
    static final long FENCE_BASE_PER_MILLISECOND = 1_000_000L;

    private final String tableName;
    private final DynamoDbLeaseAttributes attributes;
    private final Clock wallClock;
    private final Duration releasedItemExpiry;
    private final Map<String, String> placeholders;

    /**
     * @param releasedItemExpiry how long after release a released item may be deleted by TTL, or
     *     {@code null} to write no expiry
     */
    LeaseItems(String tableName, DynamoDbLeaseAttributes attributes, Clock wallClock, Duration releasedItemExpiry) {
        this.tableName = tableName;
        this.attributes = attributes;
        this.wallClock = wallClock;
        this.releasedItemExpiry = releasedItemExpiry;
        this.placeholders = Map.ofEntries(
                Map.entry("#expires", attributes.expiresAt()),
                Map.entry("#pk", attributes.partitionKey()),
                Map.entry("#owner", attributes.owner()),
                Map.entry("#version", attributes.version()),
                Map.entry("#fence", attributes.fence()),
                Map.entry("#exFence", attributes.exclusiveFence()),
                Map.entry("#duration", attributes.leaseDuration()),
                Map.entry("#data", attributes.data()),
                Map.entry("#released", attributes.released()),
                Map.entry("#node", attributes.node()),
                Map.entry("#txid", attributes.transactionId()),
                Map.entry("#waiter", attributes.waiter()),
                Map.entry("#ho", HolderItems.OWNER),
                Map.entry("#hv", HolderItems.VERSION),
                Map.entry("#hd", HolderItems.DURATION),
                Map.entry("#hn", HolderItems.NODE),
                Map.entry("#hb", HolderItems.DATA),
                Map.entry("#hx", HolderItems.TRANSACTION),
                Map.entry("#wi", HolderItems.WAITER_ID),
                Map.entry("#wm", HolderItems.WAITER_MODE));
    }

    /** Returns a builder over this table's fixed placeholders. */
    UpdateBuilder builder() {
        return new UpdateBuilder(placeholders);
    }

    /** Returns the conditional update of {@code name} that {@code update} describes. */
    UpdateItemRequest update(String name, UpdateBuilder update) {
        return UpdateItemRequest.builder()
                .tableName(tableName)
                .key(key(name))
                .updateExpression(update.updateExpression())
                .conditionExpression(update.conditionExpression())
                .expressionAttributeNames(update.names())
                .expressionAttributeValues(update.values())
                .returnValues(ReturnValue.ALL_NEW)
                .returnValuesOnConditionCheckFailure(ReturnValuesOnConditionCheckFailure.ALL_OLD)
                .build();
    }

    DynamoDbLeaseAttributes attributes() {
        return attributes;
    }

    UpdateItemRequest grant(GrantRequest request) {
        return update(request.name(), new GrantItems(this, request).build());
    }

    UpdateItemRequest renew(
            String name, String owner, Collection<String> expectedVersions, String newVersion, Duration leaseDuration) {
        Map<String, AttributeValue> values = new HashMap<>();
        String condition = heldBy(owner, expectedVersions, values);
        values.put(":newVersion", string(newVersion));
        values.put(":duration", millis(leaseDuration));
        return update(name, "SET #version = :newVersion, #duration = :duration", condition, values);
    }

    UpdateItemRequest release(String name, String owner, Collection<String> expectedVersions) {
        Map<String, AttributeValue> values = new HashMap<>();
        String condition = heldBy(owner, expectedVersions, values);
        return update(name, releaseExpression(values), condition, values);
    }

    UpdateItemRequest prepare(
            String name,
            String owner,
            Collection<String> expectedVersions,
            String newVersion,
            Duration leaseDuration,
            String transactionId) {
        Map<String, AttributeValue> values = new HashMap<>();
        String condition = heldBy(owner, expectedVersions, values);
        values.put(":newVersion", string(newVersion));
        values.put(":duration", millis(leaseDuration));
        values.put(":txid", string(transactionId));
        return update(name, "SET #version = :newVersion, #duration = :duration, #txid = :txid", condition, values);
    }

    UpdateItemRequest completeTransaction(String name, String transactionId, boolean release) {
        Map<String, AttributeValue> values = new HashMap<>();
        values.put(":txid", string(transactionId));
        return update(name, release ? releaseExpression(values) : "REMOVE #txid", "#txid = :txid", values);
    }

    /** The first token of a new item, less one: now on the wall clock, in fence units. */
    long fenceBase() {
        return Math.multiplyExact(wallClock.millis(), FENCE_BASE_PER_MILLISECOND);
    }

    /** Clears the holder and marks the item released, stamping the TTL expiry if configured. */
    String releaseExpression(Map<String, AttributeValue> values) {
        values.put(":true", TRUE);
        if (releasedItemExpiry == null) {
            return "SET #released = :true REMOVE #owner, #data, #txid";
        }
        long expiresAt = wallClock.instant().plus(releasedItemExpiry).getEpochSecond();
        values.put(":expires", AttributeValue.fromN(Long.toString(expiresAt)));
        return "SET #released = :true, #expires = :expires REMOVE #owner, #data, #txid";
    }

    GetItemRequest read(String name) {
        return GetItemRequest.builder()
                .tableName(tableName)
                .key(key(name))
                .consistentRead(true)
                .build();
    }

    /**
     * Maps an item to a record.
     *
     * @throws LeaseStoreUnavailableException if the item lacks the version, fence or lease duration
     */
    LeaseRecord toRecord(Map<String, AttributeValue> item) {
        String name = required(item, attributes.partitionKey(), null).s();
        AttributeValue data = item.get(attributes.data());
        boolean isReleased = Boolean.TRUE.equals(
                item.getOrDefault(attributes.released(), FALSE).bool());
        String version = required(item, attributes.version(), name).s();
        long fence = Long.parseLong(required(item, attributes.fence(), name).n());
        AttributeValue exclusiveFence = item.get(attributes.exclusiveFence());
        return new LeaseRecord(
                name,
                optionalString(item, attributes.owner()),
                version,
                fence,
                isReleased || exclusiveFence == null || exclusiveFence.n() == null
                        ? fence // items without NL grants since the EX grant, and those of earlier versions
                        : Long.parseLong(exclusiveFence.n()),
                Duration.ofMillis(Long.parseLong(
                        required(item, attributes.leaseDuration(), name).n())),
                data == null || data.b() == null ? null : data.b().asByteArray(),
                isReleased,
                optionalString(item, attributes.node()),
                optionalString(item, attributes.transactionId()),
                HolderItems.holders(item, attributes.holderPrefix()),
                HolderItems.waiter(item, attributes.waiter()));
    }

    private String heldBy(String owner, Collection<String> expectedVersions, Map<String, AttributeValue> values) {
        values.put(":owner", string(owner));
        values.put(":false", FALSE);
        StringJoiner versions = new StringJoiner(", ", "(", ")");
        int index = 0;
        for (String version : expectedVersions) {
            String placeholder = ":v" + index++;
            values.put(placeholder, string(version));
            versions.add(placeholder);
        }
        return "#owner = :owner AND #version IN " + versions + " AND #released = :false";
    }

    private UpdateItemRequest update(
            String name, String updateExpression, String condition, Map<String, AttributeValue> values) {
        return UpdateItemRequest.builder()
                .tableName(tableName)
                .key(key(name))
                .updateExpression(updateExpression)
                .conditionExpression(condition)
                .expressionAttributeNames(names(updateExpression + " " + condition))
                .expressionAttributeValues(values)
                .returnValues(ReturnValue.ALL_NEW)
                .returnValuesOnConditionCheckFailure(ReturnValuesOnConditionCheckFailure.ALL_OLD)
                .build();
    }

    private Map<String, AttributeValue> key(String name) {
        return Map.of(attributes.partitionKey(), string(name));
    }

    private Map<String, String> names(String expressions) {
        Map<String, String> names = new HashMap<>();
        Matcher matcher = NAME_PLACEHOLDER.matcher(expressions);
        while (matcher.find()) {
            String placeholder = matcher.group();
            if (placeholders.containsKey(placeholder)) {
                names.put(placeholder, placeholders.get(placeholder));
            }
        }
        return names;
    }

    private AttributeValue required(Map<String, AttributeValue> item, String attribute, String lockName) {
        AttributeValue value = item.get(attribute);
        if (value == null || (value.s() == null && value.n() == null)) {
            throw new LeaseStoreUnavailableException(
                    "item" + (lockName == null ? "" : " of lock '" + lockName + "'") + " in DynamoDB table '"
                            + tableName + "' lacks attribute '" + attribute + "' (or it has the wrong type):"
                            + " check that the table is used only by txlease and that every store over it is"
                            + " configured with the same attribute names " + attributes,
                    lockName,
                    null);
        }
        return value;
    }

    private static String optionalString(Map<String, AttributeValue> item, String attribute) {
        AttributeValue value = item.get(attribute);
        return value == null ? null : value.s();
    }

    private static AttributeValue string(String value) {
        return AttributeValue.fromS(value);
    }

    private static AttributeValue millis(Duration duration) {
        return AttributeValue.fromN(Long.toString(duration.toMillis()));
    }
}
