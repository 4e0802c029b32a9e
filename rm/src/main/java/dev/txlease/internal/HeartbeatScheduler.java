package dev.txlease.internal;

import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.Comparator;
import java.util.PriorityQueue;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Runs the beats of every lease of one client on a pool of renewal threads sized from demand.
 *
 * <p>Each heartbeat has at most one pending beat: it is {@link #schedule scheduled} when the lease
 * starts and again only when its beat has run, so the queue never holds more entries than there
 * are leases, however slow the store. A beat waits in {@code waiting} (by due time) until it is
 * due, then in {@code ready} (by the lease's expiry): when beats are due faster than the threads
 * serve them, the lease closest to expiry is renewed first.
 *
 * <p>Threads start on demand: the first with the first beat, another whenever a thread takes a beat
 * while more beats are queued and no other thread is free to run them when due, up to {@code
 * maxThreads}; so the pool is the number of renewals in flight plus one. A thread that has had
 * nothing to run for {@link #KEEP_ALIVE} ends (the last one too). A beat that starts more than half its period late
 * means the client is overloaded: the heartbeat reports it to the lease's listener, and this class
 * logs a WARNING once per overload episode (it ends when a beat starts on time with nothing due
 * left).
 *
 * <p>The schedule runs on {@link System#nanoTime()}: the lease's own clock decides validity, not
 * when beats run. Thread-safe; every field is guarded by {@code lock}.
 */
final class HeartbeatScheduler {
    /** How long a renewal thread waits without work before it ends. */
    static final Duration KEEP_ALIVE = Duration.ofSeconds(30);

    private static final System.Logger LOG = System.getLogger(HeartbeatScheduler.class.getName());

    private final int maxThreads;
    private final ThreadFactory threads;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    // nanoTime readings are compared by subtraction only (their origin is arbitrary)
    private final long origin = System.nanoTime();
    private final PriorityQueue<Beat> waiting = new PriorityQueue<>(
            Comparator.<Beat>comparingLong(beat -> beat.dueAt() - origin).thenComparingLong(Beat::sequence));
    private final PriorityQueue<Beat> ready = new PriorityQueue<>(
            Comparator.<Beat>comparingLong(beat -> beat.expiresAt() - origin).thenComparingLong(Beat::sequence));

    private long sequence;
    private int running;
    private int idle;
    private int starting; // started, not yet waiting for work: free, like idle ones
    private boolean overloaded;
    private boolean closed;

    HeartbeatScheduler(int maxThreads, String threadPrefix) {
        this.maxThreads = maxThreads;
        AtomicInteger counter = new AtomicInteger();
        this.threads = runnable -> {
            Thread thread = new Thread(runnable, threadPrefix + "-" + counter.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        };
    }

    /**
     * Queues the next beat of {@code heartbeat}. Call once per lease start and once per completed
     * beat, so a heartbeat never has two pending beats.
     *
     * @param dueAt when the beat is due, on {@link System#nanoTime()}
     * @param expiresAt when the lease expires unless renewed, on {@link System#nanoTime()}
     * @return false if the scheduler is closed (nothing was queued)
     */
    boolean schedule(LeaseHeartbeat heartbeat, long dueAt, long expiresAt) {
        lock.lock();
        try {
            if (closed) {
                return false;
            }
            waiting.add(new Beat(heartbeat, dueAt, expiresAt, sequence++));
            if (idle + starting == 0 && running < maxThreads) {
                startThread(); // every thread is busy renewing: one more to run this beat when due
            } else {
                changed.signal();
            }
            return true;
        } finally {
            lock.unlock();
        }
    }

    /** Returns the number of queued beats (waiting or due), at most one per lease. */
    int pending() {
        lock.lock();
        try {
            return waiting.size() + ready.size();
        } finally {
            lock.unlock();
        }
    }

    /** Returns the number of beats that are due and have not started (the backlog). */
    int overdue() {
        lock.lock();
        try {
            long now = System.nanoTime();
            int due = ready.size();
            for (Beat beat : waiting) {
                due += now - beat.dueAt() >= 0 ? 1 : 0;
            }
            return due;
        } finally {
            lock.unlock();
        }
    }

    /** Returns the number of renewal threads now. */
    int threads() {
        lock.lock();
        try {
            return running;
        } finally {
            lock.unlock();
        }
    }

    /** Drops every queued beat and ends the threads once their current beat returns. */
    void close() {
        lock.lock();
        try {
            closed = true;
            waiting.clear();
            ready.clear();
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    private void startThread() {
        running++;
        starting++;
        threads.newThread(this::work).start();
    }

    private void work() {
        lock.lock();
        try {
            starting--;
        } finally {
            lock.unlock();
        }
        boolean ended = false;
        try {
            for (Beat beat = next(); beat != null; beat = next()) {
                try {
                    beat.heartbeat().beat(System.nanoTime() - beat.dueAt());
                    // A store call may hand back an interrupt it caught (an AbortedException): these
                    // threads are never interrupted on purpose, so it must not end the thread's wait.
                    Thread.interrupted();
                } catch (RuntimeException e) {
                    LOG.log(
                            Level.WARNING,
                            "txlease: a heartbeat failed unexpectedly; its lease is no longer renewed",
                            e);
                }
            }
            ended = true; // next() counted this thread out
        } finally {
            if (!ended) {
                lock.lock();
                try {
                    running--; // an Error ended this thread
                } finally {
                    lock.unlock();
                }
            }
        }
    }

    /** Returns the next beat to run, waiting until one is due, or null when this thread should end. */
    private Beat next() {
        lock.lock();
        try {
            long idleSince = System.nanoTime();
            while (!closed) {
                long now = System.nanoTime();
                while (!waiting.isEmpty() && now - waiting.peek().dueAt >= 0) {
                    ready.add(waiting.poll());
                }
                Beat beat = ready.poll();
                if (beat != null) {
                    if (idle + starting == 0 && running < maxThreads && (!ready.isEmpty() || !waiting.isEmpty())) {
                        startThread(); // keep one thread free to run the next due beat on time
                    }
                    noteLateness(beat, now);
                    return beat;
                }
                long idleLeft = KEEP_ALIVE.toNanos() - (now - idleSince);
                if (idleLeft <= 0) {
                    break;
                }
                long wait = waiting.isEmpty() ? idleLeft : Math.min(idleLeft, waiting.peek().dueAt - now);
                idle++;
                try {
                    changed.awaitNanos(wait);
                } catch (InterruptedException e) {
                    break; // only close() or the JVM interrupts these threads
                } finally {
                    idle--;
                }
            }
            running--;
            if (!closed && running == 0 && !waiting.isEmpty()) {
                startThread(); // a beat was queued as the last thread timed out
            }
            return null;
        } finally {
            lock.unlock();
        }
    }

    private void noteLateness(Beat beat, long now) {
        boolean late = now - beat.dueAt > beat.heartbeat.period().toNanos() / 2;
        if (late && !overloaded) {
            overloaded = true;
            LOG.log(
                    Level.WARNING,
                    "txlease: heartbeats are overloaded: a renewal started {0} ms late with {1} more due and {2}"
                            + " renewal threads (at most {3}); leases may expire. Hold fewer leases per client, use"
                            + " longer heartbeat periods, or raise heartbeatThreads",
                    new Object[] {TimeUnit.NANOSECONDS.toMillis(now - beat.dueAt), ready.size(), running, maxThreads});
        } else if (!late && overloaded && ready.isEmpty()) {
            overloaded = false;
            LOG.log(Level.INFO, "txlease: heartbeats caught up; renewals start on time again");
        }
    }

    /** One pending beat. */
    private record Beat(LeaseHeartbeat heartbeat, long dueAt, long expiresAt, long sequence) {}
}
