package dev.txlease.spi;

import dev.txlease.FenceToken;
import dev.txlease.LeaseInfo;
import dev.txlease.LockMode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * What a {@link LeaseStore} holds for one lock name: the EX holder in the top-level components (as
 * before lock modes existed), the holders in the other modes in {@link #holders()}, and the waiter
 * marker.
 *
 * <p>Instances are immutable and thread-safe.
 *
 * @param name the lock name
 * @param owner the holder, or {@code null} once released
 * @param version the compare-and-set nonce, fresh on every change (not the fence token)
 * @param fence the fence counter: the token of the latest grant
 * @param exclusiveFence the EX holder's fence token: {@code fence} unless grants in mode {@link
 *     LockMode#NL} (the one mode compatible with EX) were made since the EX grant; meaningless once
 *     released
 * @param leaseDuration the lease duration of the latest grant, renewal or prepare
 * @param data the data stored with the lease, or {@code null} (never exposed without a copy)
 * @param released whether the lock was released
 * @param node the node of the holder (for transaction recovery), or {@code null}
 * @param transactionId the prepared transaction branch recorded on the lock, or {@code null}
 * @param holders the holders in modes other than EX, in no particular order
 * @param waiter the waiter marker, or {@code null}
 */
public record LeaseRecord(
        String name,
        String owner,
        String version,
        long fence,
        long exclusiveFence,
        Duration leaseDuration,
        byte[] data,
        boolean released,
        String node,
        String transactionId,
        List<LeaseHolder> holders,
        LeaseWaiter waiter) {

    /** Checks the required components and copies the holders. */
    public LeaseRecord {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(version, "version");
        Objects.requireNonNull(leaseDuration, "leaseDuration");
        holders = List.copyOf(holders);
    }

    /** A record whose EX holder (if any) has the token of the latest grant ({@code fence}). */
    public LeaseRecord(
            String name,
            String owner,
            String version,
            long fence,
            Duration leaseDuration,
            byte[] data,
            boolean released,
            String node,
            String transactionId,
            List<LeaseHolder> holders,
            LeaseWaiter waiter) {
        this(name, owner, version, fence, fence, leaseDuration, data, released, node, transactionId, holders, waiter);
    }

    /** A record without holders in modes other than EX and without a waiter marker. */
    public LeaseRecord(
            String name,
            String owner,
            String version,
            long fence,
            Duration leaseDuration,
            byte[] data,
            boolean released,
            String node,
            String transactionId) {
        this(name, owner, version, fence, fence, leaseDuration, data, released, node, transactionId, List.of(), null);
    }

    /**
     * Returns the holder at {@code ref}: for EX the top-level holder unless released (its fence is
     * {@link #exclusiveFence()}), else the holder with that mode and id; {@code null} if there is none.
     */
    public LeaseHolder holder(HolderRef ref) {
        if (ref.isExclusive()) {
            return released
                    ? null
                    : new LeaseHolder(ref, owner, version, exclusiveFence, leaseDuration, data, node, transactionId);
        }
        for (LeaseHolder holder : holders) {
            if (holder.ref().equals(ref)) {
                return holder;
            }
        }
        return null;
    }

    /** Returns every holder, the EX holder (if any) first. */
    public List<LeaseHolder> allHolders() {
        List<LeaseHolder> all = new ArrayList<>(holders.size() + 1);
        LeaseHolder exclusive = holder(HolderRef.EXCLUSIVE);
        if (exclusive != null) {
            all.add(exclusive);
        }
        all.addAll(holders);
        return all;
    }

    /** Returns the number of holders in {@code mode}. */
    public int count(LockMode mode) {
        if (mode == LockMode.EX) {
            return released ? 0 : 1;
        }
        int count = 0;
        for (LeaseHolder holder : holders) {
            if (holder.mode() == mode) {
                count++;
            }
        }
        return count;
    }

    /** Returns the fence token of the latest grant. */
    public FenceToken fenceToken() {
        return FenceToken.of(fence);
    }

    /** Returns whether {@code owner} holds this record with {@code version}. */
    public boolean isHeldBy(String owner, String version) {
        return !released && Objects.equals(this.owner, owner) && this.version.equals(version);
    }

    /** Returns the public snapshot of this record: the EX holder's token while it holds, else the counter. */
    public LeaseInfo toInfo() {
        return new LeaseInfo(
                name,
                released ? null : owner,
                released ? fenceToken() : FenceToken.of(exclusiveFence),
                leaseDuration,
                data,
                released);
    }

    @Override
    public String toString() {
        return "LeaseRecord[name=" + name + ", owner=" + owner + ", version=" + version + ", fence=" + fence
                + (exclusiveFence == fence ? "" : ", exclusiveFence=" + exclusiveFence) + ", leaseDuration="
                + leaseDuration + ", released=" + released + ", node=" + node
                + ", transactionId=" + transactionId + ", holders=" + holders + ", waiter=" + waiter + "]";
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof LeaseRecord other
                && name.equals(other.name)
                && Objects.equals(owner, other.owner)
                && version.equals(other.version)
                && fence == other.fence
                && exclusiveFence == other.exclusiveFence
                && leaseDuration.equals(other.leaseDuration)
                && java.util.Arrays.equals(data, other.data)
                && released == other.released
                && Objects.equals(node, other.node)
                && Objects.equals(transactionId, other.transactionId)
                && holders.size() == other.holders.size()
                && holders.containsAll(other.holders)
                && Objects.equals(waiter, other.waiter);
    }

    @Override
    public int hashCode() {
        return Objects.hash(name, version, fence);
    }
}
