package dev.txlease.testing;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.txlease.AcquireOptions;
import dev.txlease.spi.GrantRequest;
import dev.txlease.spi.LeaseRecord;
import dev.txlease.spi.LeaseStore;
import dev.txlease.spi.PreparedBranch;
import dev.txlease.spi.StoreResult;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/**
 * The behaviour every {@link LeaseStore} must have. A store's test class extends this and supplies
 * a store over fresh storage; each test gets its own.
 *
 * <p>Not thread-safe: one instance per test, as JUnit makes them.
 */
public abstract class LeaseStoreContract {
    /** The lease duration of grants in these tests. */
    protected static final Duration LEASE = Duration.ofSeconds(20);

    /** The node of the holders in these tests. */
    protected static final String NODE = "node-a";

    /** The store under test, fresh for each test. */
    protected LeaseStore store;

    /** Returns a store over fresh, empty storage. */
    protected abstract LeaseStore newStore();

    /** Returns how many requests the store under test has sent to its backend so far. */
    protected abstract long requestsSent();

    @BeforeEach
    void createStore() {
        store = newStore();
    }

    /** Returns a lock name no other test uses. */
    protected static String newName() {
        return "lock-" + UUID.randomUUID();
    }

    /** Returns a fresh version nonce. */
    protected static String newVersion() {
        return UUID.randomUUID().toString();
    }

    /** Returns a request for a free lock, without data. */
    protected static GrantRequest grantRequest(String name, String owner, String version) {
        return new GrantRequest(name, owner, NODE, version, LEASE, null, null);
    }

    /** Grants a free lock and checks it was granted. */
    protected LeaseRecord grant(String name, String owner) {
        StoreResult result = store.tryGrant(grantRequest(name, owner, newVersion()));
        assertTrue(result.succeeded(), () -> "grant of free lock " + name + " failed: " + result);
        return result.record();
    }

    @Test
    public void freeGrantStartsTheFenceAtAPositiveTokenAndEachLaterGrantIncrementsIt() {
        String name = newName();
        String version = newVersion();
        StoreResult first = store.tryGrant(new GrantRequest(name, "alice", NODE, version, LEASE, null, null));
        assertTrue(first.succeeded());
        long start = first.record().fence();
        assertTrue(start >= 1, () -> "first token " + start);
        assertEquals(new LeaseRecord(name, "alice", version, start, LEASE, null, false, NODE, null), first.record());

        StoreResult released = store.release(name, "alice", List.of(version));
        assertTrue(released.succeeded());
        assertAll(
                () -> assertTrue(released.record().released()),
                () -> assertNull(released.record().owner()),
                () -> assertEquals(start, released.record().fence()));

        List<Long> fences = new ArrayList<>(List.of(start));
        for (int round = 0; round < 4; round++) {
            String owner = round % 2 == 0 ? "bob" : "alice";
            LeaseRecord granted = grant(name, owner);
            assertEquals(owner, granted.owner());
            fences.add(granted.fence());
            assertTrue(store.release(name, owner, List.of(granted.version())).succeeded());
        }
        assertEquals(List.of(start, start + 1, start + 2, start + 3, start + 4), fences);
        assertEquals(start + 4, store.read(name).orElseThrow().fence());
    }

    @Test
    public void grantOfAHeldLockReturnsTheHoldersRecord() {
        String name = newName();
        LeaseRecord alice = grant(name, "alice");

        StoreResult result = store.tryGrant(grantRequest(name, "bob", newVersion()));

        assertFalse(result.succeeded());
        assertEquals(alice, result.record());
        assertEquals(Optional.of(alice), store.read(name));
    }

    @Test
    public void takeoverOfTheCurrentVersionSucceedsAndIncrementsTheFence() {
        String name = newName();
        LeaseRecord alice = grant(name, "alice");
        String bobVersion = newVersion();

        StoreResult result =
                store.tryGrant(new GrantRequest(name, "bob", "node-b", bobVersion, LEASE, null, alice.version()));

        assertTrue(result.succeeded());
        assertEquals(
                new LeaseRecord(name, "bob", bobVersion, alice.fence() + 1, LEASE, null, false, "node-b", null),
                result.record());
        assertFalse(store.renew(name, "alice", List.of(alice.version()), newVersion(), LEASE)
                .succeeded());
    }

