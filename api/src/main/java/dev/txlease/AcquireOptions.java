package dev.txlease;

import java.time.Duration;
import java.util.Objects;

/**
 * How to acquire a lease: immutable, made by {@link #builder()}.
 *
 * <p>Defaults: lease duration 20 s, wait timeout 30 s, heartbeat every third of the lease
 * duration (at least every 5 ms), poll interval 250 ms, no data, no listener, released when the enclosing JTA transaction
 * completes.
 *
 * <p>Instances are immutable and thread-safe; builders are not thread-safe.
 */
public final class AcquireOptions {
    /** The largest data that may be stored with a lease, in bytes (DynamoDB's item limit, less room for the other attributes). */
    public static final int MAX_DATA_BYTES = 350 * 1024;

    /** The shortest heartbeat period, set or derived: renewing more often only floods the store. */
    static final Duration MIN_HEARTBEAT_PERIOD = Duration.ofMillis(5);

    private static final AcquireOptions DEFAULTS = builder().build();

    private final Duration leaseDuration;
    private final Duration waitTimeout;
    private final Duration heartbeatPeriod;
    private final boolean heartbeatPeriodSet;
    private final Duration pollInterval;
    private final byte[] data;
    private final LeaseListener listener;
    private final boolean releaseOnCompletion;
    private final LockMode mode;

    private AcquireOptions(Builder builder) {
        this.leaseDuration = builder.leaseDuration;
        this.waitTimeout = builder.waitTimeout;
        this.heartbeatPeriodSet = builder.heartbeatPeriod != null;
        this.heartbeatPeriod = heartbeatPeriodSet ? builder.heartbeatPeriod : defaultHeartbeatPeriod(leaseDuration);
        this.pollInterval = builder.pollInterval;
        this.data = builder.data == null ? null : builder.data.clone();
        this.listener = builder.listener;
        this.releaseOnCompletion = builder.releaseOnCompletion;
        this.mode = builder.mode;
    }

    /** Returns the default options. */
    public static AcquireOptions defaults() {
        return DEFAULTS;
    }

    /** Returns a builder with the defaults. */
    public static Builder builder() {
        return new Builder();
    }

    /** Returns a builder that starts from these options. */
    public Builder toBuilder() {
        Builder builder = new Builder();
        builder.leaseDuration = leaseDuration;
        builder.waitTimeout = waitTimeout;
        builder.heartbeatPeriod = heartbeatPeriodSet ? heartbeatPeriod : null; // a derived one follows the lease
        builder.pollInterval = pollInterval;
        builder.data = data;
        builder.listener = listener;
        builder.releaseOnCompletion = releaseOnCompletion;
        builder.mode = mode;
        return builder;
    }

    /** Returns how long a grant or renewal holds the lock. */
    public Duration leaseDuration() {
        return leaseDuration;
    }

    /**
     * The heartbeat period used when none is set: a third of the lease duration, but at least {@link
     * #MIN_HEARTBEAT_PERIOD} (5 ms; the shortest lease, 10 ms, still renews twice per lease).
     */
    private static Duration defaultHeartbeatPeriod(Duration leaseDuration) {
        Duration third = leaseDuration.dividedBy(3);
        return third.compareTo(MIN_HEARTBEAT_PERIOD) < 0 ? MIN_HEARTBEAT_PERIOD : third;
    }

    /** Returns how long {@link LeaseClient#acquire} waits for a held lock. */
    public Duration waitTimeout() {
        return waitTimeout;
    }

    /** Returns how often the lease is renewed, or {@link Duration#ZERO} for no heartbeat. */
    public Duration heartbeatPeriod() {
        return heartbeatPeriod;
    }

    /** Returns how often a waiter re-reads a lock held by another process. */
    public Duration pollInterval() {
        return pollInterval;
    }

    /** Returns a copy of the data to store with the lease, or {@code null}. */
    public byte[] data() {
        return data == null ? null : data.clone();
    }

    /** Returns the listener, {@link LeaseListener#NONE} by default. */
    public LeaseListener listener() {
        return listener;
    }

    /**
     * Returns whether a lease acquired inside a JTA transaction is released when the transaction
     * completes ({@code true}, the default) or kept, with its heartbeats, after commit.
     */
    public boolean releaseOnCompletion() {
        return releaseOnCompletion;
    }

    /** Returns the lock mode to acquire in, {@link LockMode#EX} by default. */
    public LockMode mode() {
        return mode;
    }

    @Override
    public String toString() {
        return "AcquireOptions[leaseDuration=" + leaseDuration + ", waitTimeout=" + waitTimeout
                + ", heartbeatPeriod=" + heartbeatPeriod + ", pollInterval=" + pollInterval + ", data="
                + (data == null ? "none" : data.length + " bytes") + ", releaseOnCompletion=" + releaseOnCompletion
                + ", mode=" + mode + "]";
    }

