package dev.txlease.dynamodb;

import dev.txlease.LeaseStoreUnavailableException;
import dev.txlease.LockMode;
import dev.txlease.spi.HolderRef;
import dev.txlease.spi.PreparedBranch;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.DeleteItemRequest;
import software.amazon.awssdk.services.dynamodb.model.PutItemRequest;
import software.amazon.awssdk.services.dynamodb.model.QueryRequest;

/**
 * The items of a {@link DynamoDbLeaseStore} that keep prepared transaction branches, in the same
 * table as the lock items but apart from them, so a takeover of a lock does not erase its branch:
 *
 * <pre>
 *   name            S     partition key: U+0001 "prepared:" node "/" txid (a control character,
 *                         which no lock name contains, so it never meets a lock item)
 *   preparedNode    S     key of the sparse index {@value DynamoDbLeaseStore#PREPARED_INDEX}
 *   preparedTxid    S     its sort key: the branch's transaction id
 *   preparedLocks   L     the lock names (S), in acquisition order
 *   preparedKept    L     the lock names (S) whose leases completion keeps (only clears the txid)
 * </pre>
 *
 * <p>Only these items carry {@code preparedNode}, so the index holds only prepared branches and a
 * recovery pass reads nothing else. Instances are immutable and thread-safe.
 */
final class PreparedBranchItems {
    static final String NODE = "preparedNode";
    static final String TRANSACTION_ID = "preparedTxid";
    static final String LOCKS = "preparedLocks";
    static final String KEPT = "preparedKept";
    static final String HOLDERS = "preparedHolders";
    private static final String KEY_PREFIX = "\u0001prepared:";

    private final String tableName;
    private final String partitionKey;

    PreparedBranchItems(String tableName, String partitionKey) {
        this.tableName = tableName;
        this.partitionKey = partitionKey;
    }

    PutItemRequest save(PreparedBranch branch) {
        List<AttributeValue> kept = branch.lockNames().stream()
                .filter(name -> !branch.releases(name))
                .map(AttributeValue::fromS)
                .toList();
        Map<String, AttributeValue> item = new HashMap<>(Map.of(
                partitionKey, key(branch.node(), branch.transactionId()),
                NODE, AttributeValue.fromS(branch.node()),
                TRANSACTION_ID, AttributeValue.fromS(branch.transactionId()),
                LOCKS,
                        AttributeValue.fromL(branch.lockNames().stream()
                                .map(AttributeValue::fromS)
                                .toList()),
                KEPT, AttributeValue.fromL(kept)));
        if (!branch.holders().isEmpty()) {
            Map<String, AttributeValue> holders = new HashMap<>();
            branch.holders().forEach((name, ref) -> holders.put(name, AttributeValue.fromS(ref.toString())));
            item.put(HOLDERS, AttributeValue.fromM(holders));
        }
        return PutItemRequest.builder().tableName(tableName).item(item).build();
    }

    QueryRequest find(String node, Map<String, AttributeValue> exclusiveStartKey) {
        return QueryRequest.builder()
                .tableName(tableName)
                .indexName(DynamoDbLeaseStore.PREPARED_INDEX)
                .keyConditionExpression("#node = :node")
                .expressionAttributeNames(Map.of("#node", NODE))
                .expressionAttributeValues(Map.of(":node", AttributeValue.fromS(node)))
                .exclusiveStartKey(exclusiveStartKey)
                .build();
    }

    DeleteItemRequest forget(String node, String transactionId) {
        return DeleteItemRequest.builder()
                .tableName(tableName)
                .key(Map.of(partitionKey, key(node, transactionId)))
                .build();
    }

    PreparedBranch toBranch(Map<String, AttributeValue> item) {
        AttributeValue node = item.get(NODE);
        AttributeValue transactionId = item.get(TRANSACTION_ID);
        AttributeValue locks = item.get(LOCKS);
        AttributeValue kept = item.get(KEPT);
        if (node == null
                || node.s() == null
                || transactionId == null
                || transactionId.s() == null
                || locks == null
                || !locks.hasL()
                || kept == null
                || !kept.hasL()) {
            throw new LeaseStoreUnavailableException(
                    "a prepared-branch item in DynamoDB table '" + tableName + "' lacks " + NODE + ", "
                            + TRANSACTION_ID + ", " + LOCKS + " or " + KEPT + ": " + item.keySet()
                            + "; check that the table is used only by txlease",
                    null,
                    null);
        }
        List<String> names = locks.l().stream().map(AttributeValue::s).toList();
        Set<String> keptNames = new LinkedHashSet<>();
        kept.l().forEach(name -> keptNames.add(name.s()));
        Map<String, HolderRef> holders = new HashMap<>();
        AttributeValue holderValues = item.get(HOLDERS);
        if (holderValues != null && holderValues.hasM()) {
            holderValues.m().forEach((name, ref) -> {
                String[] parts = ref.s().split("/", 2);
                holders.put(name, HolderRef.of(LockMode.valueOf(parts[0]), parts[1]));
            });
        }
        return new PreparedBranch(node.s(), transactionId.s(), names, keptNames, holders);
    }

    private static AttributeValue key(String node, String transactionId) {
        return AttributeValue.fromS(KEY_PREFIX + node + "/" + transactionId);
    }
}
