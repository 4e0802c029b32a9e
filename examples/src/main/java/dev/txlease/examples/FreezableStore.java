package dev.txlease.examples;

import dev.txlease.LeaseStoreUnavailableException;
import dev.txlease.spi.GrantRequest;
import dev.txlease.spi.LeaseRecord;
import dev.txlease.spi.LeaseStore;
import dev.txlease.spi.PreparedBranch;
import dev.txlease.spi.StoreResult;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.function.Supplier;

/**
 * The real lease store, behind a gate that models a stop-the-world pause of one worker's process:
 * while frozen, that worker's heartbeats cannot reach the store, exactly as during a long GC pause;
 * they go through when the process thaws. Thread-safe.
 */
final class FreezableStore implements LeaseStore {
    private final LeaseStore store;
    private volatile CountDownLatch thawed = new CountDownLatch(0);

    FreezableStore(LeaseStore store) {
        this.store = store;
    }

    void freeze() {
        thawed = new CountDownLatch(1);
    }

    void thaw() {
        thawed.countDown();
    }

    private <T> T pass(String lockName, Supplier<T> call) {
        try {
            thawed.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new LeaseStoreUnavailableException("interrupted while frozen", lockName, e);
        }
        return call.get();
    }

    @Override
    public StoreResult tryGrant(GrantRequest request) {
        return pass(request.name(), () -> store.tryGrant(request));
    }

    @Override
    public StoreResult renew(
            String name, String owner, Collection<String> expectedVersions, String newVersion, Duration leaseDuration) {
        return pass(name, () -> store.renew(name, owner, expectedVersions, newVersion, leaseDuration));
    }

    @Override
    public StoreResult release(String name, String owner, Collection<String> expectedVersions) {
        return pass(name, () -> store.release(name, owner, expectedVersions));
    }

    @Override
    public StoreResult prepare(
            String name,
            String owner,
            Collection<String> expectedVersions,
            String newVersion,
            Duration leaseDuration,
            String transactionId) {
        return pass(name, () -> store.prepare(name, owner, expectedVersions, newVersion, leaseDuration, transactionId));
    }

    @Override
    public StoreResult completeTransaction(String name, String transactionId, boolean release) {
        return pass(name, () -> store.completeTransaction(name, transactionId, release));
    }

    @Override
    public Optional<LeaseRecord> read(String name) {
        return pass(name, () -> store.read(name));
    }

    @Override
    public void savePrepared(PreparedBranch branch) {
        pass(null, () -> {
            store.savePrepared(branch);
            return null;
        });
    }

    @Override
    public List<PreparedBranch> findPrepared(String node) {
        return pass(null, () -> store.findPrepared(node));
    }

    @Override
    public void forgetPrepared(String node, String transactionId) {
        pass(null, () -> {
            store.forgetPrepared(node, transactionId);
            return null;
        });
    }

    @Override
    public String storeId() {
        return store.storeId();
    }
}
