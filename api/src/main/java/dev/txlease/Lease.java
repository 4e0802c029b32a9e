package dev.txlease;

import java.time.Duration;
import java.util.Optional;

/**
 * A lease on a named lock, granted by a {@link LeaseClient}.
 *
 * <p>A lease is valid from its grant until it is released, lost (another client took it over after
 * it expired, or the store rejected a renewal) or its lease duration runs out on this process's
 * monotonic clock without a successful renewal. Validity is judged locally and conservatively: the
 * lease counts from the moment the granting or renewing request was <em>sent</em>.
 *
 * <p>{@link #close()} releases the lease, so it fits try-with-resources. Closing a lease that is
 * already released, or was taken over, sends nothing; a lease that ran out locally is still released
 * in the store if the store still names its holder.
 *
 * <p>Implementations are thread-safe.
 */
public interface Lease extends AutoCloseable {

    /** Returns the lock name. */
    String name();

    /** Returns the owner identity that holds the lease (the client's owner). */
    String owner();

    /**
     * Returns the fence token of this grant: strictly greater than every token issued before for this
     * lock name. Pass it to the storage you write to (see {@code txlease-jdbc-fencing}).
     */
    FenceToken fenceToken();

    /**
     * Returns the mode the lease is held in; {@link LockMode#EX} unless another mode was asked for.
     * Implementations that support only exclusive leases need not override this.
     *
     * @return the mode, never {@code null}
     */
    default LockMode mode() {
        return LockMode.EX;
    }

    /**
     * Converts the lease to {@code mode} without releasing it, as DLMs do: down (for example PW to PR,
     * EX to PR) at once, up (for example PR to EX) once the holders in modes incompatible with {@code
     * mode} are gone, waiting like an acquire (up to the wait timeout the lease was acquired with).
     * A conversion is a new grant: on success the lease holds {@code mode} with a new, larger {@link
     * #fenceToken()}; on failure (timeout, store unreachable, interrupt) it keeps its mode and token,
     * unless an attempt whose answer was lost had landed: then the lease holds {@code mode} (the
     * exception's message says which; check {@link #mode()}), so the lease and the store agree.
     * Implementations that support only exclusive leases need not override this.
     *
     * @param mode the new mode
     * @throws UnsupportedOperationException if this implementation cannot convert
     * @throws LeaseTimeoutException if the conversion had to wait and the wait timed out
     * @throws LeaseLostException if the lease was lost
     */
    default void convert(LockMode mode) {
        throw new UnsupportedOperationException(
                "Lease on lock '" + name() + "' (" + getClass().getName() + ") cannot convert from " + mode() + " to "
                        + mode + "; release it and acquire the lock again in the new mode");
    }

    /** Returns a copy of the data stored with the lease, if any. */
    Optional<byte[]> data();

    /** Returns the lease duration the lease was granted (and is renewed) with. */
    Duration leaseDuration();

    /**
     * Returns whether the lease is still held: not released, not lost, and not expired on the local
     * monotonic clock.
     */
    boolean isValid();

    /**
     * Returns the time left before the lease expires on the local monotonic clock, or {@link
     * Duration#ZERO} if it is no longer valid.
     */
    Duration remaining();

    /**
     * Returns the state of the lease.
     *
     * @return the state, never {@code null}
     */
    LeaseState state();

    /**
     * Releases the lease if it is still held, or if it ran out locally and the store still names its
     * holder (as {@code LeaseClient.release} does); does nothing if it is already released or was
     * taken over.
     *
     * @throws LeaseStoreUnavailableException if the store cannot be reached; the lease then expires on
     *     its own after its duration
     */
    @Override
    void close();
}
