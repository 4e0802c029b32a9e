package dev.txlease;

import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * Grants, renews and releases leases on named locks, with fence tokens.
 *
 * <p>Contention is a result, not an error: {@link #tryAcquire} returns empty when another client
 * holds the lock, and {@link #acquire} waits.
 *
 * <!-- snippet: lease-client-try -->
 * <pre>{@code
 * Optional<Lease> free = client.tryAcquire("nightly-report", AcquireOptions.defaults());
 * if (free.isPresent()) {
 *     try (Lease lease = free.get()) {
 *         // ... the work, its writes carrying lease.fenceToken() ...
 *     }
 * } // else another process holds the lock: a result, not an exception
 * }</pre>
 *
 * <p>What can fail at run time throws a {@link LeaseException} naming the lock: {@link
 * LeaseTimeoutException}, {@link LeaseLostException}, {@link LeaseStoreUnavailableException} (the
 * store cannot be reached), or {@code LeaseException} itself (an interrupted wait). Programming
 * errors throw the JDK's exceptions: {@link IllegalArgumentException} (an invalid lock name or
 * option, a lease of another client), {@link NullPointerException} (a null argument), {@link
 * IllegalStateException} (a lease released twice).
 *
 * <p>A client renews the leases it granted on its own heartbeat threads until they are released or
 * the client is {@linkplain #close() closed}. Implementations are thread-safe; one client per
 * process is the usual setup.
 */
public interface LeaseClient extends AutoCloseable {

    /**
     * Acquires the lock, waiting up to {@link AcquireOptions#waitTimeout()} while another client
     * holds it. A holder that stops renewing is taken over once its lease has run out on this
     * process's monotonic clock.
     *
     * @param name the lock name: 1 to 255 characters, no control characters
     * @param options the acquire options
     * @return the granted lease
     * @throws LeaseTimeoutException if the lock stayed held for the whole wait timeout
     * @throws LeaseStoreUnavailableException if the store cannot be reached
     * @throws LeaseException if the calling thread is interrupted (the interrupt flag is restored)
     * @throws IllegalArgumentException if {@code name} is invalid
     */
    Lease acquire(String name, AcquireOptions options);

    /**
     * Acquires the lock if it is free now, without waiting. A client remembers, across its calls,
     * since when it has seen a holder's version unchanged: a holder that stopped renewing is taken
     * over by the first call after its version stayed unchanged for a whole lease on this process's
     * monotonic clock, so repeated calls (a scheduler's, a busy wait's) take over a dead holder.
     *
     * @param name the lock name
     * @param options the acquire options ({@code waitTimeout} is ignored)
     * @return the granted lease, or empty if another client holds the lock
     * @throws LeaseStoreUnavailableException if the store cannot be reached
     */
    Optional<Lease> tryAcquire(String name, AcquireOptions options);

    /**
     * Acquires the lock on the client's threads, as {@link #acquire} does.
     *
     * @param name the lock name
     * @param options the acquire options
     * @return a future completed with the lease, or exceptionally with the {@link LeaseException}
     *     {@code acquire} would throw; cancelling it stops the wait
     */
    CompletableFuture<Lease> acquireAsync(String name, AcquireOptions options);

    /**
     * Renews the lease now (heartbeats do so on their own).
     *
     * @param lease a lease granted by this client
     * @throws LeaseLostException if the lease is no longer ours
     * @throws LeaseStoreUnavailableException if the store cannot be reached; the lease stays valid
     *     until it expires locally
     * @throws IllegalArgumentException if the lease was granted by another client
     */
    void renew(Lease lease);

    /**
     * Releases the lease: the store clears the owner, keeping the fence counter, so the next grant
     * gets a greater token.
     *
     * @param lease a lease granted by this client
     * @return {@code true} if it was released now, {@code false} if it had already been lost
     * @throws IllegalStateException if the lease was already released
     * @throws IllegalArgumentException if the lease was granted by another client
     * @throws LeaseStoreUnavailableException if the store cannot be reached; the lease then expires
     */
    boolean release(Lease lease);

    /**
     * Reads what the store holds for the lock, without taking it.
     *
     * @param name the lock name
     * @return the snapshot, or empty if the lock was never granted
     */
    Optional<LeaseInfo> inspect(String name);

    /** Returns this client's owner identity, as recorded on the leases it holds. */
    String owner();

    /**
     * Stops heartbeats and waiting acquisitions. Leases still held are not released: they expire after
     * their lease duration (release them first for a prompt handover).
     */
    @Override
    void close();
}
