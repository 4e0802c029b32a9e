package dev.txlease;

/**
 * A fencing token: a number that the lease store increments atomically every time it grants a lease
 * on a lock name, so it is strictly greater than every token issued before for that name.
 *
 * <p>Storage that remembers the highest token it has accepted for a name can reject writes carrying
 * an older one: a holder that stalled past its lease can then no longer overwrite the work of the
 * next holder. Tokens of different lock names are unrelated and should not be compared.
 *
 * <p>Instances are immutable and thread-safe.
 */
public final class FenceToken implements Comparable<FenceToken> {
    private final long value;

    private FenceToken(long value) {
        this.value = value;
    }

    /**
     * Returns the token with the given value.
     *
     * @param value the counter value, at least 1
     * @return the token
     * @throws IllegalArgumentException if {@code value} is less than 1
     */
    public static FenceToken of(long value) {
        if (value < 1) {
            throw new IllegalArgumentException("fence token value must be at least 1, was " + value);
        }
        return new FenceToken(value);
    }

    /** Returns the counter value, at least 1. */
    public long value() {
        return value;
    }

    /** Returns whether this token was issued after {@code other} (for the same lock name). */
    public boolean isNewerThan(FenceToken other) {
        return value > other.value;
    }

    @Override
    public int compareTo(FenceToken other) {
        return Long.compare(value, other.value);
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof FenceToken && ((FenceToken) other).value == value;
    }

    @Override
    public int hashCode() {
        return Long.hashCode(value);
    }

    @Override
    public String toString() {
        return Long.toString(value);
    }
}