    /** Builds {@link AcquireOptions}; each setter checks its argument, {@link #build()} the whole. */
    public static final class Builder {
        private Duration leaseDuration = Duration.ofSeconds(20);
        private Duration waitTimeout = Duration.ofSeconds(30);
        private Duration heartbeatPeriod;
        private Duration pollInterval = Duration.ofMillis(250);
        private byte[] data;
        private LeaseListener listener = LeaseListener.NONE;
        private boolean releaseOnCompletion = true;
        private LockMode mode = LockMode.EX;

        private Builder() {}

        /**
         * Sets how long a grant or renewal holds the lock: at least 10 ms, at most 7 days.
         *
         * @param leaseDuration the lease duration
         * @return this builder
         */
        public Builder leaseDuration(Duration leaseDuration) {
            this.leaseDuration = checkRange("leaseDuration", leaseDuration, Duration.ofMillis(10), Duration.ofDays(7));
            return this;
        }

        /**
         * Sets how long {@link LeaseClient#acquire} waits for a held lock; zero means try once.
         *
         * @param waitTimeout the wait timeout, zero to 7 days
         * @return this builder
         */
        public Builder waitTimeout(Duration waitTimeout) {
            this.waitTimeout = checkRange("waitTimeout", waitTimeout, Duration.ZERO, Duration.ofDays(7));
            return this;
        }

        /**
         * Sets how often the lease is renewed: zero disables the heartbeat (the lease then expires after
         * its duration unless {@link LeaseClient#renew} is called), otherwise at least 5 ms. Must be
         * shorter than the lease duration; defaults to a third of it, at least 5 ms (a default follows a
         * lease duration changed later, also through {@link AcquireOptions#toBuilder()}).
         *
         * @param heartbeatPeriod the period
         * @return this builder
         */
        public Builder heartbeatPeriod(Duration heartbeatPeriod) {
            Objects.requireNonNull(heartbeatPeriod, "heartbeatPeriod must not be null");
            this.heartbeatPeriod = heartbeatPeriod.isZero()
                    ? heartbeatPeriod
                    : checkRange("heartbeatPeriod", heartbeatPeriod, MIN_HEARTBEAT_PERIOD, Duration.ofDays(7));
            return this;
        }

        /**
         * Sets how often a waiter re-reads a lock held by another process (releases within this client
         * wake waiters at once).
         *
         * @param pollInterval the interval, 1 ms to 1 hour
         * @return this builder
         */
        public Builder pollInterval(Duration pollInterval) {
            this.pollInterval = checkRange("pollInterval", pollInterval, Duration.ofMillis(1), Duration.ofHours(1));
            return this;
        }

        /**
         * Sets data to store with the lease (copied), at most {@link #MAX_DATA_BYTES}; {@code null} for
         * none.
         *
         * @param data the data
         * @return this builder
         */
        public Builder data(byte[] data) {
            if (data != null && data.length > MAX_DATA_BYTES) {
                throw new IllegalArgumentException("data must be at most " + MAX_DATA_BYTES
                        + " bytes (DynamoDB's 400 KB item limit), was " + data.length + " bytes");
            }
            this.data = data == null ? null : data.clone();
            return this;
        }

        /**
         * Sets the listener told about loss and near expiry.
         *
         * @param listener the listener
         * @return this builder
         */
        public Builder listener(LeaseListener listener) {
            this.listener = Objects.requireNonNull(listener, "listener must not be null (use LeaseListener.NONE)");
            return this;
        }

        /**
         * Sets whether a lease acquired inside a JTA transaction is released when the transaction
         * completes (the default) or kept after it.
         *
         * @param releaseOnCompletion {@code false} to keep the lease after commit or rollback
         * @return this builder
         */
        public Builder releaseOnCompletion(boolean releaseOnCompletion) {
            this.releaseOnCompletion = releaseOnCompletion;
            return this;
        }

        /**
         * Sets the lock mode to acquire in (see {@link LockMode} for which modes may be held together);
         * {@link LockMode#EX} by default.
         *
         * @param mode the mode
         * @return this builder
         */
        public Builder mode(LockMode mode) {
            this.mode = Objects.requireNonNull(mode, "mode must not be null");
            return this;
        }

        /**
         * Checks the options as a whole and returns them.
         *
         * @return the options
         * @throws IllegalArgumentException if the heartbeat period is not shorter than the lease duration
         */
        public AcquireOptions build() {
            if (heartbeatPeriod != null && heartbeatPeriod.compareTo(leaseDuration) >= 0) {
                throw new IllegalArgumentException("heartbeatPeriod (" + heartbeatPeriod
                        + ") must be shorter than leaseDuration (" + leaseDuration + ")");
            }
            return new AcquireOptions(this);
        }

        private static Duration checkRange(String argument, Duration value, Duration min, Duration max) {
            Objects.requireNonNull(value, () -> argument + " must not be null");
            if (value.compareTo(min) < 0 || value.compareTo(max) > 0) {
                throw new IllegalArgumentException(
                        argument + " must be between " + min + " and " + max + ", was " + value);
            }
            return value;
        }
    }
}