    @Test
    public void takeoverOfAStaleVersionFails() {
        String name = newName();
        LeaseRecord alice = grant(name, "alice");
        LeaseRecord renewed = store.renew(name, "alice", List.of(alice.version()), newVersion(), LEASE)
                .record();

        StoreResult result =
                store.tryGrant(new GrantRequest(name, "bob", NODE, newVersion(), LEASE, null, alice.version()));

        assertFalse(result.succeeded());
        assertEquals(renewed, result.record());
        assertEquals(Optional.of(renewed), store.read(name));
    }

    @Test
    public void wrongOwnerOrVersionFailsAndLeavesTheRecordUntouched() {
        String name = newName();
        LeaseRecord alice = grant(name, "alice");
        List<String> current = List.of(alice.version());
        List<String> stale = List.of(newVersion());

        List<StoreResult> results = List.of(
                store.renew(name, "bob", current, newVersion(), LEASE),
                store.renew(name, "alice", stale, newVersion(), LEASE),
                store.release(name, "bob", current),
                store.release(name, "alice", stale),
                store.prepare(name, "bob", current, newVersion(), LEASE, "tx-1"),
                store.prepare(name, "alice", stale, newVersion(), LEASE, "tx-1"));

        for (StoreResult result : results) {
            assertFalse(result.succeeded(), () -> "expected a conflict: " + result);
            assertEquals(alice, result.record());
        }
        assertEquals(Optional.of(alice), store.read(name));
    }

    @Test
    public void operationsOnAReleasedLockFail() {
        String name = newName();
        LeaseRecord alice = grant(name, "alice");
        LeaseRecord released =
                store.release(name, "alice", List.of(alice.version())).record();

        assertAll(
                () -> assertEquals(
                        StoreResult.conflict(released),
                        store.renew(name, "alice", List.of(alice.version()), newVersion(), LEASE)),
                () -> assertEquals(
                        StoreResult.conflict(released), store.release(name, "alice", List.of(alice.version()))),
                () -> assertEquals(
                        StoreResult.conflict(released),
                        store.prepare(name, "alice", List.of(alice.version()), newVersion(), LEASE, "tx")));
    }

    @Test
    public void operationsOnAnUnknownLockFindNoRecord() {
        String name = newName();
        List<String> versions = List.of(newVersion());

        assertAll(
                () -> assertEquals(Optional.empty(), store.read(name)),
                () -> assertEquals(
                        StoreResult.conflict(null), store.renew(name, "alice", versions, newVersion(), LEASE)),
                () -> assertEquals(StoreResult.conflict(null), store.release(name, "alice", versions)),
                () -> assertEquals(
                        StoreResult.conflict(null), store.prepare(name, "alice", versions, newVersion(), LEASE, "tx")),
                () -> assertEquals(StoreResult.conflict(null), store.completeTransaction(name, "tx", true)),
                () -> assertEquals(Optional.empty(), store.read(name)));
    }

    @Test
    public void renewAcceptsAnyOfTheExpectedVersions() {
        String name = newName();
        LeaseRecord alice = grant(name, "alice");
        String next = newVersion();
        Duration longer = LEASE.multipliedBy(2);

        StoreResult result = store.renew(name, "alice", List.of(newVersion(), alice.version()), next, longer);

        assertTrue(result.succeeded());
        assertEquals(
                new LeaseRecord(name, "alice", next, alice.fence(), longer, null, false, NODE, null), result.record());
        assertEquals(Optional.of(result.record()), store.read(name));
    }

