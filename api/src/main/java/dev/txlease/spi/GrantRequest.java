package dev.txlease.spi;

import java.time.Duration;
import java.util.Objects;

/**
 * A request to grant a lease: granted if the lock is free (never granted, or released), or if its
 * version still equals {@code takeoverVersion} (the waiter saw that version unchanged for a whole
 * lease duration).
 *
 * @param name the lock name
 * @param owner the new holder
 * @param node the new holder's node (for transaction recovery)
 * @param newVersion the version to write (a fresh random nonce)
 * @param leaseDuration the lease duration
 * @param data the data to store, or {@code null}
 * @param takeoverVersion the version that may be taken over, or {@code null} to grant only a free lock
 */
public record GrantRequest(
        String name,
        String owner,
        String node,
        String newVersion,
        Duration leaseDuration,
        byte[] data,
        String takeoverVersion) {

    /** Checks the required components. */
    public GrantRequest {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(owner, "owner");
        Objects.requireNonNull(node, "node");
        Objects.requireNonNull(newVersion, "newVersion");
        Objects.requireNonNull(leaseDuration, "leaseDuration");
    }
}
