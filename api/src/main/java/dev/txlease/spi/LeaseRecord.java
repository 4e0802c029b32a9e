package dev.txlease.spi;

import dev.txlease.FenceToken;
import dev.txlease.LeaseInfo;
import java.time.Duration;
import java.util.Objects;

/**
 * What a {@link LeaseStore} holds for one lock name.
 *
 * <p>Instances are immutable and thread-safe.
 *
 * @param name the lock name
 * @param owner the holder, or {@code null} once released
 * @param version the compare-and-set nonce, fresh on every change (not the fence token)
 * @param fence the fence counter: the token of the latest grant
 * @param leaseDuration the lease duration of the latest grant, renewal or prepare
 * @param data the data stored with the lease, or {@code null} (never exposed without a copy)
 * @param released whether the lock was released
 * @param node the node of the holder (for transaction recovery), or {@code null}
 * @param transactionId the prepared transaction branch recorded on the lock, or {@code null}
 */
public record LeaseRecord(
        String name,
        String owner,
        String version,
        long fence,
        Duration leaseDuration,
        byte[] data,
        boolean released,
        String node,
        String transactionId) {

    /** Checks the required components. */
    public LeaseRecord {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(version, "version");
        Objects.requireNonNull(leaseDuration, "leaseDuration");
    }

    /** Returns the fence token of the latest grant. */
    public FenceToken fenceToken() {
        return FenceToken.of(fence);
    }

    /** Returns whether {@code owner} holds this record with {@code version}. */
    public boolean isHeldBy(String owner, String version) {
        return !released && Objects.equals(this.owner, owner) && this.version.equals(version);
    }

    /** Returns the public snapshot of this record. */
    public LeaseInfo toInfo() {
        return new LeaseInfo(name, released ? null : owner, fenceToken(), leaseDuration, data, released);
    }

    @Override
    public String toString() {
        return "LeaseRecord[name=" + name + ", owner=" + owner + ", version=" + version + ", fence=" + fence
                + ", leaseDuration=" + leaseDuration + ", released=" + released + ", node=" + node
                + ", transactionId=" + transactionId + "]";
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof LeaseRecord other
                && name.equals(other.name)
                && Objects.equals(owner, other.owner)
                && version.equals(other.version)
                && fence == other.fence
                && leaseDuration.equals(other.leaseDuration)
                && java.util.Arrays.equals(data, other.data)
                && released == other.released
                && Objects.equals(node, other.node)
                && Objects.equals(transactionId, other.transactionId);
    }

    @Override
    public int hashCode() {
        return Objects.hash(name, version, fence);
    }
}
