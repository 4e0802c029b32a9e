package dev.txlease.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.txlease.AcquireOptions;
import dev.txlease.Lease;
import dev.txlease.LeaseState;
import dev.txlease.LeaseStoreUnavailableException;
import dev.txlease.spi.GrantRequest;
import dev.txlease.spi.LeaseRecord;
import dev.txlease.spi.LeaseStore;
import dev.txlease.spi.PreparedBranch;
import dev.txlease.spi.StoreResult;
import dev.txlease.testing.DynamoDbLocal;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Issue 10, item 7 (client side): a store call that fails with a raw runtime exception (seen: a
 * {@code NullPointerException} out of the JDK's {@code HttpURLConnection} when a process was paused
 * with a request in flight, DynamoDB Local's {@code LocalDBAccessException}) reaches the caller as a
 * {@link LeaseStoreUnavailableException}, an unknown outcome, like any other store failure.
 */
class RawStoreFailureTest {
    @RegisterExtension
    static final DynamoDbLocal DYNAMO = DynamoDbLocal.embedded();

    private static final AcquireOptions OPTIONS = AcquireOptions.builder()
            .leaseDuration(Duration.ofSeconds(30))
            .heartbeatPeriod(Duration.ZERO)
            .build();

    @Test
    void rawFailuresOfTheStoreAreLeaseStoreUnavailableExceptions() {
        BreakingStore store = new BreakingStore(DYNAMO.newStore());
        try (DefaultLeaseClient client =
                DefaultLeaseClient.builder(store).owner("caller").build()) {
            store.breakNextCall();
            assertEquals(
                    "raw",
                    assertThrows(LeaseStoreUnavailableException.class, () -> client.tryAcquire("raw", OPTIONS))
                            .lockName());
            store.breakNextCall();
            assertThrows(LeaseStoreUnavailableException.class, () -> client.inspect("raw"));

            Lease lease = client.acquire("raw-held", OPTIONS);
            store.breakNextCall();
            assertThrows(LeaseStoreUnavailableException.class, () -> client.renew(lease));
            assertEquals(LeaseState.HELD, lease.state());
            client.renew(lease);
            store.breakNextCall();
            assertThrows(LeaseStoreUnavailableException.class, () -> client.release(lease));
            assertTrue(client.release(lease));
        }
    }

    /** Throws a bare NullPointerException from the next call, as the JDK's HTTP client did. */
    private static final class BreakingStore implements LeaseStore {
        private final LeaseStore store;
        private final AtomicBoolean broken = new AtomicBoolean();

        BreakingStore(LeaseStore store) {
            this.store = store;
        }

        void breakNextCall() {
            broken.set(true);
        }

        private void maybeBreak() {
            if (broken.getAndSet(false)) {
                throw new NullPointerException("Cannot invoke \"java.io.InputStream.read()\" (injected)");
            }
        }

        @Override
        public StoreResult tryGrant(GrantRequest request) {
            maybeBreak();
            return store.tryGrant(request);
        }

        @Override
        public StoreResult renew(
                String name,
                String owner,
                Collection<String> expectedVersions,
                String newVersion,
                Duration leaseDuration) {
            maybeBreak();
            return store.renew(name, owner, expectedVersions, newVersion, leaseDuration);
        }

        @Override
        public StoreResult release(String name, String owner, Collection<String> expectedVersions) {
            maybeBreak();
            return store.release(name, owner, expectedVersions);
        }

        @Override
        public StoreResult prepare(
                String name,
                String owner,
                Collection<String> expectedVersions,
                String newVersion,
                Duration leaseDuration,
                String transactionId) {
            maybeBreak();
            return store.prepare(name, owner, expectedVersions, newVersion, leaseDuration, transactionId);
        }

        @Override
        public StoreResult completeTransaction(String name, String transactionId, boolean release) {
            maybeBreak();
            return store.completeTransaction(name, transactionId, release);
        }

        @Override
        public Optional<LeaseRecord> read(String name) {
            maybeBreak();
            return store.read(name);
        }

        @Override
        public void savePrepared(PreparedBranch branch) {
            maybeBreak();
            store.savePrepared(branch);
        }

        @Override
        public List<PreparedBranch> findPrepared(String node) {
            maybeBreak();
            return store.findPrepared(node);
        }

        @Override
        public void forgetPrepared(String node, String transactionId) {
            maybeBreak();
            store.forgetPrepared(node, transactionId);
        }

        @Override
        public String storeId() {
            return store.storeId();
        }
    }
}
