package dev.txlease.spi;

import java.util.Objects;

/**
 * A holder at one version, as a requester saw it: the unit of eviction in a {@link GrantRequest}
 * (the requester saw that version unchanged for the holder's whole lease on its own clock).
 *
 * <p>Instances are immutable and thread-safe.
 *
 * @param ref the holder
 * @param version the version seen
 */
public record HolderVersion(HolderRef ref, String version) {

    /** Checks the components. */
    public HolderVersion {
        Objects.requireNonNull(ref, "ref");
        Objects.requireNonNull(version, "version");
    }
}
