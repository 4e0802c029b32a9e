package dev.txlease.dynamodb;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.amazonaws.services.dynamodbv2.local.embedded.DynamoDBEmbedded;
import com.amazonaws.services.dynamodbv2.local.shared.access.AmazonDynamoDBLocal;
import dev.txlease.LeaseStoreUnavailableException;
import dev.txlease.spi.GrantRequest;
import dev.txlease.spi.LeaseStore;
import dev.txlease.testing.DynamoDbLocal;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.function.Executable;
import software.amazon.awssdk.core.exception.AbortedException;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.DynamoDbRequest;

/**
 * Issue 10, item 7 (store side): every failure of the DynamoDB client other than a failed condition
 * is an unknown-outcome {@link LeaseStoreUnavailableException}, whatever its type.
 */
class ClientFailureTest {
    @RegisterExtension
    static final DynamoDbLocal dynamo = DynamoDbLocal.server();

    private static final Duration LEASE = Duration.ofSeconds(20);

    @Test
    void anInterruptedCallerGetsUnavailableAndKeepsItsInterruptFlag() {
        DynamoDbLeaseStore store = dynamo.newStore();
        String name = "lock-" + UUID.randomUUID();

        Thread.currentThread().interrupt();
        LeaseStoreUnavailableException e;
        try {
            e = assertThrows(LeaseStoreUnavailableException.class, () -> store.tryGrant(grant(name)));
        } finally {
            assertTrue(Thread.interrupted(), "the interrupt flag must survive the store call");
        }

        assertEquals(name, e.lockName());
        assertTrue(causes(e, AbortedException.class), () -> "cause: " + e.getCause());
        assertTrue(e.getMessage().contains("interrupted"), e.getMessage());
    }

    @Test
    void embeddedDynamoDbLocalThatWasShutDownIsUnavailableNotARawAmazonServiceException() {
        AmazonDynamoDBLocal local = DynamoDBEmbedded.create(true);
        DynamoDbLeaseStore store = DynamoDbLeaseStore.builder(local.dynamoDbClient())
                .tableName("locks")
                .build();
        store.createTableIfMissing();
        String name = "lock-" + UUID.randomUUID();
        local.shutdown();

        assertEveryOperationUnavailable(store, name, null);
    }

    @Test
    void aNullPointerOrBareRuntimeExceptionFromTheHttpLayerIsUnavailable() {
        // As seen from the JDK's HttpURLConnection after a process pause longer than the SDK's timeout.
        NullPointerException npe = new NullPointerException("Cannot read field \"in\" because \"this.http\" is null");
        assertEveryOperationUnavailable(failingStore(() -> npe), "lock-npe", npe);
        RuntimeException wrapped = new RuntimeException(new NullPointerException());
        assertEveryOperationUnavailable(failingStore(() -> wrapped), "lock-wrapped", wrapped);
    }

    private static void assertEveryOperationUnavailable(LeaseStore store, String name, Throwable expectedCause) {
        List<String> versions = List.of("v1");
        Map<String, Executable> operations = Map.of(
                "grant", () -> store.tryGrant(grant(name)),
                "renew", () -> store.renew(name, "alice", versions, "v2", LEASE),
                "release", () -> store.release(name, "alice", versions),
                "prepare", () -> store.prepare(name, "alice", versions, "v2", LEASE, "tx-1"),
                "complete", () -> store.completeTransaction(name, "tx-1", true),
                "read", () -> store.read(name),
                "findPrepared", () -> store.findPrepared("node-a"));
        operations.forEach((operation, call) -> {
            LeaseStoreUnavailableException e = assertThrows(LeaseStoreUnavailableException.class, call, operation);
            assertAll(operation, () -> assertTrue(e.getMessage().contains("unknown"), e.getMessage()), () -> {
                if (expectedCause != null) {
                    assertSame(expectedCause, e.getCause());
                }
            });
        });
    }

    /** A store whose client throws what {@code failure} supplies on every request. */
    private static DynamoDbLeaseStore failingStore(Supplier<RuntimeException> failure) {
        DynamoDbClient real = dynamo.client();
        DynamoDbClient failing = (DynamoDbClient) Proxy.newProxyInstance(
                DynamoDbClient.class.getClassLoader(), new Class<?>[] {DynamoDbClient.class}, (proxy, method, args) -> {
                    if (args != null && args.length == 1 && args[0] instanceof DynamoDbRequest) {
                        throw failure.get();
                    }
                    try {
                        return method.invoke(real, args);
                    } catch (InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
        return DynamoDbLeaseStore.builder(failing).tableName("locks").build();
    }

    private static GrantRequest grant(String name) {
        return new GrantRequest(name, "alice", "node-a", UUID.randomUUID().toString(), LEASE, null, null);
    }

    private static boolean causes(Throwable failure, Class<? extends Throwable> type) {
        for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
            if (type.isInstance(cause)) {
                return true;
            }
        }
        return false;
    }
}
