package dev.txlease.internal;

import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Wakes the waiters of a lock name when this client releases it, so a handover inside one process
 * does not wait for the next poll; and wakes every waiter when the client closes.
 *
 * <p>A waiter {@linkplain #register registers} a wake-up before it sends its attempt, so a release
 * between the attempt and the wait still wakes it, and {@linkplain #unregister unregisters} when it
 * stops waiting. An entry exists only while someone waits on the name: the map holds no more names
 * than there are waiting acquisitions. Thread-safe.
 */
final class LocalWaiters {
    private final ConcurrentHashMap<String, Set<Runnable>> waiters = new ConcurrentHashMap<>();

    /** Registers {@code wakeUp} to run at the next release of {@code name}. */
    void register(String name, Runnable wakeUp) {
        waiters.compute(name, (key, current) -> {
            Set<Runnable> set = current != null ? current : ConcurrentHashMap.newKeySet();
            set.add(wakeUp);
            return set;
        });
    }

    /** Forgets {@code wakeUp}; removes the name once nobody waits on it. */
    void unregister(String name, Runnable wakeUp) {
        waiters.computeIfPresent(name, (key, current) -> {
            current.remove(wakeUp);
            return current.isEmpty() ? null : current;
        });
    }

    /** Wakes everyone waiting on {@code name}; each waits again only if it registers again. */
    void signal(String name) {
        Set<Runnable> woken = waiters.remove(name);
        if (woken != null) {
            woken.forEach(Runnable::run);
        }
    }

    /** Wakes every waiter of every name (the client is closing). */
    void signalAll() {
        List.copyOf(waiters.keySet()).forEach(this::signal);
    }

    /** Returns the number of names someone waits on. */
    int names() {
        return waiters.size();
    }
}
