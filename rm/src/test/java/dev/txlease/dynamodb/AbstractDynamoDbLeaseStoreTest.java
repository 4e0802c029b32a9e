package dev.txlease.dynamodb;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.txlease.LeaseStoreUnavailableException;
import dev.txlease.spi.GrantRequest;
import dev.txlease.spi.LeaseRecord;
import dev.txlease.spi.LeaseStore;
import dev.txlease.spi.PreparedBranch;
import dev.txlease.spi.StoreResult;
import dev.txlease.testing.DynamoDbLocal;
import dev.txlease.testing.LeaseStoreContract;
import dev.txlease.testing.RequestCounter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.dynamodb.model.AttributeDefinition;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.CreateTableRequest;
import software.amazon.awssdk.services.dynamodb.model.KeySchemaElement;
import software.amazon.awssdk.services.dynamodb.model.KeyType;
import software.amazon.awssdk.services.dynamodb.model.ProvisionedThroughput;
import software.amazon.awssdk.services.dynamodb.model.ScalarAttributeType;

/** The lease store contract plus what is particular to DynamoDB, on either DynamoDB Local mode. */
abstract class AbstractDynamoDbLeaseStoreTest extends LeaseStoreContract {

    /** Returns the DynamoDB Local extension of the concrete test class. */
    abstract DynamoDbLocal dynamo();

    @Override
    protected LeaseStore newStore() {
        DynamoDbLeaseStore store = dynamo().newStore();
        dynamo().requests().reset();
        return store;
    }

    @Override
    protected long requestsSent() {
        return dynamo().requests().total();
    }

    DynamoDbLeaseStore dynamoStore() {
        return (DynamoDbLeaseStore) store;
    }

    @Test
    void everyOperationIsOneRequest() {
        String name = newName();
        RequestCounter requests = dynamo().requests();

        LeaseRecord alice = expectOneRequest("UpdateItem", () -> grant(name, "alice"));
        expectOneRequest("UpdateItem", () -> store.tryGrant(grantRequest(name, "bob", newVersion())));
        String renewed = newVersion();
        expectOneRequest("UpdateItem", () -> store.renew(name, "alice", List.of(alice.version()), renewed, LEASE));
        String prepared = newVersion();
        expectOneRequest("UpdateItem", () -> store.prepare(name, "alice", List.of(renewed), prepared, LEASE, "tx-1"));
        expectOneRequest("UpdateItem", () -> store.completeTransaction(name, "tx-1", false));
        expectOneRequest("UpdateItem", () -> store.release(name, "alice", List.of(prepared)));
        expectOneRequest("GetItem", () -> store.read(name));
        PreparedBranch branch = new PreparedBranch(NODE, "tx-1", List.of(name), Set.of());
        expectOneRequest("PutItem", () -> {
            store.savePrepared(branch);
            return branch;
        });
        expectOneRequest("Query", () -> store.findPrepared(NODE));
        expectOneRequest("DeleteItem", () -> {
            store.forgetPrepared(NODE, "tx-1");
            return branch;
        });
        assertEquals(0, requests.total());
    }

    private <T> T expectOneRequest(String operation, Supplier<T> call) {
        RequestCounter requests = dynamo().requests();
        requests.reset();
        T result = call.get();
        assertEquals(Map.of(operation, 1L), requests.snapshot(), () -> "requests of " + result);
        requests.reset();
        return result;
    }

    @Test
    void expectedVersionsAreLimitedToDynamoDbsInOperands() {
        String name = newName();
        LeaseRecord alice = grant(name, "alice");
        List<String> hundred = new ArrayList<>();
        for (int i = 1; i < 100; i++) {
            hundred.add(newVersion());
        }
        hundred.add(alice.version());
        List<String> tooMany = new ArrayList<>(hundred);
        tooMany.add(newVersion());
        dynamo().requests().reset();

        assertThrows(IllegalArgumentException.class, () -> store.release(name, "alice", tooMany));
        assertEquals(0, dynamo().requests().total());
        assertTrue(store.release(name, "alice", hundred).succeeded());
    }

