package dev.txlease.spi;

import dev.txlease.LockMode;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Optional;

/**
 * The narrow backend that a lease client runs on: one record per lock name, changed only by
 * conditional writes.
 *
 * <p>Contention is a result: every conditional operation returns a {@link StoreResult} saying
 * whether its condition held and what the store holds now. Only infrastructure failures throw, as
 * {@link dev.txlease.LeaseStoreUnavailableException}; after such a failure the write may or may
 * not have taken effect.
 *
 * <p>Rules every store keeps:
 *
 * <ul>
 *   <li>the fence counter of a name increases by exactly one on every grant, atomically with it, and
 *       never goes back: release keeps it, and a store whose records can disappear (deleted by an
 *       operator or by expiry) starts a new record above every token the old one gave out (the
 *       DynamoDB store starts new records at a wall-clock base);
 *   <li>{@code expectedVersions} lists the versions the caller may hold (more than one after an
 *       ambiguous write); the condition holds if the record's version is any of them;
 *   <li>no store compares clocks: durations are recorded for waiters to measure on their own clocks.
 * </ul>
 *
 * <h2>Lock modes</h2>
 *
 * <p>A store that supports the {@link LockMode}s other than EX keeps, besides the EX holder (the
 * record's top-level owner and version), any number of holders in the other modes up to a limit it
 * states, each addressed by a {@link HolderRef} (mode and holder id) with its own owner, version,
 * lease duration and fence token. The methods that take a {@link HolderRef} address one holder; the
 * ones without address the EX holder (they are what the holder methods call for {@link
 * HolderRef#EXCLUSIVE}). A store that supports only EX keeps the defaults, which throw {@link
 * UnsupportedOperationException} for other modes, and throws it from {@link #tryGrant} for a request
 * in another mode.
 *
 * <p>Fairness: a requester that must wait for holders in other modes than EX records a waiter
 * marker ({@link #markWaiting}); while it stands, nobody else is granted a mode incompatible with
 * the marker's mode, so a stream of compatible grants (readers) cannot starve a waiting writer.
 *
 * <p>Implementations are thread-safe.
 */
public interface LeaseStore {

    /**
     * Grants the lease if the lock is free or its version equals {@link
     * GrantRequest#takeoverVersion()}, incrementing the fence counter, clearing any recorded
     * transaction.
     *
     * @param request the request
     * @return success with the new record, or conflict with the current holder's record
     */
    StoreResult tryGrant(GrantRequest request);

    /**
     * Renews a lease held by {@code owner} at one of {@code expectedVersions}, writing {@code
     * newVersion} and {@code leaseDuration}.
     */
    StoreResult renew(
            String name, String owner, Collection<String> expectedVersions, String newVersion, Duration leaseDuration);

    /**
     * Releases a lease held by {@code owner} at one of {@code expectedVersions}: clears the owner,
     * data and transaction, sets released, keeps the fence counter.
     */
    StoreResult release(String name, String owner, Collection<String> expectedVersions);

    /**
     * Records a prepared transaction branch on a lease held by {@code owner} at one of {@code
     * expectedVersions}, writing {@code newVersion} and a {@code leaseDuration} that covers the
     * commit window.
     */
    StoreResult prepare(
            String name,
            String owner,
            Collection<String> expectedVersions,
            String newVersion,
            Duration leaseDuration,
            String transactionId);

    /**
     * Completes a prepared branch: if the record still carries {@code transactionId}, releases the
     * lease ({@code release}) or only clears the transaction. A record without that transaction is a
     * conflict (already completed, or taken over), which callers treat as done.
     */
    StoreResult completeTransaction(String name, String transactionId, boolean release);

    /**
     * Renews the holder {@code holder} of {@code owner} at one of {@code expectedVersions}, writing
     * {@code newVersion} and {@code leaseDuration}.
     */
    default StoreResult renew(
            String name,
            HolderRef holder,
            String owner,
            Collection<String> expectedVersions,
            String newVersion,
            Duration leaseDuration) {
        if (holder.isExclusive()) {
            return renew(name, owner, expectedVersions, newVersion, leaseDuration);
        }
        throw unsupported(name, holder);
    }

