package dev.txlease.internal;

import dev.txlease.AcquireOptions;
import dev.txlease.Lease;
import dev.txlease.LeaseException;
import dev.txlease.LeaseStoreUnavailableException;
import dev.txlease.LeaseTimeoutException;
import dev.txlease.LockNames;
import dev.txlease.client.LeaseClock;
import dev.txlease.spi.GrantRequest;
import dev.txlease.spi.LeaseRecord;
import dev.txlease.spi.LeaseStore;
import dev.txlease.spi.StoreResult;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The lease protocol over a {@link LeaseStore}: acquisition with waiting and takeover, heartbeats,
 * release. {@code DefaultLeaseClient} is its public face.
 *
 * <p>Acquire, step by step:
 *
 * <ol>
 *   <li>register for a local release signal of the name, then send one conditional grant (free
 *       lock, or takeover of the version seen unchanged for a whole lease);
 *   <li>granted: the lease counts from the moment the request was sent; heartbeats start;
 *   <li>the store answers with the holder's record: if it carries our owner and the version we tried
 *       to write, an earlier attempt whose answer was lost did land, and the lease is ours;
 *   <li>otherwise note when (on our monotonic clock) this holder version was first seen; a changed
 *       version restarts that count; once a full lease duration has passed without change the next
 *       attempt takes the lock over;
 *   <li>wait for a local release, the poll interval, the takeover moment or the deadline, whichever
 *       comes first, and go to 1.
 * </ol>
 *
 * <p>Heartbeats: a {@link HeartbeatScheduler} runs every lease's beats on renewal threads started
 * on demand, at most one pending beat per lease, the lease nearest expiry first. Thread-safe.
 */
public final class LeaseEngine {
    private static final Logger LOG = Logger.getLogger(LeaseEngine.class.getName());

    private final LeaseStore store;
    private final String owner;
    private final String node;
    private final LeaseClock clock;
    private final HeartbeatScheduler heartbeats;
    private final ExecutorService acquirers;
    private final LocalWaiters waiters = new LocalWaiters();
    private final Set<ManagedLease> active = ConcurrentHashMap.newKeySet();

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
        this.store = Objects.requireNonNull(store, "store");
        this.owner = Objects.requireNonNull(owner, "owner");
        this.node = Objects.requireNonNull(node, "node");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.heartbeats = new HeartbeatScheduler(heartbeatThreads, "txlease-heartbeat");
        this.acquirers = Executors.newCachedThreadPool(daemons("txlease-acquire"));
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

    LocalWaiters waiters() {
        return waiters;
    }

    /** Returns the executor that runs asynchronous acquisitions. */
    public ExecutorService acquirers() {
        return acquirers;
    }

    /**
     * Acquires {@code name}, waiting up to the options' wait timeout, or not at all if {@code wait} is
     * false.
     *
     * @return the lease, or empty if {@code wait} is false and the lock is held
     */
    public Optional<ManagedLease> acquire(String name, AcquireOptions options, boolean wait) {
        LockNames.check(name);
        Objects.requireNonNull(options, "options must not be null (use AcquireOptions.defaults())");
        long start = clock.nanoTime();
        long deadline = start + (wait ? options.waitTimeout().toNanos() : 0);
        String version = Versions.next();
        long unknownSince = -1; // when the oldest attempt whose outcome is unknown was sent
        HolderWatch watch = null;
        LeaseStoreUnavailableException lastFailure = null;
        while (true) {
            CountDownLatch released = waiters.register(name);
            long sentAt = clock.nanoTime();
            String takeover = watch != null && watch.expired(sentAt) ? watch.version : null;
            GrantRequest request =
                    new GrantRequest(name, owner, node, version, options.leaseDuration(), options.data(), takeover);
            StoreResult result;
            try {
                result = store.tryGrant(request);
                lastFailure = null;
            } catch (LeaseStoreUnavailableException e) {
                if (!wait || clock.nanoTime() - deadline >= 0) {
                    throw e;
                }
                lastFailure = e;
                result = null;
                if (unknownSince < 0) {
                    unknownSince = sentAt;
                }
            }
            if (result != null) {
                LeaseRecord record = result.record();
                if (result.succeeded() || (record != null && record.isHeldBy(owner, version))) {
                    // an earlier attempt whose answer was lost may be the one that landed
                    return Optional.of(start(record, unknownSince >= 0 ? unknownSince : sentAt, options));
                }
                if (record == null) {
                    throw new LeaseException(
                            "Store " + store.storeId() + " refused a grant of lock '" + name
                                    + "' without naming a holder; the store is inconsistent",
                            name,
                            owner,
                            null,
                            null);
                }
                unknownSince = -1; // another holder: no earlier attempt of ours landed
                long seenAt = clock.nanoTime();
                if (watch == null || !watch.version.equals(record.version())) {
                    watch = new HolderWatch(record, seenAt);
                }
                if (!wait) {
                    return Optional.empty();
                }
            }
            long now = clock.nanoTime();
            if (now - deadline >= 0) {
                if (lastFailure != null) {
                    throw lastFailure;
                }
                throw new LeaseTimeoutException(
                        name, watch.record.owner(), watch.record.fenceToken(), Duration.ofNanos(now - start));
            }
            long pause = Math.min(options.pollInterval().toNanos(), deadline - now);
            if (watch != null && lastFailure == null) {
                pause = Math.min(pause, Math.max(0, watch.expiresAt() - now));
            }
            try {
                LocalWaiters.await(released, pause);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new LeaseException(
                        "Interrupted while waiting for lock '" + name + "'; no lease was granted",
                        name,
                        owner,
                        null,
                        e);
            }
        }
    }

    private ManagedLease start(LeaseRecord granted, long sentAt, AcquireOptions options) {
        ManagedLease lease = new ManagedLease(this, granted, sentAt, options.listener());
        active.add(lease);
        Duration period = options.heartbeatPeriod();
        if (!period.isZero()) {
            LeaseHeartbeat heartbeat = new LeaseHeartbeat(lease, period);
            lease.heartbeat(heartbeat);
            if (!heartbeat.start(heartbeats)) {
                active.remove(lease);
                throw new IllegalStateException("The lease client is closed; lease on lock '" + granted.name()
                        + "' was granted (fence " + granted.fence() + ") and will expire unrenewed");
            }
        }
        return lease;
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

    /** Stops heartbeats and waiting acquisitions; held leases expire on their own. */
    public void close() {
        heartbeats.close();
        acquirers.shutdownNow();
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

    /** A holder's version and when this process first saw it, on its own monotonic clock. */
    private static final class HolderWatch {
        final LeaseRecord record;
        final String version;
        final long seenAt;

        HolderWatch(LeaseRecord record, long seenAt) {
            this.record = record;
            this.version = record.version();
            this.seenAt = seenAt;
        }

        long expiresAt() {
            return seenAt + record.leaseDuration().toNanos();
        }

        boolean expired(long now) {
            return now - expiresAt() >= 0;
        }
    }
}
