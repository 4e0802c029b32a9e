package dev.txlease.jta;

import dev.txlease.spi.ForwardingLeaseStore;
import dev.txlease.spi.LeaseStore;
import dev.txlease.spi.StoreResult;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A {@link LeaseStore} that counts, per lock name, the transaction completions that released a lease
 * (a {@code completeTransaction(name, txid, true)} whose condition held), and delegates everything.
 * Thread-safe.
 */
final class CountingLeaseStore extends ForwardingLeaseStore {
    private final Map<String, AtomicInteger> releases = new ConcurrentHashMap<>();

    CountingLeaseStore(LeaseStore store) {
        super(store);
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
}
