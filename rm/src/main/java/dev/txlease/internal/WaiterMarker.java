package dev.txlease.internal;

import dev.txlease.AcquireOptions;
import dev.txlease.spi.LeaseRecord;
import dev.txlease.spi.LeaseStore;
import dev.txlease.spi.LeaseWaiter;
import dev.txlease.spi.StoreResult;

/**
 * The waiter marker of one acquisition (fairness, see {@link LeaseStore}): whether the last record
 * showed it ours, whether a write of it was ever sent, and when it was last written.
 *
 * <ul>
 *   <li>A marker is possibly ours as soon as its write is sent: the answer may be lost, or a record
 *       read before it landed may not show it. Giving up therefore always sends the removal, which is
 *       conditional on our waiter id (harmless if absent).
 *   <li>Others judge a marker by its version, unchanged for its lease duration on their own clocks:
 *       ours is rewritten every third of its lease duration, and the acquisition's pause ends at the
 *       next rewrite whatever its poll interval ({@link #nanosUntilRefresh}).
 * </ul>
 *
 * <p>Not thread-safe: one thread at a time drives an acquisition.
 */
final class WaiterMarker {
    private final LeaseStore store;
    private final String name;
    private final String waiterId;
    private final String owner;
    private final AcquireOptions options;
    private boolean ours; // the last record (or marker answer) showed our marker
    private boolean sent; // a marker write was sent: it may be on the item unseen, or land later
    private long markedAt;

    WaiterMarker(LeaseStore store, String name, String waiterId, String owner, AcquireOptions options) {
        this.store = store;
        this.name = name;
        this.waiterId = waiterId;
        this.owner = owner;
        this.options = options;
    }

    /** Notes whether {@code record} shows our marker. */
    void saw(LeaseRecord record) {
        ours = isOursIn(record);
    }

    /** Returns our waiter id if the last record showed our marker (a grant then removes it), else null. */
    String ownId() {
        return ours ? waiterId : null;
    }

    /**
     * Queues if {@code sharedHolderBlocks} (a stream of compatible grants could starve us) and nobody
     * else queues ({@code replaceable}: the version of a marker of somebody else's seen unchanged for
     * its lease, or null), or rewrites ours every third of its duration. Fairness only: a failure is
     * left for the next attempt, but an interruption is thrown.
     */
    void queue(LeaseRecord record, boolean sharedHolderBlocks, String replaceable, long now) {
        LeaseWaiter current = record.waiter();
        if (!ours && !sharedHolderBlocks) {
            return; // an EX request waiting for an EX holder queues as before lock modes: not at all
        }
        if (ours && now - markedAt < refreshNanos()) {
            return;
        }
        if (current != null && !ours && replaceable == null) {
            return; // somebody else queues
        }
        LeaseWaiter marker = new LeaseWaiter(waiterId, options.mode(), owner, Versions.next(), options.leaseDuration());
        sent = true; // possibly ours from now on, whatever the answer: giving up removes it
        try {
            StoreResult result = store.markWaiting(name, marker, ours ? null : replaceable);
            ours = result.succeeded() || isOursIn(result.record());
            if (ours) {
                markedAt = now;
            }
        } catch (RuntimeException e) {
            if (AcquireLoop.isInterruption(e)) {
                throw e;
            }
            // fairness only: the next attempt queues again
        }
    }

    /** Nanoseconds until our marker must be rewritten; {@code Long.MAX_VALUE} if none stands. */
    long nanosUntilRefresh(long now) {
        return ours ? Math.max(0, markedAt + refreshNanos() - now) : Long.MAX_VALUE;
    }

    /** Removes our marker if a write of it was ever sent (giving up). */
    void remove() {
        if (sent || ours) {
            unmark();
        }
    }

    /** Removes our marker if {@code record} (a grant's) still shows it: written by a lost answer. */
    void removeIfOn(LeaseRecord record) {
        if (isOursIn(record)) {
            unmark();
        }
    }

    private boolean isOursIn(LeaseRecord record) {
        LeaseWaiter waiter = record == null ? null : record.waiter();
        return waiter != null && waiter.waiterId().equals(waiterId);
    }

    private long refreshNanos() {
        return options.leaseDuration().toNanos() / 3;
    }

    /** Removes our marker by its waiter id, best effort (it is evicted after its lease otherwise). */
    private void unmark() {
        try {
            store.unmarkWaiting(name, waiterId);
        } catch (RuntimeException e) {
            // evicted after its lease by whoever it blocks
        }
        ours = false;
        sent = false;
    }
}