    @Test
    void itemsUseTheDocumentedSchemaAndReleaseKeepsTheItem() {
        String name = newName();
        LeaseRecord alice = grant(name, "alice");
        store.release(name, "alice", List.of(alice.version()));

        Map<String, AttributeValue> item = rawItem(dynamoStore(), "name", name);

        assertEquals(
                Map.of(
                        "name", AttributeValue.fromS(name),
                        "version", AttributeValue.fromS(alice.version()),
                        "fence", AttributeValue.fromN(Long.toString(alice.fence())),
                        "leaseDurationMs", AttributeValue.fromN(Long.toString(LEASE.toMillis())),
                        "released", AttributeValue.fromBool(true),
                        "node", AttributeValue.fromS(NODE)),
                item);
    }

    @Test
    void configuredAttributeNamesAreUsed() {
        DynamoDbLeaseAttributes attributes = DynamoDbLeaseAttributes.builder()
                .partitionKey("lock_id")
                .owner("holder")
                .version("rvn")
                .fence("token")
                .leaseDuration("duration_ms")
                .data("payload")
                .released("is_released")
                .node("host")
                .transactionId("xid")
                .build();
        DynamoDbLeaseStore custom = dynamo().newStore(builder -> builder.attributes(attributes));
        String name = newName();
        String version = newVersion();

        StoreResult granted =
                custom.tryGrant(new GrantRequest(name, "alice", NODE, version, LEASE, new byte[] {7}, null));
        custom.prepare(name, "alice", List.of(version), version, LEASE, "tx-1");

        assertTrue(granted.succeeded());
        assertEquals(
                List.of("duration_ms", "holder", "host", "is_released", "lock_id", "payload", "rvn", "token", "xid"),
                rawItem(custom, "lock_id", name).keySet().stream().sorted().toList());
        PreparedBranch branch = new PreparedBranch(NODE, "tx-1", List.of(name), Set.of());
        custom.savePrepared(branch);
        assertEquals(List.of(branch), custom.findPrepared(NODE));
    }

    /** A table made elsewhere (here: provisioned, as another lock library makes it) gets the index. */
    @Test
    void createTableIfMissingAddsThePreparedIndexToAnExistingProvisionedTable() {
        String table = dynamo().newTableName();
        dynamo().client()
                .createTable(CreateTableRequest.builder()
                        .tableName(table)
                        .attributeDefinitions(AttributeDefinition.builder()
                                .attributeName("name")
                                .attributeType(ScalarAttributeType.S)
                                .build())
                        .keySchema(KeySchemaElement.builder()
                                .attributeName("name")
                                .keyType(KeyType.HASH)
                                .build())
                        .provisionedThroughput(ProvisionedThroughput.builder()
                                .readCapacityUnits(5L)
                                .writeCapacityUnits(5L)
                                .build())
                        .build());
        DynamoDbLeaseStore existing =
                DynamoDbLeaseStore.builder(dynamo().client()).tableName(table).build();

        existing.createTableIfMissing();

        PreparedBranch branch = new PreparedBranch(NODE, "tx-1", List.of("lock-1"), Set.of());
        existing.savePrepared(branch);
        assertEquals(List.of(branch), existing.findPrepared(NODE));
    }

    @Test
    void createTableIfMissingIsIdempotent() {
        dynamoStore().createTableIfMissing();
        DynamoDbLeaseStore.builder(dynamo().client())
                .tableName(dynamoStore().tableName())
                .build()
                .createTableIfMissing();

        assertTrue(grant(newName(), "alice").fence() > 0);
    }

