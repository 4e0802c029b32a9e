package dev.txlease.spi;

/**
 * The answer of a conditional store operation: whether the condition held and the write took
 * effect, and the record as it is now (after the write if it succeeded, as found if it did not).
 *
 * @param succeeded whether the write took effect
 * @param record the record after the write, or the record that failed the condition; {@code null}
 *     only if there is no record for the name
 */
public record StoreResult(boolean succeeded, LeaseRecord record) {

    /** A successful write that left {@code record}. */
    public static StoreResult success(LeaseRecord record) {
        return new StoreResult(true, record);
    }

    /** A failed condition; {@code current} is what the store holds, {@code null} if nothing. */
    public static StoreResult conflict(LeaseRecord current) {
        return new StoreResult(false, current);
    }
}
