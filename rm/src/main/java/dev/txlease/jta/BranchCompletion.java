package dev.txlease.jta;

import dev.txlease.LeaseStoreUnavailableException;
import dev.txlease.spi.LeaseStore;
import java.lang.System.Logger.Level;
import java.util.List;
import javax.transaction.xa.XAException;

/**
 * The one completion path of a lease branch, for commit, rollback and recovery alike: complete each
 * lock of the branch (release it, or only clear the transaction for a lease its holder keeps), then
 * forget the branch's prepared record. The outcome does not change what happens to a lease: the
 * transaction's data is decided by the other branches, and a lease is released (or kept) either way.
 *
 * <p>Every step is conditional on the transaction id, so a replay, or a lock taken over meanwhile, is
 * done rather than an error. The prepared record is forgotten only once every lock is complete: if
 * the store cannot be reached, the record stays, recovery lists the branch, and completes it later.
 * Stateless and thread-safe.
 */
final class BranchCompletion {
    private static final System.Logger LOG = System.getLogger(BranchCompletion.class.getName());

    /** One lock of a branch and how to complete it. */
    interface LockCompletion {
        /** Returns the lock name, for messages. */
        String lockName();

        /**
         * Completes the lock for the branch.
         *
         * @throws LeaseStoreUnavailableException if the store cannot be reached (safe to repeat)
         */
        void complete();
    }

    private BranchCompletion() {}

    /**
     * Completes the locks of branch {@code transactionId} of {@code node} and, if it was saved as
     * prepared ({@code saved}), forgets it.
     *
     * @param what the verb and branch, for messages ("commit of branch ...")
     * @throws XAException {@code XAER_RMFAIL} if a step could not reach the store; repeating is safe
     */
    static void complete(
            LeaseStore store,
            String node,
            String transactionId,
            boolean saved,
            List<? extends LockCompletion> locks,
            String what)
            throws XAException {
        LeaseStoreUnavailableException failure = null;
        for (LockCompletion lock : locks) {
            try {
                lock.complete();
            } catch (LeaseStoreUnavailableException e) {
                LOG.log(
                        Level.WARNING,
                        "txlease: " + what + " could not reach the store for lock '" + lock.lockName()
                                + "'; recovery completes it, and the lease expires meanwhile",
                        e);
                if (failure == null) {
                    failure = e;
                }
            }
        }
        if (failure == null && saved) {
            try {
                store.forgetPrepared(node, transactionId);
            } catch (LeaseStoreUnavailableException e) {
                failure = e;
            }
        }
        if (failure != null) {
            throw XaErrors.unavailable(
                    what + " could not complete"
                            + (failure.lockName() == null
                                    ? " its prepared record"
                                    : " lock '" + failure.lockName() + "'")
                            + "; it is safe to repeat, and recovery will",
                    failure);
        }
    }
}