    @Test
    public void prepareRecordsTheTransactionAndCompletionKeepsOrReleasesTheLease() {
        String name = newName();
        LeaseRecord alice = grant(name, "alice");
        String prepared = newVersion();

        StoreResult prepare = store.prepare(name, "alice", List.of(alice.version()), prepared, LEASE, "tx-1");
        assertTrue(prepare.succeeded());
        assertEquals(
                new LeaseRecord(name, "alice", prepared, alice.fence(), LEASE, null, false, NODE, "tx-1"),
                prepare.record());

        StoreResult wrong = store.completeTransaction(name, "tx-other", true);
        assertEquals(StoreResult.conflict(prepare.record()), wrong);

        StoreResult kept = store.completeTransaction(name, "tx-1", false);
        assertTrue(kept.succeeded());
        assertEquals(
                new LeaseRecord(name, "alice", prepared, alice.fence(), LEASE, null, false, NODE, null), kept.record());
        assertFalse(store.completeTransaction(name, "tx-1", false).succeeded(), "a completed branch completes once");

        String preparedAgain = newVersion();
        assertTrue(store.prepare(name, "alice", List.of(prepared), preparedAgain, LEASE, "tx-2")
                .succeeded());
        StoreResult released = store.completeTransaction(name, "tx-2", true);
        assertTrue(released.succeeded());
        assertEquals(
                new LeaseRecord(name, null, preparedAgain, alice.fence(), LEASE, null, true, NODE, null),
                released.record());
        assertEquals(StoreResult.conflict(released.record()), store.completeTransaction(name, "tx-2", true));
    }

    @Test
    public void grantClearsARecordedTransaction() {
        String name = newName();
        LeaseRecord alice = grant(name, "alice");
        String prepared = newVersion();
        store.prepare(name, "alice", List.of(alice.version()), prepared, LEASE, "tx-1");

        StoreResult takeover = store.tryGrant(new GrantRequest(name, "bob", NODE, newVersion(), LEASE, null, prepared));

        assertTrue(takeover.succeeded());
        assertNull(takeover.record().transactionId());
        assertEquals(alice.fence() + 1, takeover.record().fence());
    }

    @Test
    public void preparedBranchesAreListedPerNodeUntilForgottenWhateverHappensToTheirLocks() {
        String lock = newName();
        LeaseRecord alice = grant(lock, "alice");
        PreparedBranch first = new PreparedBranch(NODE, "tx-" + newVersion(), List.of(lock, "other"), Set.of("other"));
        PreparedBranch second = new PreparedBranch(NODE, "tx-" + newVersion(), List.of(lock), Set.of());
        PreparedBranch elsewhere = new PreparedBranch("node-b", "tx-" + newVersion(), List.of(lock), Set.of());
        store.savePrepared(first);
        store.savePrepared(second);
        store.savePrepared(elsewhere);
        store.prepare(lock, "alice", List.of(alice.version()), newVersion(), LEASE, first.transactionId());
        String taken = store.read(lock).orElseThrow().version();
        assertTrue(store.tryGrant(new GrantRequest(lock, "bob", "node-b", newVersion(), LEASE, null, taken))
                .succeeded()); // a takeover clears the lock's transaction, not the branch

        assertEquals(Set.of(first, second), Set.copyOf(store.findPrepared(NODE)));
        assertEquals(List.of(elsewhere), store.findPrepared("node-b"));
        assertEquals(List.of(), store.findPrepared("node-c"));
        assertTrue(first.releases(lock));
        assertFalse(first.releases("other"));

        store.forgetPrepared(NODE, first.transactionId());
        store.forgetPrepared(NODE, first.transactionId()); // forgetting twice is no error
        assertEquals(List.of(second), store.findPrepared(NODE));
        assertEquals(List.of(elsewhere), store.findPrepared("node-b"));
    }

