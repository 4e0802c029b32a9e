package dev.txlease;

import java.time.Duration;
import java.util.Arrays;
import java.util.Objects;
import java.util.Optional;

/**
 * What the store says about a lock, as returned by {@link LeaseClient#inspect(String)}: a snapshot,
 * taken without locking anything, that may be stale by the time it is read.
 *
 * <p>Instances are immutable and thread-safe.
 */
public final class LeaseInfo {
    private final String name;
    private final String owner;
    private final FenceToken fenceToken;
    private final Duration leaseDuration;
    private final byte[] data;
    private final boolean released;

    /**
     * Creates a snapshot.
     *
     * @param name the lock name
     * @param owner the current owner, or {@code null} if released
     * @param fenceToken the fence token of the EX holder while one holds, else the last fence token
     *     issued for the name
     * @param leaseDuration the lease duration of the last grant or renewal
     * @param data the data stored with the lease, or {@code null}
     * @param released whether the last holder released the lock
     */
    public LeaseInfo(
            String name, String owner, FenceToken fenceToken, Duration leaseDuration, byte[] data, boolean released) {
        this.name = Objects.requireNonNull(name, "name");
        this.owner = owner;
        this.fenceToken = Objects.requireNonNull(fenceToken, "fenceToken");
        this.leaseDuration = Objects.requireNonNull(leaseDuration, "leaseDuration");
        this.data = data == null ? null : data.clone();
        this.released = released;
    }

    /** Returns the lock name. */
    public String name() {
        return name;
    }

    /** Returns the current owner, empty if the lock was released. */
    public Optional<String> owner() {
        return Optional.ofNullable(owner);
    }

    /**
     * Returns the fence token of the current EX holder, or the last fence token issued for this name
     * if it was released. Grants in mode {@link LockMode#NL}, which are compatible with EX, may have
     * issued larger tokens while the EX holder holds.
     */
    public FenceToken fenceToken() {
        return fenceToken;
    }

    /** Returns the lease duration of the last grant or renewal. */
    public Duration leaseDuration() {
        return leaseDuration;
    }

    /** Returns a copy of the data stored with the lease, if any. */
    public Optional<byte[]> data() {
        return Optional.ofNullable(data).map(byte[]::clone);
    }

    /**
     * Returns whether the last holder released the lock. A lock that is not released may still be
     * free: its holder may have died and its lease expired.
     */
    public boolean isReleased() {
        return released;
    }

    @Override
    public String toString() {
        return "LeaseInfo[name=" + name + ", owner=" + owner + ", fence=" + fenceToken + ", leaseDuration="
                + leaseDuration + ", released=" + released + ", data="
                + (data == null ? "none" : data.length + " bytes")
                + "]";
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof LeaseInfo)) {
            return false;
        }
        LeaseInfo other = (LeaseInfo) o;
        return name.equals(other.name)
                && Objects.equals(owner, other.owner)
                && fenceToken.equals(other.fenceToken)
                && leaseDuration.equals(other.leaseDuration)
                && Arrays.equals(data, other.data)
                && released == other.released;
    }

    @Override
    public int hashCode() {
        return Objects.hash(name, owner, fenceToken);
    }
}
