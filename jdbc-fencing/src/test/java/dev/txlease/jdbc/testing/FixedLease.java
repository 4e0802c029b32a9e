package dev.txlease.jdbc.testing;

import dev.txlease.FenceToken;
import dev.txlease.Lease;
import dev.txlease.LeaseState;
import dev.txlease.LockMode;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * A lease that only carries a name, a fence token and a mode: what the database-side check reads.
 * The mode scenarios use it to play holders in every pair of modes with chosen tokens, which a lease
 * client could only grant one after another (the claim under test is the guard check's, not the
 * client's; the lease-client scenarios use {@link LeaseHolders} and real grants).
 *
 * <p>Immutable and thread-safe.
 */
public final class FixedLease implements Lease {
    private final String name;
    private final FenceToken token;
    private final LockMode mode;

    private FixedLease(String name, long token, LockMode mode) {
        this.name = Objects.requireNonNull(name, "name must not be null");
        this.token = FenceToken.of(token);
        this.mode = Objects.requireNonNull(mode, "mode must not be null");
    }

    /**
     * Returns a holder of {@code name} in {@code mode} with fence token {@code token}.
     *
     * @param name the lock name
     * @param token the fence token
     * @param mode the lock mode
     * @return the lease
     */
    public static FixedLease of(String name, long token, LockMode mode) {
        return new FixedLease(name, token, mode);
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public String owner() {
        return "fixed-" + mode + "-" + token;
    }

    @Override
    public FenceToken fenceToken() {
        return token;
    }

    @Override
    public LockMode mode() {
        return mode;
    }

    @Override
    public Optional<byte[]> data() {
        return Optional.empty();
    }

    @Override
    public Duration leaseDuration() {
        return Duration.ofMinutes(1);
    }

    @Override
    public boolean isValid() {
        return true;
    }

    @Override
    public Duration remaining() {
        return Duration.ofMinutes(1);
    }

    @Override
    public LeaseState state() {
        return LeaseState.HELD;
    }

    @Override
    public void close() {}

    @Override
    public String toString() {
        return name + "/" + mode + "@" + token;
    }
}
