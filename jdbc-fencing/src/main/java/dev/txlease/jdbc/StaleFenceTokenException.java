package dev.txlease.jdbc;

import dev.txlease.FenceToken;
import dev.txlease.LockMode;
import java.util.Objects;

/**
 * The fence token of a lease guarding this transaction is older than the token of a holder in an
 * incompatible lock mode that has already passed the fence check (written, or read with fenced
 * reads): the lease was superseded by a newer holder, and this transaction must not commit. For
 * exclusive ({@link LockMode#EX}) holders: a newer holder has already written.
 *
 * <p>SQLState {@value #SQL_STATE}: class 40 (transaction rollback) with the implementation-defined
 * subclass {@code TXL}. The fenced connection marks the transaction as failed when it throws this
 * exception: every later statement of the transaction fails fast with another instance (whose cause
 * is the first), a local {@code commit()} rolls back and throws, and under JTA the transaction is
 * marked rollback-only.
 *
 * <p>Do not retry under the same lease: acquire the lock again (with a new, greater token) first.
 *
 * <p>Instances are immutable once thrown, like any exception.
 */
public final class StaleFenceTokenException extends FenceCheckException {
    /** The SQLState of every {@code StaleFenceTokenException}: {@value}. */
    public static final String SQL_STATE = "40TXL";

    private static final long serialVersionUID = 1L;

    private final long observedToken;
    private final LockMode lockMode;
    private final LockMode observedMode;

    /**
     * Creates the exception for exclusive holders: this transaction's lease and the newer holder's
     * are both {@link LockMode#EX}.
     *
     * @param message what happened and what to do
     * @param lockName the lock name
     * @param fenceToken this transaction's token
     * @param observedToken the greater token already recorded in the guard table
     * @param cause the earlier failure this one repeats, or {@code null}
     */
    public StaleFenceTokenException(
            String message, String lockName, FenceToken fenceToken, FenceToken observedToken, Throwable cause) {
        this(message, lockName, fenceToken, LockMode.EX, observedToken, LockMode.EX, cause);
    }

    /**
     * Creates the exception.
     *
     * @param message what happened and what to do
     * @param lockName the lock name
     * @param fenceToken this transaction's token
     * @param lockMode the mode of this transaction's lease
     * @param observedToken the greater token already recorded in the guard table
     * @param observedMode the mode it was recorded for, incompatible with {@code lockMode}
     * @param cause the earlier failure this one repeats, or {@code null}
     */
    public StaleFenceTokenException(
            String message,
            String lockName,
            FenceToken fenceToken,
            LockMode lockMode,
            FenceToken observedToken,
            LockMode observedMode,
            Throwable cause) {
        super(
                message,
                SQL_STATE,
                Objects.requireNonNull(lockName, "lockName must not be null"),
                Objects.requireNonNull(fenceToken, "fenceToken must not be null"),
                cause);
        this.observedToken = Objects.requireNonNull(observedToken, "observedToken must not be null")
                .value();
        this.lockMode = Objects.requireNonNull(lockMode, "lockMode must not be null");
        this.observedMode = Objects.requireNonNull(observedMode, "observedMode must not be null");
    }

    /** Returns the token already recorded for the lock: greater than {@link #fenceToken()}. */
    public FenceToken observedToken() {
        return FenceToken.of(observedToken);
    }

    /** Returns the lock mode of the lease this transaction carries. */
    public LockMode lockMode() {
        return lockMode;
    }

    /**
     * Returns the lock mode in which the newer holder ({@link #observedToken()}) passed the check:
     * incompatible with {@link #lockMode()}.
     */
    public LockMode observedMode() {
        return observedMode;
    }
}
