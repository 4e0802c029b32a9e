package dev.txlease;

/**
 * {@link Lease#convert} was refused at once because it would deadlock: another holder of the lock
 * is converting to a mode this lease's current mode blocks, while that holder's current mode blocks
 * this conversion (for example two readers both converting to EX). Neither could ever succeed, so
 * this one is refused instead of waiting its whole wait timeout, as DLMs do. The lease keeps its mode
 * and fence token: release it (or end the transaction that holds it) so that the other conversion
 * proceeds, then acquire the lock again in the mode needed.
 */
public class LeaseDeadlockException extends LeaseException {
    private static final long serialVersionUID = 1L;

    private final String otherOwner;
    private final LockMode requested;

    /**
     * Creates the exception.
     *
     * @param lockName the lock name
     * @param owner the owner of the lease whose conversion was refused
     * @param fenceToken the lease's fence token (unchanged)
     * @param held the lease's mode (unchanged)
     * @param requested the mode the conversion asked for
     * @param otherOwner the owner of the other holder, which converts and waits for this lease
     * @param otherMode the mode the other holder converts to
     */
    public LeaseDeadlockException(
            String lockName,
            String owner,
            FenceToken fenceToken,
            LockMode held,
            LockMode requested,
            String otherOwner,
            LockMode otherMode) {
        super(
                "Converting the lease on lock '" + lockName + "' (owner " + owner + ") from " + held + " to "
                        + requested + " would deadlock: holder " + otherOwner + " is converting to " + otherMode
                        + " and waits for this lease, while this conversion waits for it. Refused at once; the"
                        + " lease keeps " + held + " (fence " + fenceToken + "): release it so that the other"
                        + " conversion proceeds, then acquire the lock again",
                lockName,
                owner,
                fenceToken,
                null);
        this.otherOwner = otherOwner;
        this.requested = requested;
    }

    /** Returns the owner of the other holder, whose conversion waits for this lease. */
    public String otherOwner() {
        return otherOwner;
    }

    /** Returns the mode the refused conversion asked for. */
    public LockMode requested() {
        return requested;
    }
}
