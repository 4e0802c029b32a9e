package dev.txlease.spi;

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
}