    @Test
    public void dataRoundTripsAndIsClearedOnRelease() {
        String name = newName();
        byte[] data = new byte[1024];
        for (int i = 0; i < data.length; i++) {
            data[i] = (byte) i;
        }
        String version = newVersion();

        StoreResult granted = store.tryGrant(new GrantRequest(name, "alice", NODE, version, LEASE, data, null));

        assertTrue(granted.succeeded());
        assertArrayEquals(data, granted.record().data());
        assertArrayEquals(data, store.read(name).orElseThrow().data());
        String renewed = newVersion();
        assertArrayEquals(
                data,
                store.renew(name, "alice", List.of(version), renewed, LEASE)
                        .record()
                        .data(),
                "renew keeps the data");
        StoreResult released = store.release(name, "alice", List.of(renewed));
        assertNull(released.record().data());
        assertNull(store.read(name).orElseThrow().data());
    }

    @Test
    public void grantWithoutDataRemovesTheData() {
        String name = newName();
        String version = newVersion();
        store.tryGrant(new GrantRequest(name, "alice", NODE, version, LEASE, new byte[] {1, 2, 3}, null));

        StoreResult takeover = store.tryGrant(new GrantRequest(name, "bob", NODE, newVersion(), LEASE, null, version));

        assertTrue(takeover.succeeded());
        assertNull(takeover.record().data());
    }

    @Test
    public void dataOfTheLargestAllowedSizeIsStored() {
        String name = newName();
        byte[] data = new byte[AcquireOptions.MAX_DATA_BYTES];
        data[data.length - 1] = 42;

        StoreResult granted = store.tryGrant(new GrantRequest(name, "alice", NODE, newVersion(), LEASE, data, null));

        assertTrue(granted.succeeded(), granted::toString);
        assertArrayEquals(data, store.read(name).orElseThrow().data());
    }

    @Test
    public void badInputIsRejectedBeforeAnyRequest() {
        String name = newName();
        LeaseRecord alice = grant(name, "alice");
        List<String> versions = List.of(alice.version());
        long before = requestsSent();

        List<Executable> bad = List.of(
                () -> store.tryGrant(grantRequest("", "alice", newVersion())),
                () -> store.tryGrant(grantRequest("a\u0000b", "alice", newVersion())),
                () -> store.tryGrant(grantRequest("x".repeat(256), "alice", newVersion())),
                () -> store.tryGrant(grantRequest(name, "", newVersion())),
                () -> store.tryGrant(new GrantRequest(
                        name, "alice", NODE, newVersion(), LEASE, new byte[AcquireOptions.MAX_DATA_BYTES + 1], null)),
                () -> store.tryGrant(new GrantRequest(name, "alice", NODE, newVersion(), Duration.ZERO, null, null)),
                () -> store.tryGrant(null),
                () -> store.renew(name, "alice", List.of(), newVersion(), LEASE),
                () -> store.renew(name, "alice", null, newVersion(), LEASE),
                () -> store.renew(name, "alice", versions, null, LEASE),
                () -> store.renew(name, "alice", versions, newVersion(), Duration.ofSeconds(-1)),
                () -> store.renew(null, "alice", versions, newVersion(), LEASE),
                () -> store.release(name, null, versions),
                () -> store.release(name, "alice", List.of()),
                () -> store.release(name, "alice", Arrays.asList(alice.version(), null)),
                () -> store.prepare(name, "alice", versions, newVersion(), LEASE, null),
                () -> store.prepare(name, "alice", versions, newVersion(), LEASE, ""),
                () -> store.completeTransaction(name, null, true),
                () -> store.completeTransaction("", "tx", true),
                () -> store.read(""),
                () -> store.read(null),
                () -> store.findPrepared(null));

        for (Executable operation : bad) {
            RuntimeException e = assertThrows(RuntimeException.class, operation);
            assertTrue(
                    e instanceof IllegalArgumentException || e instanceof NullPointerException,
                    () -> "expected an argument check, got " + e);
            assertFalse(e.getMessage() == null || e.getMessage().isBlank(), () -> "no message: " + e);
        }
        assertEquals(before, requestsSent(), "bad input must be rejected before any request");
        assertEquals(Optional.of(alice), store.read(name));
    }

    @Test
    public void storeIdIsStable() {
        assertFalse(store.storeId().isBlank());
        assertEquals(store.storeId(), store.storeId());
    }
}
