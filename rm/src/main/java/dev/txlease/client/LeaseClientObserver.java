package dev.txlease.client;

import dev.txlease.Lease;
import dev.txlease.LockMode;
import dev.txlease.LossCause;
import java.time.Duration;

/**
 * Hooks a {@link DefaultLeaseClient} calls at a few points of its work, for metrics (the {@code
 * txlease-micrometer} module implements it) or tracing. Every method defaults to doing nothing;
 * register one observer per client with {@link DefaultLeaseClient.Builder#observer}.
 *
 * <p>Calls come from the threads doing the work (callers, renewal threads, the transaction
 * manager's threads), often several at once: implementations must be thread-safe, return quickly
 * and not call back into the client. An exception an observer throws is logged and ignored, except
 * from {@link #attached}, which fails {@code build()}.
 */
public interface LeaseClientObserver {
    /** An observer that ignores every event. */
    LeaseClientObserver NONE = new LeaseClientObserver() {};

    /**
     * The client this observer was registered on was built; called once per client, before any
     * other call. Gauges (held leases, pending renewals) read the client from here.
     *
     * @param client the client
     */
    default void attached(DefaultLeaseClient client) {}

    /**
     * An acquisition ({@code acquire}, {@code tryAcquire}, {@code acquireAsync}, or one in a JTA
     * transaction) ended.
     *
     * @param lockName the lock name
     * @param mode the mode asked for ({@link LockMode#EX} unless the options said otherwise)
     * @param outcome how it ended
     * @param elapsed from the call to its end, waiting included, on the client's clock
     */
    default void acquireEnded(String lockName, LockMode mode, AcquireOutcome outcome, Duration elapsed) {}

    /**
     * A grant took over a lock whose holder did not renew it for a whole lease duration.
     *
     * @param lease the new lease
     * @param previousOwner the owner whose lease ran out
     */
    default void tookOver(Lease lease, String previousOwner) {}

    /**
     * A renewal (a heartbeat's, or {@code renew}) ended.
     *
     * @param lease the lease
     * @param elapsed how long it took, on the client's clock
     * @param failure {@code null} if renewed; else a {@link dev.txlease.LeaseLostException}, a {@link
     *     dev.txlease.LeaseStoreUnavailableException} or another exception
     */
    default void renewalEnded(Lease lease, Duration elapsed, RuntimeException failure) {}

    /**
     * A heartbeat's renewal started; {@code lateness} after it was due (zero or more). Large values
     * mean the renewal threads cannot keep up.
     *
     * @param lateness how late it started
     */
    default void renewalStarted(Duration lateness) {}

    /**
     * A lease was lost; called once per lost lease.
     *
     * @param lease the lease
     * @param cause why
     */
    default void leaseLost(Lease lease, LossCause cause) {}

    /**
     * A transaction branch of this client's leases voted at prepare (or at a one-phase commit).
     *
     * @param xaCode {@link javax.transaction.xa.XAResource#XA_OK}, or the {@code XAException.XA_RB*}
     *     code of a rollback vote
     */
    default void prepareVoted(int xaCode) {}

    /**
     * Recovery completed a prepared branch of this client's node.
     *
     * @param committed {@code true} for a commit, {@code false} for a rollback
     */
    default void branchRecovered(boolean committed) {}
}
