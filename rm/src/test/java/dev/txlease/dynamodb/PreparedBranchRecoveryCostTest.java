package dev.txlease.dynamodb;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.txlease.spi.PreparedBranch;
import dev.txlease.testing.DynamoDbLocal;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.DoubleAdder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.BatchWriteItemRequest;
import software.amazon.awssdk.services.dynamodb.model.BatchWriteItemResponse;
import software.amazon.awssdk.services.dynamodb.model.PutRequest;
import software.amazon.awssdk.services.dynamodb.model.QueryRequest;
import software.amazon.awssdk.services.dynamodb.model.QueryResponse;
import software.amazon.awssdk.services.dynamodb.model.ReturnConsumedCapacity;
import software.amazon.awssdk.services.dynamodb.model.ScanRequest;
import software.amazon.awssdk.services.dynamodb.model.ScanResponse;
import software.amazon.awssdk.services.dynamodb.model.WriteRequest;

/**
 * Issue 12, item 4: a recovery pass ({@link DynamoDbLeaseStore#findPrepared}) costs in proportion to
 * the prepared branches of the node, not to the table: with 10,000 idle lock items (released, or held
 * by this node without a transaction) and two prepared branches, it is one request that reads under
 * two read capacity units. The first implementation scanned the whole table (hundreds of units, and a
 * page per megabyte).
 */
class PreparedBranchRecoveryCostTest {
    @RegisterExtension
    static final DynamoDbLocal DYNAMO = DynamoDbLocal.embedded();

    private static final String NODE = "node-a";

    @Test
    void aRecoveryPassReadsOnlyThePreparedBranchesOfItsNode() {
        DynamoDbLeaseStore seeded = DYNAMO.newStore();
        writeIdleItems(seeded, 10_000);
        MeteredClient metered = new MeteredClient(DYNAMO.client());
        DynamoDbLeaseStore store = DynamoDbLeaseStore.builder(metered)
                .tableName(seeded.tableName())
                .build();
        PreparedBranch first = new PreparedBranch(NODE, "tx-1", List.of("lock-1", "lock-2"), Set.of());
        PreparedBranch second = new PreparedBranch(NODE, "tx-2", List.of("lock-3"), Set.of("lock-3"));
        store.savePrepared(first);
        store.savePrepared(second);
        store.savePrepared(new PreparedBranch("node-b", "tx-3", List.of("lock-4"), Set.of()));

        List<PreparedBranch> found = store.findPrepared(NODE);

        assertEquals(Set.of(first, second), Set.copyOf(found));
        assertEquals(1, metered.reads.get(), "requests of one recovery pass");
        assertTrue(metered.readCapacity.sum() < 2, () -> "read capacity of one pass: " + metered.readCapacity);
    }

    /** Writes {@code count} lock items as a busy table has them: released, or held by {@code NODE}. */
    private static void writeIdleItems(DynamoDbLeaseStore store, int count) {
        DynamoDbClient client = DYNAMO.client();
        List<WriteRequest> batch = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            Map<String, AttributeValue> item = Map.of(
                    "name", AttributeValue.fromS("idle-" + i),
                    "version", AttributeValue.fromS("v-" + i),
                    "fence", AttributeValue.fromN("1"),
                    "leaseDurationMs", AttributeValue.fromN("20000"),
                    "released", AttributeValue.fromBool(i % 2 == 0),
                    "node", AttributeValue.fromS(NODE),
                    "owner", AttributeValue.fromS("owner-" + i));
            batch.add(WriteRequest.builder()
                    .putRequest(PutRequest.builder().item(item).build())
                    .build());
            if (batch.size() == 25 || i == count - 1) {
                BatchWriteItemResponse response = client.batchWriteItem(BatchWriteItemRequest.builder()
                        .requestItems(Map.of(store.tableName(), batch))
                        .build());
                assertTrue(response.unprocessedItems().isEmpty(), "DynamoDB Local left items unprocessed");
                batch = new ArrayList<>();
            }
        }
    }

    /** A client that counts the reads of many items and sums the read capacity they consumed. */
    private static final class MeteredClient implements DynamoDbClient {
        private final DynamoDbClient client;
        private final AtomicLong reads = new AtomicLong();
        private final DoubleAdder readCapacity = new DoubleAdder();

        MeteredClient(DynamoDbClient client) {
            this.client = client;
        }

        @Override
        public QueryResponse query(QueryRequest request) {
            reads.incrementAndGet();
            QueryResponse response = client.query(request.toBuilder()
                    .returnConsumedCapacity(ReturnConsumedCapacity.TOTAL)
                    .build());
            readCapacity.add(response.consumedCapacity().capacityUnits());
            return response;
        }

        @Override
        public ScanResponse scan(ScanRequest request) {
            reads.incrementAndGet();
            ScanResponse response = client.scan(request.toBuilder()
                    .returnConsumedCapacity(ReturnConsumedCapacity.TOTAL)
                    .build());
            readCapacity.add(response.consumedCapacity().capacityUnits());
            return response;
        }

        @Override
        public software.amazon.awssdk.services.dynamodb.model.PutItemResponse putItem(
                software.amazon.awssdk.services.dynamodb.model.PutItemRequest request) {
            return client.putItem(request);
        }

        @Override
        public String serviceName() {
            return client.serviceName();
        }

        @Override
        public void close() {}
    }
}
