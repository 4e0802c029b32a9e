package dev.txlease.internal;

import dev.txlease.AcquireOptions;
import dev.txlease.Lease;
import dev.txlease.LeaseException;
import dev.txlease.LeaseStoreUnavailableException;
import dev.txlease.LockMode;
import dev.txlease.LockNames;
import dev.txlease.client.LeaseClientObserver;
import dev.txlease.client.LeaseClock;
import dev.txlease.spi.LeaseHolder;
import dev.txlease.spi.LeaseRecord;
import dev.txlease.spi.LeaseStore;
import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The lease protocol over a {@link LeaseStore}: acquisition with waiting and takeover ({@link
 * AcquireLoop}), heartbeats ({@link LeaseHeartbeat}), and the leases' own operations ({@link
 * ManagedLease}). {@code DefaultLeaseClient} is its public face.
 *
 * <p>Threads: renewal threads started on demand by the {@link HeartbeatScheduler}; one acquire
 * scheduler thread that times the waits of {@code acquireAsync} calls and a small pool that sends
 * their attempts, so pending asynchronous acquisitions hold no thread while they wait. A synchronous
 * acquire waits on its caller's thread. Threads start lazily.
 *
 * <p>Heartbeats: a {@link HeartbeatScheduler} runs every lease's beats on renewal threads started
 * on demand, at most one pending beat per lease, the lease nearest expiry first.
 *
 * <p>{@link #close()} ends every waiting acquisition with a {@link LeaseException} at once; a closed
 * engine sends no grant. Thread-safe.
 */
public final class LeaseEngine {
    private static final System.Logger LOG = System.getLogger(LeaseEngine.class.getName());
    private static final int ACQUIRE_THREADS = 4;

    private final LeaseStore store;
    private final String owner;
    private final String node;
    private final LeaseClock clock;
    private final LeaseEvents events;
    private final HeartbeatScheduler heartbeats;
    private final ScheduledExecutorService acquireScheduler;
    private final ExecutorService acquirers;
    private final LocalWaiters waiters = new LocalWaiters();
    private final HolderWatches watches = new HolderWatches();
    private final Set<ManagedLease> active = ConcurrentHashMap.newKeySet();
    private final Set<AsyncAcquisition> pending = ConcurrentHashMap.newKeySet();
    private volatile boolean closed;

    /**
     * Creates an engine; threads start lazily with the first lease.
     *
     * @param store the store
     * @param owner this client's owner identity
     * @param node this client's node identity (for transaction recovery)
     * @param clock the monotonic clock
     * @param heartbeatThreads the most threads that run renewals (started on demand)
     */
    public LeaseEngine(LeaseStore store, String owner, String node, LeaseClock clock, int heartbeatThreads) {
        this(store, owner, node, clock, heartbeatThreads, LeaseClientObserver.NONE);
    }

    /**
     * Creates an engine that reports to {@code observer}; threads start lazily with the first lease.
     *
     * @param store the store
     * @param owner this client's owner identity
     * @param node this client's node identity (for transaction recovery)
     * @param clock the monotonic clock
     * @param heartbeatThreads the most threads that run renewals (started on demand)
     * @param observer the client's observer
     */
    public LeaseEngine(
            LeaseStore store,
            String owner,
            String node,
            LeaseClock clock,
            int heartbeatThreads,
            LeaseClientObserver observer) {
        this.events = new LeaseEvents(observer, clock);
        this.store = Objects.requireNonNull(store, "store");
        this.owner = Objects.requireNonNull(owner, "owner");
        this.node = Objects.requireNonNull(node, "node");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.heartbeats = new HeartbeatScheduler(heartbeatThreads, "txlease-heartbeat");
        this.acquireScheduler = Executors.newSingleThreadScheduledExecutor(daemons("txlease-acquire-scheduler"));
        this.acquirers = Executors.newFixedThreadPool(ACQUIRE_THREADS, daemons("txlease-acquire"));
    }

    public String owner() {
        return owner;
    }

    public String node() {
        return node;
    }

    public LeaseStore store() {
        return store;
    }

    LeaseClock clock() {
        return clock;
    }

    /** Returns where this engine logs and observes its leases' lifecycle. */
    public LeaseEvents events() {
        return events;
    }

    LocalWaiters waiters() {
        return waiters;
    }

    HolderWatches watches() {
        return watches;
    }

    boolean isClosed() {
        return closed;
    }

    /** Returns the executor that runs short asynchronous tasks (acquisition attempts, listener work). */
    public ExecutorService acquirers() {
        return acquirers;
    }

    /**
     * Acquires {@code name} on the calling thread, waiting up to the options' wait timeout, or not at
     * all if {@code wait} is false.
     *
     * @return the lease, or empty if {@code wait} is false and the lock is held
     * @throws LeaseException if the wait timed out, the store failed, the thread was interrupted (the
     *     flag stays set) or the client was closed; no lease is then held
     */
    public Optional<ManagedLease> acquire(String name, AcquireOptions options, boolean wait) {
        long started = events.now();
        LockMode mode = options == null ? LockMode.EX : options.mode();
        try {
            Optional<ManagedLease> lease = acquireOnCallingThread(name, options, wait);
            events.acquireEnded(name, mode, started, lease.orElse(null), null);
            return lease;
        } catch (RuntimeException e) {
            events.acquireEnded(name, mode, started, null, e);
            throw e;
        }
    }

    private Optional<ManagedLease> acquireOnCallingThread(String name, AcquireOptions options, boolean wait) {
        LockNames.check(name);
        Objects.requireNonNull(options, "options must not be null (use AcquireOptions.defaults())");
        AcquireLoop loop = new AcquireLoop(this, name, options, wait);
        while (true) {
            CountDownLatch released = new CountDownLatch(1);
            Runnable wakeUp = released::countDown;
            waiters.register(name, wakeUp); // before the attempt: a release after it still wakes us
            try {
                ManagedLease lease = loop.attempt();
                if (lease != null) {
                    return Optional.of(lease);
                }
                if (!wait) {
                    return Optional.empty();
                }
                long pause = loop.pauseNanos();
                if (pause > 0 && !closed) {
                    released.await(pause, TimeUnit.NANOSECONDS); // the next attempt sees a close
                }
            } catch (InterruptedException e) {
                throw loop.interrupted(e);
            } finally {
                waiters.unregister(name, wakeUp);
            }
        }
    }

    /**
     * Acquires {@code name} without holding a thread while waiting: attempts run on the acquire pool,
     * waits on the acquire scheduler. Cancelling the future ends the acquisition and releases a grant
     * that may have landed.
     */
    public CompletableFuture<Lease> acquireAsync(String name, AcquireOptions options) {
        LockNames.check(name);
        Objects.requireNonNull(options, "options must not be null (use AcquireOptions.defaults())");
        CompletableFuture<Lease> result = new CompletableFuture<>();
        long started = events.now();
        result.whenComplete((lease, failure) -> events.acquireEnded(name, options.mode(), started, lease, failure));
        AcquireLoop loop = new AcquireLoop(this, name, options, true);
        if (closed) {
            result.completeExceptionally(loop.closed());
            return result;
        }
        AsyncAcquisition acquisition = new AsyncAcquisition(this, loop, result);
        pending.add(acquisition);
        result.whenComplete((lease, failure) -> pending.remove(acquisition));
        acquisition.start();
        return result;
    }

    /** Runs {@code step} on the acquire pool; false if the engine is shut down. */
    boolean runAttempt(Runnable step) {
        try {
            acquirers.execute(step);
            return true;
        } catch (RejectedExecutionException e) {
            return false;
        }
    }

    /** Schedules {@code step} after {@code nanos}; null if the engine is shut down. */
    ScheduledFuture<?> schedule(Runnable step, long nanos) {
        try {
            return acquireScheduler.schedule(step, nanos, TimeUnit.NANOSECONDS);
        } catch (RejectedExecutionException e) {
            return null;
        }
    }

    /** Starts a granted lease: counts it from {@code sentAtNanos}, starts its heartbeat. */
    ManagedLease start(String name, String holderId, LeaseHolder granted, long sentAtNanos, AcquireOptions options) {
        ManagedLease lease = new ManagedLease(this, name, holderId, granted, sentAtNanos, options);
        active.add(lease);
        Duration period = options.heartbeatPeriod();
        if (!period.isZero()) {
            LeaseHeartbeat heartbeat = new LeaseHeartbeat(lease, period);
            lease.heartbeat(heartbeat);
            if (!heartbeat.start(heartbeats)) {
                LeaseException failure = new LeaseException(
                        "The lease client is closed; lock '" + name + "' was granted and released again",
                        name,
                        owner,
                        granted.fenceToken(),
                        null);
                try {
                    lease.releaseQuietly();
                } catch (RuntimeException releaseFailure) {
                    failure.addSuppressed(releaseFailure);
                }
                throw failure;
            }
        }
        return lease;
    }

    /**
     * Reads the record of {@code name}; any store failure other than a rejected argument is a {@link
     * LeaseStoreUnavailableException}.
     */
    public Optional<LeaseRecord> read(String name) {
        try {
            return store.read(name);
        } catch (LeaseException | IllegalArgumentException e) {
            throw e;
        } catch (RuntimeException e) {
            throw new LeaseStoreUnavailableException(
                    "Store " + store.storeId() + " failed to read lock '" + name + "' (" + e + ")", name, e);
        }
    }

    /**
     * Converts {@code lease} to {@code mode} on the calling thread, waiting like {@link #acquire}
     * (the lease's wait timeout and poll interval); the lease keeps being renewed while it waits.
     */
    void convert(ManagedLease lease, LockMode mode) {
        AcquireOptions options = lease.options().toBuilder().mode(mode).build();
        AcquireLoop loop = new AcquireLoop(this, lease.name(), options, true, lease);
        while (true) {
            CountDownLatch released = new CountDownLatch(1);
            Runnable wakeUp = released::countDown;
            waiters.register(lease.name(), wakeUp);
            try {
                if (lease.attemptConversion(loop)) {
                    return;
                }
                long pause = loop.pauseNanos();
                if (pause > 0 && !closed) {
                    released.await(pause, TimeUnit.NANOSECONDS);
                }
            } catch (InterruptedException e) {
                throw loop.interrupted(e);
            } finally {
                waiters.unregister(lease.name(), wakeUp);
            }
        }
    }

    /** Renews {@code lease} now. */
    public void renew(ManagedLease lease) {
        requireOwn(lease).renew();
    }

    /** Releases {@code lease}: {@code true} if released now, {@code false} if it had been lost. */
    public boolean release(ManagedLease lease) {
        return requireOwn(lease).release();
    }

    /** Returns {@code lease} as this engine's lease, or throws naming the lock. */
    public ManagedLease requireOwn(Lease lease) {
        Objects.requireNonNull(lease, "lease must not be null");
        if (!(lease instanceof ManagedLease) || ((ManagedLease) lease).engine() != this) {
            throw new IllegalArgumentException("Lease on lock '" + lease.name() + "' (owner " + lease.owner()
                    + ") was not granted by this client (owner " + owner
                    + "); release it with the client that acquired it");
        }
        return (ManagedLease) lease;
    }

    void forget(ManagedLease lease) {
        active.remove(lease);
    }

    void notify(Runnable listenerCall) {
        try {
            listenerCall.run();
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "txlease: a LeaseListener threw; it should return quickly and not throw", e);
        }
    }

    void logHeartbeatFailure(ManagedLease lease, RuntimeException e) {
        LOG.log(Level.WARNING, "txlease: heartbeat of " + lease + " failed unexpectedly", e);
    }

    /** Returns the heartbeat scheduler (for tests of this package). */
    HeartbeatScheduler heartbeats() {
        return heartbeats;
    }

    /** Returns the number of leases this engine holds and renews. */
    public int activeLeases() {
        return active.size();
    }

    /** Returns the number of renewals that are due and have not started: the heartbeat backlog. */
    public int pendingRenewals() {
        return heartbeats.overdue();
    }

    /** Returns the number of lock names that waiting acquisitions of this engine are registered on. */
    int waitingNames() {
        return waiters.names();
    }

    /**
     * Stops heartbeats and ends every waiting acquisition with a {@link LeaseException}; held leases
     * expire on their own. Attempts in flight finish, and a grant they brought is released.
     */
    public void close() {
        closed = true;
        for (AsyncAcquisition acquisition : List.copyOf(pending)) {
            acquisition.close();
        }
        waiters.signalAll();
        heartbeats.close();
        acquireScheduler.shutdownNow();
        acquirers.shutdown(); // attempts in flight finish and release what they brought
        active.clear();
    }

    private static ThreadFactory daemons(String prefix) {
        AtomicInteger counter = new AtomicInteger();
        return runnable -> {
            Thread thread = new Thread(runnable, prefix + "-" + counter.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        };
    }
}
