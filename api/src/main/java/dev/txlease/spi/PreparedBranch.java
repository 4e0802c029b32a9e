package dev.txlease.spi;

import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * What a {@link LeaseStore} keeps of a prepared transaction branch until the branch is completed:
 * the node that prepared it, its transaction id, and its locks with, per lock, whether completion
 * releases the lease or keeps it (a lease acquired with {@code releaseOnCompletion(false)}).
 *
 * <p>It is kept apart from the lock records, so it outlives a takeover of any of its locks: XA
 * recovery lists the branch until it is completed, whatever happened to the locks since.
 *
 * <p>Instances are immutable and thread-safe.
 *
 * @param node the node that prepared the branch
 * @param transactionId the branch's transaction id, as recorded on its locks
 * @param lockNames the locks of the branch, in acquisition order
 * @param keptLockNames the locks among {@code lockNames} that completion only clears of the
 *     transaction and leaves held
 * @param holders the holder of each lock held in a mode other than EX (locks not in it are held in
 *     EX)
 */
public record PreparedBranch(
        String node,
        String transactionId,
        List<String> lockNames,
        Set<String> keptLockNames,
        Map<String, HolderRef> holders) {

    /** Checks and copies the components. */
    public PreparedBranch {
        Objects.requireNonNull(node, "node");
        Objects.requireNonNull(transactionId, "transactionId");
        lockNames = List.copyOf(lockNames);
        keptLockNames = Set.copyOf(keptLockNames);
        holders = Map.copyOf(holders);
        if (!lockNames.containsAll(keptLockNames)) {
            throw new IllegalArgumentException(
                    "kept locks " + keptLockNames + " must be locks of the branch " + lockNames);
        }
        if (!lockNames.containsAll(holders.keySet())) {
            throw new IllegalArgumentException(
                    "locks with holders " + holders.keySet() + " must be locks of the branch " + lockNames);
        }
    }

    /** A branch whose locks are all held in EX. */
    public PreparedBranch(String node, String transactionId, List<String> lockNames, Set<String> keptLockNames) {
        this(node, transactionId, lockNames, keptLockNames, Map.of());
    }

    /** Returns the holder of {@code lockName} in this branch ({@link HolderRef#EXCLUSIVE} for EX). */
    public HolderRef holder(String lockName) {
        return holders.getOrDefault(lockName, HolderRef.EXCLUSIVE);
    }

    /** Returns whether completing the branch releases {@code lockName} (else it is kept). */
    public boolean releases(String lockName) {
        return !keptLockNames.contains(lockName);
    }
}
