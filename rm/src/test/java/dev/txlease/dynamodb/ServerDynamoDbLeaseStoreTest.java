package dev.txlease.dynamodb;

import static org.junit.jupiter.api.Assertions.assertAll;
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
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.function.Executable;

/** The DynamoDB lease store on the DynamoDB Local HTTP server, through a real SDK client. */
class ServerDynamoDbLeaseStoreTest extends AbstractDynamoDbLeaseStoreTest {
    @RegisterExtension
    static final DynamoDbLocal dynamo = DynamoDbLocal.server();

    @Override
    DynamoDbLocal dynamo() {
        return dynamo;
    }

    @Test
    void everyOperationFailsAsUnavailableDuringAnOutageAndWorksAfterIt() {
        String name = newName();
        LeaseRecord alice = grant(name, "alice");
        List<String> versions = List.of(alice.version());

        dynamo.stopServer();
        Map<String, Executable> operations = Map.of(
                "grant", () -> store.tryGrant(grantRequest(name, "bob", newVersion())),
                "renew", () -> store.renew(name, "alice", versions, newVersion(), LEASE),
                "release", () -> store.release(name, "alice", versions),
                "prepare", () -> store.prepare(name, "alice", versions, newVersion(), LEASE, "tx-1"),
                "complete the transaction of", () -> store.completeTransaction(name, "tx-1", true),
                "read", () -> store.read(name));
        operations.forEach((operation, call) -> {
            LeaseStoreUnavailableException e = assertThrows(LeaseStoreUnavailableException.class, call, operation);
            assertAll(
                    operation,
                    () -> assertEquals(name, e.lockName()),
                    () -> assertTrue(e.getMessage().contains(operation + " lock '" + name + "'"), e.getMessage()),
                    () -> assertTrue(e.getMessage().contains(dynamoStore().tableName()), e.getMessage()),
                    () -> assertTrue(e.getMessage().contains("reachable"), e.getMessage()));
        });
        LeaseStoreUnavailableException scan =
                assertThrows(LeaseStoreUnavailableException.class, () -> store.findPrepared(NODE));
        assertNull(scan.lockName());
        assertTrue(scan.getMessage().contains(NODE), scan.getMessage());

        dynamo.startServer();
        assertEquals(alice, store.read(name).orElseThrow(), "the server keeps its data across the outage");
        String renewed = newVersion();
        assertTrue(store.renew(name, "alice", versions, renewed, LEASE).succeeded());
        assertTrue(grant(newName(), "bob").fence() >= 1);
    }

    @Test
    void aGrantRetriedAfterItsResponseWasLostReturnsAConflictHoldingTheCallersGrant() {
        String name = newName();
        GrantRequest request = grantRequest(name, "alice", newVersion());
        dynamo.faults().dropResponses("UpdateItem", 1);

        StoreResult result = store.tryGrant(request);

        assertFalse(result.succeeded());
        assertTrue(result.record().isHeldBy("alice", request.newVersion()), result::toString);
        assertEquals(1, result.record().fence() % LeaseItems.FENCE_BASE_PER_MILLISECOND, "granted once");
        assertEquals(2, dynamo.requests().count("UpdateItem"), "the SDK retried once");
    }

    @Test
    void aGrantWhoseResponsesAreAllLostIsUnavailableButTookEffect() {
        String name = newName();
        GrantRequest request = grantRequest(name, "alice", newVersion());
        dynamo.faults().dropResponses("UpdateItem", dynamo.maxAttempts());

        LeaseStoreUnavailableException e =
                assertThrows(LeaseStoreUnavailableException.class, () -> store.tryGrant(request));

        assertEquals(name, e.lockName());
        assertEquals(
                dynamo.maxAttempts(),
                dynamo.requests().count("UpdateItem"),
                "every attempt of the SDK's default retry strategy reached DynamoDB");
        assertTrue(store.read(name).orElseThrow().isHeldBy("alice", request.newVersion()));
    }

    @Test
    void aRequestThatFailsBeforeSendingIsRetriedAndCountedOnce() {
        dynamo.faults().failRequests("UpdateItem", 1);

        LeaseRecord granted = grant(newName(), "alice");

        assertEquals(1, granted.fence() % LeaseItems.FENCE_BASE_PER_MILLISECOND, "granted once");
        assertEquals(1, dynamo.requests().count("UpdateItem"));
    }
}
