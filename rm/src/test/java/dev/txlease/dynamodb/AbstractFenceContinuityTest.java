package dev.txlease.dynamodb;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.txlease.LeaseStoreUnavailableException;
import dev.txlease.spi.GrantRequest;
import dev.txlease.spi.LeaseRecord;
import dev.txlease.spi.StoreResult;
import dev.txlease.testing.DynamoDbLocal;
import dev.txlease.testing.ManualWallClock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Consumer;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.TimeToLiveStatus;

/**
 * Issue 10, item 4: the fence tokens of a name never go back when its item disappears (operator
 * {@code DeleteItem}, TTL, a re-created table, an item without a fence), nor across the upgrade from
 * items whose counter started at 1. The wall clock is a test's, moved forward as time passes between
 * an item's creation and its re-creation.
 */
abstract class AbstractFenceContinuityTest {
    private static final Duration LEASE = Duration.ofSeconds(20);
    private static final String NODE = "node-a";

    private final ManualWallClock wallClock = ManualWallClock.startingNow();
    private DynamoDbLeaseStore store;

    abstract DynamoDbLocal dynamo();

    @BeforeEach
    void createStore() {
        store = newStore(builder -> {});
    }

    private DynamoDbLeaseStore newStore(Consumer<DynamoDbLeaseStore.Builder> customizer) {
        return dynamo().newStore(builder -> customizer.accept(builder.wallClock(wallClock)));
    }

    @Test
    void aNewItemStartsAtTheClockBaseAndCountsUpByOne() {
        String name = newName();
        long base = wallClock.millis() * LeaseItems.FENCE_BASE_PER_MILLISECOND;

        long first = grantAndRelease(store, name);
        long second = grantAndRelease(store, name);

        assertEquals(base + 1, first);
        assertEquals(first + 1, second);
    }

    @Test
    void aDeletedItemStartsAboveEveryTokenItGaveOut() {
        String name = newName();
        grantAndRelease(store, name);
        long last = grantAndRelease(store, name);
        wallClock.advance(Duration.ofSeconds(1));

        deleteItem(store, name);

        assertTrue(grantAndRelease(store, name) > last);
    }

    @Test
    void aHeldItemDeletedByAnOperatorIsGrantedAboveItsHoldersToken() {
        String name = newName();
        LeaseRecord alice = grant(store, name, "alice");
        wallClock.advance(Duration.ofMillis(1));

        deleteItem(store, name);
        LeaseRecord bob = grant(store, name, "bob");

        assertTrue(bob.fenceToken().isNewerThan(alice.fenceToken()), () -> bob + " after " + alice);
        assertFalse(store.renew(name, "alice", List.of(alice.version()), newVersion(), LEASE)
                .succeeded());
    }

    @Test
    void anItemWithoutAFenceStartsAboveTheTokensItGaveOut() {
        String name = newName();
        long last = grantAndRelease(store, name);
        wallClock.advance(Duration.ofSeconds(1));
        dynamo().client()
                .updateItem(request ->
                        request.tableName(store.tableName()).key(key(name)).updateExpression("REMOVE fence"));

        assertTrue(grantAndRelease(store, name) > last);
    }

    @Test
    void aRecreatedTableStartsAboveTheTokensOfTheDeletedOne() {
        String name = newName();
        long last = grantAndRelease(store, name);
        wallClock.advance(Duration.ofSeconds(1));

        dynamo().client().deleteTable(request -> request.tableName(store.tableName()));
        store.createTableIfMissing();

        assertTrue(grantAndRelease(store, name) > last);
    }

    @Test
    void itemsOfTheCountingFormatKeepCountingFromTheirToken() {
        String released = newName();
        String held = newName();
        putItem(
                released,
                Map.of(
                        "version", AttributeValue.fromS("v-old"),
                        "fence", AttributeValue.fromN("3"),
                        "leaseDurationMs", AttributeValue.fromN("20000"),
                        "released", AttributeValue.fromBool(true),
                        "node", AttributeValue.fromS(NODE)));
        putItem(
                held,
                Map.of(
                        "owner", AttributeValue.fromS("alice"),
                        "version", AttributeValue.fromS("v-alice"),
                        "fence", AttributeValue.fromN("7"),
                        "leaseDurationMs", AttributeValue.fromN("20000"),
                        "released", AttributeValue.fromBool(false),
                        "node", AttributeValue.fromS(NODE)));

        assertEquals(4, grantAndRelease(store, released));
        String renewed = newVersion();
        assertTrue(
                store.renew(held, "alice", List.of("v-alice"), renewed, LEASE).succeeded());
        assertTrue(store.release(held, "alice", List.of(renewed)).succeeded());
        assertEquals(8, grantAndRelease(store, held));
    }

    @Test
    void releasedItemExpiryStampsReleasedItemsOnlyAndTurnsTtlOn() {
        DynamoDbLeaseStore expiring = newStore(builder -> builder.releasedItemExpiry(Duration.ofDays(7)));
        String name = newName();

        LeaseRecord alice = grant(expiring, name, "alice");
        assertNull(rawItem(expiring, name).get("expiresAt"), "a held item must never expire");
        assertTrue(expiring.release(name, "alice", List.of(alice.version())).succeeded());
        assertEquals(
                AttributeValue.fromN(Long.toString(
                        wallClock.instant().plus(Duration.ofDays(7)).getEpochSecond())),
                rawItem(expiring, name).get("expiresAt"));
        grant(expiring, name, "bob");
        assertNull(rawItem(expiring, name).get("expiresAt"), "a grant removes the expiry");

        assertEquals(TimeToLiveStatus.ENABLED, ttlStatus(expiring));
    }

