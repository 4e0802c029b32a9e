package dev.txlease.spring.integration;

import dev.txlease.AcquireOptions;
import dev.txlease.FenceToken;
import dev.txlease.Lease;
import dev.txlease.LeaseClient;
import dev.txlease.LeaseException;
import dev.txlease.LeaseTimeoutException;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.springframework.integration.support.locks.DistributedLock;

/**
 * The lock of one key of a {@link TxleaseLockRegistry}: a local {@link ReentrantLock} (one thread
 * of this process at a time) plus a lease (one process at a time), taken on the first hold and
 * released on the last {@code unlock()}.
 *
 * <p>A reentrant {@code tryLock} succeeds only while the lease is still valid: {@code
 * LockRegistryLeaderInitiator} calls it on every heartbeat, so a leader whose lease was lost (it
 * stalled past its TTL and another took over) loses its leadership. Thread-safe.
 */
public final class TxleaseLock implements DistributedLock {
    private static final Duration FOREVER = Duration.ofDays(7);

    private final LeaseClient client;
    private final String name;
    private final AcquireOptions options;
    private final Duration defaultTtl;
    private final ReentrantLock local = new ReentrantLock();
    private volatile Lease lease; // written by the holding thread

    TxleaseLock(LeaseClient client, String name, AcquireOptions options, Duration defaultTtl) {
        this.client = client;
        this.name = name;
        this.options = options;
        this.defaultTtl = defaultTtl;
    }

    /** Returns the lock name. */
    public String name() {
        return name;
    }

    /**
     * Returns the lease of this lock, held by the calling thread.
     *
     * @return the lease, whose {@link Lease#fenceToken()} fences the holder's writes
     * @throws IllegalStateException if the calling thread does not hold the lock
     */
    public Lease lease() {
        Lease held = lease;
        if (!local.isHeldByCurrentThread() || held == null) {
            throw new IllegalStateException("The calling thread does not hold lock '" + name + "'");
        }
        return held;
    }

    /**
     * Returns the fence token of the lease, held by the calling thread.
     *
     * @return the fence token
     * @throws IllegalStateException if the calling thread does not hold the lock
     */
    public FenceToken fenceToken() {
        return lease().fenceToken();
    }

    @Override
    public void lock() {
        lock(defaultTtl);
    }

    @Override
    public void lock(Duration ttl) {
        local.lock();
        if (local.getHoldCount() > 1) {
            return;
        }
        try {
            while (true) {
                try {
                    lease = client.acquire(name, options(ttl, FOREVER));
                    return;
                } catch (LeaseTimeoutException e) {
                    // lock() waits as long as it takes
                }
            }
        } catch (RuntimeException e) {
            local.unlock();
            throw e;
        }
    }

    @Override
    public void lockInterruptibly() throws InterruptedException {
        local.lockInterruptibly();
        if (local.getHoldCount() > 1) {
            return;
        }
        try {
            while (true) {
                try {
                    lease = client.acquire(name, options(defaultTtl, FOREVER));
                    return;
                } catch (LeaseTimeoutException e) {
                    // waits as long as it takes
                }
            }
        } catch (LeaseException e) {
            local.unlock();
            if (Thread.interrupted()) {
                InterruptedException interrupted =
                        new InterruptedException("interrupted waiting for lock '" + name + "'");
                interrupted.initCause(e);
                throw interrupted;
            }
            throw e;
        }
    }

    @Override
    public boolean tryLock() {
        try {
            return tryLock(Duration.ZERO, defaultTtl);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    @Override
    public boolean tryLock(long time, TimeUnit unit) throws InterruptedException {
        return tryLock(Duration.ofNanos(unit.toNanos(time)), defaultTtl);
    }

    @Override
    public boolean tryLock(Duration waitTime, Duration ttl) throws InterruptedException {
        long deadline = System.nanoTime() + waitTime.toNanos();
        if (!local.tryLock(waitTime.toNanos(), TimeUnit.NANOSECONDS)) {
            return false;
        }
        if (local.getHoldCount() > 1) {
            if (lease != null && lease.isValid()) {
                return true;
            }
            local.unlock(); // the lease was lost: the lock is no longer ours
            return false;
        }
        boolean acquired = false;
        try {
            Duration left = Duration.ofNanos(Math.max(0, deadline - System.nanoTime()));
            Optional<Lease> granted;
            if (left.isZero()) {
                granted = client.tryAcquire(name, options(ttl, Duration.ZERO));
            } else {
                try {
                    granted = Optional.of(client.acquire(name, options(ttl, left)));
                } catch (LeaseTimeoutException e) {
                    granted = Optional.empty();
                }
            }
            if (Thread.interrupted()) {
                granted.ifPresent(Lease::close);
                throw new InterruptedException("interrupted waiting for lock '" + name + "'");
            }
            acquired = granted.isPresent();
            lease = granted.orElse(null);
            return acquired;
        } finally {
            if (!acquired) {
                local.unlock();
            }
        }
    }

    /**
     * Releases one hold; the last one releases the lease.
     *
     * @throws IllegalMonitorStateException if the calling thread does not hold the lock
     */
    @Override
    public void unlock() {
        if (!local.isHeldByCurrentThread()) {
            throw new IllegalMonitorStateException("The calling thread does not hold lock '" + name + "'");
        }
        if (local.getHoldCount() > 1) {
            local.unlock();
            return;
        }
        Lease releasing = lease;
        lease = null;
        try {
            if (releasing != null) {
                releasing.close(); // does nothing if it was lost
            }
        } finally {
            local.unlock();
        }
    }

    /** Not supported: a condition cannot span processes. */
    @Override
    public Condition newCondition() {
        throw new UnsupportedOperationException("TxleaseLock has no conditions (lock '" + name + "')");
    }

    private AcquireOptions options(Duration ttl, Duration waitTimeout) {
        return withTtl(options, ttl)
                .waitTimeout(waitTimeout.compareTo(FOREVER) > 0 ? FOREVER : waitTimeout)
                .build();
    }

    /** The options with lease duration {@code ttl}, renewed every third of it (unless heartbeats are off). */
    static AcquireOptions.Builder withTtl(AcquireOptions options, Duration ttl) {
        Duration heartbeat = options.heartbeatPeriod().isZero() ? Duration.ZERO : ttl.dividedBy(3);
        return options.toBuilder().leaseDuration(ttl).heartbeatPeriod(heartbeat);
    }

    @Override
    public String toString() {
        Lease held = lease;
        return "TxleaseLock[name=" + name + (held == null ? ", free here" : ", fence=" + held.fenceToken()) + "]";
    }
}
