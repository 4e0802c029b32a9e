package dev.txlease.spi;

import dev.txlease.LockMode;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Objects;

/**
 * A request to grant a lease in a mode ({@link LockMode#EX} unless {@link #holder()} says otherwise).
 * It is granted if every holder in a mode incompatible with the requested one is gone or may be
 * evicted, and no waiter marker of somebody else waits for a mode incompatible with it:
 *
 * <ul>
 *   <li>the EX holder (the record's top-level holder) blocks every mode but {@link LockMode#NL}; it
 *       may be taken over if its version still equals {@link #takeoverVersion()} (the requester saw
 *       that version unchanged for a whole lease duration);
 *   <li>a holder in another mode may be evicted if it is listed in {@link #evictions()} at the
 *       version it still has; every holder of an incompatible mode must be listed, or the request is
 *       a conflict;
 *   <li>the waiter marker ({@link LeaseWaiter}) of somebody else blocks modes incompatible with its
 *       mode, unless its version still equals {@link #waiterTakeoverVersion()}; the requester's own
 *       marker ({@link #ownWaiterId()}) must be on the record and is removed by the grant;
 *   <li>a conversion ({@link #convertFrom()}) replaces the requester's own holder, at one of {@link
 *       #convertFromVersions()}, by the new one in the same write; that holder never blocks it, nor
 *       does a waiter marker whose mode is incompatible with the holder's current mode (the waiter
 *       waits for it anyway); a marker its current mode is compatible with blocks it as it blocks a
 *       new request.
 * </ul>
 *
 * <p>Every grant increments the fence counter; the new holder's fence token is the counter after it.
 *
 * <p>Instances are immutable and thread-safe.
 *
 * @param name the lock name
 * @param owner the new holder
 * @param node the new holder's node (for transaction recovery)
 * @param newVersion the version to write (a fresh random nonce)
 * @param leaseDuration the lease duration
 * @param data the data to store, or {@code null}
 * @param takeoverVersion the EX holder's version that may be taken over, or {@code null}
 * @param holder the mode and holder id of the new holder ({@link HolderRef#EXCLUSIVE} for EX)
 * @param evictions holders in other modes than EX that may be evicted, at the versions seen
 * @param waiterTakeoverVersion the version of somebody else's waiter marker that may be removed, or
 *     {@code null}
 * @param ownWaiterId the id of the requester's own waiter marker (removed by the grant), or {@code null}
 * @param convertFrom the requester's holder that this grant converts, or {@code null}
 * @param convertFromVersions the versions that holder may have (empty unless converting)
 */
public record GrantRequest(
        String name,
        String owner,
        String node,
        String newVersion,
        Duration leaseDuration,
        byte[] data,
        String takeoverVersion,
        HolderRef holder,
        List<HolderVersion> evictions,
        String waiterTakeoverVersion,
        String ownWaiterId,
        HolderRef convertFrom,
        List<String> convertFromVersions) {

    /** Checks and copies the components. */
    public GrantRequest {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(owner, "owner");
        Objects.requireNonNull(node, "node");
        Objects.requireNonNull(newVersion, "newVersion");
        Objects.requireNonNull(leaseDuration, "leaseDuration");
        Objects.requireNonNull(holder, "holder");
        evictions = List.copyOf(evictions);
        convertFromVersions = List.copyOf(convertFromVersions);
        if ((convertFrom == null) != convertFromVersions.isEmpty()) {
            throw new IllegalArgumentException("a conversion needs its holder and at least one version, had "
                    + convertFrom + " at " + convertFromVersions);
        }
    }

    /**
     * An EX request, as before lock modes existed: granted if the lock is free or its version equals
     * {@code takeoverVersion}.
     */
    public GrantRequest(
            String name,
            String owner,
            String node,
            String newVersion,
            Duration leaseDuration,
            byte[] data,
            String takeoverVersion) {
        this(
                name,
                owner,
                node,
                newVersion,
                leaseDuration,
                data,
                takeoverVersion,
                HolderRef.EXCLUSIVE,
                List.of(),
                null,
                null,
                null,
                List.of());
    }

    /** Returns the requested mode. */
    public LockMode mode() {
        return holder.mode();
    }

    /** Returns this request for the holder {@code ref} (its mode and holder id). */
    public GrantRequest withHolder(HolderRef ref) {
        return new GrantRequest(
                name,
                owner,
                node,
                newVersion,
                leaseDuration,
                data,
                takeoverVersion,
                ref,
                evictions,
                waiterTakeoverVersion,
                ownWaiterId,
                convertFrom,
                convertFromVersions);
    }

    /** Returns this request evicting {@code seen} (holders seen unchanged for their lease). */
    public GrantRequest withEvictions(Collection<HolderVersion> seen) {
        return new GrantRequest(
                name,
                owner,
                node,
                newVersion,
                leaseDuration,
                data,
                takeoverVersion,
                holder,
                List.copyOf(seen),
                waiterTakeoverVersion,
                ownWaiterId,
                convertFrom,
                convertFromVersions);
    }

    /**
     * Returns this request with the waiter marker handling: {@code ownId} if the marker is the
     * requester's (its waiter id), else {@code takeoverVersion} of a dead marker (or {@code null}).
     */
    public GrantRequest withWaiter(String ownId, String takeoverVersion) {
        return new GrantRequest(
                name,
                owner,
                node,
                newVersion,
                leaseDuration,
                data,
                this.takeoverVersion,
                holder,
                evictions,
                takeoverVersion,
                ownId,
                convertFrom,
                convertFromVersions);
    }

    /** Returns this request converting the requester's holder {@code from} at one of {@code versions}. */
    public GrantRequest converting(HolderRef from, Collection<String> versions) {
        return new GrantRequest(
                name,
                owner,
                node,
                newVersion,
                leaseDuration,
                data,
                takeoverVersion,
                holder,
                evictions,
                waiterTakeoverVersion,
                ownWaiterId,
                Objects.requireNonNull(from, "from"),
                List.copyOf(versions));
    }

    @Override
    public String toString() {
        return "GrantRequest[name=" + name + ", owner=" + owner + ", holder=" + holder + ", newVersion=" + newVersion
                + ", leaseDuration=" + leaseDuration + ", takeoverVersion=" + takeoverVersion + ", evictions="
                + evictions + ", waiterTakeoverVersion=" + waiterTakeoverVersion + ", ownWaiterId=" + ownWaiterId
                + ", convertFrom=" + convertFrom + "]";
    }
}
