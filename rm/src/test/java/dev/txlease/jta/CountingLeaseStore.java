package dev.txlease.jta;

import dev.txlease.LeaseStoreUnavailableException;
import dev.txlease.spi.ForwardingLeaseStore;
import dev.txlease.spi.LeaseStore;
import dev.txlease.spi.StoreResult;
import java.time.Duration;
import java.util.Collection;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A {@link LeaseStore} that counts, per lock name, the transaction completions that released a lease
 * (a {@code completeTransaction(name, txid, true)} whose condition held), and delegates everything;
 * on demand it loses the answers of prepares that landed.
 * Thread-safe.
 */
final class CountingLeaseStore extends ForwardingLeaseStore {
    private final Map<String, AtomicInteger> releases = new ConcurrentHashMap<>();
    private final AtomicBoolean losePrepareAnswers = new AtomicBoolean();

    CountingLeaseStore(LeaseStore store) {
        super(store);
    }

    /** From now on a prepare lands in the store but its answer is lost: it throws as if unreachable. */
    void losePrepareAnswers() {
        losePrepareAnswers.set(true);
    }

    /** Returns how many transaction completions released {@code name}. */
    int transactionalReleases(String name) {
        AtomicInteger count = releases.get(name);
        return count == null ? 0 : count.get();
    }

    @Override
    public StoreResult completeTransaction(String name, String transactionId, boolean release) {
        StoreResult result = super.completeTransaction(name, transactionId, release);
        if (release && result.succeeded()) {
            releases.computeIfAbsent(name, key -> new AtomicInteger()).incrementAndGet();
        }
        return result;
    }

    @Override
    public StoreResult prepare(
            String name,
            String owner,
            Collection<String> expectedVersions,
            String newVersion,
            Duration leaseDuration,
            String transactionId) {
        StoreResult result = super.prepare(name, owner, expectedVersions, newVersion, leaseDuration, transactionId);
        if (losePrepareAnswers.get()) {
            throw new LeaseStoreUnavailableException(
                    "CountingLeaseStore: the answer of the prepare of lock '" + name + "' was lost", name, null);
        }
        return result;
    }
}