    /**
     * Releases the holder {@code holder} of {@code owner} at one of {@code expectedVersions}. An EX
     * holder is released as {@link #release(String, String, Collection)} does; a holder in another
     * mode is removed from the record (its fence token stays counted).
     */
    default StoreResult release(String name, HolderRef holder, String owner, Collection<String> expectedVersions) {
        if (holder.isExclusive()) {
            return release(name, owner, expectedVersions);
        }
        throw unsupported(name, holder);
    }

    /** Records a prepared transaction branch on the holder {@code holder}, as {@link #prepare} does. */
    default StoreResult prepare(
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
        throw unsupported(name, holder);
    }

    /**
     * Completes a prepared branch on the holder {@code holder}, as {@link #completeTransaction(String,
     * String, boolean)} does: a record whose holder does not carry {@code transactionId} (or has no such
     * holder) is a conflict, which callers treat as done.
     */
    default StoreResult completeTransaction(String name, HolderRef holder, String transactionId, boolean release) {
        if (holder.isExclusive()) {
            return completeTransaction(name, transactionId, release);
        }
        throw unsupported(name, holder);
    }

    /**
     * Writes {@code waiter} as the waiter marker of an existing record if it has none, or its marker
     * has the same waiter id, or its marker's version equals {@code replacesVersion} (a marker seen
     * unchanged for its lease duration).
     *
     * @param replacesVersion the version of a dead marker that may be replaced, or {@code null}
     * @return success with the record now, or conflict with the record that holds another marker
     */
    default StoreResult markWaiting(String name, LeaseWaiter waiter, String replacesVersion) {
        throw unsupported(name, HolderRef.of(waiter.mode(), waiter.waiterId()));
    }

    /** Removes the waiter marker of {@code waiterId}; a record without it is a conflict (nothing to do). */
    default StoreResult unmarkWaiting(String name, String waiterId) {
        throw new UnsupportedOperationException(
                "Store " + storeId() + " supports only EX leases; lock '" + name + "' has no waiter markers");
    }

    /**
     * Returns the most holders this store keeps in {@code mode} per lock name; a grant beyond it is a
     * conflict, which the client reports as a {@link dev.txlease.LeaseLimitException}. The default,
     * for stores that support only EX: 1.
     */
    default int holderLimit(LockMode mode) {
        return 1;
    }

    /**
     * Reads the record of a lock, without a condition and without locking.
     *
     * @return the record, or empty if the name was never granted
     */
    Optional<LeaseRecord> read(String name);

    /**
     * Keeps {@code branch} until {@link #forgetPrepared} (XA prepare writes it before it prepares the
     * branch's locks). Writing the same branch again replaces it.
     *
     * @throws dev.txlease.LeaseStoreUnavailableException if the store cannot be reached (the branch
     *     may or may not be kept)
     */
    void savePrepared(PreparedBranch branch);

    /**
     * Returns the prepared branches of {@code node} that were saved and not yet forgotten, whatever
     * happened to their locks since (for XA recovery). The cost is proportional to the prepared
     * branches of the node, not to the number of locks in the store; a branch saved a moment ago may
     * be missing (the index behind it may lag), one forgotten a moment ago may still be listed.
     */
    List<PreparedBranch> findPrepared(String node);

    /**
     * Forgets the prepared branch {@code transactionId} of {@code node} once its locks are completed;
     * forgetting a branch that is not kept is no error.
     */
    void forgetPrepared(String node, String transactionId);

    /**
     * Returns an identity of the store (for example the table and endpoint), equal for two store
     * instances that hold the same records.
     */
    String storeId();

    private UnsupportedOperationException unsupported(String name, HolderRef holder) {
        return new UnsupportedOperationException("Store " + storeId() + " supports only EX leases; lock '" + name
                + "' was asked for a holder in mode " + holder.mode() + " (use a store that supports lock modes,"
                + " such as the DynamoDB store, or AcquireOptions.mode(LockMode.EX))");
    }
}
