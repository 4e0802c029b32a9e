package dev.txlease.spi;

import dev.txlease.FenceToken;
import dev.txlease.LockMode;
import java.time.Duration;
import java.util.Arrays;
import java.util.Objects;

/**
 * One holder of a lock as a {@link LeaseStore} records it: for {@link LockMode#EX} the record's
 * top-level holder, for the other modes one of the record's {@link LeaseRecord#holders()}.
 *
 * <p>Instances are immutable and thread-safe (the data is never exposed without a copy by the
 * client).
 *
 * @param ref the holder's mode and holder id
 * @param owner the holder's owner
 * @param version the holder's compare-and-set nonce, fresh on every grant, renewal and prepare
 * @param fence the fence token of the holder's grant
 * @param leaseDuration the lease duration of the holder's latest grant, renewal or prepare
 * @param data the data stored with the lease, or {@code null}
 * @param node the holder's node (for transaction recovery), or {@code null}
 * @param transactionId the prepared transaction branch recorded on the holder, or {@code null}
 */
public record LeaseHolder(
        HolderRef ref,
        String owner,
        String version,
        long fence,
        Duration leaseDuration,
        byte[] data,
        String node,
        String transactionId) {

    /** Checks the required components. */
    public LeaseHolder {
        Objects.requireNonNull(ref, "ref");
        Objects.requireNonNull(version, "version");
        Objects.requireNonNull(leaseDuration, "leaseDuration");
    }

    /** Returns the holder's mode. */
    public LockMode mode() {
        return ref.mode();
    }

    /** Returns the fence token of the holder's grant. */
    public FenceToken fenceToken() {
        return FenceToken.of(fence);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof LeaseHolder other
                && ref.equals(other.ref)
                && Objects.equals(owner, other.owner)
                && version.equals(other.version)
                && fence == other.fence
                && leaseDuration.equals(other.leaseDuration)
                && Arrays.equals(data, other.data)
                && Objects.equals(node, other.node)
                && Objects.equals(transactionId, other.transactionId);
    }

    @Override
    public int hashCode() {
        return Objects.hash(ref, version, fence);
    }

    @Override
    public String toString() {
        return "LeaseHolder[" + ref + ", owner=" + owner + ", version=" + version + ", fence=" + fence
                + ", leaseDuration=" + leaseDuration + ", node=" + node + ", transactionId=" + transactionId + "]";
    }
}
