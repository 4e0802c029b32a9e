package dev.txlease.internal;

import dev.txlease.LockMode;
import dev.txlease.spi.HolderRef;
import dev.txlease.spi.HolderVersion;
import dev.txlease.spi.LeaseHolder;
import dev.txlease.spi.LeaseRecord;
import dev.txlease.spi.LeaseWaiter;
import java.util.ArrayList;
import java.util.List;

/**
 * What stands between a request and its grant in a record: the holders in modes incompatible with
 * the requested one (but the requester's own holder, when it converts), and somebody else's waiter
 * marker in an incompatible mode (which a conversion passes if its current mode blocks that waiter
 * already); and, from what this client watched, which of them may be taken
 * over or evicted (seen unchanged for their own lease).
 *
 * <p>Immutable and thread-safe.
 *
 * @param holders the blocking holders
 * @param waiter the blocking waiter marker, or null
 */
record Blockers(List<LeaseHolder> holders, LeaseWaiter waiter) {

    /** The blockers of a request in {@code mode} by waiter/holder id {@code requesterId} in {@code record}. */
    static Blockers in(LeaseRecord record, LockMode mode, String requesterId, HolderRef converting) {
        List<LeaseHolder> holders = new ArrayList<>();
        for (LeaseHolder holder : record.allHolders()) {
            if (!holder.mode().isCompatibleWith(mode) && !holder.ref().equals(converting)) {
                holders.add(holder);
            }
        }
        LeaseWaiter waiter = record.waiter();
        boolean blocks = waiter != null
                && !waiter.waiterId().equals(requesterId)
                && !waiter.mode().isCompatibleWith(mode)
                && (converting == null || waiter.mode().isCompatibleWith(converting.mode()));
        return new Blockers(List.copyOf(holders), blocks ? waiter : null);
    }

    boolean isEmpty() {
        return holders.isEmpty() && waiter == null;
    }

    /** Whether a holder in a mode other than EX blocks (a stream of such grants could starve us). */
    boolean sharedHolderBlocks() {
        for (LeaseHolder holder : holders) {
            if (!holder.ref().isExclusive()) {
                return true;
            }
        }
        return false;
    }

    /** The EX holder's version if it blocks and was seen unchanged for its lease at {@code now}. */
    String takeoverVersion(HolderWatches.Sighting sighting, long now) {
        for (LeaseHolder holder : holders) {
            if (holder.ref().isExclusive() && expired(sighting.of(holder), holder.version(), now)) {
                return holder.version();
            }
        }
        return null;
    }

    /** The blocking holders in other modes than EX seen unchanged for their own lease at {@code now}. */
    List<HolderVersion> evictions(HolderWatches.Sighting sighting, long now) {
        List<HolderVersion> evictions = new ArrayList<>();
        for (LeaseHolder holder : holders) {
            if (!holder.ref().isExclusive() && expired(sighting.of(holder), holder.version(), now)) {
                evictions.add(new HolderVersion(holder.ref(), holder.version()));
            }
        }
        return evictions;
    }

    /** The blocking waiter marker's version if it was seen unchanged for its lease at {@code now}. */
    String waiterTakeoverVersion(HolderWatches.Sighting sighting, long now) {
        return waiter != null && expired(sighting.of(waiter), waiter.version(), now) ? waiter.version() : null;
    }

    /** Nanoseconds until the first blocker may be taken over or evicted; {@code Long.MAX_VALUE} if none. */
    long nanosUntilFirstExpiry(HolderWatches.Sighting sighting, long now) {
        long least = Long.MAX_VALUE;
        for (LeaseHolder holder : holders) {
            HolderWatches.Watch watch = sighting.of(holder);
            if (watch != null) {
                least = Math.min(least, watch.nanosUntilExpired(now));
            }
        }
        if (waiter != null && sighting.of(waiter) != null) {
            least = Math.min(least, sighting.of(waiter).nanosUntilExpired(now));
        }
        return least;
    }

    /**
     * The other holder in a conversion deadlock with {@code converting}, or null: the waiter marker
     * is a conversion by another holder (a waiting conversion queues under its holder's id), its
     * mode is incompatible with our current mode (it waits for us), and that holder blocks us.
     */
    LeaseHolder conversionDeadlock(LeaseRecord record, HolderRef converting) {
        LeaseWaiter marker = record.waiter();
        if (marker == null
                || marker.waiterId().equals(converting.holderId())
                || marker.mode().isCompatibleWith(converting.mode())) {
            return null;
        }
        for (LeaseHolder holder : holders) {
            if (marker.waiterId().equals(holder.ref().holderId())) {
                return holder;
            }
        }
        return null;
    }

    /** The holder to name in a timeout: the first blocker, or null. */
    LeaseHolder first() {
        return holders.isEmpty() ? null : holders.get(0);
    }

    private static boolean expired(HolderWatches.Watch watch, String version, long now) {
        return watch != null && watch.version().equals(version) && watch.expired(now);
    }
}
