package dev.txlease.spi;

import dev.txlease.LockMode;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * A {@link LeaseStore} that forwards every call to another one: the base of store decorators (a
 * gate that models a paused process, a fault injector, a counter, metrics).
 *
 * <p>Every operation but {@link #storeId()} passes through {@link #forward}, named by its method
 * name ({@code tryGrant}, {@code renew}, {@code release}, {@code prepare}, {@code
 * completeTransaction}, {@code markWaiting}, {@code unmarkWaiting}, {@code read}, {@code
 * findPrepared}); the holder-addressed operations of an EX holder go through the methods without a
 * holder, so a decorator that overrides those sees every EX operation; a decorator usually overrides only that
 * method:
 *
 * <pre>
 * final class PausableStore extends ForwardingLeaseStore {
 *     &#64;Override
 *     protected &lt;T&gt; T forward(String operation, String lockName, Supplier&lt;T&gt; call) {
 *         gate.await();
 *         return call.get();
 *     }
 * }
 * </pre>
 *
 * A decorator that needs the arguments of one operation overrides that operation and calls {@code
 * super}. {@link #storeId()} is the delegate's: a decorator holds the same records.
 *
 * <p>Thread-safe if the delegate is and the subclass's overrides are.
 */
public abstract class ForwardingLeaseStore implements LeaseStore {
    private final LeaseStore delegate;

    /**
     * Creates a store that forwards to {@code delegate}.
     *
     * @param delegate the store that does the work
     */
    protected ForwardingLeaseStore(LeaseStore delegate) {
        this.delegate = Objects.requireNonNull(delegate, "delegate must not be null");
    }

    /** Returns the store this one forwards to. */
    protected final LeaseStore delegate() {
        return delegate;
    }

    /**
     * Runs one forwarded call; the default just runs it. Override to gate, count, delay or fail
     * calls.
     *
     * @param operation the {@link LeaseStore} method name, for example {@code renew}
     * @param lockName the lock the call is about, or {@code null} ({@code savePrepared}, {@code findPrepared}, {@code forgetPrepared}, or a null
     *     request)
     * @param call the call to the delegate
     * @param <T> the operation's result type
     * @return what {@code call} returned
     */
    protected <T> T forward(String operation, String lockName, Supplier<T> call) {
        return call.get();
    }

    @Override
    public StoreResult tryGrant(GrantRequest request) {
        return forward("tryGrant", request == null ? null : request.name(), () -> delegate.tryGrant(request));
    }

    @Override
    public StoreResult renew(
            String name, String owner, Collection<String> expectedVersions, String newVersion, Duration leaseDuration) {
        return forward("renew", name, () -> delegate.renew(name, owner, expectedVersions, newVersion, leaseDuration));
    }

    @Override
    public StoreResult release(String name, String owner, Collection<String> expectedVersions) {
        return forward("release", name, () -> delegate.release(name, owner, expectedVersions));
    }

    @Override
    public StoreResult prepare(
            String name,
            String owner,
            Collection<String> expectedVersions,
            String newVersion,
            Duration leaseDuration,
            String transactionId) {
        return forward(
                "prepare",
                name,
                () -> delegate.prepare(name, owner, expectedVersions, newVersion, leaseDuration, transactionId));
    }

    @Override
    public StoreResult completeTransaction(String name, String transactionId, boolean release) {
        return forward("completeTransaction", name, () -> delegate.completeTransaction(name, transactionId, release));
    }

    /** Forwards as {@code renew}; the EX holder goes through {@link #renew(String, String, Collection, String, Duration)}. */
    @Override
    public StoreResult renew(
            String name,
            HolderRef holder,
            String owner,
            Collection<String> expectedVersions,
            String newVersion,
            Duration leaseDuration) {
        if (holder.isExclusive()) {
            return renew(name, owner, expectedVersions, newVersion, leaseDuration);
        }
        return forward(
                "renew", name, () -> delegate.renew(name, holder, owner, expectedVersions, newVersion, leaseDuration));
    }

    /** Forwards as {@code release}; the EX holder goes through {@link #release(String, String, Collection)}. */
    @Override
    public StoreResult release(String name, HolderRef holder, String owner, Collection<String> expectedVersions) {
        if (holder.isExclusive()) {
            return release(name, owner, expectedVersions);
        }
        return forward("release", name, () -> delegate.release(name, holder, owner, expectedVersions));
    }

    /** Forwards as {@code prepare}; the EX holder goes through the prepare without holder. */
    @Override
    public StoreResult prepare(
            String name,
            HolderRef holder,
            String owner,
            Collection<String> expectedVersions,
            String newVersion,
            Duration leaseDuration,
            String transactionId) {
        if (holder.isExclusive()) {
            return prepare(name, owner, expectedVersions, newVersion, leaseDuration, transactionId);
        }
        return forward(
                "prepare",
                name,
                () -> delegate.prepare(
                        name, holder, owner, expectedVersions, newVersion, leaseDuration, transactionId));
    }

    /** Forwards as {@code completeTransaction}; the EX holder goes through the method without holder. */
    @Override
    public StoreResult completeTransaction(String name, HolderRef holder, String transactionId, boolean release) {
        if (holder.isExclusive()) {
            return completeTransaction(name, transactionId, release);
        }
        return forward(
                "completeTransaction", name, () -> delegate.completeTransaction(name, holder, transactionId, release));
    }

    @Override
    public StoreResult markWaiting(String name, LeaseWaiter waiter, String replacesVersion) {
        return forward("markWaiting", name, () -> delegate.markWaiting(name, waiter, replacesVersion));
    }

    @Override
    public StoreResult unmarkWaiting(String name, String waiterId) {
        return forward("unmarkWaiting", name, () -> delegate.unmarkWaiting(name, waiterId));
    }

    @Override
    public Optional<LeaseRecord> read(String name) {
        return forward("read", name, () -> delegate.read(name));
    }

    @Override
    public void savePrepared(PreparedBranch branch) {
        forward("savePrepared", null, () -> {
            delegate.savePrepared(branch);
            return null;
        });
    }

    @Override
    public List<PreparedBranch> findPrepared(String node) {
        return forward("findPrepared", null, () -> delegate.findPrepared(node));
    }

    @Override
    public void forgetPrepared(String node, String transactionId) {
        forward("forgetPrepared", null, () -> {
            delegate.forgetPrepared(node, transactionId);
            return null;
        });
    }

    @Override
    public int holderLimit(LockMode mode) {
        return delegate.holderLimit(mode);
    }

    @Override
    public String storeId() {
        return delegate.storeId();
    }

    @Override
    public String toString() {
        return getClass().getSimpleName() + "[" + delegate + "]";
    }
}
