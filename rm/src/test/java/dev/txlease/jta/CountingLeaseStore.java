package dev.txlease.jta;

import dev.txlease.LeaseStoreUnavailableException;
import dev.txlease.spi.ForwardingLeaseStore;
import dev.txlease.spi.HolderRef;
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
    private final Map<String, AtomicInteger> prepares = new ConcurrentHashMap<>();
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

    /** Counts a releasing completion of a holder in a mode other than EX (EX goes through the method above). */
    @Override
    public StoreResult completeTransaction(String name, HolderRef holder, String transactionId, boolean release) {
        StoreResult result = super.completeTransaction(name, holder, transactionId, release);
        if (!holder.isExclusive() && release && result.succeeded()) {
            releases.computeIfAbsent(name, key -> new AtomicInteger()).incrementAndGet();
        }
        return result;
    }

    /** Returns how many prepares of {@code name} the store confirmed, in any mode. */
    int prepares(String name) {
        AtomicInteger count = prepares.get(name);
        return count == null ? 0 : count.get();
    }

    @Override
    public StoreResult prepare(
            String name,
            HolderRef holder,
            String owner,
            Collection<String> expectedVersions,
            String newVersion,
            Duration leaseDuration,
            String transactionId) {
        StoreResult result =
                super.prepare(name, holder, owner, expectedVersions, newVersion, leaseDuration, transactionId);
        if (!holder.isExclusive() && result.succeeded()) {
            prepares.computeIfAbsent(name, key -> new AtomicInteger()).incrementAndGet();
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
        if (result.succeeded()) {
            prepares.computeIfAbsent(name, key -> new AtomicInteger()).incrementAndGet();
        }
        if (losePrepareAnswers.get()) {
            throw new LeaseStoreUnavailableException(
                    "CountingLeaseStore: the answer of the prepare of lock '" + name + "' was lost", name, null);
        }
        return result;
    }
}