    @Test
    void anItemDeletedByTtlAfterItsExpiryStartsAboveItsTokens() {
        DynamoDbLeaseStore expiring = newStore(builder -> builder.releasedItemExpiry(Duration.ofDays(1)));
        String name = newName();
        grantAndRelease(expiring, name);
        long last = grantAndRelease(expiring, name);
        wallClock.advance(Duration.ofDays(1).plusMinutes(1));

        // DynamoDB Local does not run TTL: delete the item as TTL would, once its expiry has passed.
        long expiresAt = Long.parseLong(rawItem(expiring, name).get("expiresAt").n());
        assertTrue(expiresAt < wallClock.instant().getEpochSecond());
        deleteItem(expiring, name);

        assertTrue(grantAndRelease(expiring, name) > last);
    }

    @Test
    void aTransactionCompletionThatReleasesStampsTheExpiryToo() {
        DynamoDbLeaseStore expiring = newStore(builder -> builder.releasedItemExpiry(Duration.ofHours(1)));
        String name = newName();
        LeaseRecord alice = grant(expiring, name, "alice");
        assertTrue(expiring.prepare(name, "alice", List.of(alice.version()), newVersion(), LEASE, "tx-1")
                .succeeded());

        assertTrue(expiring.completeTransaction(name, "tx-1", true).succeeded());

        assertEquals(
                AttributeValue.fromN(Long.toString(
                        wallClock.instant().plus(Duration.ofHours(1)).getEpochSecond())),
                rawItem(expiring, name).get("expiresAt"));
    }

    /**
     * The documented limit, pinned: a client whose wall clock is behind the clock that created the
     * deleted item by more than that item's lifetime re-creates it below the old tokens.
     */
    @Test
    void aRecreatingClockBehindByMoreThanTheItemsLifetimeRepeatsTokens() {
        String name = newName();
        long last = grantAndRelease(store, name);
        deleteItem(store, name);
        wallClock.advance(Duration.ofSeconds(-1));

        assertTrue(grantAndRelease(store, name) < last);
    }

    @Test
    void aTableWithTtlOnAnotherTxleaseAttributeIsRefused() {
        dynamo().client().updateTimeToLive(request -> request.tableName(store.tableName())
                .timeToLiveSpecification(
                        ttl -> ttl.attributeName("leaseDurationMs").enabled(true)));

        LeaseStoreUnavailableException e =
                assertThrows(LeaseStoreUnavailableException.class, store::createTableIfMissing);

        assertTrue(e.getMessage().contains("'leaseDurationMs'"), e.getMessage());
        assertTrue(e.getMessage().contains("held"), e.getMessage());
    }

    @Test
    void aTableWithTtlOnTheExpiryAttributeIsAcceptedWithOrWithoutExpiry() {
        dynamo().client().updateTimeToLive(request -> request.tableName(store.tableName())
                .timeToLiveSpecification(ttl -> ttl.attributeName("expiresAt").enabled(true)));

        store.createTableIfMissing();
        DynamoDbLeaseStore.builder(dynamo().client())
                .tableName(store.tableName())
                .releasedItemExpiry(Duration.ofDays(1))
                .build()
                .createTableIfMissing();
    }

    @Test
    void releasedItemExpiryChecksItsArgument() {
        DynamoDbLeaseStore.Builder builder = DynamoDbLeaseStore.builder(dynamo().client());

        assertThrows(NullPointerException.class, () -> builder.releasedItemExpiry(null));
        IllegalArgumentException e =
                assertThrows(IllegalArgumentException.class, () -> builder.releasedItemExpiry(Duration.ofMinutes(59)));
        assertTrue(e.getMessage().contains("releasedItemExpiry"), e.getMessage());
        assertThrows(NullPointerException.class, () -> builder.wallClock(null));
    }

    private long grantAndRelease(DynamoDbLeaseStore target, String name) {
        LeaseRecord granted = grant(target, name, "alice");
        assertTrue(target.release(name, "alice", List.of(granted.version())).succeeded());
        return granted.fence();
    }

    private static LeaseRecord grant(DynamoDbLeaseStore target, String name, String owner) {
        StoreResult result = target.tryGrant(new GrantRequest(name, owner, NODE, newVersion(), LEASE, null, null));
        assertTrue(result.succeeded(), result::toString);
        return result.record();
    }

    private void deleteItem(DynamoDbLeaseStore target, String name) {
        dynamo().client()
                .deleteItem(request -> request.tableName(target.tableName()).key(key(name)));
    }

    private void putItem(String name, Map<String, AttributeValue> attributes) {
        Map<String, AttributeValue> item = new java.util.HashMap<>(attributes);
        item.put("name", AttributeValue.fromS(name));
        dynamo().client()
                .putItem(request -> request.tableName(store.tableName()).item(item));
    }

    private Map<String, AttributeValue> rawItem(DynamoDbLeaseStore target, String name) {
        return dynamo().client()
                .getItem(request ->
                        request.tableName(target.tableName()).key(key(name)).consistentRead(true))
                .item();
    }

    private TimeToLiveStatus ttlStatus(DynamoDbLeaseStore target) {
        return dynamo().client()
                .describeTimeToLive(request -> request.tableName(target.tableName()))
                .timeToLiveDescription()
                .timeToLiveStatus();
    }

    private static Map<String, AttributeValue> key(String name) {
        return Map.of("name", AttributeValue.fromS(name));
    }

    private static String newName() {
        return "lock-" + UUID.randomUUID();
    }

    private static String newVersion() {
        return UUID.randomUUID().toString();
    }
}
