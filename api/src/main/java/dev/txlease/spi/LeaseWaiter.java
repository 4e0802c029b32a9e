package dev.txlease.spi;

import dev.txlease.LockMode;
import java.time.Duration;
import java.util.Objects;

/**
 * The waiter marker of a lock: the one request that queues for the lock ({@link
 * LeaseStore#markWaiting}). While it is on the record, no new grant in a mode incompatible with the
 * marker's mode is made to anybody else, so a stream of compatible grants cannot starve the waiter.
 * The waiter rewrites its version while it waits; a waiter that died is removed by a requester that
 * saw its version unchanged for its lease duration on its own clock, like a dead holder.
 *
 * <p>Instances are immutable and thread-safe.
 *
 * @param waiterId the waiter's id (the holder id it will be granted under)
 * @param mode the mode the waiter waits for
 * @param owner the waiter's owner
 * @param version the marker's compare-and-set nonce, fresh on every refresh
 * @param leaseDuration how long the marker lives without a refresh
 */
public record LeaseWaiter(String waiterId, LockMode mode, String owner, String version, Duration leaseDuration) {

    /** Checks the components. */
    public LeaseWaiter {
        HolderRef.checkId(waiterId);
        Objects.requireNonNull(mode, "mode");
        Objects.requireNonNull(owner, "owner");
        Objects.requireNonNull(version, "version");
        Objects.requireNonNull(leaseDuration, "leaseDuration");
    }
}
