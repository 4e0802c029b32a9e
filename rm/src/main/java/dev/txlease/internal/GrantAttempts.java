package dev.txlease.internal;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;

/**
 * The grant attempts of one acquisition: a fresh version per attempt and when it was sent. Any of
 * them may land late (its answer lost, or the SDK retried it and returned the retry's answer, or it
 * was delayed in the network): when a later answer shows our owner with one of these versions, the
 * lease counts from the send time of the attempt that carried it.
 *
 * <p>Bounded: the last {@link #CAPACITY} attempts. A forgotten attempt that lands later looks like
 * another holder's grant, which this client takes over after a lease, as anyone would: safe, and
 * only late. Not thread-safe: one acquisition at a time uses it.
 */
final class GrantAttempts {
    static final int CAPACITY = 16;

    private record Attempt(String version, long sentAtNanos) {}

    private final Deque<Attempt> attempts = new ArrayDeque<>();

    /** Records a new attempt sent at {@code sentAtNanos}; returns its fresh version. */
    String next(long sentAtNanos) {
        String version = Versions.next();
        if (attempts.size() == CAPACITY) {
            attempts.removeFirst();
        }
        attempts.addLast(new Attempt(version, sentAtNanos));
        return version;
    }

    /** Returns when the attempt that carried {@code version} was sent, or null if none did. */
    Long sentAt(String version) {
        for (Attempt attempt : attempts) {
            if (attempt.version().equals(version)) {
                return attempt.sentAtNanos();
            }
        }
        return null;
    }

    /** Returns whether any attempt was sent. */
    boolean any() {
        return !attempts.isEmpty();
    }

    /** Returns the versions of the remembered attempts, oldest first. */
    List<String> versions() {
        List<String> versions = new ArrayList<>(attempts.size());
        attempts.forEach(attempt -> versions.add(attempt.version()));
        return versions;
    }
}
