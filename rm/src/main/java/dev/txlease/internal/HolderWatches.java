package dev.txlease.internal;

import dev.txlease.spi.LeaseHolder;
import dev.txlease.spi.LeaseRecord;
import dev.txlease.spi.LeaseWaiter;
import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What one client saw of other holders: per lock name, the record seen last and, per holder in it
 * (the EX holder, each holder in another mode, the waiter marker), the holder's version and when
 * this client first saw that version, on its own monotonic clock. It outlives a call, so a client
 * that polls with {@code tryAcquire}, or with a wait shorter than the lease, still takes over (or
 * evicts) a holder whose version stayed unchanged for a whole lease across its calls. Each holder is
 * judged by its own version and lease only: a dead reader among live ones is evicted after its own
 * lease.
 *
 * <p>Bounded: at most {@link #CAPACITY} names, the least recently used forgotten first (forgetting
 * only restarts that name's count). Thread-safe.
 */
final class HolderWatches {
    static final int CAPACITY = 4096;

    /** One holder's version as first seen, and when, on this client's clock. */
    record Watch(String version, Duration leaseDuration, long seenAtNanos) {

        /** Whether the version has been unchanged for its whole lease at {@code nowNanos}. */
        boolean expired(long nowNanos) {
            return nowNanos - seenAtNanos - leaseDuration.toNanos() >= 0;
        }

        /** Nanoseconds until {@link #expired}, zero if it is. */
        long nanosUntilExpired(long nowNanos) {
            long left = seenAtNanos + leaseDuration.toNanos() - nowNanos;
            return Math.max(0, left);
        }
    }

    /** The record of a name seen last, and the watches of its holders by {@link #key}. */
    record Sighting(LeaseRecord record, Map<String, Watch> watches) {
        Watch of(LeaseHolder holder) {
            return watches.get(key(holder));
        }

        Watch of(LeaseWaiter waiter) {
            return watches.get(key(waiter));
        }
    }

    private final Map<String, Sighting> sightings = new LinkedHashMap<>(16, 0.75f, true) {
        private static final long serialVersionUID = 1L;

        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Sighting> eldest) {
            return size() > CAPACITY;
        }
    };

    /** Returns what was seen of {@code name}, or null. */
    synchronized Sighting get(String name) {
        return sightings.get(name);
    }

    /**
     * Records {@code record} as seen at {@code nowNanos}: keeps the first sight of each holder's
     * version, starts a watch for a holder or version not seen before, drops holders that are gone.
     */
    synchronized Sighting saw(LeaseRecord record, long nowNanos) {
        Sighting previous = sightings.get(record.name());
        Map<String, Watch> watches = new HashMap<>();
        for (LeaseHolder holder : record.allHolders()) {
            watches.put(key(holder), keep(previous, key(holder), holder.version(), holder.leaseDuration(), nowNanos));
        }
        LeaseWaiter waiter = record.waiter();
        if (waiter != null) {
            watches.put(key(waiter), keep(previous, key(waiter), waiter.version(), waiter.leaseDuration(), nowNanos));
        }
        Sighting fresh = new Sighting(record, watches);
        sightings.put(record.name(), fresh);
        return fresh;
    }

    /** Forgets {@code name} (granted to us). */
    synchronized void forget(String name) {
        sightings.remove(name);
    }

    private static Watch keep(Sighting previous, String key, String version, Duration duration, long nowNanos) {
        Watch old = previous == null ? null : previous.watches().get(key);
        return old != null && old.version().equals(version) ? old : new Watch(version, duration, nowNanos);
    }

    static String key(LeaseHolder holder) {
        return holder.ref().toString();
    }

    static String key(LeaseWaiter waiter) {
        return "waiter/" + waiter.waiterId();
    }
}
