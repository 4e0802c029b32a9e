package dev.txlease.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.txlease.AcquireOptions;
import dev.txlease.Lease;
import dev.txlease.LeaseState;
import dev.txlease.LockMode;
import dev.txlease.spi.LeaseRecord;
import dev.txlease.spi.LeaseStore;
import dev.txlease.testing.DynamoDbLocal;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Issue 16: the six lock modes over a real DynamoDB Local, whatever the transport. Subclasses name
 * the DynamoDB Local they run against.
 */
abstract class LockModeContract {
    static final Duration DEADLINE = Duration.ofSeconds(20);
    static final Duration LEASE = Duration.ofSeconds(10);

    LeaseStore store;
    final List<DefaultLeaseClient> clients = new ArrayList<>();

    abstract DynamoDbLocal dynamo();

    @BeforeEach
    void newTable() {
        store = dynamo().newStore();
    }

    @AfterEach
    void closeClients() {
        clients.forEach(DefaultLeaseClient::close);
    }

    DefaultLeaseClient client(String owner) {
        DefaultLeaseClient client = DefaultLeaseClient.builder(store)
                .owner(owner)
                .node("node-" + owner)
                .build();
        clients.add(client);
        return client;
    }

    DefaultLeaseClient client(String owner, LeaseClock clock) {
        DefaultLeaseClient client = DefaultLeaseClient.builder(store)
                .owner(owner)
                .node("node-" + owner)
                .clock(clock)
                .build();
        clients.add(client);
        return client;
    }

    static AcquireOptions in(LockMode mode) {
        return AcquireOptions.builder()
                .mode(mode)
                .leaseDuration(LEASE)
                .heartbeatPeriod(Duration.ZERO)
                .waitTimeout(Duration.ofSeconds(30))
                .pollInterval(Duration.ofMillis(5))
                .build();
    }

    LeaseRecord record(String name) {
        return store.read(name).orElseThrow();
    }

    @Test
    void compatibilityMatrixAllThirtySixPairs() {
        DefaultLeaseClient first = client("first");
        DefaultLeaseClient second = client("second");
        List<String> wrong = new ArrayList<>();
        for (LockMode held : LockMode.values()) {
            for (LockMode requested : LockMode.values()) {
                String name = "matrix-" + held + "-" + requested;
                Lease holder = first.acquire(name, in(held));
                assertEquals(held, holder.mode());
                Optional<Lease> asked = second.tryAcquire(name, in(requested));
                if (asked.isPresent() != held.isCompatibleWith(requested)) {
                    wrong.add(held + " held, " + requested + " requested: "
                            + (asked.isPresent() ? "granted" : "refused"));
                }
                asked.ifPresent(lease -> {
                    assertEquals(requested, lease.mode());
                    assertTrue(lease.fenceToken().compareTo(holder.fenceToken()) > 0, "token grows");
                    assertTrue(holder.isValid());
                    assertTrue(second.release(lease));
                });
                assertTrue(first.release(holder), name);
                Optional<Lease> after = second.tryAcquire(name, in(requested));
                assertTrue(after.isPresent(), "free after the release: " + name);
                second.release(after.orElseThrow());
            }
        }
        assertEquals(List.of(), wrong);
    }

    @Test
    void freeAcquireRenewAndReleaseAreOneRequestEachInEveryMode() {
        DefaultLeaseClient client = client("counted");
        for (LockMode mode : LockMode.values()) {
            String name = "counted-" + mode;
            dynamo().requests().reset();
            Lease lease = client.acquire(name, in(mode));
            assertEquals(1, dynamo().requests().total(), "free acquire in " + mode);
            client.renew(lease);
            assertEquals(2, dynamo().requests().total(), "renew in " + mode);
            assertTrue(client.release(lease));
            assertEquals(3, dynamo().requests().total(), "release in " + mode);
            assertEquals(3, dynamo().requests().count("UpdateItem"));
            assertEquals(LeaseState.RELEASED, lease.state());
        }
    }

    @Test
    void oneClientHoldsANameTwiceInCompatibleModesEachWithItsOwnHolder() {
        DefaultLeaseClient client = client("twice");
        Lease first = client.acquire("twice", in(LockMode.PR));
        Lease second = client.acquire("twice", in(LockMode.PR));
        Lease reader = client.acquire("twice", in(LockMode.CR));
        assertTrue(second.fenceToken().compareTo(first.fenceToken()) > 0);
        assertTrue(reader.fenceToken().compareTo(second.fenceToken()) > 0);
        assertEquals(3, record("twice").holders().size());
        client.renew(first);
        assertTrue(client.release(first));
        assertTrue(second.isValid());
        client.renew(second); // the other holder is untouched
        assertEquals(2, record("twice").holders().size());
        assertTrue(client.release(second));
        assertTrue(client.release(reader));
        assertEquals(List.of(), record("twice").holders());
        Lease writer = client.acquire("twice", in(LockMode.EX));
        assertTrue(writer.fenceToken().compareTo(reader.fenceToken()) > 0);
    }

    @Test
    void exclusiveItemFormatIsUnchanged() {
        DefaultLeaseClient client = client("plain");
        Lease lease = client.acquire("plain", in(LockMode.EX));
        LeaseRecord held = record("plain");
        assertEquals("plain", held.owner());
        assertEquals(List.of(), held.holders());
        assertEquals(null, held.waiter());
        assertTrue(client.release(lease));
        assertTrue(record("plain").released());
        assertNotEquals(null, record("plain").version());
        assertFalse(record("plain").holders().iterator().hasNext());
    }
}
