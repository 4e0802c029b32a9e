package dev.txlease.internal;

import dev.txlease.spi.LeaseHolder;
import dev.txlease.spi.LeaseRecord;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * The versions that may be on a lease's item: the one the store last confirmed, and at most one
 * pending version that a write with unknown outcome (answer lost, timed out, interrupted) may have
 * put there. Never more than two, however many writes failed: every write after an unknown outcome
 * writes the same pending version again, until one is confirmed.
 *
 * <p>The pending version remembers when the first write of it was sent and the shortest lease
 * duration written with it: a waiter elsewhere may have seen it from the moment that first write
 * landed, so the lease may count from then only, for that duration.
 *
 * <p>Immutable and thread-safe.
 *
 * @param confirmed the version the store last confirmed
 * @param pending the version a write with unknown outcome may have written, or {@code null}
 */
record PossibleVersions(String confirmed, Pending pending) {

    /** A version some write may have put on the item. */
    record Pending(String version, long firstSentAtNanos, Duration shortestDuration) {}

    PossibleVersions {
        Objects.requireNonNull(confirmed, "confirmed");
    }

    /** The versions of a lease just granted with {@code version}. */
    static PossibleVersions granted(String version) {
        return new PossibleVersions(version, null);
    }

    /**
     * Returns these versions with the version a write sent at {@code sentAtNanos} with {@code
     * duration} writes: the pending one if there is one (its first send time stays), else a fresh
     * one.
     */
    PossibleVersions writing(long sentAtNanos, Duration duration) {
        if (pending == null) {
            return new PossibleVersions(confirmed, new Pending(Versions.next(), sentAtNanos, duration));
        }
        Duration shortest = duration.compareTo(pending.shortestDuration()) < 0 ? duration : pending.shortestDuration();
        return new PossibleVersions(confirmed, new Pending(pending.version(), pending.firstSentAtNanos(), shortest));
    }

    /** Returns the versions after the store confirmed {@code version}. */
    PossibleVersions confirm(String version) {
        return new PossibleVersions(version, null);
    }

    /** Returns the versions a conditional write accepts: one or two. */
    List<String> expected() {
        return pending == null ? List.of(confirmed) : List.of(confirmed, pending.version());
    }

    /** Returns whether {@code holder} is held by {@code owner} at a version that may be ours. */
    boolean heldBy(String owner, LeaseHolder holder) {
        return holder != null && owner.equals(holder.owner()) && contains(holder.version());
    }

    /**
     * Returns whether {@code record} was released by us: released at a version that may be ours (a
     * release keeps the version, and nobody else writes our versions).
     */
    boolean releasedIn(LeaseRecord record) {
        return record != null && record.released() && contains(record.version());
    }

    /** Returns whether {@code version} may be ours. */
    boolean contains(String version) {
        return confirmed.equals(version)
                || (pending != null && pending.version().equals(version));
    }
}