    @Test
    void createTableIfMissingRejectsATableWithAnotherKey() {
        DynamoDbLeaseStore other = DynamoDbLeaseStore.builder(dynamo().client())
                .tableName(dynamoStore().tableName())
                .attributes(
                        DynamoDbLeaseAttributes.builder().partitionKey("lock").build())
                .build();

        LeaseStoreUnavailableException e =
                assertThrows(LeaseStoreUnavailableException.class, other::createTableIfMissing);

        assertTrue(e.getMessage().contains(dynamoStore().tableName()), e.getMessage());
        assertTrue(e.getMessage().contains("'lock'"), e.getMessage());
    }

    @Test
    void storeIdIsEqualForTheSameTableOnly() {
        DynamoDbLeaseStore same = DynamoDbLeaseStore.builder(dynamo().client())
                .tableName(dynamoStore().tableName())
                .build();
        DynamoDbLeaseStore other = DynamoDbLeaseStore.builder(dynamo().client())
                .tableName(dynamo().newTableName())
                .build();

        assertEquals(store.storeId(), same.storeId());
        assertNotEquals(store.storeId(), other.storeId());
        assertTrue(store.storeId().contains(dynamoStore().tableName()), store.storeId());
    }

    @Test
    void aMissingTableIsUnavailableNamingTheLockOperationAndTable() {
        String table = dynamo().newTableName();
        DynamoDbLeaseStore missing =
                DynamoDbLeaseStore.builder(dynamo().client()).tableName(table).build();
        String name = newName();

        LeaseStoreUnavailableException e = assertThrows(
                LeaseStoreUnavailableException.class,
                () -> missing.tryGrant(grantRequest(name, "alice", newVersion())));

        assertEquals(name, e.lockName());
        assertTrue(e.getMessage().contains("grant lock '" + name + "'"), e.getMessage());
        assertTrue(e.getMessage().contains(table), e.getMessage());
        assertTrue(e.getMessage().contains("createTableIfMissing"), e.getMessage());
    }

    @Test
    void anItemWithoutAVersionIsReportedNotMisread() {
        String name = newName();
        dynamo().client().putItem(request -> request.tableName(dynamoStore().tableName())
                .item(Map.of("name", AttributeValue.fromS(name), "owner", AttributeValue.fromS("stranger"))));

        LeaseStoreUnavailableException e = assertThrows(LeaseStoreUnavailableException.class, () -> store.read(name));

        assertEquals(name, e.lockName());
        assertTrue(e.getMessage().contains("'version'"), e.getMessage());
    }

    @Test
    void builderChecksItsArguments() {
        DynamoDbLeaseStore.Builder builder = DynamoDbLeaseStore.builder(dynamo().client());

        assertThrows(NullPointerException.class, () -> DynamoDbLeaseStore.builder(null));
        assertMessageNames("tableName", assertThrows(NullPointerException.class, () -> builder.tableName(null)));
        assertMessageNames("tableName", assertThrows(IllegalArgumentException.class, () -> builder.tableName("ab")));
        assertMessageNames(
                "tableName", assertThrows(IllegalArgumentException.class, () -> builder.tableName("locks table")));
        assertMessageNames("attributes", assertThrows(NullPointerException.class, () -> builder.attributes(null)));
        assertMessageNames("owner", assertThrows(IllegalArgumentException.class, () -> DynamoDbLeaseAttributes.builder()
                .owner("")));
        assertMessageNames(
                "'name'", assertThrows(IllegalArgumentException.class, () -> DynamoDbLeaseAttributes.builder()
                        .owner("name")
                        .build()));
        assertFalse(builder.build().storeId().isBlank());
    }

    private static void assertMessageNames(String argument, RuntimeException e) {
        assertTrue(e.getMessage().contains(argument), () -> "'" + e.getMessage() + "' should name " + argument);
    }

    Map<String, AttributeValue> rawItem(DynamoDbLeaseStore target, String keyName, String name) {
        return dynamo().client()
                .getItem(request -> request.tableName(target.tableName())
                        .key(Map.of(keyName, AttributeValue.fromS(name)))
                        .consistentRead(true))
                .item();
    }
}
