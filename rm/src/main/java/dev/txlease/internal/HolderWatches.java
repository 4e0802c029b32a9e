package dev.txlease.internal;

import dev.txlease.spi.LeaseRecord;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What one client saw of other holders: per lock name, the holder's version and when this client
 * first saw it, on its own monotonic clock. It outlives a call, so a client that polls with {@code
 * tryAcquire}, or with a wait shorter than the lease, still takes over a lock whose version stayed
 * unchanged for a whole lease across its calls.
 *
 * <p>Bounded: at most {@link #CAPACITY} names, the least recently used forgotten first (forgetting
 * only restarts that name's count). Thread-safe.
 */
final class HolderWatches {
    static final int CAPACITY = 4096;

    /** A holder's record as first seen, and when, on this client's clock. */
    record Watch(LeaseRecord record, long seenAtNanos) {
        String version() {
            return record.version();
        }

        /** Whether the version has been unchanged for its whole lease at {@code nowNanos}. */
        boolean expired(long nowNanos) {
            return nowNanos - seenAtNanos - record.leaseDuration().toNanos() >= 0;
        }

        /** Nanoseconds until {@link #expired}, zero if it is. */
        long nanosUntilExpired(long nowNanos) {
            long left = seenAtNanos + record.leaseDuration().toNanos() - nowNanos;
            return Math.max(0, left);
        }
    }

    private final Map<String, Watch> watches = new LinkedHashMap<>(16, 0.75f, true) {
        private static final long serialVersionUID = 1L;

        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Watch> eldest) {
            return size() > CAPACITY;
        }
    };

    /** Returns the watch of {@code name}, or null. */
    synchronized Watch get(String name) {
        return watches.get(name);
    }

    /** Records that {@code holder} was seen at {@code nowNanos}; keeps the first sight of a version. */
    synchronized Watch saw(LeaseRecord holder, long nowNanos) {
        Watch current = watches.get(holder.name());
        if (current != null && current.version().equals(holder.version())) {
            return current;
        }
        Watch fresh = new Watch(holder, nowNanos);
        watches.put(holder.name(), fresh);
        return fresh;
    }

    /** Forgets {@code name} (granted to us). */
    synchronized void forget(String name) {
        watches.remove(name);
    }
}
